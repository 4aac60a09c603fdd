"""``/series``: one bulk store read per panel, cost bounded by points (issues 12 and 20).

Repeating one run id 500 times and one key 50 times once made one request read the same
series 25,000 times (issue 12). Now a panel of any number of runs x keys is read with
one bulk read (on ``_step``: the chunks' point counts, then rollups of the series long
enough for them and raw points of the others), the x
series of each run in that same read, and 1,000 runs are served (issue 20). The store
here is the real SQLite store, counting its reads.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient

from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.routes.series import MAX_POINTS
from runyard.server.series import BINARY_MEDIA_TYPE, read_series_binary, series_binary
from runyard.store.base import Rollup, RunBatch, Series
from runyard.store.sql.store import SqlStore

P = "/api/v1/projects/me/proj/series"


class CountingStore(SqlStore):
    """The SQLite store, counting its reads: one entry per call, with the pairs asked."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.reads: Counter[tuple[str, str]] = Counter()
        self.calls: list[str] = []

    def read_series(self, ref: RunRef, key: str, *args: Any, **kwargs: Any) -> Series:
        self.calls.append("series")
        self.reads[(ref.run_id, key)] += 1
        return super().read_series(ref, key, *args, **kwargs)

    def read_rollup(self, ref: RunRef, key: str, *args: Any, **kwargs: Any) -> Rollup:
        self.calls.append("rollup")
        self.reads[(ref.run_id, key)] += 1
        return super().read_rollup(ref, key, *args, **kwargs)

    def _chunks_many(
        self,
        columns: str,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        *args: Any,
        **kwargs: Any,
    ) -> dict[tuple[str, str], list[Any]]:
        # Every bulk read (series, float series, rollups, point counts) is one of these.
        if "SUM(" in columns:
            self.calls.append("count_many")  # row counts only: no points read
        else:
            self.calls.append("rollup_many" if "rollup_blob" in columns else "series_many")
            self.reads.update((r, k) for r in run_ids for k in keys)
        return super()._chunks_many(columns, entity, project, run_ids, keys, *args, **kwargs)


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
    got = series(client, runs="b,a,b,a", keys="loss,acc,loss")
    assert got == [("b", "loss"), ("b", "acc"), ("a", "loss"), ("a", "acc")]


def test_a_panel_is_one_bulk_read_not_one_per_series(
    client: TestClient, store: CountingStore
) -> None:
    series(client, runs="a,b", keys="loss,acc")
    # The chunks' point counts, then rollups of the pairs long enough for them (none
    # here) and the raw points of the others.
    assert store.calls == ["count_many", "series_many"]


def test_rollups_are_read_only_for_series_long_enough(
    client: TestClient, store: CountingStore
) -> None:
    steps = np.arange(300, dtype=np.int64)
    store.write_batch(
        RunBatch(RunRef("me", "proj", "c"), create={}, columns={"loss": (steps, np.cos(steps))})
    )
    store.reads.clear()
    answer = client.get(P, params={"runs": "a,c", "keys": "loss", "points": 2})
    assert answer.status_code == 200, answer.text
    got = {s["run"]: s for s in answer.json()["series"]}
    # 2 points x 64 a rollup row: c's 300 points are read as rollups, a's 100 raw.
    assert store.calls == ["count_many", "rollup_many", "series_many"]
    assert store.reads == {("c", "loss"): 1, ("a", "loss"): 1}
    assert got["c"]["reduced"] and got["c"]["raw_points"] == 300
    assert min(got["c"]["ymin"]) == pytest.approx(float(np.cos(steps).min()))
    assert got["a"]["raw_points"] == 100 and got["a"]["returned"] <= 2


def test_an_x_axis_is_read_once_per_run_in_the_same_read(
    client: TestClient, store: CountingStore
) -> None:
    series(client, runs="a,b", keys="loss,acc", x="epoch")
    assert store.calls == ["series_many"]
    assert store.reads[("a", "epoch")] == 1 and store.reads[("b", "epoch")] == 1


def test_a_thousand_runs_are_served(client: TestClient, store: CountingStore) -> None:
    """The 500-run refusal is gone: work is bounded by points, not runs."""
    runs = ",".join(["a", "b", *(f"r{i}" for i in range(998))])
    answer = client.get(P, params={"runs": runs, "keys": "loss"})
    assert answer.status_code == 200, answer.text
    got = answer.json()["series"]
    assert len(got) == 1000 and got[0]["returned"] == 100 and got[2]["returned"] == 0
    assert store.calls == ["count_many", "series_many"]


def test_points_per_request_are_bounded_naming_the_limit(client: TestClient) -> None:
    runs = ",".join(f"r{i}" for i in range(1000))
    keys = ",".join(f"k{i}" for i in range(10))
    over = MAX_POINTS // 10_000 + 1
    answer = client.get(P, params={"runs": runs, "keys": keys, "points": over})
    assert answer.status_code == 400
    assert f"at most {MAX_POINTS} points" in answer.json()["detail"]
    assert "1000 runs x 10 keys" in answer.json()["detail"]
    # at the limit it is served
    answer = client.get(P, params={"runs": runs, "keys": keys, "points": over - 1})
    assert answer.status_code == 200


def test_binary_format_carries_the_json_numbers(client: TestClient) -> None:
    params = {"runs": "a,b", "keys": "loss,acc", "points": 10}
    as_json = client.get(P, params=params)
    by_param = client.get(P, params={**params, "format": "binary"})
    by_accept = client.get(P, params=params, headers={"Accept": BINARY_MEDIA_TYPE})
    assert as_json.headers["content-type"] == "application/json"
    assert by_param.headers["content-type"] == BINARY_MEDIA_TYPE
    assert by_param.content == by_accept.content
    assert len(by_param.content) < len(as_json.content)
    decoded = read_series_binary(by_param.content)
    expected = as_json.json()
    assert decoded["x"] == expected["x"]
    for got, want in zip(decoded["series"], expected["series"], strict=True):
        assert got["x"].dtype == np.int64  # steps as integers
        for name in ("x", "y", "ymin", "ymax"):
            np.testing.assert_array_equal(got[name], np.array(want[name], dtype=np.float64))
        meta = {k: v for k, v in want.items() if k not in ("x", "y", "ymin", "ymax")}
        assert {k: got[k] for k in meta} == meta


def test_unknown_format_names_it(client: TestClient) -> None:
    answer = client.get(P, params={"runs": "a", "keys": "loss", "format": "xml"})
    assert answer.status_code == 400 and "'xml'" in answer.json()["detail"]


def _binary_one_by_one(x: str, series: list[dict[str, Any]]) -> bytes:
    """``series_binary`` as first written: each series' x checked and converted alone."""
    meta, parts, offset = [], [], 0
    for item in series:
        xs = np.asarray(item["x"])
        integral = bool(
            np.isfinite(xs).all() and (np.abs(xs) < 2**53).all() and (xs == np.round(xs)).all()
        )
        x_type = "i8" if x == "_step" and integral else "f8"
        blobs = [np.ascontiguousarray(xs, "<" + x_type).tobytes()] + [
            np.ascontiguousarray(item[name], "<f8").tobytes() for name in ("y", "ymin", "ymax")
        ]
        head = {k: v for k, v in item.items() if k not in ("x", "y", "ymin", "ymax")}
        meta.append({**head, "offset": offset, "x_type": x_type})
        parts += blobs
        offset += sum(len(b) for b in blobs)
    header = orjson.dumps({"x": x, "series": meta}, option=orjson.OPT_SERIALIZE_NUMPY)
    header += b" " * (-(4 + 4 + len(header)) % 8)
    return b"".join([b"RYS1", struct.pack("<I", len(header)), header, *parts])


@pytest.mark.parametrize("x", ["_step", "_runtime"])
def test_binary_body_equals_converting_each_series_alone(x: str) -> None:
    def item(run: str, xs: list[float], ys: list[float]) -> dict[str, Any]:
        y = np.array(ys)
        return {
            "run": run,
            "key": "k",
            "x": np.array(xs, np.float64),
            "y": y,
            "ymin": y - 1,
            "ymax": y + 1,
            "raw_points": len(xs),
            "returned": len(xs),
            "reduced": False,
        }

    whole = [item("a", [0, 5, 9], [1.0, np.nan, 2.5]), item("b", [], []), item("c", [3], [1e300])]
    mixed = [*whole, item("d", [0.5, 2**60, 7], [1, 2, 3]), item("e", [np.nan, 1], [0, 0])]
    for series in ([], whole, mixed):
        assert series_binary(x, series) == _binary_one_by_one(x, series)
