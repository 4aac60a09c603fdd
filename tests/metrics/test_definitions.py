from __future__ import annotations

import json
import re
from typing import Any

import pytest

from runyard.errors import Error
from runyard.metrics.definitions import (
    MetricDefinition,
    MetricDefinitions,
    validate_define_metric,
)

COPY_WARNING = "define_metric(summary='copy') is deprecated and will be removed."


def define(defs: MetricDefinitions, name: str, overwrite: bool = False, **kw: Any) -> None:
    defs.define(validate_define_metric(name, **kw), overwrite=overwrite)


def matched(defs: MetricDefinitions, *path: str) -> str | None:
    d = defs.match(path)
    return None if d is None else d.name


# -- validation ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", None])
def test_empty_name(name: Any) -> None:
    with pytest.raises(Error) as exc:
        validate_define_metric(name)
    assert str(exc.value) == "define_metric() requires non-empty name argument"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": 5}, "Unhandled define_metric() arg: name type: int"),
        ({"step_metric": 1}, "Unhandled define_metric() arg: step_metric type: int"),
        ({"step_sync": 1}, "Unhandled define_metric() arg: step_sync type: int"),
        ({"hidden": "yes"}, "Unhandled define_metric() arg: hidden type: str"),
        ({"summary": ["min"]}, "Unhandled define_metric() arg: summary type: list"),
        ({"goal": 1.0}, "Unhandled define_metric() arg: goal type: float"),
        ({"overwrite": 0}, "Unhandled define_metric() arg: overwrite type: int"),
        ({"summary": "median"}, "Unhandled define_metric() arg: summary op: median"),
        ({"summary": "min, max"}, "Unhandled define_metric() arg: summary op:  max"),
        ({"summary": "min,,max"}, "Unhandled define_metric() arg: summary op: "),
        (
            {"summary": "best"},
            'define_metric() summary="best" requires goal="minimize" or goal="maximize"',
        ),
        (
            {"summary": "max,best", "goal": None},
            'define_metric() summary="best" requires goal="minimize" or goal="maximize"',
        ),
        (
            {"goal": "up"},
            'Unhandled define_metric() arg: goal: \'up\' (expected "minimize" or "maximize")',
        ),
    ],
)
def test_validation_messages(kwargs: dict[str, Any], message: str) -> None:
    kwargs.setdefault("name", "loss")
    with pytest.raises(Error) as exc:
        validate_define_metric(**kwargs)
    assert str(exc.value) == message


def test_type_checks_run_in_wandb_order() -> None:
    with pytest.raises(Error, match="step_metric type: int"):
        validate_define_metric("loss", step_metric=1, hidden=1)


def test_summary_ops_are_case_insensitive() -> None:
    d = validate_define_metric("loss", summary="MIN,Max,mean,FIRST,last,none")
    assert d.summary == {"min", "max", "mean", "first", "last", "none"}


@pytest.mark.parametrize(
    ("goal", "expected"),
    [("minimize", "minimize"), ("min", "minimize"), ("Maximize", "maximize"), ("max", "maximize")],
)
def test_goal_is_normalised(goal: str, expected: str) -> None:
    d = validate_define_metric("acc", summary="best", goal=goal)
    assert d.goal == expected
    assert d.summary == {"best"}


def test_copy_warns_and_is_dropped() -> None:
    with pytest.warns(DeprecationWarning, match=re.escape(COPY_WARNING)) as record:
        d = validate_define_metric("loss", summary="copy,min")
    assert [str(w.message) for w in record] == [COPY_WARNING]
    assert d.summary == {"min"}


@pytest.mark.parametrize("name", ["a*b", "*/loss", "train/*", "*", "a*b*c"])
def test_star_is_allowed_anywhere(name: str) -> None:
    d = validate_define_metric(name, summary="min")
    assert d.glob is True
    assert d.path == (name,)


def test_step_metric_may_be_a_metric_object() -> None:
    epoch = validate_define_metric("epoch", hidden=True)
    d = validate_define_metric("loss", step_metric=epoch)
    assert d.step_metric == "epoch"
    assert d.step_sync is True


def test_step_sync_defaults() -> None:
    assert validate_define_metric("loss").step_sync is False
    assert validate_define_metric("loss", step_metric="epoch").step_sync is True
    assert validate_define_metric("loss", step_metric="epoch", step_sync=False).step_sync is False
    assert validate_define_metric("loss", step_metric="").step_metric is None


def test_definition_fields() -> None:
    d = validate_define_metric("val\\.x.y", step_metric="epoch", hidden=True, summary="max")
    assert d.name == "val\\.x.y"
    assert d.path == ("val.x", "y")
    assert d.glob is False
    assert (d.step_metric, d.step_sync, d.hidden, d.summary, d.goal) == (
        "epoch",
        True,
        True,
        frozenset({"max"}),
        None,
    )


def test_definition_dict_round_trip() -> None:
    d = validate_define_metric("train/*", step_metric="e", summary="best,min", goal="max")
    data = json.loads(json.dumps(d.to_dict()))
    assert data["summary"] == ["best", "min"]
    back = MetricDefinition.from_dict(data)
    assert back == d
    assert back.path == d.path
    assert back.glob is True


# -- merging ------------------------------------------------------------------------


def test_summary_flags_are_ored() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="min")
    define(defs, "loss", summary="max")
    assert defs.get("loss") is not None
    assert defs.get("loss").summary == {"min", "max"}  # type: ignore[union-attr]


def test_overwrite_replaces() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", summary="min", step_metric="epoch", hidden=True)
    define(defs, "loss", overwrite=True, summary="max")
    d = defs.get("loss")
    assert d == MetricDefinition("loss", summary=frozenset({"max"}))


def test_later_non_empty_summary_decides_none() -> None:
    defs = MetricDefinitions()
    define(defs, "a", summary="min,last")
    define(defs, "a", summary="none")
    assert defs.match(("a",)).summary == {"min", "last", "none"}  # type: ignore[union-attr]
    define(defs, "a", summary="max")
    assert defs.match(("a",)).summary == {"min", "last", "max"}  # type: ignore[union-attr]
    define(defs, "a")  # an empty summary leaves the flags alone
    assert defs.match(("a",)).summary == {"min", "last", "max"}  # type: ignore[union-attr]


def test_step_sync_and_hidden_only_turn_on() -> None:
    defs = MetricDefinitions()
    define(defs, "loss", step_metric="epoch", hidden=True)
    merged = defs.define(validate_define_metric("loss", step_sync=False, hidden=False))
    assert (merged.step_metric, merged.step_sync, merged.hidden) == ("epoch", True, True)


def test_step_metric_and_goal_replaced_when_given() -> None:
    defs = MetricDefinitions()
    define(defs, "acc", step_metric="epoch", summary="best", goal="max")
    define(defs, "acc", summary="min")
    d = defs.get("acc")
    assert d is not None
    assert (d.step_metric, d.goal, d.summary) == ("epoch", "maximize", {"best", "min"})
    define(defs, "acc", step_metric="batch", goal="min")
    d = defs.get("acc")
    assert d is not None
    assert (d.step_metric, d.goal) == ("batch", "minimize")


def test_define_returns_the_merged_definition_and_bumps_revisions() -> None:
    defs = MetricDefinitions()
    assert defs.revision == 0
    define(defs, "a", summary="min")
    define(defs, "b", summary="min")
    merged = defs.define(validate_define_metric("a", summary="max"))
    assert merged.summary == {"min", "max"}
    assert defs.revision == 3
    assert (defs.revision_of("a"), defs.revision_of("b"), defs.revision_of("c")) == (3, 2, 0)
    assert [d.name for d in defs.all()] == ["b", "a"]


# -- matching -----------------------------------------------------------------------


def test_explicit_match_uses_parsed_paths() -> None:
    defs = MetricDefinitions()
    define(defs, "flat.key", summary="max")
    define(defs, "dotted\\.name", summary="max")
    define(defs, "nest.inner", summary="max")
    assert matched(defs, "flat", "key") == "flat.key"
    assert matched(defs, "flat.key") is None
    assert matched(defs, "dotted.name") == "dotted\\.name"
    assert matched(defs, "dotted", "name") is None
    assert matched(defs, "nest", "inner") == "nest.inner"
    assert matched(defs, "nest") is None


@pytest.mark.parametrize(
    ("pattern", "hits", "misses"),
    [
        ("train/*", ["train/loss", "train/sub/y", "train/"], ["val/loss", "xtrain/loss"]),
        ("*/loss", ["train/loss", "a/b/loss", "/loss"], ["train/loss2", "loss"]),
        ("val/*/acc", ["val/x/acc", "val/a.b/c/acc"], ["val/acc", "val/x/acc1"]),
        ("*", ["loss", "a/b", "a.b"], []),
        ("a+b*", ["a+b", "a+bc"], ["aab", "ab"]),
    ],
)
def test_glob_star_matches_any_run_of_characters(
    pattern: str, hits: list[str], misses: list[str]
) -> None:
    defs = MetricDefinitions()
    define(defs, pattern, summary="min")
    for key in hits:
        assert matched(defs, key) == pattern, key
    for key in misses:
        assert matched(defs, key) is None, key


def test_glob_matches_nested_paths_by_dotted_key() -> None:
    defs = MetricDefinitions()
    define(defs, "nest.*", summary="min")
    assert matched(defs, "nest", "x") == "nest.*"
    assert matched(defs, "nest.x") == "nest.*"
    assert matched(defs, "nest") is None


def test_globs_skip_underscore_keys_but_explicit_names_do_not() -> None:
    defs = MetricDefinitions()
    define(defs, "*", summary="min")
    assert matched(defs, "_step") is None
    assert matched(defs, "_private", "x") is None
    assert matched(defs, "a", "_x") == "*"
    define(defs, "_step", hidden=True)
    assert matched(defs, "_step") == "_step"


def test_explicit_definition_beats_any_glob() -> None:
    defs = MetricDefinitions()
    define(defs, "train/loss", summary="max")
    define(defs, "train/*", summary="min")
    define(defs, "train/los*", summary="min")
    assert matched(defs, "train/loss") == "train/loss"


def test_glob_precedence_most_literal_characters() -> None:
    defs = MetricDefinitions()
    define(defs, "train/*/loss", summary="min")  # 11 literal characters
    define(defs, "*", summary="min")
    define(defs, "train/*", summary="min")  # 6
    define(defs, "*/loss", summary="min")  # 5
    assert matched(defs, "train/a/loss") == "train/*/loss"
    assert matched(defs, "train/a/acc") == "train/*"
    assert matched(defs, "val/loss") == "*/loss"
    assert matched(defs, "other") == "*"


def test_glob_precedence_then_fewer_stars() -> None:
    defs = MetricDefinitions()
    define(defs, "a*b*", summary="min")  # 2 literals, 2 stars
    define(defs, "ab*", summary="min")  # 2 literals, 1 star
    define(defs, "*a*b*", summary="min")  # 2 literals, 3 stars
    assert matched(defs, "abc") == "ab*"
    assert matched(defs, "axbc") == "a*b*"
    assert matched(defs, "xaxb") == "*a*b*"


def test_glob_precedence_then_later_definition() -> None:
    defs = MetricDefinitions()
    define(defs, "*/loss", summary="min")
    define(defs, "val/l*", summary="max")  # same specificity, defined later
    assert matched(defs, "val/loss") == "val/l*"
    define(defs, "*/loss", summary="mean")  # redefining makes it the later one
    assert matched(defs, "val/loss") == "*/loss"


def test_match_cache_is_invalidated_by_define() -> None:
    defs = MetricDefinitions()
    define(defs, "*", summary="min")
    assert matched(defs, "train/loss") == "*"
    define(defs, "train/*", summary="max")
    assert matched(defs, "train/loss") == "train/*"
    define(defs, "train/loss", summary="last")
    assert matched(defs, "train/loss") == "train/loss"
    define(defs, "train/*", overwrite=True, summary="mean")
    assert defs.match(("train/x",)).summary == {"mean"}  # type: ignore[union-attr]


def test_is_hidden_and_step_metric_for() -> None:
    defs = MetricDefinitions()
    define(defs, "val/*", hidden=True, step_metric="epoch")
    define(defs, "loss", step_metric="batch")
    assert defs.is_hidden(("val/acc",)) is True
    assert defs.is_hidden(("loss",)) is False
    assert defs.is_hidden(("other",)) is False
    assert defs.step_metric_for(("val/acc",)) == "epoch"
    assert defs.step_metric_for(("loss",)) == "batch"
    assert defs.step_metric_for(("other",)) is None


def test_list_round_trip_keeps_definitions_order_and_revisions() -> None:
    defs = MetricDefinitions()
    define(defs, "*/loss", summary="min")
    define(defs, "val/*", summary="max", hidden=True)
    define(defs, "acc", summary="best", goal="max", step_metric="epoch")
    define(defs, "*/loss", summary="mean")
    data = json.loads(json.dumps(defs.to_list()))
    back = MetricDefinitions.from_list(data)
    assert back.all() == defs.all()
    assert back.revision == defs.revision == 4
    assert back.revision_of("*/loss") == 4
    assert matched(back, "val/loss") == "*/loss"
    define(back, "new", summary="min")
    assert back.revision_of("new") == 5


def test_constructor_defines_in_order() -> None:
    defs = MetricDefinitions(
        [
            validate_define_metric("loss", summary="min"),
            validate_define_metric("loss", summary="max"),
        ]
    )
    assert defs.get("loss").summary == {"min", "max"}  # type: ignore[union-attr]
