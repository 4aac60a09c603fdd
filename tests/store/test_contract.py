"""The behaviour every `TrackingStore` promises, run against each backend.

Each backend is a parameter of the ``store_factory`` fixture: a function that opens
a new store object on the same backing database, so tests can also check what a
second client sees. ``http`` is :class:`~runyard.store.rest.store.HttpStore` against a real
server process (over SQLite), so the HTTP store keeps every promise the SQL store does.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.errors import StoreError
from runyard.store.base import ForeignJournal, RunBatch, TrackingStore, ViewExistsError
from runyard.store.rest.store import HttpStore
from runyard.store.sql.store import CHUNK_POINTS, SqlStore
from tests.store.http_server import ServerProcess

StoreFactory = Callable[[], TrackingStore]


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], TrackingStore]:
    uri = f"sqlite:///{tmp_path}/t.db"
    return lambda: SqlStore(uri)


def _postgresql(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], TrackingStore]:
    uri: str = request.getfixturevalue("postgres_uri")  # a fresh database (conftest.py)
    return lambda: SqlStore(uri)


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server process (uvicorn) for the session; every test gets its own
    SQLite store behind it, through a path prefix (see tests/store/http_server.py)."""
    server = ServerProcess(tmp_path_factory.mktemp("http-stores")).start()
    yield server
    server.stop()


def _http(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], TrackingStore]:
    server: ServerProcess = request.getfixturevalue("http_server")
    base = f"{server.url}/t{uuid.uuid4().hex}"
    return lambda: HttpStore(base, deadline=30.0)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Callable[[], TrackingStore]]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
    "http": _http,
}


@pytest.fixture(params=sorted(BACKENDS))
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens another client of one fresh backing store (none is opened up front)."""
    opener = BACKENDS[request.param](request, tmp_path)
    opened: list[TrackingStore] = []

    def factory() -> TrackingStore:
        store = opener()
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> TrackingStore:
    return store_factory()


RUN = RunRef("ent", "proj", "run1")


def create(store: TrackingStore, ref: RunRef = RUN, **fields: Any) -> None:
    fields.setdefault("display_name", ref.run_id)
    store.write_batch(RunBatch(ref, create=fields))


def log_column(store: TrackingStore, key: str, steps: Any, values: Any, ref: RunRef = RUN) -> None:
    store.write_batch(RunBatch(ref, columns={key: (list(steps), list(values))}))


def assert_bit_exact(expected: np.ndarray, actual: np.ndarray) -> None:
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    bad = np.flatnonzero(expected.view("<u8") != actual.view("<u8"))
    assert bad.size == 0, f"{bad.size} values differ, first at index {bad[0]}"


def walk(n: int, seed: int = 0) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(size=n))


# -- runs: create, meta, listing ---------------------------------------------


def test_missing_run_reads_as_nothing(store: TrackingStore) -> None:
    assert store.get_run(RUN) is None
    assert store.list_runs("ent", "proj") == []
    assert store.list_projects() == []
    assert store.history_keys(RUN) == []
    assert len(store.read_series(RUN, "loss")) == 0
    assert store.read_values(RUN, ["x"], 0, None) == {}
    assert list(store.scan_history(RUN)) == []


def test_first_batch_creates_the_run_with_create_fields(store: TrackingStore) -> None:
    store.write_batch(
        RunBatch(
            RUN,
            create={
                "display_name": "brave-fox-1",
                "tags": ["a", "b"],
                "notes": "first try",
                "group": "sweep-1",
                "job_type": "train",
                "host": "gpu-01",
                "color": "#ff0000",
                "created_at": 1_700_000_000.5,
                "forked_from": "ent/proj/other?_step=3",
            },
        )
    )
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.ref == RUN
    assert rec.display_name == "brave-fox-1"
    assert rec.tags == ["a", "b"]
    assert rec.notes == "first try"
    assert rec.group == "sweep-1"
    assert rec.job_type == "train"
    assert rec.host == "gpu-01"
    assert rec.color == "#ff0000"
    assert rec.created_at == 1_700_000_000.5
    assert rec.forked_from == "ent/proj/other?_step=3"
    # Defaults of a new run.
    assert rec.state == "running"
    assert rec.config == {}
    assert rec.summary == {}
    assert rec.summary_state == {}
    assert rec.metrics == []
    assert rec.last_step == -1
    assert rec.exit_code is None
    assert rec.sessions == 0
    assert rec.runtime == 0.0


def test_batch_for_a_missing_run_without_create_creates_nothing(store: TrackingStore) -> None:
    store.write_batch(RunBatch(RUN, config={"lr": 0.1}, columns={"loss": ([0], [1.0])}))
    assert store.get_run(RUN) is None
    assert store.list_projects() == []


def test_create_is_ignored_when_the_run_exists(store: TrackingStore) -> None:
    create(store, display_name="first", tags=["x"])
    store.write_batch(RunBatch(RUN, create={"display_name": "second", "tags": ["y"]}))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.display_name == "first"
    assert rec.tags == ["x"]
    assert len(store.list_runs("ent", "proj")) == 1


def test_nul_characters_in_documents_do_not_break_queries(store: TrackingStore) -> None:
    """PostgreSQL's jsonb refuses NUL; one such run must not break the project's queries."""
    create(store, tags=["a\x00b", "t"])
    store.write_batch(RunBatch(RUN, config={"s": "x\x00y", "n": 1}, summary_set=[(("m",), "\x00")]))
    create(store, RunRef("ent", "proj", "run2"))
    store.write_batch(RunBatch(RunRef("ent", "proj", "run2"), config={"n": 2}))
    rec = store.get_run(RUN)
    assert rec is not None
    assert (rec.config["s"], rec.summary["m"], rec.tags) == ("x\x00y", "\x00", ["a\x00b", "t"])
    found = store.query_runs("ent", "proj", {"config.n": {"$lt": 3}}, order="-config.s")
    assert [r.ref.run_id for r in found] == ["run1", "run2"]
    assert [r.ref.run_id for r in store.query_runs("ent", "proj", {"tags": "t"})] == ["run1"]
    assert [r.ref.run_id for r in store.query_runs("ent", "proj", {"config.n": 2})] == ["run2"]


def test_meta_updates_fields(store: TrackingStore) -> None:
    create(store, display_name="a", tags=["t1"])
    store.write_batch(
        RunBatch(
            RUN,
            meta={
                "display_name": "renamed",
                "tags": ["t2", "t3"],
                "notes": "n",
                "group": "g",
                "job_type": "eval",
                "host": "h2",
                "color": "#00ff00",
                "state": "finished",
                "exit_code": 0,
                "runtime": 12.25,
                "heartbeat_at": 1_700_000_100.0,
                "sessions": 2,
            },
        )
    )
    rec = store.get_run(RUN)
    assert rec is not None
    assert (rec.display_name, rec.tags, rec.notes, rec.group, rec.job_type) == (
        "renamed",
        ["t2", "t3"],
        "n",
        "g",
        "eval",
    )
    assert (rec.host, rec.color, rec.state, rec.exit_code) == ("h2", "#00ff00", "finished", 0)
    assert (rec.runtime, rec.heartbeat_at, rec.sessions) == (12.25, 1_700_000_100.0, 2)

    store.write_batch(RunBatch(RUN, meta={"state": "running", "exit_code": None}))
    rec = store.get_run(RUN)
    assert rec is not None
    assert (rec.state, rec.exit_code, rec.display_name) == ("running", None, "renamed")


def test_meta_does_not_touch_other_fields(store: TrackingStore) -> None:
    create(store, notes="keep", tags=["keep"])
    store.write_batch(RunBatch(RUN, config={"lr": 0.1}, summary_set=[(("acc",), 0.5)]))
    store.write_batch(RunBatch(RUN, meta={"state": "failed", "exit_code": 1}))
    rec = store.get_run(RUN)
    assert rec is not None
    assert (rec.notes, rec.tags, rec.config, rec.summary) == (
        "keep",
        ["keep"],
        {"lr": 0.1},
        {"acc": 0.5},
    )


def test_summary_state_and_metrics_are_replaced(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            summary_state={"reducers": {"loss": {"min": 1.0}}},
            metrics=[{"name": "loss", "summary": ["min"]}],
        )
    )
    store.write_batch(
        RunBatch(RUN, summary_state={"reducers": {}}, metrics=[{"name": "acc", "goal": "max"}])
    )
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.summary_state == {"reducers": {}}
    assert rec.metrics == [{"name": "acc", "goal": "max"}]


def test_list_runs_oldest_first_and_per_project(store: TrackingStore) -> None:
    for run_id, created in [("c", 300.0), ("a", 100.0), ("b", 200.0)]:
        create(store, RunRef("ent", "proj", run_id), created_at=created)
    create(store, RunRef("ent", "other", "z"), created_at=50.0)
    create(store, RunRef("ent2", "proj", "y"), created_at=60.0)
    runs = store.list_runs("ent", "proj")
    assert [r.ref.run_id for r in runs] == ["a", "b", "c"]
    assert all(r.ref.entity == "ent" and r.ref.project == "proj" for r in runs)
    assert [r.ref.run_id for r in store.list_runs("ent", "other")] == ["z"]
    assert store.list_runs("ent", "nope") == []


def test_list_projects(store: TrackingStore) -> None:
    for entity, project in [("e1", "p2"), ("e1", "p1"), ("e2", "p1"), ("e1", "p1")]:
        create(store, RunRef(entity, project, f"{entity}-{project}-{len(project)}"))
    create(store, RunRef("e1", "p1", "second-run"))
    assert sorted(store.list_projects()) == [("e1", "p1"), ("e1", "p2"), ("e2", "p1")]
    assert sorted(store.list_projects("e1")) == [("e1", "p1"), ("e1", "p2")]
    assert store.list_projects("e3") == []


def test_same_run_id_in_two_projects_are_two_runs(store: TrackingStore) -> None:
    a, b = RunRef("ent", "p1", "same"), RunRef("ent", "p2", "same")
    create(store, a)
    create(store, b)
    log_column(store, "loss", [0, 1], [1.0, 2.0], ref=a)
    log_column(store, "loss", [0], [9.0], ref=b)
    assert store.read_series(a, "loss").values.tolist() == [1.0, 2.0]
    assert store.read_series(b, "loss").values.tolist() == [9.0]


# -- config and summary: field-level merges -----------------------------------


def test_config_merges_by_top_level_key(store: TrackingStore) -> None:
    create(store)
    store.write_batch(RunBatch(RUN, config={"lr": 0.1, "opt": {"name": "adam", "beta": 0.9}}))
    store.write_batch(RunBatch(RUN, config={"batch_size": 32}))
    store.write_batch(RunBatch(RUN, config={"lr": 0.2, "opt": {"name": "sgd"}}))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.config == {"lr": 0.2, "opt": {"name": "sgd"}, "batch_size": 32}


def test_config_from_two_clients_both_survive(store_factory: StoreFactory) -> None:
    run_side, api_side = store_factory(), store_factory()
    create(run_side)
    api_side.write_batch(RunBatch(RUN, config={"from_api": 1}))
    run_side.write_batch(RunBatch(RUN, config={"from_run": 2}))
    rec = api_side.get_run(RUN)
    assert rec is not None
    assert rec.config == {"from_api": 1, "from_run": 2}


def test_summary_edits_from_the_api_and_the_run_both_survive(
    store_factory: StoreFactory,
) -> None:
    """wandb#4377: the API sets summary key X, later the run sets Y; both remain."""
    run_side, api_side = store_factory(), store_factory()
    create(run_side)
    log_column(run_side, "loss", [0, 1], [1.0, 0.5])
    api_side.write_batch(RunBatch(RUN, summary_set=[(("x",), "set by api")]))
    run_side.write_batch(
        RunBatch(
            RUN,
            summary_set=[(("y",), 0.25)],
            columns={"loss": ([2], [0.25])},
            summary_state={"reducers": {}},
        )
    )
    rec = run_side.get_run(RUN)
    assert rec is not None
    assert rec.summary == {"x": "set by api", "y": 0.25}


def test_summary_set_nested_paths(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            summary_set=[(("train", "loss"), 0.5), (("train", "acc"), 0.9), (("epoch",), 3)],
        )
    )
    store.write_batch(RunBatch(RUN, summary_set=[(("train", "loss"), 0.4), (("a", "b", "c"), 1)]))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.summary == {"train": {"loss": 0.4, "acc": 0.9}, "epoch": 3, "a": {"b": {"c": 1}}}


def test_summary_set_dict_value_replaces_the_subtree(store: TrackingStore) -> None:
    create(store)
    store.write_batch(RunBatch(RUN, summary_set=[(("train", "loss"), 0.5), (("train", "acc"), 1)]))
    store.write_batch(RunBatch(RUN, summary_set=[(("train",), {"f1": 0.7})]))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.summary == {"train": {"f1": 0.7}}


def test_summary_delete(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            summary_set=[(("train", "loss"), 0.5), (("train", "acc"), 0.9), (("lr",), 0.1)],
        )
    )
    store.write_batch(RunBatch(RUN, summary_delete=[("train", "loss"), ("missing", "path")]))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.summary == {"train": {"acc": 0.9}, "lr": 0.1}

    store.write_batch(RunBatch(RUN, summary_delete=[("train", "acc"), ("lr",)]))
    rec = store.get_run(RUN)
    assert rec is not None
    assert "lr" not in rec.summary
    assert rec.summary.get("train", {}) == {}


def test_summary_delete_applies_before_set_in_one_batch(store: TrackingStore) -> None:
    create(store)
    store.write_batch(RunBatch(RUN, summary_set=[(("a",), 1)]))
    store.write_batch(RunBatch(RUN, summary_delete=[("a",)], summary_set=[(("a",), 2)]))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.summary == {"a": 2}


def test_json_documents_keep_nan_and_infinity(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            config={"inf": float("inf")},
            summary_set=[(("best",), float("nan")), (("worst",), float("-inf"))],
        )
    )
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.config["inf"] == math.inf
    assert math.isnan(rec.summary["best"])
    assert rec.summary["worst"] == -math.inf


# -- scalar history -------------------------------------------------------------


def test_history_crossing_chunk_boundaries_reads_back_exactly(store: TrackingStore) -> None:
    create(store)
    total = 2 * CHUNK_POINTS + 1234
    loss = walk(total, seed=1)
    loss[[5, CHUNK_POINTS, CHUNK_POINTS + 1, total - 1]] = [
        float("nan"),
        float("inf"),
        float("-inf"),
        -0.0,
    ]
    count = np.arange(total, dtype=np.int64) * 7 - 3
    sizes = [1, 7, 1000, CHUNK_POINTS + 5, 333, CHUNK_POINTS - 1]
    start, i = 0, 0
    while start < total:
        stop = min(total, start + sizes[i % len(sizes)])
        steps = list(range(start, stop))
        store.write_batch(
            RunBatch(
                RUN,
                columns={
                    "loss": (steps, loss[start:stop].tolist()),
                    "count": (steps, count[start:stop].tolist()),
                },
            )
        )
        start, i = stop, i + 1
    series = store.read_series(RUN, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(total))
    assert_bit_exact(loss, series.values)
    ints = store.read_series(RUN, "count")
    assert ints.values.dtype == np.int64
    np.testing.assert_array_equal(ints.values, count)
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == total - 1


def test_sparse_steps_read_back_exactly(store: TrackingStore) -> None:
    create(store)
    steps = np.cumsum(np.random.default_rng(2).integers(1, 20, size=CHUNK_POINTS + 50))
    values = walk(len(steps), seed=2)
    for part in np.array_split(np.arange(len(steps)), 9):
        log_column(store, "val/loss", steps[part].tolist(), values[part].tolist())
    series = store.read_series(RUN, "val/loss")
    np.testing.assert_array_equal(series.steps, steps)
    assert_bit_exact(values, series.values)


@pytest.mark.parametrize(
    ("min_step", "max_step"),
    [
        (None, None),
        (0, None),
        (None, 10),
        (5, 6),
        (5, 5),
        (100, 200),
        (CHUNK_POINTS - 3, CHUNK_POINTS + 3),
        (CHUNK_POINTS, None),
        (None, CHUNK_POINTS),
        (2 * CHUNK_POINTS - 1, 10 * CHUNK_POINTS),
        (10 * CHUNK_POINTS, None),
        (-5, 3),
    ],
)
def test_read_series_windows_are_min_inclusive_max_exclusive(
    store: TrackingStore, min_step: int | None, max_step: int | None
) -> None:
    create(store)
    total = 2 * CHUNK_POINTS + 10
    values = walk(total, seed=3)
    for part in np.array_split(np.arange(total), 5):
        log_column(store, "loss", part.tolist(), values[part].tolist())
    series = store.read_series(RUN, "loss", min_step, max_step)
    lo = 0 if min_step is None else max(min_step, 0)
    hi = total if max_step is None else min(max_step, total)
    expected = np.arange(lo, max(lo, hi))
    np.testing.assert_array_equal(series.steps, expected)
    assert_bit_exact(values[expected], series.values)
    assert series.key == "loss"


def test_int_columns_stay_ints(store: TrackingStore) -> None:
    create(store)
    big = 2**53 + 1  # not representable as float64
    log_column(store, "epoch", [0, 1, 2], [0, 1, big])
    log_column(store, "epoch", [3, 4], [-(2**62), 7])
    series = store.read_series(RUN, "epoch")
    assert series.values.dtype == np.int64
    assert series.values.tolist() == [0, 1, big, -(2**62), 7]
    rows = list(store.scan_history(RUN, keys=["epoch"]))
    assert [row["epoch"] for row in rows] == [0, 1, big, -(2**62), 7]
    assert all(type(row["epoch"]) is int for row in rows)


def test_float_column_with_integral_values_reads_as_floats(store: TrackingStore) -> None:
    create(store)
    log_column(store, "loss", [0, 1], [1.0, 2.0])
    series = store.read_series(RUN, "loss")
    assert series.values.dtype == np.float64
    assert series.values.tolist() == [1.0, 2.0]


def test_key_turning_from_int_to_float_keeps_every_value(store: TrackingStore) -> None:
    create(store)
    log_column(store, "x", [0, 1], [1, 2])
    log_column(store, "x", [2, 3], [2.5, 3.5])
    series = store.read_series(RUN, "x")
    assert series.steps.tolist() == [0, 1, 2, 3]
    assert series.values.tolist() == [1, 2, 2.5, 3.5]


def test_history_keys_sorted_with_step(store: TrackingStore) -> None:
    create(store)
    assert store.history_keys(RUN) == []
    store.write_batch(
        RunBatch(
            RUN,
            columns={
                "loss": ([0, 1], [1.0, 0.5]),
                "acc": ([1], [0.9]),
                "media/img": ([1], [{"_type": "image-file", "path": "a.png"}]),
            },
        )
    )
    assert store.history_keys(RUN) == ["_step", "acc", "loss", "media/img"]


def test_last_step_never_goes_backwards(store: TrackingStore) -> None:
    create(store)
    log_column(store, "loss", range(10), [0.0] * 10)
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == 9
    log_column(store, "late_metric", [3, 4], [1.0, 2.0])
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == 9


def test_last_step_can_be_set_by_meta(store: TrackingStore) -> None:
    create(store)
    store.write_batch(RunBatch(RUN, meta={"last_step": 41}))
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == 41


def test_the_same_batch_written_twice_stores_each_point_once(store: TrackingStore) -> None:
    """Batches are idempotent by (run, key, step): a retried flush must not duplicate."""
    create(store)
    batch = RunBatch(
        RUN,
        columns={"loss": ([0, 1, 2], [1.0, 0.5, 0.25]), "text": ([1], ["hi"])},
        journal=("j", 100),
    )
    store.write_batch(batch)
    store.write_batch(batch)
    series = store.read_series(RUN, "loss")
    assert series.steps.tolist() == [0, 1, 2]
    assert series.values.tolist() == [1.0, 0.5, 0.25]
    assert store.read_values(RUN, ["text"], 0, None) == {"text": [(1, "hi")]}


# -- non-scalar and mixed history ---------------------------------------------

HIST = {"_type": "histogram", "values": [1, 2, 3], "bins": [0.0, 0.5, 1.0, 1.5]}


def test_non_scalar_values_round_trip(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            columns={
                "hist": ([0, 2], [HIST, {"_type": "histogram", "values": [], "bins": [0.0]}]),
                "text": ([0, 1, 2], ["a", "", "ünïcode ✓"]),
                "vec": ([1], [[1, 2.5, [3, "x"], None]]),
                "maybe": ([0, 1], [None, None]),
                "flag": ([0, 1], [True, False]),
            },
        )
    )
    got = store.read_values(RUN, ["hist", "text", "vec", "maybe", "flag", "absent"], 0, None)
    assert got == {
        "hist": [(0, HIST), (2, {"_type": "histogram", "values": [], "bins": [0.0]})],
        "text": [(0, "a"), (1, ""), (2, "ünïcode ✓")],
        "vec": [(1, [1, 2.5, [3, "x"], None])],
        "maybe": [(0, None), (1, None)],
        "flag": [(0, True), (1, False)],
    }
    assert [type(v) for _, v in got["flag"]] == [bool, bool]
    # Booleans are values, not numbers: they are not part of a numeric series.
    assert len(store.read_series(RUN, "flag")) == 0


def test_read_values_windows_and_key_selection(store: TrackingStore) -> None:
    create(store)
    log_column(store, "text", range(10), [f"t{i}" for i in range(10)])
    log_column(store, "other", range(10), [[i] for i in range(10)])
    got = store.read_values(RUN, ["text"], 3, 6)
    assert got == {"text": [(3, "t3"), (4, "t4"), (5, "t5")]}
    assert store.read_values(RUN, ["text"], 8, None) == {"text": [(8, "t8"), (9, "t9")]}
    assert store.read_values(RUN, [], 0, None) == {}


def test_json_values_keep_nan_and_infinity(store: TrackingStore) -> None:
    create(store)
    log_column(store, "vec", [0], [[float("nan"), float("inf"), float("-inf"), 1.5]])
    ((step, value),) = store.read_values(RUN, ["vec"], 0, None)["vec"]
    assert step == 0
    assert math.isnan(value[0])
    assert value[1:] == [math.inf, -math.inf, 1.5]


def test_mixed_column_splits_numbers_and_values(store: TrackingStore) -> None:
    create(store)
    log_column(store, "x", range(7), [1.0, "skip", None, 2, [1], True, 3.5])
    series = store.read_series(RUN, "x")
    assert series.steps.tolist() == [0, 3, 6]
    assert series.values.tolist() == [1.0, 2.0, 3.5]
    assert store.read_values(RUN, ["x"], 0, None) == {
        "x": [(1, "skip"), (2, None), (4, [1]), (5, True)]
    }
    rows = list(store.scan_history(RUN))
    assert [row["x"] for row in rows] == [1.0, "skip", None, 2, [1], True, 3.5]
    assert store.history_keys(RUN) == ["_step", "x"]


def test_value_rewritten_at_the_same_step_is_replaced(store: TrackingStore) -> None:
    create(store)
    log_column(store, "text", [0], ["old"])
    log_column(store, "text", [0], ["new"])
    assert store.read_values(RUN, ["text"], 0, None) == {"text": [(0, "new")]}


# -- scan_history -----------------------------------------------------------------


def _scan_fixture(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            columns={
                "loss": (list(range(10)), [float(i) for i in range(10)]),
                "acc": ([1, 3, 5, 7, 9], [0.1, 0.3, 0.5, 0.7, 0.9]),
                "text": ([3, 4, 9], ["c", "d", "j"]),
            },
        )
    )


def test_scan_history_without_keys_returns_every_row(store: TrackingStore) -> None:
    _scan_fixture(store)
    rows = list(store.scan_history(RUN))
    assert [row["_step"] for row in rows] == list(range(10))
    assert rows[0] == {"_step": 0, "loss": 0.0}
    assert rows[3] == {"_step": 3, "loss": 3.0, "acc": 0.3, "text": "c"}
    assert rows[4] == {"_step": 4, "loss": 4.0, "text": "d"}
    assert rows[9] == {"_step": 9, "loss": 9.0, "acc": 0.9, "text": "j"}


def test_scan_history_with_keys_keeps_rows_having_all_of_them(store: TrackingStore) -> None:
    _scan_fixture(store)
    # Every row carries its `_step`, asked for or not.
    assert list(store.scan_history(RUN, keys=["acc", "text"])) == [
        {"_step": 3, "acc": 0.3, "text": "c"},
        {"_step": 9, "acc": 0.9, "text": "j"},
    ]
    assert list(store.scan_history(RUN, keys=["_step", "acc"])) == [
        {"_step": s, "acc": s / 10} for s in (1, 3, 5, 7, 9)
    ]
    assert list(store.scan_history(RUN, keys=["acc", "never_logged"])) == []


@pytest.mark.parametrize("page_size", [1, 3, 4, 1000])
def test_scan_history_pages_give_the_same_rows(store: TrackingStore, page_size: int) -> None:
    _scan_fixture(store)
    expected = list(store.scan_history(RUN, page_size=10_000))
    assert len(expected) == 10
    assert list(store.scan_history(RUN, page_size=page_size)) == expected
    window = list(store.scan_history(RUN, min_step=3, max_step=8, page_size=page_size))
    assert [row["_step"] for row in window] == [3, 4, 5, 6, 7]
    assert window == expected[3:8]


def test_scan_history_over_chunk_boundaries(store: TrackingStore) -> None:
    create(store)
    total = CHUNK_POINTS + 100
    values = walk(total, seed=4)
    for part in np.array_split(np.arange(total), 3):
        log_column(store, "loss", part.tolist(), values[part].tolist())
    rows = list(store.scan_history(RUN, keys=["loss"], min_step=CHUNK_POINTS - 5, page_size=7))
    assert [row["loss"] for row in rows] == values[CHUNK_POINTS - 5 :].tolist()


# -- truncate_after (rewind) and copy_history (fork) --------------------------------


def _two_chunk_run(store: TrackingStore, ref: RunRef = RUN) -> tuple[int, np.ndarray]:
    create(store, ref)
    total = CHUNK_POINTS + 500
    values = walk(total, seed=5)
    for part in np.array_split(np.arange(total), 4):
        store.write_batch(
            RunBatch(
                ref,
                columns={
                    "loss": (part.tolist(), values[part].tolist()),
                    "step_id": (part.tolist(), part.tolist()),
                },
            )
        )
    text_steps = [0, 10, 60, CHUNK_POINTS + 20, total - 1]
    log_column(store, "text", text_steps, [f"s{s}" for s in text_steps], ref=ref)
    return total, values


@pytest.mark.parametrize("rewind_to", [50, CHUNK_POINTS - 1, CHUNK_POINTS, CHUNK_POINTS + 10])
def test_truncate_after_removes_later_points(store: TrackingStore, rewind_to: int) -> None:
    _, values = _two_chunk_run(store)
    store.write_batch(RunBatch(RUN, truncate_after=rewind_to))
    series = store.read_series(RUN, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(rewind_to + 1))
    assert_bit_exact(values[: rewind_to + 1], series.values)
    ints = store.read_series(RUN, "step_id")
    assert ints.values.dtype == np.int64
    assert ints.values.tolist() == list(range(rewind_to + 1))
    texts = store.read_values(RUN, ["text"], 0, None)["text"]
    assert all(step <= rewind_to for step, _ in texts)
    assert (10, "s10") in texts
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == rewind_to
    assert max(row["_step"] for row in store.scan_history(RUN)) == rewind_to


def test_history_continues_after_a_rewind(store: TrackingStore) -> None:
    _, values = _two_chunk_run(store)
    store.write_batch(RunBatch(RUN, truncate_after=99))
    log_column(store, "loss", range(100, 110), [-1.0] * 10)
    log_column(store, "loss", range(110, 120), [-2.0] * 10)
    series = store.read_series(RUN, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(120))
    assert series.values[:100].tolist() == values[:100].tolist()
    assert series.values[100:].tolist() == [-1.0] * 10 + [-2.0] * 10
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == 119


def test_truncate_and_new_rows_in_one_batch(store: TrackingStore) -> None:
    """`resume_from` sends the rewind and the first new rows in the same flush."""
    _two_chunk_run(store)
    store.write_batch(
        RunBatch(RUN, truncate_after=20, columns={"loss": ([21, 22, 23], [7.0, 8.0, 9.0])})
    )
    series = store.read_series(RUN, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(24))
    assert series.values[21:].tolist() == [7.0, 8.0, 9.0]
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == 23
    assert [row["_step"] for row in store.scan_history(RUN, keys=["loss"])] == list(range(24))


def test_truncate_after_minus_one_clears_history(store: TrackingStore) -> None:
    _two_chunk_run(store)
    store.write_batch(RunBatch(RUN, truncate_after=-1))
    assert len(store.read_series(RUN, "loss")) == 0
    assert store.read_values(RUN, ["text"], 0, None) == {}
    rec = store.get_run(RUN)
    assert rec is not None
    assert rec.last_step == -1
    assert list(store.scan_history(RUN)) == []


def test_truncate_leaves_other_runs_alone(store: TrackingStore) -> None:
    other = RunRef("ent", "proj", "other")
    total, _ = _two_chunk_run(store)
    _two_chunk_run(store, other)
    store.write_batch(RunBatch(RUN, truncate_after=5))
    assert len(store.read_series(other, "loss")) == total
    assert len(store.read_values(other, ["text"], 0, None)["text"]) == 5


FORK = RunRef("ent", "proj", "fork")


@pytest.mark.parametrize("fork_at", [0, 60, CHUNK_POINTS + 20])
def test_copy_history_forks_up_to_a_step(store: TrackingStore, fork_at: int) -> None:
    total, values = _two_chunk_run(store)
    store.write_batch(RunBatch(FORK, create={"display_name": "fork"}, copy_history=(RUN, fork_at)))
    series = store.read_series(FORK, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(fork_at + 1))
    assert_bit_exact(values[: fork_at + 1], series.values)
    assert store.read_series(FORK, "step_id").values.dtype == np.int64
    texts = store.read_values(FORK, ["text"], 0, None).get("text", [])
    assert texts == [(s, f"s{s}") for s in (0, 10, 60, CHUNK_POINTS + 20) if s <= fork_at]
    # The source is untouched.
    assert len(store.read_series(RUN, "loss")) == total
    # The fork continues from its own history.
    log_column(store, "loss", [fork_at + 1, fork_at + 2], [100.0, 101.0], ref=FORK)
    series = store.read_series(FORK, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(fork_at + 3))
    assert series.values[-2:].tolist() == [100.0, 101.0]


def test_forked_run_last_step_covers_the_copied_history(store: TrackingStore) -> None:
    """A fork that has copied rows up to step N has committed step N (not -1)."""
    _two_chunk_run(store)
    store.write_batch(RunBatch(FORK, create={"display_name": "fork"}, copy_history=(RUN, 60)))
    rec = store.get_run(FORK)
    assert rec is not None
    assert rec.last_step == 60
    rows = list(store.scan_history(FORK, keys=["loss"]))
    assert [row["_step"] for row in rows] == list(range(61))


def test_fork_batch_written_twice_copies_the_history_once(store: TrackingStore) -> None:
    """A replayed first batch of a fork (its journal re-sent from the start) must not
    copy again: the copy would collide with itself."""
    _total, values = _two_chunk_run(store)
    fork = RunBatch(FORK, create={"display_name": "fork"}, copy_history=(RUN, CHUNK_POINTS + 20))
    store.write_batch(fork)
    log_column(store, "loss", [CHUNK_POINTS + 21], [0.0], ref=FORK)
    store.write_batch(fork)
    series = store.read_series(FORK, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(CHUNK_POINTS + 22))
    assert_bit_exact(np.append(values[: CHUNK_POINTS + 21], 0.0), series.values)


def test_failed_batch_changes_nothing(store: TrackingStore) -> None:
    """Forking from a missing run fails and leaves no half-created run behind."""
    with pytest.raises(StoreError, match="no such run"):
        store.write_batch(
            RunBatch(
                FORK,
                create={"display_name": "fork"},
                config={"lr": 1},
                copy_history=(RunRef("ent", "proj", "ghost"), 3),
                columns={"loss": ([4], [1.0])},
                journal=("j.journal", 10),
            )
        )
    assert store.get_run(FORK) is None
    assert store.journal_offset("j.journal") == 0
    assert store.list_projects() == []


# -- journals -----------------------------------------------------------------------


def test_journal_offsets(store: TrackingStore) -> None:
    create(store)
    assert store.journal_offset("/runs/a.journal") == 0
    store.write_batch(
        RunBatch(RUN, columns={"loss": ([0], [1.0])}, journal=("/runs/a.journal", 100))
    )
    assert store.journal_offset("/runs/a.journal") == 100
    store.write_batch(RunBatch(RUN, journal=("/runs/a.journal", 2**40)))
    assert store.journal_offset("/runs/a.journal") == 2**40
    store.write_batch(RunBatch(RUN, journal=("/runs/b.journal", 7)))
    assert store.journal_offset("/runs/b.journal") == 7
    assert store.journal_offset("/runs/a.journal") == 2**40
    store.forget_journal("/runs/a.journal")
    assert store.journal_offset("/runs/a.journal") == 0
    assert store.journal_offset("/runs/b.journal") == 7
    store.forget_journal("/never/seen.journal")  # a no-op


def test_a_batch_its_journal_already_holds_changes_nothing(store: TrackingStore) -> None:
    """Not even creating its run (a replayed batch is recognised before anything); and
    a journal belongs to its first run: another run's batch naming it is refused."""
    store.write_batch(RunBatch(RUN, create={"display_name": "x"}, journal=("/runs/d.journal", 9)))
    store.write_batch(RunBatch(RUN, create={"display_name": "z"}, journal=("/runs/d.journal", 9)))
    other = RunRef("ent", "proj", "other")
    with pytest.raises(ForeignJournal):
        store.write_batch(
            RunBatch(other, create={"display_name": "y"}, journal=("/runs/d.journal", 9))
        )
    assert store.get_run(other) is None
    record = store.get_run(RUN)
    assert record is not None and record.display_name == "x"
    assert store.journal_offset("/runs/d.journal") == 9


def test_journal_offset_is_stored_with_the_first_batch(store: TrackingStore) -> None:
    store.write_batch(
        RunBatch(RUN, create={"display_name": "x"}, journal=("/runs/c.journal", 8 + 40))
    )
    assert store.journal_offset("/runs/c.journal") == 48


# -- several clients ---------------------------------------------------------------


def test_a_second_client_sees_the_data(store_factory: StoreFactory) -> None:
    first = store_factory()
    create(first, tags=["t"])
    log_column(first, "loss", range(CHUNK_POINTS + 3), [0.5] * (CHUNK_POINTS + 3))
    first.write_batch(RunBatch(RUN, config={"lr": 0.1}, journal=("j", 9)))
    second = store_factory()
    rec = second.get_run(RUN)
    assert rec is not None
    assert (rec.tags, rec.config, rec.last_step) == (["t"], {"lr": 0.1}, CHUNK_POINTS + 2)
    assert len(second.read_series(RUN, "loss")) == CHUNK_POINTS + 3
    assert second.journal_offset("j") == 9
    # ...and keeps appending where the first left off.
    log_column(second, "loss", [CHUNK_POINTS + 3], [1.0])
    log_column(first, "loss", [CHUNK_POINTS + 4], [2.0])
    series = first.read_series(RUN, "loss")
    np.testing.assert_array_equal(series.steps, np.arange(CHUNK_POINTS + 5))
    assert series.values[-2:].tolist() == [1.0, 2.0]


def test_concurrent_writers_lose_nothing(store_factory: StoreFactory) -> None:
    """Four clients, each on its own thread, write 50 batches at the same time."""
    threads_n, batches, per_batch = 4, 50, 10
    shared = RunRef("ent", "proj", "shared")
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            store = store_factory()  # opening a fresh database concurrently, too
            own = RunRef("ent", "proj", f"worker-{i}")
            for b in range(batches):
                steps = list(range(b * per_batch, (b + 1) * per_batch))
                store.write_batch(
                    RunBatch(
                        own,
                        create={"display_name": own.run_id},
                        config={f"k{b}": b},
                        summary_set=[(("last",), b)],
                        columns={"loss": (steps, [i + s / 1000 for s in steps])},
                        journal=(f"w{i}.journal", b + 1),
                    )
                )
                store.write_batch(
                    RunBatch(
                        shared,
                        create={"display_name": "shared"},
                        config={f"w{i}_b{b}": b},
                        summary_set=[((f"w{i}",), b)],
                        columns={f"w{i}": (steps, steps)},
                    )
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    reader = store_factory()
    expected_steps = list(range(batches * per_batch))
    for i in range(threads_n):
        own = RunRef("ent", "proj", f"worker-{i}")
        rec = reader.get_run(own)
        assert rec is not None
        assert rec.config == {f"k{b}": b for b in range(batches)}
        assert rec.summary == {"last": batches - 1}
        assert rec.last_step == batches * per_batch - 1
        series = reader.read_series(own, "loss")
        assert series.steps.tolist() == expected_steps
        assert series.values.tolist() == [i + s / 1000 for s in expected_steps]
        assert reader.journal_offset(f"w{i}.journal") == batches
        assert reader.read_series(shared, f"w{i}").values.tolist() == expected_steps
    rec = reader.get_run(shared)
    assert rec is not None
    assert len(rec.config) == threads_n * batches
    assert rec.summary == {f"w{i}": batches - 1 for i in range(threads_n)}
    assert rec.last_step == batches * per_batch - 1
    assert len(reader.list_runs("ent", "proj")) == threads_n + 1


# -- custom-chart presets ------------------------------------------------------


def test_preset_versions_count_up_per_name(store: TrackingStore) -> None:
    assert store.get_preset("me", "chart") is None
    assert store.list_presets("me") == []
    assert store.put_preset("me", "chart", {"mark": "line", "v": 1}) == 1
    assert store.put_preset("me", "chart", {"mark": "bar", "v": 2}) == 2
    assert store.put_preset("me", "other/nested", {"mark": "point"}) == 1
    assert store.put_preset("you", "chart", {"mark": "area"}) == 1
    assert store.get_preset("me", "chart") == (2, {"mark": "bar", "v": 2})
    assert store.get_preset("me", "chart", 1) == (1, {"mark": "line", "v": 1})
    assert store.get_preset("me", "chart", 3) is None
    assert store.get_preset("me", "missing") is None
    assert store.list_presets("me") == [("chart", 2), ("other/nested", 1)]
    assert store.list_presets("you") == [("chart", 1)]
    assert store.list_presets("nobody") == []


def test_preset_specs_keep_nested_json_and_non_finite_floats(store: TrackingStore) -> None:
    spec = {"data": {"name": "wandb"}, "layer": [{"mark": {"type": "line"}}], "x": math.inf}
    store.put_preset("me", "chart", spec)
    version, back = store.get_preset("me", "chart") or (0, {})
    assert version == 1 and back["layer"] == spec["layer"] and back["x"] == math.inf


def test_preset_names_are_sorted_the_same_on_every_backend(store: TrackingStore) -> None:
    for name in ["b", "B", "a_x", "a-x", "A"]:
        store.put_preset("me", name, {})
    assert [n for n, _ in store.list_presets("me")] == ["A", "B", "a-x", "a_x", "b"]


@pytest.mark.parametrize(("entity", "name"), [("me", ""), ("", "x"), ("me", "n" * 129)])
def test_preset_bad_names_are_refused_naming_them(
    store: TrackingStore, entity: str, name: str
) -> None:
    with pytest.raises(ValueError, match=r"preset (entity|name) must be 1 to 128 characters"):
        store.put_preset(entity, name, {})
    assert store.list_presets(entity) == []


def test_concurrent_preset_saves_get_distinct_versions(store_factory: StoreFactory) -> None:
    clients = [store_factory() for _ in range(4)]
    versions: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def save(client: TrackingStore, i: int) -> None:
        try:
            for j in range(5):
                version = client.put_preset("me", "shared", {"client": i, "save": j})
                with lock:
                    versions.append(version)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(versions) == list(range(1, 21))
    reader = store_factory()
    assert reader.list_presets("me") == [("shared", 20)]
    assert all(reader.get_preset("me", "shared", v) is not None for v in range(1, 21))


# -- run context: console lines, system samples, metadata (issue 13) -----------------


def _lines(store: TrackingStore, ref: RunRef = RUN, **kwargs: Any) -> list[tuple[int, str]]:
    return [(line.line, line.text) for line in store.read_console(ref, **kwargs)]


def test_console_lines_are_stored_in_order_and_a_redrawn_line_replaces_its_row(
    store: TrackingStore,
) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            console=[(0, "stdout", 1.0, "epoch 1"), (1, "stderr", 1.5, "10%|#  |")],
            journal=("jc", 10),
        )
    )
    store.write_batch(
        RunBatch(
            RUN,
            console=[(1, "stderr", 2.0, "100%|###|"), (2, "stdout", 2.5, "done")],
            journal=("jc", 20),
        )
    )
    lines = store.read_console(RUN)
    assert [tuple(line) for line in lines] == [
        (0, "stdout", 1.0, "epoch 1"),
        (1, "stderr", 2.0, "100%|###|"),
        (2, "stdout", 2.5, "done"),
    ]
    assert store.count_console(RUN) == 3
    assert _lines(store, start=1, limit=1) == [(1, "100%|###|")]
    assert _lines(store, start=3) == []
    assert store.console_text(RUN) == "epoch 1\n100%|###|\ndone\n"
    assert store.console_size(RUN) == len(b"epoch 1\n100%|###|\ndone\n")
    assert store.read_console(RunRef("ent", "proj", "nope")) == []
    assert store.count_console(RunRef("ent", "proj", "nope")) == 0


def test_console_pages_cover_many_lines(store: TrackingStore) -> None:
    create(store)
    n = 12_345
    store.write_batch(
        RunBatch(RUN, console=[(i, "stdout", float(i), f"line {i}") for i in range(n)])
    )
    assert store.count_console(RUN) == n
    assert len(store.read_console(RUN, limit=7000)) == 7000  # more than the server's page
    every = list(store.iter_console(RUN))
    assert [line.line for line in every] == list(range(n))
    assert store.console_text(RUN).count("\n") == n


def test_console_search_ignores_case_and_takes_text_literally(store: TrackingStore) -> None:
    create(store)
    texts = ["Loss 0.5", "ERROR: disk", "100% done", "a_b", "axb", "Échec total", "ok"]
    store.write_batch(RunBatch(RUN, console=[(i, "stdout", 0.0, t) for i, t in enumerate(texts)]))
    assert _lines(store, search="error") == [(1, "ERROR: disk")]
    assert _lines(store, search="%") == [(2, "100% done")]
    assert _lines(store, search="_") == [(3, "a_b")]
    assert _lines(store, search="échec") == [(5, "Échec total")]
    assert _lines(store, search="o", start=2, limit=2) == [(2, "100% done"), (5, "Échec total")]
    assert store.count_console(RUN, search="O") == 5
    assert store.count_console(RUN) == len(texts)
    assert _lines(store, search="^a.b$", regex=True) == [(3, "a_b"), (4, "axb")]
    assert _lines(store, search="loss [0-9]", regex=True) == [(0, "Loss 0.5")]
    assert store.count_console(RUN, search="^a.b$", regex=True) == 2


@pytest.mark.parametrize("pattern", ["(unclosed", "[z-a]", "x{2,1}", "(a+)+$", "(x|y*)*z"])
def test_console_bad_regex_is_refused_naming_it(store: TrackingStore, pattern: str) -> None:
    create(store)
    store.write_batch(RunBatch(RUN, console=[(0, "stdout", 0.0, "text")]))
    with pytest.raises(ValueError, match="invalid regex") as info:
        store.read_console(RUN, search=pattern, regex=True)
    assert repr(pattern) in str(info.value) or pattern in str(info.value)
    with pytest.raises(ValueError, match="invalid regex"):
        store.count_console(RUN, search=pattern, regex=True)
    assert _lines(store, search=pattern) == []  # as plain text it is fine


def test_console_of_each_journal_follows_the_earlier_ones(store: TrackingStore) -> None:
    """Every session of a resumed run numbers its lines from 0 in its own journal: the
    store places them after the lines it has, and keeps that place for the journal,
    so a later batch (or a replay) of the first journal lands on its own rows."""
    create(store)
    first = [(0, "stdout", 1.0, "s1 a"), (1, "stdout", 1.1, "s1 b")]
    store.write_batch(RunBatch(RUN, console=first, journal=("session1", 10), journal_start=0))
    second = [(0, "stdout", 2.0, "s2 a"), (1, "stdout", 2.1, "s2 b 10%")]
    store.write_batch(RunBatch(RUN, console=second, journal=("session2", 10), journal_start=0))
    store.write_batch(
        RunBatch(
            RUN,
            console=[(1, "stdout", 2.2, "s2 b 100%"), (2, "stdout", 2.3, "s2 c")],
            journal=("session2", 20),
            journal_start=10,
        )
    )
    # A replay of the first journal from its start: already stored, changes nothing.
    store.write_batch(
        RunBatch(RUN, console=[(0, "stdout", 9.0, "again")], journal=("session1", 10))
    )
    # The first journal's later lines stay in its own range.
    store.write_batch(
        RunBatch(
            RUN,
            console=[(1, "stdout", 1.2, "s1 b!")],
            journal=("session1", 15),
            journal_start=10,
        )
    )
    assert _lines(store) == [
        (0, "s1 a"),
        (1, "s1 b!"),
        (2, "s2 a"),
        (3, "s2 b 100%"),
        (4, "s2 c"),
    ]
    # Batches without a journal (each its own) go after everything.
    store.write_batch(RunBatch(RUN, console=[(0, "stderr", 3.0, "loose")]))
    assert _lines(store, start=5) == [(5, "loose")]


def test_console_text_the_databases_cannot_hold_is_replaced(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(RUN, console=[(0, "stdout", 0.0, "nul\0here"), (1, "stdout", 0.0, "é ✓")])
    )
    assert _lines(store) == [(0, "nul\ufffdhere"), (1, "é ✓")]


def test_console_bad_stream_is_refused(store: TrackingStore) -> None:
    create(store)
    with pytest.raises(ValueError, match="stream"):
        store.write_batch(RunBatch(RUN, console=[(0, "stdin", 0.0, "x")]))
    assert store.count_console(RUN) == 0


def test_system_samples_read_as_columns(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            system=[
                (0, 100.0, 0.5, {"system.cpu": 12.5, "system.memory_percent": 40.0}),
                (1, 115.0, 15.5, {"system.cpu": 50.0, "system.gpu.0.gpu": 99.0}),
            ],
            journal=("js", 10),
        )
    )
    store.write_batch(
        RunBatch(RUN, system=[(0, 130.0, 30.5, {"system.cpu": math.nan})], journal=("js2", 5))
    )
    samples = store.read_system(RUN)
    assert samples.keys == ["system.cpu", "system.gpu.0.gpu", "system.memory_percent"]
    assert samples.ts == [100.0, 115.0, 130.0]
    assert samples.runtime == [0.5, 15.5, 30.5]
    cpu = samples.values["system.cpu"]
    assert cpu[:2] == [12.5, 50.0] and cpu[2] is not None and math.isnan(cpu[2])
    assert samples.values["system.gpu.0.gpu"] == [None, 99.0, None]
    assert samples.values["system.memory_percent"] == [40.0, None, None]
    only = store.read_system(RUN, ["system.memory_percent", "system.none"])
    assert only.keys == ["system.memory_percent", "system.none"]
    assert only.values == {
        "system.memory_percent": [40.0, None, None],
        "system.none": [None, None, None],
    }
    rows = list(samples.rows())
    assert rows[1] == {
        "_wandb": True,
        "_timestamp": 115.0,
        "_runtime": 15.5,
        "system.cpu": 50.0,
        "system.gpu.0.gpu": 99.0,
    }
    assert len(store.read_system(RunRef("ent", "proj", "nope"))) == 0


def test_metadata_is_stored_replaced_and_read_with_the_run(store: TrackingStore) -> None:
    create(store)
    assert store.get_run(RUN).metadata is None  # type: ignore[union-attr]
    meta = {"python": "3.12.1", "git": {"commit": "abc", "remote": "r"}, "cpu_count": 4}
    store.write_batch(RunBatch(RUN, metadata=meta))
    assert store.get_run(RUN).metadata == meta  # type: ignore[union-attr]
    assert store.query_runs("ent", "proj")[0].metadata == meta
    store.write_batch(RunBatch(RUN, metadata={"python": "3.13.0"}))
    assert store.get_run(RUN).metadata == {"python": "3.13.0"}  # type: ignore[union-attr]


def test_deleting_a_run_removes_its_console_and_system_samples(store: TrackingStore) -> None:
    create(store)
    store.write_batch(
        RunBatch(
            RUN,
            console=[(0, "stdout", 0.0, "old")],
            system=[(0, 0.0, 0.0, {"system.cpu": 1.0})],
            metadata={"host": "old"},
        )
    )
    store.write_batch(RunBatch(RUN, delete=True))
    create(store)
    assert store.count_console(RUN) == 0
    assert len(store.read_system(RUN)) == 0
    assert store.get_run(RUN).metadata is None  # type: ignore[union-attr]


def test_saved_views_are_rows_named_uniquely_per_project(store: TrackingStore) -> None:
    store.write_batch(RunBatch(RUN, create={}))
    with pytest.raises(StoreError, match="ghost"):
        store.put_view("ent", "ghost", "v", {})
    saved = store.put_view("ent", "proj", "b", {"x": [1, 2]})
    assert (saved.name, saved.settings) == ("b", {"x": [1, 2]})
    store.put_view("ent", "proj", "a", {"y": 1})
    assert [v.name for v in store.list_views("ent", "proj")] == ["a", "b"]
    assert store.list_views("ent", "ghost") == []
    with pytest.raises(ViewExistsError, match="'a'"):
        store.rename_view("ent", "proj", "b", "a")
    renamed = store.rename_view("ent", "proj", "b", "c")
    assert renamed is not None and renamed.settings == {"x": [1, 2]}
    assert store.rename_view("ent", "proj", "b", "d") is None
    assert store.get_view("ent", "proj", "b") is None
    view = store.get_view("ent", "proj", "c")
    assert view is not None and view.settings == {"x": [1, 2]}
    assert store.delete_view("ent", "proj", "c") is True
    assert store.delete_view("ent", "proj", "c") is False
    assert [v.name for v in store.list_views("ent", "proj")] == ["a"]
