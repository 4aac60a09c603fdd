"""Run filters and orders compiled to SQL (:mod:`runyard.store.sql.filters`).

The SQL is executed for real, on SQLite and on PostgreSQL (tests/store/conftest.py),
against a store holding twelve runs chosen to reach every operator, field and value
type; the PostgreSQL SQL is also checked as text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.filters import compile_filters, compile_order
from runyard.store.sql.store import SqlStore

NAN, INF = math.nan, math.inf


def day(n: int) -> float:
    """Unix time of 2024-01-<n> 00:00 UTC."""
    return datetime(2024, 1, n, tzinfo=timezone.utc).timestamp()


# id: (state, display_name, group, job_type, host, tags, config, summary)
RUNS: dict[str, tuple[Any, ...]] = {
    "r01": (
        "finished",
        "alpha-1",
        "g1",
        "train",
        "h1",
        ["a", "b"],
        {"lr": 0.1, "opt": "adam", "layers": 2, "flag": True, "arch": {"depth": 3}},
        {"loss": 0.5, "acc": 0.9, "train/loss": 0.4, "stats": {"min": 0.1, "max": 2}},
    ),
    "r02": (
        "finished",
        "alpha-2",
        "g1",
        "train",
        "h2",
        ["a"],
        {"lr": 0.01, "opt": "sgd", "layers": 4, "flag": False},
        {"loss": 0.3, "acc": 0.95, "train/loss": 0.2},
    ),
    "r03": (
        "running",
        "beta",
        "g2",
        "eval",
        "h1",
        [],
        {"lr": 0.001, "opt": "adam", "layers": "4"},
        {"loss": NAN, "acc": 1, "best": True},
    ),
    "r04": (
        "crashed",
        None,
        None,
        None,
        None,
        ["b", "c"],
        {"lr": 1, "opt": None},
        {"loss": INF, "acc": "n/a"},
    ),
    "r05": (
        "failed",
        "Beta-2",
        "g2",
        "train",
        None,
        ["c"],
        {"lr": {"value": 0.5, "desc": None}},  # as wandb's server stores config
        {"loss": -INF, "a.b": 7},
    ),
    "r06": (
        "finished",
        "gamma",
        "g3",
        "eval",
        "h3",
        ["x"],
        {"opt": "adam", "sizes": [1, 2]},
        {"loss": 1.5, "acc": 0.5, "stats": {"min": 0.5, "max": 3}, "nested": {"a": {"b": 1}}},
    ),
    "r07": (
        "killed",
        "delta",
        None,
        "train",
        "h1",
        ["a", "b", "c"],
        {"lr": 0.1, "flag": 1},
        {"loss": None, "acc": 0.7},
    ),
    "r08": (
        "running",
        "epsilon",
        "g3",
        None,
        "h2",
        [],
        {"lr": "0.1"},
        {"loss": 0.5, "done": False},
    ),
    "r09": (
        "finished",
        "zeta",
        "g1",
        "eval",
        "h1",
        ["b", "a"],
        {"opt": "Adam"},
        {"acc": 0.9, "stats": {"min": "low"}},
    ),
    "r10": ("finished", "eta", None, None, "h2", [], {"obj": {"k": 1}}, {"loss": 0.25, "acc": 0.1}),
    "r11": ("running", "theta", "g1", "train", "h3", [], {}, {}),
    "r12": (
        "finished",
        "iota/12",
        "g2",
        "eval",
        "h1",
        ["a"],
        {"lr": 0.1},
        {"train/loss": 0.3, "loss": 2},
    ),
}
ALL = set(RUNS)


def but(*ids: str) -> set[str]:
    return ALL - set(ids)


def runs(*ids: str) -> set[str]:
    return set(ids)


def order_of(ids: str) -> list[str]:
    return ids.split()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStore]:
    """The runs, written to SQLite and to PostgreSQL (see tests/store/conftest.py)."""
    if request.param == "postgresql":
        store = SqlStore(request.getfixturevalue("postgres_server").new_database())
    else:
        path: Path = tmp_path_factory.mktemp("filters") / "runyard.db"
        store = SqlStore(f"sqlite:///{path}")
    populate(store)
    yield store
    store.close()


def populate(store: SqlStore) -> None:
    """Write ``RUNS`` (created a day apart from 2024-01-01) and one run of another project."""
    for n, (run_id, fields) in enumerate(RUNS.items(), start=1):
        state, display_name, group, job_type, host, tags, config, summary = fields
        store.write_batch(
            RunBatch(
                run=RunRef("ent", "proj", run_id),
                create={
                    "display_name": display_name,
                    "group": group,
                    "job_type": job_type,
                    "host": host,
                    "tags": tags,
                    "created_at": day(n),
                },
                meta={
                    "state": state,
                    "heartbeat_at": day(20) + (12 - n) * 3600,
                    "runtime": 0.0 if run_id == "r04" else n * 10.0,
                },
                config=config,
                summary_set=[((key,), value) for key, value in summary.items()],
            )
        )
    # A run of another project that matches most filters: the query must not see it.
    store.write_batch(
        RunBatch(
            run=RunRef("ent", "other", "o1"),
            create={"tags": ["a"], "group": "g1", "created_at": day(1)},
            meta={"state": "finished"},
            config={"lr": 0.1, "opt": "adam"},
            summary_set=[(("loss",), 0.5)],
        )
    )


def query(store: SqlStore, filters: Any = None, order: str | None = None) -> list[str]:
    dialect = store._db.dialect
    expr, params = compile_filters(filters, dialect)
    assert set(params) == {f"f{i}" for i in range(len(params))}
    sql = (
        "SELECT r.run_id FROM runs r JOIN projects p ON p.id = r.project_id "
        f"WHERE p.entity = :entity AND p.name = :project AND ({expr}) "
        f"ORDER BY {compile_order(order, dialect)}"
    )
    with store._db.read() as tx:
        rows = tx.all(sql, {**params, "entity": "ent", "project": "proj"})
    return [row[0] for row in rows]


def check(store: SqlStore, filters: Any, expected: set[str]) -> None:
    found = query(store, filters)
    assert len(found) == len(set(found))
    assert set(found) == expected, f"{filters!r}: extra {set(found) - expected}, " + (
        f"missing {expected - set(found)}"
    )


# -- fields and operators ------------------------------------------------------

COLUMN_CASES: list[tuple[Any, set[str]]] = [
    ({"state": "finished"}, runs("r01", "r02", "r06", "r09", "r10", "r12")),
    ({"state": {"$eq": "finished"}}, runs("r01", "r02", "r06", "r09", "r10", "r12")),
    ({"state": {"$ne": "finished"}}, runs("r03", "r04", "r05", "r07", "r08", "r11")),
    ({"state": {"$in": ["running", "crashed"]}}, runs("r03", "r04", "r08", "r11")),
    ({"state": {"$nin": ["running", "finished"]}}, runs("r04", "r05", "r07")),
    ({"state": {"$in": []}}, set()),
    ({"state": {"$nin": []}}, ALL),
    ({"state": 3}, set()),
    ({"state": {"$ne": 3}}, ALL),
    ({"state": None}, set()),
    ({"state": {"$exists": True}}, ALL),
    ({"state": {"$exists": False}}, set()),
    ({"name": "r03"}, runs("r03")),
    ({"id": {"$in": ["r01", "r02", "nope"]}}, runs("r01", "r02")),
    ({"name": {"$gt": "r10"}}, runs("r11", "r12")),
    ({"name": {"$regex": "^r1"}}, runs("r10", "r11", "r12")),
    ({"display_name": "beta"}, runs("r03")),
    ({"displayName": {"$regex": "^alpha"}}, runs("r01", "r02")),
    ({"display_name": {"$regex": "(?i)^beta"}}, runs("r03", "r05")),
    ({"display_name": {"$regex": "/"}}, runs("r12")),
    ({"display_name": {"$not": {"$regex": "^alpha"}}}, but("r01", "r02")),
    ({"display_name": None}, runs("r04")),
    ({"display_name": {"$eq": None}}, runs("r04")),
    ({"display_name": {"$exists": False}}, runs("r04")),
    ({"display_name": {"$exists": True}}, but("r04")),
    ({"display_name": {"$ne": "beta"}}, but("r03")),
    ({"display_name": {"$ne": None}}, but("r04")),
    ({"display_name": {"$lt": "b"}}, runs("r01", "r02", "r05")),
    ({"group": "g1"}, runs("r01", "r02", "r09", "r11")),
    ({"group": {"$in": ["g2", None]}}, runs("r03", "r04", "r05", "r07", "r10", "r12")),
    ({"group": {"$nin": ["g2", None]}}, runs("r01", "r02", "r06", "r08", "r09", "r11")),
    ({"group": {"$gte": "g2"}}, runs("r03", "r05", "r06", "r08", "r12")),
    ({"job_type": "eval"}, runs("r03", "r06", "r09", "r12")),
    ({"jobType": {"$exists": False}}, runs("r04", "r08", "r10")),
    ({"host": {"$in": ["h2", "h3"]}}, runs("r02", "r06", "r08", "r10", "r11")),
    ({"host": None}, runs("r04", "r05")),
    ({"runtime": {"$gt": 50}}, runs("r06", "r07", "r08", "r09", "r10", "r11", "r12")),
    ({"duration": {"$lte": 20}}, runs("r01", "r02", "r04")),
    ({"runtime": 30}, runs("r03")),
    ({"runtime": "30"}, set()),
    ({"runtime": {"$gt": "a"}}, set()),
    ({"runtime": {"$regex": "3"}}, set()),
    ({"runtime": NAN}, set()),
    ({"runtime": {"$ne": NAN}}, ALL),
    ({"runtime": {"$lt": INF}}, ALL),
    ({"runtime": {"$gt": INF}}, set()),
    ({"runtime": {"$gt": -INF}}, ALL),
    ({"runtime": {"$lte": -INF}}, set()),
    ({"runtime": {"$lt": NAN}}, set()),
]

TIME_CASES: list[tuple[Any, set[str]]] = [
    ({"created_at": {"$gt": "2024-01-10"}}, runs("r11", "r12")),
    ({"createdAt": {"$gte": "2024-01-10T00:00:00Z"}}, runs("r10", "r11", "r12")),
    ({"created_at": {"$lt": "2024-01-03T01:00:00+01:00"}}, runs("r01", "r02")),
    ({"created_at": {"$lt": "2024-01-03T00:00:00.000001"}}, runs("r01", "r02", "r03")),
    ({"created_at": {"$lte": day(2)}}, runs("r01", "r02")),
    ({"created_at": datetime(2024, 1, 2, tzinfo=timezone.utc)}, runs("r02")),
    ({"created_at": datetime(2024, 1, 2)}, runs("r02")),
    ({"created_at": date(2024, 1, 2)}, runs("r02")),
    ({"created_at": "2024-01-02T00:00:00"}, runs("r02")),
    ({"created_at": {"$in": ["2024-01-01", day(3), None, True]}}, runs("r01", "r03")),
    ({"created_at": {"$gt": "2024-01-04", "$lt": "2024-01-07"}}, runs("r05", "r06")),
    ({"heartbeat_at": {"$lt": "2024-01-20T02:00:00"}}, runs("r11", "r12")),
    ({"heartbeatAt": {"$gte": day(20) + 11 * 3600}}, runs("r01")),
]

TAG_CASES: list[tuple[Any, set[str]]] = [
    ({"tags": "a"}, runs("r01", "r02", "r07", "r09", "r12")),
    ({"tags": {"$eq": "c"}}, runs("r04", "r05", "r07")),
    ({"tags": {"$ne": "a"}}, but("r01", "r02", "r07", "r09", "r12")),
    ({"tags": {"$in": ["c", "x"]}}, runs("r04", "r05", "r06", "r07")),
    ({"tags": {"$nin": ["a", "b"]}}, runs("r03", "r05", "r06", "r08", "r10", "r11")),
    ({"tags": ["a", "b"]}, runs("r01", "r09")),
    ({"tags": {"$eq": ["b", "a", "a"]}}, runs("r01", "r09")),
    ({"tags": []}, runs("r03", "r08", "r10", "r11")),
    ({"tags": None}, runs("r03", "r08", "r10", "r11")),
    ({"tags": {"$exists": False}}, runs("r03", "r08", "r10", "r11")),
    ({"tags": {"$exists": True}}, runs("r01", "r02", "r04", "r05", "r06", "r07", "r09", "r12")),
    ({"tags": {"$regex": "^[xc]$"}}, runs("r04", "r05", "r06", "r07")),
    ({"tags": {"$in": ["a", None, 3, ["x"]]}}, but("r04", "r05")),
    ({"tags": {"$gt": "b"}}, runs("r04", "r05", "r06", "r07")),
    ({"tags": {"$gt": 1}}, set()),
    ({"tags": ["a", 1]}, set()),
    ({"tags": {"k": "a"}}, set()),
]

CONFIG_CASES: list[tuple[Any, set[str]]] = [
    ({"config.opt": "adam"}, runs("r01", "r03", "r06")),
    ({"config.opt.value": "adam"}, runs("r01", "r03", "r06")),
    ({"config.opt": {"$regex": "^adam$"}}, runs("r01", "r03", "r06")),
    ({"config.opt": {"$regex": "(?i)^adam$"}}, runs("r01", "r03", "r06", "r09")),
    ({"config.opt": None}, runs("r04", "r05", "r07", "r08", "r10", "r11", "r12")),
    ({"config.opt": {"$exists": True}}, runs("r01", "r02", "r03", "r06", "r09")),
    ({"config.opt": {"$ne": "adam"}}, but("r01", "r03", "r06")),
    ({"config.lr": 0.1}, runs("r01", "r07", "r12")),
    ({"config.lr": "0.1"}, runs("r08")),
    ({"config.lr": {"$regex": "0"}}, runs("r08")),
    ({"config.lr": {"$gt": 0.05}}, runs("r01", "r04", "r07", "r12")),
    # `config.X.value` reads a wandb-style {"value": …} wrapper where there is one.
    ({"config.lr.value": 0.5}, runs("r05")),
    ({"config.lr.value": {"$gt": 0.05}}, runs("r01", "r04", "r05", "r07", "r12")),
    ({"config.lr": {"value": 0.5, "desc": None}}, runs("r05")),
    ({"config.lr": {"$in": [1, "0.1", None]}}, runs("r04", "r06", "r08", "r09", "r10", "r11")),
    ({"config.lr": {"$nin": [1, "0.1", None]}}, runs("r01", "r02", "r03", "r05", "r07", "r12")),
    ({"config.lr": 1.0}, runs("r04")),
    ({"config.flag": True}, runs("r01")),
    ({"config.flag": 1}, runs("r07")),
    ({"config.flag": False}, runs("r02")),
    ({"config.flag": 0}, set()),
    ({"config.flag": {"$in": [True, False]}}, runs("r01", "r02")),
    ({"config.flag": {"$ne": True}}, but("r01")),
    ({"config.flag": {"$gte": 1}}, runs("r07")),
    ({"config.layers": 4}, runs("r02")),
    ({"config.layers": "4"}, runs("r03")),
    ({"config.layers": {"$gte": 2}}, runs("r01", "r02")),
    ({"config.layers": {"$gte": "2"}}, runs("r03")),
    ({"config.arch.depth": 3}, runs("r01")),
    ({"config.arch": {"depth": 3}}, runs("r01")),
    ({"config.arch": {"$gt": 0}}, set()),
    ({"config.sizes": [1, 2]}, runs("r06")),
    ({"config.sizes": {"$in": [[2, 1], [1, 2]]}}, runs("r06")),
    ({"config.sizes": {"$gt": 1}}, set()),
    ({"config.obj": {"$exists": True}}, runs("r10")),
    ({"config.obj.k": {"$lte": 1}}, runs("r10")),
    ({"config.missing": {"$exists": False}}, ALL),
]

SUMMARY_CASES: list[tuple[Any, set[str]]] = [
    ({"summary_metrics.loss": {"$lt": 0.4}}, runs("r02", "r10")),
    ({"summary_metrics.loss": {"$gt": 1}}, runs("r06", "r12")),
    ({"summary_metrics.loss": {"$gt": 0.2, "$lt": 0.6}}, runs("r01", "r02", "r08", "r10")),
    ({"summary_metrics.loss": {"$gte": -INF}}, runs("r01", "r02", "r06", "r08", "r10", "r12")),
    ({"summary_metrics.loss": {"$lt": INF}}, runs("r01", "r02", "r06", "r08", "r10", "r12")),
    ({"summary_metrics.loss": {"$gt": INF}}, set()),
    ({"summary_metrics.loss": {"$lt": NAN}}, set()),
    ({"summary_metrics.loss": NAN}, runs("r03")),
    ({"summary_metrics.loss": INF}, runs("r04")),
    ({"summary_metrics.loss": -INF}, runs("r05")),
    ({"summary_metrics.loss": {"$in": [INF, -INF, 0.5]}}, runs("r01", "r04", "r05", "r08")),
    ({"summary_metrics.loss": {"$ne": NAN}}, but("r03")),
    ({"summary_metrics.loss": None}, runs("r07", "r09", "r11")),
    ({"summary_metrics.loss": {"$exists": True}}, but("r07", "r09", "r11")),
    ({"summary_metrics.loss": {"$ne": 0.5}}, but("r01", "r08")),
    (
        {"summary_metrics.loss": {"$not": {"$gt": 0.4}}},
        runs("r02", "r03", "r04", "r05", "r07", "r09", "r10", "r11"),
    ),
    ({"summary_metrics.loss": {"$regex": "."}}, set()),
    ({"summary_metrics.stats.min": {"$lte": 0.1}}, runs("r01")),
    ({"summary_metrics.stats.min": {"$exists": True}}, runs("r01", "r06", "r09")),
    ({"summary_metrics.stats.min": "low"}, runs("r09")),
    ({"summary_metrics.stats.max": {"$gte": 2}}, runs("r01", "r06")),
    ({"summary_metrics.stats": {"$gte": 2}}, set()),
    ({"summary_metrics.nested.a.b": 1}, runs("r06")),
    ({"summary_metrics.nested.a": {"b": 1}}, runs("r06")),
    ({"summary_metrics.train/loss": {"$lt": 0.35}}, runs("r02", "r12")),
    ({"summary_metrics.a.b": 7}, runs("r05")),  # a flat key holding a dot
    ({"summary_metrics.acc": 1}, runs("r03")),
    ({"summary_metrics.acc": {"$gte": 0.95}}, runs("r02", "r03")),
    ({"summary_metrics.acc": {"$gt": "m"}}, runs("r04")),
    ({"summary_metrics.acc": {"$lt": "m"}}, set()),
    ({"summary_metrics.acc": {"$in": [0.9, "n/a", True]}}, runs("r01", "r04", "r09")),
    ({"summary_metrics.acc": {"$nin": [0.9, "n/a"]}}, but("r01", "r04", "r09")),
    ({"summary_metrics.best": True}, runs("r03")),
    ({"summary_metrics.best": 1}, set()),
    ({"summary_metrics.done": False}, runs("r08")),
    ({"summary_metrics.done": 0}, set()),
    ({"summary_metrics.done": {"$exists": True}}, runs("r08")),
]

LOGICAL_CASES: list[tuple[Any, set[str]]] = [
    (None, ALL),
    ({}, ALL),
    ({"$and": [{}]}, ALL),
    ({"state": "finished", "group": "g1"}, runs("r01", "r02", "r09")),
    ({"$or": [{"state": "crashed"}, {"config.opt": "sgd"}]}, runs("r02", "r04")),
    ({"$and": [{"state": "finished"}, {"tags": "a"}]}, runs("r01", "r02", "r09", "r12")),
    ({"$nor": [{"state": "finished"}, {"state": "running"}]}, runs("r04", "r05", "r07")),
    (
        {
            "$and": [
                {"$or": [{"group": "g1"}, {"group": "g2"}]},
                {"$nor": [{"job_type": "eval"}]},
                {"summary_metrics.loss": {"$exists": True}},
            ]
        },
        runs("r01", "r02", "r05"),
    ),
    (
        {
            "$or": [
                {"$and": [{"tags": "c"}, {"summary_metrics.loss": {"$exists": False}}]},
                {"config.lr.value": {"$gte": 0.5}, "state": {"$ne": "crashed"}},
            ]
        },
        runs("r05", "r07"),
    ),
    (
        {"$nor": [{"$or": [{"tags": "a"}, {"tags": "b"}]}]},
        runs("r03", "r05", "r06", "r08", "r10", "r11"),
    ),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    COLUMN_CASES + TIME_CASES + TAG_CASES + CONFIG_CASES + SUMMARY_CASES + LOGICAL_CASES,
    ids=repr,
)
def test_filter_selects(store: SqlStore, filters: Any, expected: set[str]) -> None:
    check(store, filters, expected)


def test_values_are_bound_not_interpolated(store: SqlStore) -> None:
    evil = "x'); DROP TABLE runs; --"
    sql, params = compile_filters(
        {"display_name": evil, "summary_metrics.it's": {"$in": [evil, 1.5]}}, store._db.dialect
    )
    assert evil not in sql and "1.5" not in sql and "it's" not in sql
    assert evil in params.values()
    check(store, {"display_name": evil, "summary_metrics.it's": {"$in": [evil, 1.5]}}, set())
    assert len(query(store)) == len(RUNS)


def test_parameters_are_numbered_in_order() -> None:
    sql, params = compile_filters({"state": {"$in": ["a", "b"]}, "host": "h"}, "sqlite")
    assert sql == "(r.state IN (:f0, :f1) AND (r.host IS NOT NULL AND r.host IN (:f2)))"
    assert params == {"f0": "a", "f1": "b", "f2": "h"}
    assert compile_filters(None, "postgresql") == ("1=1", {})
    assert compile_filters({}, "sqlite") == ("1=1", {})


def test_numpy_and_tuple_values(store: SqlStore) -> None:
    check(store, {"runtime": np.int64(30)}, runs("r03"))
    check(store, {"summary_metrics.loss": {"$lt": np.float32(0.4)}}, runs("r02", "r10"))
    check(store, {"state": {"$in": ("crashed", "killed")}}, runs("r04", "r07"))


# -- order ---------------------------------------------------------------------

ORDER_CASES: list[tuple[str | None, list[str]]] = [
    (None, [f"r{n:02d}" for n in range(1, 13)]),
    ("", [f"r{n:02d}" for n in range(1, 13)]),
    ("+created_at", [f"r{n:02d}" for n in range(1, 13)]),
    ("created_at", [f"r{n:02d}" for n in range(1, 13)]),
    ("-createdAt", [f"r{n:02d}" for n in range(12, 0, -1)]),
    ("-heartbeat_at", [f"r{n:02d}" for n in range(1, 13)]),
    ("+name", [f"r{n:02d}" for n in range(1, 13)]),
    ("-runtime", order_of("r12 r11 r10 r09 r08 r07 r06 r05 r03 r02 r01 r04")),
    ("+display_name", order_of("r05 r01 r02 r03 r07 r08 r10 r06 r12 r11 r09 r04")),
    ("-display_name", order_of("r09 r11 r12 r06 r10 r08 r07 r03 r02 r01 r05 r04")),
    ("-group", order_of("r08 r06 r12 r05 r03 r11 r09 r02 r01 r10 r07 r04")),
    ("+state", order_of("r04 r05 r01 r02 r06 r09 r10 r12 r07 r03 r08 r11")),
    # numbers, then strings, booleans, other JSON (non-finite markers), missing
    ("+summary_metrics.loss", order_of("r10 r02 r01 r08 r06 r12 r05 r04 r03 r07 r09 r11")),
    ("-summary_metrics.loss", order_of("r12 r06 r08 r01 r02 r10 r03 r04 r05 r11 r09 r07")),
    ("-summary_metrics.acc", order_of("r03 r02 r09 r01 r07 r06 r10 r04 r12 r11 r08 r05")),
    ("+summary_metrics.train/loss", order_of("r02 r12 r01 r03 r04 r05 r06 r07 r08 r09 r10 r11")),
    ("+summary_metrics.stats.max", order_of("r01 r06 r02 r03 r04 r05 r07 r08 r09 r10 r11 r12")),
    ("+config.lr.value", order_of("r03 r02 r01 r07 r12 r05 r04 r08 r06 r09 r10 r11")),
    ("+config.flag", order_of("r07 r02 r01 r03 r04 r05 r06 r08 r09 r10 r11 r12")),
]


@pytest.mark.parametrize(("order", "expected"), ORDER_CASES, ids=repr)
def test_order(store: SqlStore, order: str | None, expected: list[str]) -> None:
    assert query(store, order=order) == expected


def test_order_with_filter(store: SqlStore) -> None:
    found = query(store, {"tags": "a"}, "-summary_metrics.loss")
    assert found == ["r12", "r01", "r02", "r09", "r07"]


def test_order_sql() -> None:
    assert compile_order("-created_at", "sqlite") == "r.created_at DESC, r.id DESC"
    assert compile_order("+host", "sqlite") == "r.host ASC NULLS LAST, r.id ASC"
    assert compile_order(None, "postgresql") == "r.id"
    assert compile_order("summary_metrics.it's", "sqlite") == (
        "CASE COALESCE(json_type(r.summary, '$.\"it''s\"'), 'null') WHEN 'integer' THEN 0 "
        "WHEN 'real' THEN 0 WHEN 'text' THEN 1 WHEN 'true' THEN 2 WHEN 'false' THEN 2 "
        "WHEN 'null' THEN 4 ELSE 3 END ASC, "
        "json_extract(r.summary, '$.\"it''s\"') ASC NULLS LAST, r.id ASC"
    )


# -- PostgreSQL SQL text -----------------------------------------------------------

PG_LOSS = "(r.summary_doc #> CAST(:f0 AS text[]))"
PG_LOSS_TYPE = f"COALESCE(jsonb_typeof({PG_LOSS}), 'null')"


@pytest.mark.parametrize(
    ("filters", "sql", "params"),
    [
        (
            {"state": {"$in": ["running", "crashed"]}, "display_name": {"$regex": "^a"}},
            "(r.state IN (:f0, :f1) AND (r.display_name IS NOT NULL AND r.display_name ~ :f2))",
            {"f0": "running", "f1": "crashed", "f2": "^a"},
        ),
        (
            {"summary_metrics.loss": {"$lt": 0.5}},
            f"({PG_LOSS_TYPE} = 'number' AND {PG_LOSS} < CAST(:f1 AS jsonb))",
            {"f0": ["loss"], "f1": "0.5"},
        ),
        (
            {"summary_metrics.loss": {"$in": [None, 1, "x", True, NAN]}},
            f"({PG_LOSS_TYPE} = 'null' OR ({PG_LOSS} IS NOT NULL AND {PG_LOSS} IN "
            "(CAST(:f1 AS jsonb), CAST(:f2 AS jsonb), CAST(:f3 AS jsonb), CAST(:f4 AS jsonb))))",
            {"f0": ["loss"], "f1": "true", "f2": "1", "f3": '"x"', "f4": '{"$float":"NaN"}'},
        ),
        (
            {"summary_metrics.acc": {"$regex": "^n"}},
            "(COALESCE(jsonb_typeof((r.summary_doc #> CAST(:f0 AS text[]))), 'null') = "
            "'string' AND ((r.summary_doc #> CAST(:f0 AS text[])) #>> '{}') ~ :f1)",
            {"f0": ["acc"], "f1": "^n"},
        ),
        (
            {"config.lr.value": {"$exists": False}},
            "NOT (COALESCE(jsonb_typeof(COALESCE("
            "(r.config_doc #> CAST(:f0 AS text[])), "
            "(r.config_doc #> CAST(:f1 AS text[])), "
            "(r.config_doc #> CAST(:f2 AS text[])))), 'null') <> 'null')",
            {"f0": ["lr.value"], "f1": ["lr", "value"], "f2": ["lr"]},
        ),
        (
            {"$or": [{"tags": {"$in": ["a", "b"]}}, {"tags": []}]},
            "(EXISTS (SELECT 1 FROM jsonb_array_elements_text(replace(r.tags, '\\u0000', '\\ufffd')::jsonb) AS tag(value) "
            "WHERE tag.value IN (:f0, :f1)) OR NOT (EXISTS (SELECT 1 FROM "
            "jsonb_array_elements_text(replace(r.tags, '\\u0000', '\\ufffd')::jsonb) AS tag(value))))",
            {"f0": "a", "f1": "b"},
        ),
        (
            # equality adds containment (implied by it) that the GIN index serves
            {"summary_metrics.loss": 0.5},
            "(r.summary_doc @> CAST(:f2 AS jsonb) AND "
            f"({PG_LOSS} IS NOT NULL AND {PG_LOSS} IN (CAST(:f1 AS jsonb))))",
            {"f0": ["loss"], "f1": "0.5", "f2": '{"loss":0.5}'},
        ),
        (
            {"created_at": {"$gte": "2024-01-02"}, "runtime": {"$lt": INF}},
            "(r.created_at >= :f0 AND 1=1)",
            {"f0": day(2)},
        ),
    ],
    ids=repr,
)
def test_postgresql_sql(filters: Any, sql: str, params: dict[str, Any]) -> None:
    assert compile_filters(filters, "postgresql") == (sql, params)


def test_postgresql_order_sql() -> None:
    assert compile_order("-created_at", "postgresql") == "r.created_at DESC, r.id DESC"
    assert compile_order("-display_name", "postgresql") == (
        "r.display_name DESC NULLS LAST, r.id DESC"
    )
    value = "(r.summary_doc #> CAST(ARRAY['loss', 'min'] AS text[]))"
    assert compile_order("-summary_metrics.loss.min", "postgresql") == (
        "CASE COALESCE(jsonb_typeof(COALESCE((r.summary_doc #> CAST(ARRAY['loss.min'] "
        f"AS text[])), {value})), 'null') WHEN 'number' THEN 0 WHEN 'string' THEN 1 "
        "WHEN 'boolean' THEN 2 WHEN 'null' THEN 4 ELSE 3 END ASC, "
        f"NULLIF(COALESCE((r.summary_doc #> CAST(ARRAY['loss.min'] AS text[])), {value}), "
        "'null'::jsonb) DESC NULLS LAST, r.id DESC"
    )
    # Quotes, colons (SQLAlchemy's `:name`) and `%` (pyformat) become hex escapes.
    sql = compile_order("config.it's:50%", "postgresql")
    assert "ARRAY[E'it\\x27s\\x3a50\\x25']" in sql
    assert ":" not in sql.replace("::", "") and "%" not in sql


# -- errors ----------------------------------------------------------------------

FIELD_OPS = "$eq, $exists, $gt, $gte, $in, $lt, $lte, $ne, $nin, $not, $regex"
FIELDS = (
    "state, name, display_name, group, job_type, host, created_at, heartbeat_at, updated_at, "
    "runtime, last_step, "
    "tags, config.<key>, summary_metrics.<key>"
)

ERROR_CASES: list[tuple[Any, str]] = [
    (
        {"$foo": 1},
        "unknown filter operator '$foo' in {'$foo': 1}; expected one of $and, $nor, $or "
        "or a field name",
    ),
    ({"$gt": 1}, "unknown filter operator '$gt' in {'$gt': 1}"),
    (
        {"state": {"$foo": 1}},
        f"unknown filter operator '$foo' in {{'$foo': 1}}; expected one of {FIELD_OPS}",
    ),
    ({"state": {"$or": [{}]}}, "unknown filter operator '$or'"),
    ({"colour": "red"}, f"unknown filter field 'colour'; expected {FIELDS}"),
    ({"$and": [{"summary.loss": 1}]}, "unknown filter field 'summary.loss'"),
    ({"$and": {"state": "running"}}, "$and expects a non-empty list of filters, got {'state'"),
    ({"$or": []}, "$or expects a non-empty list of filters, got []"),
    ({"$nor": "x"}, "$nor expects a non-empty list of filters, got 'x'"),
    ({"$or": [1]}, "a filter must be a dict, got 1"),
    ({"state": {"$in": "running"}}, "$in expects a list, got 'running'"),
    ({"state": {"$nin": 3}}, "$nin expects a list, got 3"),
    ({"display_name": {"$regex": 3}}, "$regex expects a string pattern, got 3"),
    ({"display_name": {"$regex": "("}}, "invalid $regex pattern '(': missing ), unterminated"),
    ({"tags": {"$regex": "[a"}}, "invalid $regex pattern '[a'"),
    ({"state": {"$exists": "yes"}}, "$exists expects true or false, got 'yes'"),
    ({"state": {"$exists": 1}}, "$exists expects true or false, got 1"),
    ({"summary_metrics.loss": {"$gt": None}}, "$gt expects a number or a string, got None"),
    ({"summary_metrics.loss": {"$lte": [1]}}, "$lte expects a number or a string, got [1]"),
    ({"summary_metrics.loss": {"$lt": True}}, "$lt expects a number or a string, got True"),
    ({"state": {"$not": 3}}, "$not expects a dict of operators such as {'$gt': 1}, got 3"),
    ({"state": {"$not": {"x": 1}}}, "$not expects a dict of operators"),
    ({"state": {"$gt": "a", "x": 2}}, "cannot mix operators and plain keys in the filter of"),
    (
        {"created_at": {"$gt": "yesterday"}},
        "invalid created_at value 'yesterday' for $gt; expected unix seconds, a datetime or "
        "an ISO-8601 string",
    ),
    ({"createdAt": {"$in": ["2024-13-01"]}}, "invalid createdAt value '2024-13-01' for $in"),
    ({"config.x": datetime(2024, 1, 1)}, "$eq on 'config.x': datetimes apply only to"),
    ({"state": {"$lt": date(2024, 1, 1)}}, "$lt on 'state': datetimes apply only to"),
    ({"state": {1, 2}}, "unsupported value {1, 2} for $eq; expected None, a bool, number"),
    (
        {"summary_metrics.": 1},
        "missing key in field 'summary_metrics.'; expected summary_metrics.<key>",
    ),
    ({"config.": 1}, "missing key in field 'config.'; expected config.<key>"),
    ({'summary_metrics.a"b': 1}, "cannot filter on key 'a\"b'"),
]


@pytest.mark.parametrize(("filters", "message"), ERROR_CASES, ids=repr)
def test_filter_errors(filters: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        compile_filters(filters, "sqlite")


def test_other_errors() -> None:
    with pytest.raises(ValueError, match=re.escape("a filter must be a dict, got [1]")):
        compile_filters([1], "sqlite")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown SQL dialect 'mysql'; expected one of"):
        compile_filters({}, "mysql")
    with pytest.raises(ValueError, match="unknown SQL dialect 'mysql'"):
        compile_order("+created_at", "mysql")
    # PostgreSQL paths are text arrays, so any key can be addressed there.
    _, params = compile_filters({'summary_metrics.a"b': 1}, "postgresql")
    assert params["f0"] == ['a"b']


ORDER_FIELDS = (
    "state, name, display_name, group, job_type, host, created_at, heartbeat_at, updated_at, "
    "runtime, last_step, "
    "config.<key>, summary_metrics.<key>"
)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("colour", f"unknown order field 'colour'; expected {ORDER_FIELDS}"),
        ("-colour", "unknown order field 'colour'"),
        ("tags", f"cannot order runs by 'tags'; expected {ORDER_FIELDS}"),
        ("-", "invalid order '-'; expected [+|-]<field>, e.g. '-created_at'"),
        ("+", "invalid order '+'"),
        ("summary_metrics.", "missing key in field 'summary_metrics.'"),
    ],
)
def test_order_errors(order: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        compile_order(order, "sqlite")


def test_postgresql_equality_filters_can_use_the_gin_indexes(postgres_server: Any) -> None:
    """Revision 0007's GIN indexes serve equality on config and summary paths (flat or
    nested), so ``Api().runs(filters)`` need not read every run of a large project."""
    store = SqlStore(postgres_server.new_database())
    try:
        for i in range(40):
            store.write_batch(
                RunBatch(
                    RunRef("e", "p", f"r{i}"),
                    create={},
                    config={"opt": "adam" if i % 4 == 0 else "sgd", "model": {"depth": i % 5}},
                    summary_set=[(("acc",), i / 40)],
                )
            )
        cases = [
            ({"config.opt": "adam"}, "ix_runs_config_doc", 10),
            ({"config.model.depth": 3}, "ix_runs_config_doc", 8),
            ({"summary_metrics.acc": 0.5}, "ix_runs_summary_doc", 1),
        ]
        for filters, index, count in cases:
            assert store.count_runs("e", "p", filters) == count
            where, params = compile_filters(filters, "postgresql")
            with store._db.read() as tx:
                tx.run("SET LOCAL enable_seqscan = off")
                plan = "\n".join(
                    row[0]
                    for row in tx.all(f"EXPLAIN SELECT r.id FROM runs r WHERE {where}", params)
                )
            assert index in plan, plan
    finally:
        store.close()
