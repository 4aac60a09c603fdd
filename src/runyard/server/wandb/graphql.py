"""A selection-driven GraphQL executor for wandb's client (see docs/wandb-client.md).

Why not a schema library (Strawberry, Ariadne, graphene): a schema-validating server
rejects the *whole* operation when one selected field, argument or variable type is
unknown to it, and wandb's client changes its queries with every release — the Go
core's query text is compiled into the binary, the Python side drops or adds fields
by server feature flags (``omit_artifact_fields``), sends variables the query never
declares (``entity``/``name``/``project`` on ``UpsertBucket``) and declares custom
scalars (``JSONString``, ``Int64``, ``Duration``) a schema must know by name. So the
query is *parsed* by graphql-core (the reference parser, kept up to date), and
executed here by walking its selection set over resolver objects: a field this server
does not know answers ``null`` (logged once), never an error that would lose a run.

What a resolver is: any object with ``gql_<field>(args)`` methods (and a ``typename``
attribute for ``__typename`` and fragment type conditions), or a plain ``dict`` whose
keys are the fields (``"__typename"`` included when the client checks it). Lists are
resolved item by item. A resolver raises :class:`FieldError` for an error the client
should see beside the data (that field becomes ``null``).

Limits, so one query cannot tie up a server thread: the document's token count
(graphql-core's ``max_tokens``), the nesting depth of selections, and the number of
fields resolved in all (a list of 10,000 runs with 30 fields each counts 300,000).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, parse
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

__all__ = ["FieldError", "Limits", "QueryError", "execute"]

log = logging.getLogger("runyard.wandb")


class QueryError(Exception):
    """The request cannot be executed at all (bad document, over a limit): answered
    as ``{"errors": [...]}`` with HTTP 400 (wandb's client does not retry a 400)."""


class FieldError(Exception):
    """An error of one field, reported in ``errors`` while the rest of the data stays."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one request's work."""

    max_tokens: int = 20_000
    max_depth: int = 16
    max_fields: int = 500_000


@dataclass
class _Run:
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    limits: Limits
    errors: list[dict[str, Any]] = field(default_factory=list)
    resolved: int = 0
    #: Fields nobody resolves, as ``Type.field`` (logged once per process).
    unknown: set[str] = field(default_factory=set)


_LOGGED_UNKNOWN: set[str] = set()

#: The interfaces of wandb's schema that its fragments name as type conditions
#: (``fragment CollectionInfoFragment on ArtifactCollection``), by concrete type.
INTERFACES: dict[str, tuple[str, ...]] = {
    "ArtifactSequence": ("ArtifactCollection",),
    "ArtifactPortfolio": ("ArtifactCollection",),
}


def execute(
    query: str,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    root: Any,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Run one operation of ``query`` over ``root`` (the Query and Mutation resolver)
    and return the response body ``{"data": ..., "errors": [...]}``."""
    limits = limits or Limits()
    if not isinstance(query, str) or not query.strip():
        raise QueryError("the request has no query")
    try:
        document = parse(query, no_location=True, max_tokens=limits.max_tokens)
    except GraphQLError as exc:
        raise QueryError(f"cannot parse the query: {exc.message}") from None
    operation = _operation(document, operation_name)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    given = dict(variables or {})
    # Defaults of declared variables apply when the client leaves them out.
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in given and definition.default_value is not None:
            given[name] = value_from_ast_untyped(definition.default_value, given)
    run = _Run(fragments, given, limits)
    data = _object(run, root, operation.selection_set, [], 1)
    for name in sorted(run.unknown - _LOGGED_UNKNOWN):
        _LOGGED_UNKNOWN.add(name)
        log.info("wandb client selected %s, which this server does not know (answered null)", name)
    body: dict[str, Any] = {"data": data}
    if run.errors:
        body["errors"] = run.errors
    return body


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:  # wandb's Python side sends operationName "": then the only one is meant
        for op in operations:
            if op.name is not None and op.name.value == name:
                return op
        raise QueryError(f"the query has no operation named {name!r}")
    if len(operations) != 1:
        raise QueryError(
            f"the query has {len(operations)} operations and no operationName picks one"
        )
    return operations[0]


def _defined(value: Any) -> Any:
    """A value with variables the client left out read as absent: ``None`` alone, and
    no key inside an input object (``upsertBucket(input: {id: $id, …})``)."""
    if value is Undefined:
        return None
    if isinstance(value, dict):
        return {k: _defined(v) for k, v in value.items() if v is not Undefined}
    if isinstance(value, list):
        return [_defined(v) for v in value]
    return value


def _argument(node: Any, variables: dict[str, Any]) -> Any:
    return _defined(value_from_ast_untyped(node, variables))


def typename(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("__typename")
        return name if isinstance(name, str) else None
    name = getattr(value, "typename", None)
    return name if isinstance(name, str) else None


def _applies(run: _Run, node: Any) -> bool:
    """``@include(if:)`` / ``@skip(if:)``."""
    for directive in node.directives or ():
        condition = {a.name.value: a.value for a in directive.arguments or ()}.get("if")
        value = bool(_argument(condition, run.variables)) if condition else True
        if directive.name.value == "include" and not value:
            return False
        if directive.name.value == "skip" and value:
            return False
    return True


def _matches(value: Any, condition: str | None) -> bool:
    """Whether a fragment with type condition ``condition`` applies to ``value``.

    Without a known type name (a plain dict), every fragment applies: the executor
    knows no schema, and wandb's fragments never select conflicting fields.
    """
    if condition is None:
        return True
    name = typename(value)
    if name is None or name == condition:
        return True
    interfaces: tuple[str, ...] = getattr(value, "interfaces", ())
    return condition in interfaces or condition in INTERFACES.get(name, ())


def _fields(
    run: _Run, value: Any, selection: SelectionSetNode, seen: frozenset[str] = frozenset()
) -> list[FieldNode]:
    """The field nodes of a selection set, fragments spread in (as the spec's
    CollectFields), for the object ``value``."""
    out: list[FieldNode] = []
    for node in selection.selections or ():
        if not _applies(run, node):
            continue
        if isinstance(node, FieldNode):
            out.append(node)
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            if _matches(value, condition):
                out.extend(_fields(run, value, node.selection_set, seen))
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = run.fragments.get(name)
            if fragment is None:
                raise QueryError(f"unknown fragment {name!r}")
            if name in seen:
                raise QueryError(f"fragment {name!r} spreads itself")
            if _matches(value, fragment.type_condition.name.value):
                out.extend(_fields(run, value, fragment.selection_set, seen | {name}))
    return out


def _object(
    run: _Run, value: Any, selection: SelectionSetNode, path: list[str | int], depth: int
) -> dict[str, Any]:
    if depth > run.limits.max_depth:
        raise QueryError(f"the query is nested deeper than {run.limits.max_depth} levels")
    out: dict[str, Any] = {}
    for node in _fields(run, value, selection):
        name = node.name.value
        key = node.alias.value if node.alias else name
        if key in out:
            continue  # the same field selected twice (fragments): resolved once
        run.resolved += 1
        if run.resolved > run.limits.max_fields:
            raise QueryError(
                f"the query asks for more than {run.limits.max_fields} fields; "
                "ask for fewer items per page"
            )
        args = {a.name.value: _argument(a.value, run.variables) for a in node.arguments or ()}
        try:
            result = _resolve(run, value, name, args)
        except FieldError as exc:
            run.errors.append({"message": str(exc), "path": [*path, key]})
            out[key] = None
            continue
        out[key] = _complete(run, result, node, [*path, key], depth)
    return out


def _resolve(run: _Run, value: Any, name: str, args: dict[str, Any]) -> Any:
    if name == "__typename":
        return typename(value)
    if isinstance(value, dict):
        if name not in value:
            run.unknown.add(f"{typename(value) or 'object'}.{name}")
        return value.get(name)
    method: Callable[[dict[str, Any]], Any] | None = getattr(value, f"gql_{name}", None)
    if method is None:
        run.unknown.add(f"{typename(value) or type(value).__name__}.{name}")
        return None
    return method(args)


def _complete(run: _Run, result: Any, node: FieldNode, path: list[str | int], depth: int) -> Any:
    if result is None:
        return None
    if isinstance(result, list | tuple):
        return [_complete(run, item, node, [*path, i], depth) for i, item in enumerate(result)]
    if node.selection_set is None:
        if isinstance(result, str | int | float | bool | dict):
            return result  # a scalar, or a JSON scalar (historyKeys) taken whole
        return None  # an object selected without fields: nothing to give
    if isinstance(result, str | int | float | bool):
        return None  # a scalar selected with fields: the client asks for an object
    return _object(run, result, node.selection_set, path, depth + 1)
