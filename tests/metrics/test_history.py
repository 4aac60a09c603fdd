from __future__ import annotations

from typing import Any

from runyard.metrics.definitions import MetricDefinitions, validate_define_metric
from runyard.metrics.history import RowAssembler


def define(defs: MetricDefinitions, name: str, **kw: Any) -> None:
    defs.define(validate_define_metric(name, **kw))


def test_calls_at_one_step_merge_into_one_row() -> None:
    rows = RowAssembler(MetricDefinitions())
    assert rows.add(10, False, 100.0, 1.0, {"x": 1}) == []
    assert rows.add(10, False, 101.0, 2.0, {"y": 2}) == []
    assert rows.add(10, False, 102.0, 3.0, {"w": 3}) == []
    assert rows.open_step == 10
    out = rows.add(10, True, 103.0, 4.0, {})
    assert out == [
        {
            ("x",): 1,
            ("y",): 2,
            ("w",): 3,
            ("_step",): 10,
            ("_runtime",): 4.0,
            ("_timestamp",): 103.0,
        }
    ]
    assert rows.open_step is None
    assert rows.flush() == []


def test_a_later_step_emits_the_open_row_first() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(0, False, 1.0, 0.5, {"a": 1})
    out = rows.add(1, True, 2.0, 1.5, {"b": 2})
    assert out == [
        {("a",): 1, ("_step",): 0, ("_runtime",): 0.5, ("_timestamp",): 1.0},
        {("b",): 2, ("_step",): 1, ("_runtime",): 1.5, ("_timestamp",): 2.0},
    ]


def test_a_later_step_without_commit_emits_one_row() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(0, False, 1.0, 0.5, {"a": 1})
    out = rows.add(3, False, 2.0, 1.5, {"b": 2})
    assert [r[("_step",)] for r in out] == [0]
    assert rows.open_step == 3
    assert rows.flush() == [{("b",): 2, ("_step",): 3, ("_runtime",): 1.5, ("_timestamp",): 2.0}]
    assert rows.flush() == []


def test_same_step_overlays_leaf_by_leaf() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(0, False, 1.0, 0.0, {"n": {"p": 1, "q": 1}, "x": 1})
    rows.add(0, False, 1.0, 0.0, {"n": {"q": 2, "r": 3}, "x": 5})
    (row,) = rows.flush()
    assert {k: v for k, v in row.items() if k[0][0] != "_"} == {
        ("n", "p"): 1,
        ("n", "q"): 2,
        ("n", "r"): 3,
        ("x",): 5,
    }


def test_scalar_and_dict_for_one_key_replace_each_other() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(1, False, 1.0, 0.0, {"a": 1, "b": {"c": 1, "d": 2}})
    (row,) = rows.add(1, True, 1.0, 0.0, {"a": {"x": 2}, "b": 3})
    assert ("a",) not in row
    assert row[("a", "x")] == 2
    assert row[("b",)] == 3
    assert ("b", "c") not in row
    assert ("b", "d") not in row


def test_reserved_keys() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(5, False, 50.0, 1.0, {"_step": 99, "_runtime": 123.0, "_timestamp": 7.5})
    (row,) = rows.add(5, True, 60.0, 2.0, {"v": 1})
    assert row[("_step",)] == 5
    assert type(row[("_step",)]) is int
    assert row[("_runtime",)] == 2.0
    assert row[("_timestamp",)] == 7.5  # the user's timestamp is kept
    assert row[("v",)] == 1


def test_reserved_keys_given_as_dicts_are_dropped() -> None:
    rows = RowAssembler(MetricDefinitions())
    (row,) = rows.add(0, True, 1.0, 2.0, {"_step": {"x": 1}, "_runtime": {"y": 2}})
    assert row == {("_step",): 0, ("_runtime",): 2.0, ("_timestamp",): 1.0}


def test_timestamp_is_the_latest_call() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(0, False, 10.0, 1.0, {"a": 1})
    (row,) = rows.add(0, True, 11.5, 2.0, {"b": 1})
    assert row[("_timestamp",)] == 11.5
    assert isinstance(row[("_timestamp",)], float)


def test_a_lower_step_is_merged_not_emitted_out_of_order() -> None:
    rows = RowAssembler(MetricDefinitions())
    rows.add(5, False, 1.0, 0.0, {"a": 1})
    (row,) = rows.add(3, True, 2.0, 0.0, {"b": 2})
    assert row[("_step",)] == 5
    assert row[("a",)] == 1
    assert row[("b",)] == 2


# -- step_sync ----------------------------------------------------------------------


def test_step_sync_inserts_the_latest_step_metric_value() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", step_metric="epoch")
    rows = RowAssembler(defs)
    (r0,) = rows.add(0, True, 1.0, 0.0, {"loss": 0.9})
    (r1,) = rows.add(1, True, 1.0, 0.0, {"loss": 0.8, "epoch": 3})
    (r2,) = rows.add(2, True, 1.0, 0.0, {"loss": 0.7})
    (r3,) = rows.add(3, True, 1.0, 0.0, {"other": 1})
    assert r0[("epoch",)] == 0  # never logged: wandb starts it at 0
    assert r1[("epoch",)] == 3
    assert r2[("epoch",)] == 3
    assert ("epoch",) not in r3  # no synced metric in the row
    assert rows.step_metric_values == {("epoch",): 3}


def test_step_sync_false_inserts_nothing_but_tracks_the_value() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", step_metric="epoch", step_sync=False)
    rows = RowAssembler(defs)
    (r0,) = rows.add(0, True, 1.0, 0.0, {"loss": 0.9, "epoch": 2})
    (r1,) = rows.add(1, True, 1.0, 0.0, {"loss": 0.8})
    assert r0[("epoch",)] == 2
    assert ("epoch",) not in r1
    assert rows.step_metric_values == {("epoch",): 2}


def test_step_metric_logged_before_define_starts_at_zero() -> None:
    defs = MetricDefinitions()
    rows = RowAssembler(defs)
    rows.add(0, True, 1.0, 0.0, {"epoch": 7})
    define(defs, "loss", step_metric="epoch")
    (row,) = rows.add(1, True, 1.0, 0.0, {"loss": 0.5})
    assert row[("epoch",)] == 0
    assert rows.step_metric_values == {("epoch",): 0}


def test_step_sync_with_globs_nested_and_escaped_names() -> None:
    defs = MetricDefinitions()
    define(defs, "train/*", step_metric="progress.epoch")
    define(defs, "val\\.acc", step_metric="flat\\.step")
    rows = RowAssembler(defs)
    rows.add(0, True, 1.0, 0.0, {"progress": {"epoch": 2}, "flat.step": 9})
    (row,) = rows.add(1, True, 1.0, 0.0, {"train/loss": 1.0, "val.acc": 0.5})
    assert row[("progress", "epoch")] == 2
    assert row[("flat.step",)] == 9
    assert ("progress.epoch",) not in row
    assert ("flat", "step") not in row


def test_step_sync_ignores_none_values() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", step_metric="epoch")
    rows = RowAssembler(defs)
    rows.add(0, True, 1.0, 0.0, {"epoch": 4})
    (row,) = rows.add(1, True, 1.0, 0.0, {"loss": 1.0, "epoch": None})
    assert row[("epoch",)] is None  # present in the row: left alone
    (row,) = rows.add(2, True, 1.0, 0.0, {"loss": 1.0})
    assert row[("epoch",)] == 4


def test_step_metric_values_survive_resume() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", step_metric="epoch")
    first = RowAssembler(defs)
    first.add(0, True, 1.0, 0.0, {"loss": 1.0, "epoch": 5})
    resumed = RowAssembler(defs, first.step_metric_values)
    (row,) = resumed.add(1, True, 1.0, 0.0, {"loss": 0.5})
    assert row[("epoch",)] == 5


def test_step_metric_values_is_a_copy() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", step_metric="epoch")
    rows = RowAssembler(defs)
    rows.add(0, True, 1.0, 0.0, {"epoch": 1})
    rows.step_metric_values[("epoch",)] = 100
    (row,) = rows.add(1, True, 1.0, 0.0, {"loss": 1.0})
    assert row[("epoch",)] == 1
