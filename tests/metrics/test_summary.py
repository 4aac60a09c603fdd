from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from runyard.metrics.definitions import MetricDefinitions, validate_define_metric
from runyard.metrics.flatten import Path, flatten
from runyard.metrics.summary import SummaryState

MODES = ["batch", "rows", "chunks"]
NAN = math.nan
INF = math.inf


def define(defs: MetricDefinitions, name: str, **kw: Any) -> None:
    defs.define(validate_define_metric(name, **kw), overwrite=bool(kw.pop("overwrite", False)))


def make_rows(dicts: Sequence[dict[str, Any]], start: int = 0) -> list[dict[Path, Any]]:
    return [{**flatten(d), ("_step",): start + i} for i, d in enumerate(dicts)]


def fold(state: SummaryState, rows: list[dict[Path, Any]], mode: str) -> None:
    if mode == "batch":
        state.update(rows)
    elif mode == "rows":
        for row in rows:
            state.update([row])
    else:
        for i in range(0, len(rows), 7):
            state.update(rows[i : i + 7])


def state_with(mode: str, values: Sequence[Any], key: str = "loss", **kw: Any) -> SummaryState:
    defs = MetricDefinitions()
    if kw:
        define(defs, key, **kw)
    state = SummaryState(defs)
    fold(state, make_rows([{key: v} for v in values]), mode)
    return state


def same(a: Any, b: Any, rel: float = 0.0) -> bool:
    """Deep equality where NaN equals NaN and floats may differ by ``rel``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=rel)
    return type(a) is type(b) and bool(a == b)


# Long enough (x12 = 48 values) for the numpy path when folded as one batch.
SEQ = [0.5, 0.2, 0.9, 0.3] * 12


def test_seed_example() -> None:
    random.seed(1)
    defs = MetricDefinitions()
    define(defs, "loss", summary="min")
    define(defs, "acc", summary="max")
    state = SummaryState(defs)
    losses, accs = [], []
    for i in range(10):
        loss = random.uniform(0, 1 / (i + 1))
        acc = random.uniform(1 / (i + 1), 1)
        losses.append(loss)
        accs.append(acc)
        state.update(make_rows([{"loss": loss, "acc": acc}], start=i))
    summary = state.summary()
    assert summary["loss"] == {"min": min(losses)}
    assert summary["acc"] == {"max": max(accs)}


@pytest.mark.parametrize("mode", MODES)
def test_plain_latest_value_and_nested_merge(mode: str) -> None:
    state = SummaryState(MetricDefinitions())
    fold(state, make_rows([{"n": {"p": 1}, "x": 1}, {"n": {"q": 2}}, {"x": "s"}]), mode)
    assert state.summary() == {"n": {"p": 1, "q": 2}, "x": "s", "_step": 2}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("summary", "goal", "expected"),
    [
        ("min", None, {"min": 0.2}),
        ("max", None, {"max": 0.9}),
        ("mean", None, {"mean": 0.475}),
        ("first", None, {"first": 0.5}),
        ("last", None, {"last": 0.3}),
        ("best", "minimize", {"best": 0.2}),
        ("best", "maximize", {"best": 0.9}),
        (
            "last,first,mean,max,min",
            None,
            {"min": 0.2, "max": 0.9, "mean": 0.475, "first": 0.5, "last": 0.3},
        ),
    ],
)
def test_each_op(mode: str, summary: str, goal: str | None, expected: dict[str, Any]) -> None:
    state = state_with(mode, SEQ, summary=summary, goal=goal)
    result = state.summary()["loss"]
    assert same(result, expected, rel=1e-12)
    assert list(result) == list(expected)  # only the requested ops, in a fixed order


@pytest.mark.parametrize("mode", MODES)
def test_none_removes_the_key_but_keeps_tracking(mode: str) -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="min,last")
    define(defs, "loss", summary="none")
    state = SummaryState(defs)
    fold(state, make_rows([{"loss": v, "acc": 1} for v in SEQ]), mode)
    assert "loss" not in state.summary()
    assert state.summary()["acc"] == 1
    define(defs, "loss", summary="min")  # a later non-empty summary turns "none" off
    assert state.summary()["loss"] == {"min": 0.2, "last": 0.3}


def test_min_max_mean_include_values_logged_before_define() -> None:
    defs = MetricDefinitions()
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 5}, {"loss": 1}, {"loss": 3}]))
    assert state.summary()["loss"] == 3
    define(defs, "loss", summary="mean,min,max")
    state.update(make_rows([{"loss": 4}], start=3))
    assert state.summary()["loss"] == {"min": 1, "max": 5, "mean": 3.25}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "values",
    [["a", "b", "c"] * 12, [True, False, True] * 12, [{"_type": "histogram"}, [1, 2]] * 20],
)
def test_non_numeric_values(mode: str, values: list[Any]) -> None:
    state = state_with(mode, values, summary="min,max,mean,first,last")
    result = state.summary()["loss"]
    assert same(result, {"min": 0, "max": 0, "mean": NAN, "first": values[0], "last": values[-1]})


@pytest.mark.parametrize("mode", MODES)
def test_mixed_values_aggregate_the_numbers_only(mode: str) -> None:
    state = state_with(mode, [1.0, True, 3.0, "x"] * 10, summary="min,max,mean,first,last")
    assert state.summary()["loss"] == {
        "min": 1.0,
        "max": 3.0,
        "mean": 2.0,
        "first": 1.0,
        "last": "x",
    }


@pytest.mark.parametrize("mode", MODES)
def test_none_values_are_skipped(mode: str) -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="first,last,mean")
    state = SummaryState(defs)
    dicts: list[dict[str, Any]] = [{"loss": None, "n": None}, {"loss": 2.0, "n": None}]
    dicts += [{"loss": 4.0, "n": None}, {"loss": None, "n": None}] * 20
    fold(state, make_rows(dicts), mode)
    summary = state.summary()
    assert summary["loss"] == {"mean": pytest.approx(4.0 - 2.0 / 21), "first": 2.0, "last": 4.0}
    assert "n" not in summary
    assert ("n",) not in state.last_values()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([NAN, 2.0, 1.0, NAN] * 10, {"min": 1.0, "max": 2.0, "mean": NAN}),
        ([NAN] * 40, {"min": NAN, "max": NAN, "mean": NAN}),
        ([1.0, INF, -INF] * 12, {"min": -INF, "max": INF, "mean": NAN}),
        ([1.0, INF] * 20, {"min": 1.0, "max": INF, "mean": INF}),
        ([-INF, -1.0] * 20, {"min": -INF, "max": -1.0, "mean": -INF}),
        ([1e308, 1e308] * 20, {"min": 1e308, "max": 1e308, "mean": INF}),
    ],
)
def test_nan_and_inf(mode: str, values: list[float], expected: dict[str, float]) -> None:
    # Runs with warnings as errors: no numpy RuntimeWarning may escape.
    state = state_with(mode, values, summary="min,max,mean")
    assert same(state.summary()["loss"], expected)


@pytest.mark.parametrize("mode", MODES)
def test_best_skips_nan(mode: str) -> None:
    state = state_with(mode, [NAN, 0.7, NAN, 0.4] * 10, summary="best", goal="min")
    summary = state.summary()
    assert summary["loss"] == {"best": 0.4}
    assert summary["_best"]["loss"]["_step"] == 3


@pytest.mark.parametrize("mode", MODES)
def test_ints_stay_ints(mode: str) -> None:
    state = state_with(mode, [3, 1, 2] * 12, summary="min,max,mean,first,last")
    result = state.summary()["loss"]
    assert result == {"min": 1, "max": 3, "mean": 2.0, "first": 3, "last": 2}
    assert type(result["min"]) is int
    assert type(result["max"]) is int


@pytest.mark.parametrize("mode", MODES)
def test_numpy_scalars(mode: str) -> None:
    values = [np.float32(0.5), np.int64(3), np.float64(-1.5)] * 12
    state = state_with(mode, values, summary="min,max")
    assert state.summary()["loss"] == {"min": -1.5, "max": 3}
    state = state_with(mode, [np.bool_(True)] * 40, summary="min,max,mean")
    assert same(state.summary()["loss"], {"min": 0, "max": 0, "mean": NAN})


def test_large_ints_do_not_overflow() -> None:
    state = state_with("batch", [2**70, 1] * 20, summary="min,max,mean")
    assert state.summary()["loss"] == {"min": 1, "max": 2**70, "mean": pytest.approx(2**69)}


@pytest.mark.parametrize("mode", MODES)
def test_nested_keys(mode: str) -> None:
    defs = MetricDefinitions()
    define(defs, "nest.inner", summary="max")
    state = SummaryState(defs)
    fold(state, make_rows([{"nest": {"inner": v, "other": v}} for v in SEQ]), mode)
    assert state.summary()["nest"] == {"inner": {"max": 0.9}, "other": 0.3}


def test_escaped_dots() -> None:
    defs = MetricDefinitions()
    define(defs, "dotted\\.name", summary="max")
    define(defs, "flat.key", summary="max")
    state = SummaryState(defs)
    state.update(make_rows([{"dotted.name": 2, "flat.key": 2}, {"dotted.name": 1, "flat.key": 1}]))
    summary = state.summary()
    assert summary["dotted.name"] == {"max": 2}
    assert summary["flat.key"] == 1  # the name meant the path ("flat", "key")


@pytest.mark.parametrize("mode", MODES)
def test_globs(mode: str) -> None:
    defs = MetricDefinitions()
    define(defs, "*", summary="last")
    define(defs, "train/*", summary="min")
    define(defs, "*/acc", summary="max")
    define(defs, "train/*/acc", summary="mean")
    state = SummaryState(defs)
    keys = ["train/loss", "val/acc", "train/top1/acc", "other"]
    fold(state, make_rows([dict.fromkeys(keys, v) for v in SEQ]), mode)
    summary = state.summary()
    assert summary["train/loss"] == {"min": 0.2}
    assert summary["val/acc"] == {"max": 0.9}
    assert summary["train/top1/acc"] == {"mean": pytest.approx(0.475)}
    assert summary["other"] == {"last": 0.3}
    assert summary["_step"] == len(SEQ) - 1  # "_" keys are never matched by globs


# -- explicit edits -----------------------------------------------------------------


def test_explicit_set_resets_define_metric_tracking() -> None:
    # wandb, verified: summary="min,max,mean,first,last", summary["loss"]=123, log(loss=0.01)
    defs = MetricDefinitions()
    define(defs, "loss", summary="min,max,mean,first,last")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.5}, {"loss": 0.2}]))
    state.set(("loss",), 123)
    assert state.summary()["loss"] == 123
    state.update(make_rows([{"loss": 0.01}], start=2))
    assert state.summary()["loss"] == 0.01
    state.update(make_rows([{"loss": 0.7}], start=3))
    assert state.summary()["loss"] == 0.7  # still plain
    define(defs, "loss", summary="min")  # defined again: aggregates since the set
    assert state.summary()["loss"] == {
        "min": 0.01,
        "max": 0.7,
        "mean": pytest.approx(0.355),
        "first": 0.01,
        "last": 0.7,
    }


def test_redefining_before_the_next_log_shows_the_set_value() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="min")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.5}]))
    state.set(("loss",), 9)
    define(defs, "loss", summary="max")
    assert state.summary()["loss"] == 9
    state.update(make_rows([{"loss": 0.25}], start=1))
    assert state.summary()["loss"] == {"min": 0.25, "max": 0.25}


def test_explicit_set_wins_until_the_key_is_logged_again() -> None:
    state = SummaryState(MetricDefinitions())
    state.update(make_rows([{"acc": 0.5, "loss": 1}]))
    state.set(("acc",), "best-ever")
    state.update(make_rows([{"loss": 2}], start=1))
    assert state.summary()["acc"] == "best-ever"
    state.update(make_rows([{"acc": 0.6}], start=2))
    assert state.summary()["acc"] == 0.6


def test_set_new_key_and_none_deletes() -> None:
    state = SummaryState(MetricDefinitions())
    state.set(("note",), "hello")
    state.set(("n", "a"), 1)
    assert state.summary() == {"note": "hello", "n": {"a": 1}}
    state.set(("note",), None)
    assert state.summary() == {"n": {"a": 1}}


def test_set_dict_replaces_the_subtree_and_nested_set_adds_siblings() -> None:
    state = SummaryState(MetricDefinitions())
    state.update(make_rows([{"t": {"p": 1, "deep": {"x": 1}}}]))
    state.set(("t",), {"q": 2, "r": {"s": 3}, "none": None})
    assert state.summary()["t"] == {"q": 2, "r": {"s": 3}}
    state.set(("t", "r", "u"), 4)
    assert state.summary()["t"] == {"q": 2, "r": {"s": 3, "u": 4}}


def test_set_typed_or_empty_dict_is_a_leaf() -> None:
    state = SummaryState(MetricDefinitions())
    payload = {"_type": "table-file", "path": "x"}
    state.set(("tbl",), payload)
    state.set(("e",), {})
    assert state.summary() == {"tbl": payload, "e": {}}
    assert state.last_values() == {("tbl",): payload, ("e",): {}}


def test_set_over_a_leaf_prefix_replaces_it() -> None:
    state = SummaryState(MetricDefinitions())
    state.set(("a",), 1)
    state.set(("a", "b"), 2)
    assert state.summary() == {"a": {"b": 2}}
    state.set(("a",), 3)
    assert state.summary() == {"a": 3}


def test_delete() -> None:
    state = SummaryState(MetricDefinitions())
    state.update(make_rows([{"a": {"b": 1, "c": {"d": 2}}, "e": 3}]))
    assert state.delete(("a", "c")) is True
    assert state.summary() == {"a": {"b": 1}, "e": 3, "_step": 0}
    assert state.delete(("a",)) is True
    assert state.delete(("a",)) is False
    assert state.delete(("zz", "y")) is False
    assert state.summary() == {"e": 3, "_step": 0}


def test_delete_drops_aggregates() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="min")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.1}]))
    state.delete(("loss",))
    state.update(make_rows([{"loss": 0.5}], start=1))
    assert state.summary()["loss"] == {"min": 0.5}


@pytest.mark.parametrize("mode", MODES)
def test_logging_a_key_as_scalar_then_dict_replaces_it(mode: str) -> None:
    state = SummaryState(MetricDefinitions())
    fold(state, make_rows([{"a": 1, "b": {"c": 1}}] * 40), mode)
    fold(state, make_rows([{"a": {"x": 2}, "b": 3}] * 40), mode)
    assert state.summary() == {"a": {"x": 2}, "b": 3, "_step": 39}


# -- best and its snapshot ----------------------------------------------------------

BEST_ROWS_1 = [
    {"loss": 0.9, "acc": 0.1},
    {"loss": 0.5, "acc": 0.3, "lr": 0.01},
    {"loss": 0.2, "acc": 0.6, "tag": {"name": "x"}},
    {"loss": 0.4, "acc": 0.7, "lr": 0.001},
    {"acc": 0.8},
]
BEST_ROWS_2 = [
    {"loss": 0.3},
    {"loss": 0.1, "acc": 0.85},
    {"loss": 0.15, "acc": 0.9},
    {"loss": 0.1, "acc": 0.95},  # a tie does not move the best row
]


@pytest.mark.parametrize("mode", MODES)
def test_best_snapshot_in_the_middle_of_a_batch_and_improved_later(mode: str) -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="best,min", goal="minimize")
    define(defs, "acc", summary="best", goal="maximize")
    state = SummaryState(defs)
    fold(state, make_rows(BEST_ROWS_1), mode)
    summary = state.summary()
    assert summary["loss"] == {"min": 0.2, "best": 0.2}
    assert summary["_best"]["loss"] == {
        "_step": 2,
        "value": 0.2,
        "metrics": {"acc": 0.6, "lr": 0.01, "tag": {"name": "x"}, "_step": 2},
    }
    assert summary["_best"]["acc"] == {
        "_step": 4,
        "value": 0.8,
        "metrics": {"loss": 0.4, "lr": 0.001, "tag": {"name": "x"}, "_step": 4},
    }
    fold(state, make_rows(BEST_ROWS_2, start=5), mode)
    summary = state.summary()
    assert summary["loss"] == {"min": 0.1, "best": 0.1}
    assert summary["_best"]["loss"] == {
        "_step": 6,
        "value": 0.1,
        "metrics": {"acc": 0.85, "lr": 0.001, "tag": {"name": "x"}, "_step": 6},
    }
    assert summary["_best"]["acc"]["_step"] == 8
    assert summary["_best"]["acc"]["metrics"]["loss"] == 0.1


@pytest.mark.parametrize("sparse", [False, True])
def test_best_snapshot_in_a_long_batch(sparse: bool) -> None:
    rng = random.Random(3)
    dicts: list[dict[str, Any]] = []
    for i in range(200):
        d: dict[str, Any] = {"loss": rng.uniform(0.5, 1.0), "marker": i}
        if not sparse or i % 3:
            d["other"] = -i
        dicts.append(d)
    dicts[138]["loss"] = 0.125
    defs = MetricDefinitions()
    define(defs, "loss", summary="best", goal="min")
    state = SummaryState(defs)
    state.update(make_rows(dicts))
    best = state.summary()["_best"]["loss"]
    # Sparse rows lack "other" at 138 (138 % 3 == 0): its latest value is from row 137.
    other = -137 if sparse else -138
    assert best == {
        "_step": 138,
        "value": 0.125,
        "metrics": {"marker": 138, "other": other, "_step": 138},
    }


@pytest.mark.parametrize("mode", MODES)
def test_best_in_a_long_column_with_none_and_text(mode: str) -> None:
    dicts: list[dict[str, Any]] = []
    for i in range(60):
        loss: Any = 1.0 + (i % 7) / 10
        if i < 10:
            loss = "warmup"
        elif i < 20 or i % 5 == 0:
            loss = None
        dicts.append({"loss": loss, "m": i})
    dicts[47]["loss"] = 0.5
    defs = MetricDefinitions()
    define(defs, "loss", summary="best,first", goal="min")
    state = SummaryState(defs)
    fold(state, make_rows(dicts), mode)
    summary = state.summary()
    assert summary["loss"] == {"first": "warmup", "best": 0.5}
    assert summary["_best"]["loss"] == {
        "_step": 47,
        "value": 0.5,
        "metrics": {"m": 47, "_step": 47},
    }


def test_best_snapshot_uses_values_from_before_the_batch() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="best", goal="min")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.9, "epoch": 1, "note": "a"}]))
    state.update(make_rows([{"note": "b"}, {"loss": 0.5}, {"epoch": 2}], start=1))
    assert state.summary()["_best"]["loss"]["metrics"] == {"epoch": 1, "note": "b", "_step": 2}


def test_best_with_glob_definitions_is_per_key() -> None:
    defs = MetricDefinitions()
    define(defs, "val/*", summary="best", goal="max")
    state = SummaryState(defs)
    state.update(make_rows([{"val/a": 1, "val/b": 5}, {"val/a": 2, "val/b": 4}]))
    bests = state.summary()["_best"]
    assert {k: (v["_step"], v["value"]) for k, v in bests.items()} == {
        "val/a": (1, 2),
        "val/b": (0, 5),
    }


def test_best_of_nested_key_is_keyed_by_dotted_key() -> None:
    defs = MetricDefinitions()
    define(defs, "val.loss", summary="best", goal="min")
    state = SummaryState(defs)
    state.update(make_rows([{"val": {"loss": 3, "acc": 1}}, {"val": {"loss": 2, "acc": 2}}]))
    summary = state.summary()
    assert summary["val"] == {"loss": {"best": 2}, "acc": 2}
    assert summary["_best"] == {
        "val.loss": {"_step": 1, "value": 2, "metrics": {"val": {"acc": 2}, "_step": 1}}
    }


def test_best_is_tracked_from_when_the_definition_applies() -> None:
    defs = MetricDefinitions()
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.1}]))
    define(defs, "loss", summary="best,min", goal="min")
    state.update(make_rows([{"loss": 0.5}, {"loss": 0.7}], start=1))
    summary = state.summary()
    assert summary["loss"] == {"min": 0.1, "best": 0.5}
    assert summary["_best"]["loss"]["_step"] == 1


def test_best_restarts_when_the_goal_changes() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="best", goal="min")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.1}, {"loss": 0.5}]))
    define(defs, "loss", goal="max")
    assert "_best" not in state.summary()
    assert "loss" not in state.summary()  # no best yet, and no other op requested
    state.update(make_rows([{"loss": 0.3}, {"loss": 0.2}], start=2))
    assert state.summary()["loss"] == {"best": 0.3}
    assert state.summary()["_best"]["loss"]["_step"] == 2


def test_no_best_without_numbers_and_explicit_set_drops_best() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="best,last", goal="min")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": "n/a"}]))
    assert state.summary() == {"loss": {"last": "n/a"}, "_step": 0}
    state.update(make_rows([{"loss": 0.3}], start=1))
    assert state.summary()["_best"]["loss"]["value"] == 0.3
    state.set(("loss",), 1.5)
    summary = state.summary()
    assert summary["loss"] == 1.5
    assert "_best" not in summary


def test_none_hides_best_too() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="best,none", goal="min")
    state = SummaryState(defs)
    state.update(make_rows([{"loss": 0.3}]))
    assert state.summary() == {"_step": 0}


# -- persistence --------------------------------------------------------------------


def _run_defs() -> MetricDefinitions:
    defs = MetricDefinitions()
    define(defs, "loss", summary="min,max,mean,first,last")
    define(defs, "acc", summary="best,max", goal="maximize")
    define(defs, "val/*", summary="mean,best", goal="min")
    define(defs, "nest.x", summary="first")
    return defs


def _run_rows(rng: random.Random, n: int, dyadic: bool) -> list[dict[Path, Any]]:
    def value() -> float:
        return rng.randrange(-64, 64) / 8 if dyadic else rng.uniform(-1, 1)

    dicts: list[dict[str, Any]] = []
    for i in range(n):
        d: dict[str, Any] = {"loss": value(), "acc": value(), "nest": {"x": value(), "y": i}}
        if i % 4:
            d["val/a"] = value()
        if i % 9 == 0:
            d["val/b"] = NAN
        if i % 5 == 0:
            d["label"] = f"s{i}"
        dicts.append(d)
    return make_rows(dicts)


@pytest.mark.parametrize("dyadic", [True, False])
@pytest.mark.parametrize("mode", MODES)
def test_state_round_trip(mode: str, dyadic: bool) -> None:
    rows = _run_rows(random.Random(7), 120, dyadic)
    whole_defs = _run_defs()
    whole = SummaryState(whole_defs)
    whole.set(("note",), "kept")
    whole.set(("loss",), 99.0)  # tracking reset, persisted with the state
    fold(whole, rows, mode)

    half_defs = _run_defs()
    half = SummaryState(half_defs)
    half.set(("note",), "kept")
    half.set(("loss",), 99.0)
    fold(half, rows[:50], mode)
    state = json.loads(json.dumps(half.to_state(), allow_nan=True))
    defs_json = json.loads(json.dumps(half_defs.to_list()))
    resumed_defs = MetricDefinitions.from_list(defs_json)
    resumed = SummaryState(resumed_defs, state)
    fold(resumed, rows[50:], mode)

    expected = whole.summary()
    assert expected["loss"] == rows[-1][("loss",)]  # plain after the set
    assert "_best" in expected
    # Means are sums of floats: exact for dyadic values, within rounding otherwise.
    assert same(resumed.summary(), expected, rel=0.0 if dyadic else 1e-12)

    # The reset survives too: defining loss again brings its aggregates back, both sides.
    define(whole_defs, "loss", summary="min")
    define(resumed_defs, "loss", summary="min")
    assert isinstance(whole.summary()["loss"], dict)
    assert same(resumed.summary(), whole.summary(), rel=0.0 if dyadic else 1e-12)


def test_to_state_is_json_with_numpy_scalars() -> None:
    state = state_with("rows", [np.int64(3), np.float32(0.5)], summary="min,max")
    text = json.dumps(state.to_state(), allow_nan=True)
    assert json.loads(text)["keys"][0]["min"] == 0.5


def test_restore_rejects_unknown_versions() -> None:
    with pytest.raises(ValueError, match="unsupported summary state version 99"):
        SummaryState(MetricDefinitions(), {"version": 99, "keys": [], "plain": [], "best": []})


def test_last_values() -> None:
    state = SummaryState(MetricDefinitions())
    state.update(make_rows([{"a": 1, "n": {"b": 2}}, {"a": None, "n": {"c": 3}}]))
    state.set(("s",), "x")
    assert state.last_values() == {
        ("a",): 1,
        ("n", "b"): 2,
        ("_step",): 1,
        ("n", "c"): 3,
        ("s",): "x",
    }


def test_speed_sanity() -> None:
    rng = random.Random(0)
    keys = [f"k{j}" for j in range(10)]
    rows = [{(k,): rng.random() for k in keys} | {("_step",): i} for i in range(20_000)]
    defs = MetricDefinitions()
    define(defs, "k*", summary="min,max,mean,best", goal="min")
    state = SummaryState(defs)
    start = time.perf_counter()
    state.update(rows)
    elapsed = time.perf_counter() - start
    print(f"\nSummaryState.update: 20,000 rows x 10 keys in {elapsed * 1000:.1f} ms")
    assert state.summary()["k3"]["min"] == min(r[("k3",)] for r in rows)


@pytest.mark.parametrize("n", [5, 1000])
def test_typed_columns_fold_as_their_lists_do(n: int) -> None:
    """update_columns with numpy columns (the journal's blocks: float64, int64) gives the
    summary and state of the same columns as lists, Python numbers included (no numpy
    scalar leaks into the summary or the best row)."""
    defs = MetricDefinitions()
    define(defs, "f", summary="min,max,mean,first,last")
    define(defs, "i", summary="best", goal="maximize")
    rng = random.Random(4)
    floats = [rng.random() for _ in range(n)]
    floats[n // 2] = NAN
    ints = [rng.randrange(1000) for _ in range(n)]
    columns: dict[Path, Any] = {
        ("f",): np.array(floats),
        ("i",): np.array(ints, dtype=np.int64),
        ("_step",): np.arange(n, dtype=np.int64),
    }
    lists: dict[Path, Any] = {p: c.tolist() for p, c in columns.items()}

    def rows() -> list[dict[Path, Any]]:
        return [{p: c[j] for p, c in lists.items()} for j in range(n)]

    typed, plain = SummaryState(defs), SummaryState(defs)
    typed.update_columns(columns, rows)
    plain.update_columns(lists, rows)
    for state in (typed, plain):
        state.update_columns({("f",): np.array([0.5] * 40)}, rows)  # a second batch
    assert json.dumps(typed.summary(), sort_keys=True) == json.dumps(
        plain.summary(), sort_keys=True
    )
    assert repr(typed.to_state()) == repr(plain.to_state())  # (NaN in the totals)
    best = typed.summary()["_best"]["i"]
    assert type(best["value"]) is int and best["value"] == max(ints)
    assert all(type(v) in (int, float) for v in flatten(typed.summary()).values())
