"""The selection-driven executor: what wandb's queries need, and its limits."""

from __future__ import annotations

from typing import Any

import pytest

from runyard.server.wandb.graphql import FieldError, Limits, QueryError, execute


class Thing:
    typename = "Thing"

    def __init__(self, n: int) -> None:
        self.n = n

    def gql_n(self, _args: dict[str, Any]) -> int:
        return self.n

    def gql_child(self, args: dict[str, Any]) -> Thing:
        return Thing(self.n + int(args.get("by", 1)))

    def gql_many(self, args: dict[str, Any]) -> list[Thing]:
        return [Thing(i) for i in range(int(args["count"]))]

    def gql_bad(self, _args: dict[str, Any]) -> None:
        raise FieldError("no such thing")

    def gql_json(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"lastStep": 3, "keys": {"a": 1}}


def test_fields_aliases_arguments_and_variables() -> None:
    query = "query Q($by: Int) { n first: child(by: $by) { n } child { child { n } } json }"
    answer = execute(query, {"by": 5}, "Q", Thing(0))
    assert answer == {
        "data": {
            "n": 0,
            "first": {"n": 5},
            "child": {"child": {"n": 2}},
            "json": {"lastStep": 3, "keys": {"a": 1}},
        }
    }


def test_unknown_fields_answer_null_and_never_fail_the_operation() -> None:
    answer = execute("{ n brandNewField child { alsoNew n } }", None, None, Thing(1))
    assert answer == {"data": {"n": 1, "brandNewField": None, "child": {"alsoNew": None, "n": 2}}}


def test_fragments_typename_and_include_directives() -> None:
    query = """
    query Q($with: Boolean = false) { ...F child { ... on Thing { __typename n } } }
    fragment F on Thing { n skipped: n @include(if: $with) }
    """
    # operationName "" (wandb's Python side): the only operation is meant
    assert execute(query, {}, "", Thing(1)) == {
        "data": {"n": 1, "child": {"__typename": "Thing", "n": 2}}
    }
    assert execute(query, {"with": True}, "", Thing(1))["data"]["skipped"] == 1


def test_undeclared_variables_are_ignored() -> None:
    answer = execute(
        "mutation M($by: Int) { child(by: $by) { n } }", {"by": 2, "entity": "e"}, "M", Thing(0)
    )
    assert answer == {"data": {"child": {"n": 2}}}


def test_a_field_error_keeps_the_rest() -> None:
    answer = execute("{ n bad }", None, None, Thing(0))
    assert answer["data"] == {"n": 0, "bad": None}
    assert answer["errors"] == [{"message": "no such thing", "path": ["bad"]}]


def test_limits_refuse_deep_or_huge_queries() -> None:
    deep = "{ " + "child { " * 20 + "n" + " }" * 21
    with pytest.raises(QueryError, match="nested deeper than 16"):
        execute(deep, None, None, Thing(0))
    with pytest.raises(QueryError, match="more than 1000 fields"):
        execute("{ many(count: 2000) { n } }", None, None, Thing(0), Limits(max_fields=1000))
    with pytest.raises(QueryError, match="cannot parse"):
        execute("{ n " * 50, None, None, Thing(0), Limits(max_tokens=20))
    with pytest.raises(QueryError, match="spreads itself"):
        execute("{ ...F } fragment F on Thing { ...F }", None, None, Thing(0))
    with pytest.raises(QueryError, match="no operation named 'X'"):
        execute("query Q { n }", None, "X", Thing(0))


def test_fragments_on_wandb_interfaces_apply_to_their_types() -> None:
    # wandb's CollectionInfoFragment is `on ArtifactCollection`, an interface of the
    # sequence and portfolio types: without it, aliases came back as {} and the
    # client's pydantic models refused the artifact.
    query = "{ seq { ...C } other { ...C } } fragment C on ArtifactCollection { name }"
    root = {
        "seq": {"__typename": "ArtifactSequence", "name": "ds"},
        "other": {"__typename": "Project", "name": "p"},
    }
    assert execute(query, None, None, root) == {"data": {"seq": {"name": "ds"}, "other": {}}}
