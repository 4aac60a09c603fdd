"""``/importance``: the config key that drives the metric ranks first, by the random
forest and by correlation; answers are cached until a run changes (issue 17)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.queries.importance import EXTRA_NOTE
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

P = "/api/v1/projects/me/sweep/importance"
RUNS = 40


@pytest.fixture
def tracking(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    rng = np.random.default_rng(7)
    for i in range(RUNS):
        dropout = float(rng.uniform(0, 0.5))
        config = {
            "train": {"dropout": dropout, "batch": int(rng.choice([32, 64, 128]))},
            "optimizer": str(rng.choice(["adam", "sgd"])),
            "seed": i,
            "name": f"run-{i}",  # a string per run: an id, not a parameter
            "fixed": 3,  # the same everywhere: says nothing
            "_wandb": {"cli_version": "0.19"},
        }
        # The loss is driven by dropout; the optimizer adds a little, the rest is noise.
        loss = 4 * dropout + 0.05 * (config["optimizer"] == "sgd") + rng.normal(0, 0.02)
        store.write_batch(
            RunBatch(
                RunRef("me", "sweep", f"r{i}"),
                create={"display_name": f"r{i}"},
                config=config,
                summary_set=[(("loss",), {"min": loss, "last": loss + 0.1}), (("acc",), 1 - loss)],
            )
        )
    store.write_batch(
        RunBatch(RunRef("me", "sweep", "no-metric"), config={"train": {"dropout": 9}})
    )
    yield store
    store.close()


@pytest.fixture
def client(tracking: SqlStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(tracking, LocalBlobStore(tmp_path / "blobs"))) as test_client:
        yield test_client


def ask(client: TestClient, **params: Any) -> dict[str, Any]:
    answer = client.get(P, params=params)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_driving_key_ranks_first(client: TestClient) -> None:
    got = ask(client, metric="loss.min")
    assert got["runs"] == RUNS and got["note"] is None
    params = got["parameters"]
    assert params[0]["key"] == "train.dropout"
    assert params[0]["importance"] > 0.8
    assert params[0]["correlation"] > 0.95
    keys = {p["key"] for p in params}
    # Numbers as they are, strings one column per value; ids, constants and _wandb left out.
    assert keys == {"train.dropout", "train.batch", "optimizer=adam", "optimizer=sgd", "seed"}
    assert sum(p["importance"] for p in params) == pytest.approx(1.0)
    by_corr = max(params, key=lambda p: abs(p["correlation"]))
    assert by_corr["key"] == "train.dropout"
    # acc = 1 - loss: the same key, negatively correlated.
    acc = ask(client, metric="acc")["parameters"][0]
    assert acc["key"] == "train.dropout" and acc["correlation"] < -0.95


def test_correlation_matches_numpy(client: TestClient, tracking: SqlStore) -> None:
    records = [r for r in tracking.list_runs("me", "sweep") if r.summary]
    x = np.array([r.config["train"]["dropout"] for r in records])
    y = np.array([r.summary["loss"]["min"] for r in records])
    got = {p["key"]: p for p in ask(client, metric="loss.min")["parameters"]}
    assert got["train.dropout"]["correlation"] == pytest.approx(np.corrcoef(x, y)[0, 1])


def test_answers_are_cached_until_a_run_changes(client: TestClient, tracking: SqlStore) -> None:
    cache = lambda: client.app.state.importance_cache  # type: ignore[attr-defined]  # noqa: E731
    first = ask(client, metric="loss.min")
    assert cache().computed == 1
    assert ask(client, metric="loss.min") == first
    assert cache().computed == 1
    ask(client, metric="acc")  # another metric is another answer
    assert cache().computed == 2
    tracking.write_batch(RunBatch(RunRef("me", "sweep", "r0"), summary_set=[(("acc",), 0.5)]))
    ask(client, metric="loss.min")
    assert cache().computed == 3


def test_filters_narrow_the_runs(client: TestClient) -> None:
    got = ask(client, metric="loss.min", filters=json.dumps({"config.optimizer": "adam"}))
    assert 0 < got["runs"] < RUNS
    assert not any(p["key"].startswith("optimizer") for p in got["parameters"])


def test_without_scikit_learn_correlations_remain_and_the_extra_is_named(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)  # import fails as if absent
    got = ask(client, metric="loss.min")
    assert got["note"] == EXTRA_NOTE and "runyard[analysis]" in got["note"]
    assert all(p["importance"] is None for p in got["parameters"])
    assert got["parameters"][0]["key"] == "train.dropout"  # ranked by |correlation|


def test_a_metric_no_run_has_says_so(client: TestClient) -> None:
    got = ask(client, metric="nope")
    assert got["runs"] == 0 and got["parameters"] == []
    assert "'nope'" in got["note"]
    bad = client.get(P, params={"metric": "loss", "filters": "[1]"})
    assert bad.status_code == 400 and "JSON object" in bad.json()["detail"]
