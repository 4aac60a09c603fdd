"""``/groups``: runs grouped by config keys / group / job type / tags, each group's line and
band checked against numpy over the raw series (issue 17), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.store.base import RunBatch
from runyard.store.registry import open_store

P = "/api/v1/projects/me/sweep/groups"
OPTIMIZERS = ("adam", "rmsprop", "sgd")
STEPS = 300


def _loss(optimizer: str, lr: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng([OPTIMIZERS.index(optimizer), int(lr * 1000), seed])
    base = {"adam": 1.0, "rmsprop": 2.0, "sgd": 3.0}[optimizer]
    return base * np.exp(-np.arange(STEPS) * lr) + rng.normal(0, 0.1, STEPS)


def _steps(optimizer: str, lr: float, seed: int) -> np.ndarray:
    # One run logs every other step only: the group's line counts it where it has values.
    if (optimizer, lr, seed) == ("sgd", 0.01, 1):
        return np.arange(0, STEPS, 2, dtype=np.int64)
    return np.arange(STEPS, dtype=np.int64)


RUNS = [(f"{o}-{lr}-{s}", o, lr, s) for o in OPTIMIZERS for lr in (0.1, 0.01) for s in (0, 1)]


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    uri = (
        f"sqlite:///{tmp_path}/runyard.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_uri")
    )
    tracking = open_store(uri)
    for run_id, optimizer, lr, seed in RUNS:
        steps = _steps(optimizer, lr, seed)
        loss = _loss(optimizer, lr, seed)[steps]
        tracking.write_batch(
            RunBatch(
                RunRef("me", "sweep", run_id),
                create={
                    "display_name": run_id,
                    "group": f"g{seed}",
                    "tags": ["all", f"lr{lr}"],
                },
                config={"train": {"optimizer": optimizer, "lr": lr}, "seed": seed},
                columns={
                    "loss": (steps, loss),
                    "acc": (steps, 1.0 - loss),
                    "_runtime": (steps, steps * 0.5),
                },
            )
        )
    with TestClient(create_app(tracking, LocalBlobStore(tmp_path / "blobs"))) as test_client:
        yield test_client
    tracking.close()


def groups(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(P, params=params)
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()["groups"]
    return result


def _expected_matrix(members: list[tuple[str, str, float, int]]) -> np.ndarray:
    matrix = np.full((len(members), STEPS), np.nan)
    for row, (_id, o, lr, s) in enumerate(members):
        steps = _steps(o, lr, s)
        matrix[row, steps] = _loss(o, lr, s)[steps]
    return matrix


def test_group_by_nested_config_key_mean_and_std_match_numpy(client: TestClient) -> None:
    got = groups(client, by="config.train.optimizer", keys="loss", agg="mean", band="std")
    assert [g["values"] for g in got] == [{"config.train.optimizer": o} for o in OPTIMIZERS]
    for group, optimizer in zip(got, OPTIMIZERS, strict=True):
        members = [r for r in RUNS if r[1] == optimizer]
        assert group["count"] == 4
        assert sorted(group["runs"]) == sorted(r[0] for r in members)
        matrix = _expected_matrix(members)
        mean, std = np.nanmean(matrix, axis=0), np.nanstd(matrix, axis=0)
        (line,) = group["series"]
        assert line["key"] == "loss" and line["reduced"] is False
        assert line["x"] == list(range(STEPS))
        assert np.allclose(line["y"], mean)
        assert np.allclose(line["lo"], mean - std)
        assert np.allclose(line["hi"], mean + std)


def test_minmax_median_and_stderr(client: TestClient) -> None:
    members = [r for r in RUNS if r[1] == "sgd"]
    matrix = _expected_matrix(members)
    filters = json.dumps({"config.train.optimizer": "sgd"})
    (median,) = groups(
        client,
        by="config.train.optimizer",
        keys="loss",
        agg="median",
        band="minmax",
        filters=filters,
    )
    line = median["series"][0]
    assert np.allclose(line["y"], np.nanmedian(matrix, axis=0))
    assert np.allclose(line["lo"], np.nanmin(matrix, axis=0))
    assert np.allclose(line["hi"], np.nanmax(matrix, axis=0))
    (err,) = groups(
        client, by="config.train.optimizer", keys="loss", band="stderr", filters=filters
    )
    n = (~np.isnan(matrix)).sum(axis=0)
    spread = np.nanstd(matrix, axis=0) / np.sqrt(n)
    assert np.allclose(err["series"][0]["hi"], np.nanmean(matrix, axis=0) + spread)
    assert n[1] == 3 and n[0] == 4  # the every-other-step run counts only where it logged


def test_group_by_several_keys_and_run_fields(client: TestClient) -> None:
    got = groups(client, by="config.train.optimizer,config.train.lr", keys="loss,acc")
    assert len(got) == 6 and all(g["count"] == 2 for g in got)
    # Numbers sort numerically within a key.
    assert [g["values"]["config.train.lr"] for g in got[:2]] == [0.01, 0.1]
    assert [s["key"] for s in got[0]["series"]] == ["loss", "acc"]
    by_group = groups(client, by="group", keys="loss")
    assert [(g["values"], g["count"]) for g in by_group] == [
        ({"group": "g0"}, 6),
        ({"group": "g1"}, 6),
    ]
    # A run with several tags is in each tag's group.
    by_tag = groups(client, by="tags", keys="loss")
    assert [(g["values"]["tags"], g["count"]) for g in by_tag] == [
        ("all", 12),
        ("lr0.01", 6),
        ("lr0.1", 6),
    ]


def test_compound_filters_select_the_runs(client: TestClient) -> None:
    # Issue 17's defect was `a > x and b = y` in the web filter box; the server's $and is right.
    filters = json.dumps(
        {"$and": [{"config.train.lr": {"$gt": 0.05}}, {"config.train.optimizer": "adam"}]}
    )
    (only,) = groups(client, by="config.train.optimizer", keys="loss", filters=filters)
    assert sorted(only["runs"]) == ["adam-0.1-0", "adam-0.1-1"]


def test_reduced_for_drawing_keeps_spikes_and_the_band(client: TestClient) -> None:
    (group,) = groups(
        client,
        by="config.seed",
        keys="loss",
        band="minmax",
        points=10,
        filters=json.dumps({"config.seed": 0}),
    )
    line = group["series"][0]
    assert line["reduced"] is True and line["returned"] <= 10 and line["raw_points"] == STEPS
    matrix = _expected_matrix([r for r in RUNS if r[3] == 0])
    mean = np.nanmean(matrix, axis=0)
    assert max(line["ymax"]) == pytest.approx(mean.max())
    assert min(line["lo"]) == pytest.approx(np.nanmin(matrix))
    assert max(line["hi"]) == pytest.approx(np.nanmax(matrix))


def test_other_x_axes_interpolate_each_run_inside_its_range(client: TestClient) -> None:
    filters = json.dumps({"config.train.optimizer": "sgd", "config.train.lr": 0.01})
    (group,) = groups(client, by="config.train.lr", keys="loss", x="_runtime", filters=filters)
    line = group["series"][0]
    assert line["x"] == [s * 0.5 for s in range(STEPS)]
    dense = _loss("sgd", 0.01, 0)
    sparse_steps = _steps("sgd", 0.01, 1)
    sparse = np.interp(np.arange(STEPS), sparse_steps, _loss("sgd", 0.01, 1)[sparse_steps])
    expected = (dense + sparse) / 2
    # The sparse run ends at step 298: at 299 only the dense run counts.
    expected[-1] = dense[-1]
    assert np.allclose(line["y"], expected)


def test_bad_requests_name_the_value(client: TestClient) -> None:
    for params, needle in (
        ({"by": "colour", "keys": "loss"}, "'colour'"),
        ({"by": "group", "keys": "loss", "agg": "mode"}, "'mode'"),
        ({"by": "group", "keys": "loss", "band": "iqr"}, "'iqr'"),
        ({"by": "group", "keys": ",".join(f"k{i}" for i in range(11))}, "at most 10 keys"),
        ({"by": "group", "keys": "loss", "filters": "{"}, "not valid JSON"),
    ):
        answer = client.get(P, params=params)
        assert answer.status_code == 400, params
        assert needle in answer.json()["detail"]


def test_groups_sort_numbers_numerically_then_text_then_missing() -> None:
    from runyard.entities import RunRecord
    from runyard.server.queries.grouping import group_runs

    values: list[Any] = [10, "b", None, 9, "a", 2.5]
    records = [
        RunRecord(ref=RunRef("me", "p", f"r{i}"), config={} if v is None else {"k": v})
        for i, v in enumerate(values)
    ]
    got = [g.values["config.k"] for g in group_runs(records, ["config.k"])]
    assert got == [2.5, 9, 10, "a", "b", None]


def test_answers_are_reused_until_a_run_changes(client: TestClient) -> None:
    """The second identical request reads no series; a run logging more (or a different
    question) is aggregated afresh, with the new points."""
    app: Any = client.app
    first = groups(client, by="config.train.optimizer", keys="loss")
    assert groups(client, by="config.train.optimizer", keys="loss") == first
    assert app.state.groups_cache.computed == 1
    groups(client, by="config.train.optimizer", keys="loss", band="minmax")
    assert app.state.groups_cache.computed == 2

    tracking = app.state.store
    tracking.write_batch(
        RunBatch(RunRef("me", "sweep", "adam-0.1-0"), columns={"loss": ([STEPS], [100.0])})
    )
    again = groups(client, by="config.train.optimizer", keys="loss")
    assert app.state.groups_cache.computed == 3
    adam = next(g for g in again if g["values"] == {"config.train.optimizer": "adam"})
    assert adam["series"][0]["x"][-1] == STEPS and adam["series"][0]["y"][-1] == 100.0
