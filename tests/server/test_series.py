"""``/series`` costs what distinct runs x keys cost, within a bound (issue 12, point 8).

Repeating one run id 500 times and one key 50 times made one request read the same
series 25,000 times (65 s of CPU, open to anonymous readers of a public project).
The store here is the real SQLite store, counting its series reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.routes.series import MAX_SERIES
from runyard.store.base import Rollup, RunBatch, Series
from runyard.store.sql.store import SqlStore

P = "/api/v1/projects/me/proj/series"


class CountingStore(SqlStore):
    """The SQLite store, counting reads of series and rollups by (run, key)."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.reads: Counter[tuple[str, str]] = Counter()

    def read_series(self, ref: RunRef, key: str, *args: Any, **kwargs: Any) -> Series:
        self.reads[(ref.run_id, key)] += 1
        return super().read_series(ref, key, *args, **kwargs)

    def read_rollup(self, ref: RunRef, key: str, *args: Any, **kwargs: Any) -> Rollup:
        self.reads[(ref.run_id, key)] += 1
        return super().read_rollup(ref, key, *args, **kwargs)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CountingStore]:
    tracking = CountingStore(f"sqlite:///{tmp_path}/runyard.db")
    steps = np.arange(100, dtype=np.int64)
    for run_id in ("a", "b"):
        tracking.write_batch(
            RunBatch(
                RunRef("me", "proj", run_id),
                create={"display_name": run_id},
                columns={
                    "loss": (steps, np.linspace(1, 0, 100)),
                    "acc": (steps, np.linspace(0, 1, 100)),
                    "epoch": (steps, (steps // 10).astype(np.float64)),
                },
            )
        )
    yield tracking
    tracking.close()


@pytest.fixture
def client(store: CountingStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store, LocalBlobStore(tmp_path / "blobs"))) as test_client:
        yield test_client


def series(client: TestClient, **params: Any) -> list[tuple[str, str]]:
    answer = client.get(P, params=params)
    assert answer.status_code == 200, answer.text
    return [(s["run"], s["key"]) for s in answer.json()["series"]]


def test_repeated_runs_and_keys_are_read_once(client: TestClient, store: CountingStore) -> None:
    assert series(client, runs="a", keys="loss") == [("a", "loss")]
    once = dict(store.reads)  # a rollup and the raw points
    store.reads.clear()
    got = series(client, runs=",".join(["a"] * 500), keys=",".join(["loss"] * 50))
    assert got == [("a", "loss")]
    assert store.reads == once


def test_order_is_runs_then_keys_as_first_given(client: TestClient, store: CountingStore) -> None:
    series(client, runs="a", keys="loss")
    per_pair = store.reads[("a", "loss")]
    store.reads.clear()
    got = series(client, runs="b,a,b,a", keys="loss,acc,loss")
    assert got == [("b", "loss"), ("b", "acc"), ("a", "loss"), ("a", "acc")]
    assert set(store.reads.values()) == {per_pair}


def test_an_x_axis_is_read_once_per_run(client: TestClient, store: CountingStore) -> None:
    series(client, runs="a,b", keys="loss,acc", x="epoch")
    assert store.reads[("a", "epoch")] == 1 and store.reads[("b", "epoch")] == 1


def test_runs_times_keys_is_bounded_naming_the_limit(client: TestClient) -> None:
    runs = ",".join(f"r{i}" for i in range(100))
    keys = ",".join(f"k{i}" for i in range(MAX_SERIES // 100 + 1))
    answer = client.get(P, params={"runs": runs, "keys": keys})
    assert answer.status_code == 400
    assert f"at most {MAX_SERIES} series" in answer.json()["detail"]
    # at the limit it is served
    keys = ",".join(f"k{i}" for i in range(MAX_SERIES // 100))
    assert client.get(P, params={"runs": runs, "keys": keys}).status_code == 200
