"""wandb's run filters and ``order`` strings, compiled to SQL.

``api.runs(path, filters=…, order=…)`` hands its arguments over verbatim (MongoDB-like
JSON); the store answers them with one SQL query, so a filter is never evaluated in
Python. :func:`compile_filters` turns a filter into a boolean SQL expression over the
aliases ``r`` (``runs``) and ``p`` (``projects``) with bind parameters ``:f0, :f1, …``;
:func:`compile_order` turns an order string into an ``ORDER BY`` list.

Fields:

- run columns: ``state``, ``name`` (the run id, as in wandb; also ``id``),
  ``display_name`` (``displayName``), ``group``, ``job_type`` (``jobType``), ``host``,
  ``created_at`` (``createdAt``) and ``heartbeat_at`` (``heartbeatAt``), which take
  unix seconds, datetimes or ISO-8601 strings (naive means UTC), and ``runtime``
  (``duration``);
- ``tags``: ``{"tags": "a"}`` has tag ``a``, ``$in`` has any of, ``$nin`` has none of,
  a list is exactly that set of tags, ``$regex`` some tag matches, ``$exists`` /
  ``None`` at least one tag / no tags;
- ``config.<key>`` and ``summary_metrics.<key>``: values inside the JSON documents.
  A dotted key is looked up as one literal key first (wandb keeps ``"a.b"`` flat),
  then as a nested path (``summary_metrics.loss.min`` is ``{"loss": {"min": …}}``);
  ``config.<key>.value`` (how wandb writes config filters) also finds ``config.<key>``
  when the config value has no ``"value"`` key of its own.

Semantics follow MongoDB's: operators in one dict and keys in one filter are ANDed; a
missing value and JSON null are the same (``$eq None``, ``$exists False``); ``$ne``,
``$nin``, ``$not`` and ``$nor`` match runs where the field is missing; values of
different types never match (a number never equals a string, JSON ``true`` equals
only ``True``, never ``1``); ``$gt``/``$gte``/``$lt``/``$lte`` compare numbers with
numbers and strings with strings (SQLite: binary order; PostgreSQL: the database
collation) and never match objects, lists or stored non-finite floats (which the
store keeps as ``{"$float": "NaN"}`` markers, see :mod:`.jsonutil`), while ``$eq``
with ``NaN`` or ``±inf`` finds them. ``$regex`` is a Python/RE2 pattern searched
anywhere in a string (SQLite: the ``regexp`` function :mod:`.db` registers;
PostgreSQL: ``~``); use an inline ``(?i)`` for case-insensitive matching. Equality of
lists and dicts is exact: in SQLite it depends on key order and on ``1`` vs ``1.0``,
in PostgreSQL (``jsonb``) it does not.
"""

from __future__ import annotations

import math
import numbers
import re
import string
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from runyard.store.sql import jsonutil

__all__ = ["compile_filters", "compile_order"]

_TRUE = "1=1"
_FALSE = "1=0"

_LOGICAL_OPS = ("$and", "$nor", "$or")
_FIELD_OPS = (
    "$eq",
    "$exists",
    "$gt",
    "$gte",
    "$in",
    "$lt",
    "$lte",
    "$ne",
    "$nin",
    "$not",
    "$regex",
)
_COMPARISONS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}

#: Turns a value into SQL: a bind parameter (filters) or a literal (order).
Bind = Callable[[Any], str]
#: A key path inside a JSON document.
KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class _Column:
    sql: str
    kind: str  # "text", "number" or "time" (unix seconds)
    nullable: bool = False


_COLUMNS = {
    "state": _Column("r.state", "text"),
    "name": _Column("r.run_id", "text"),
    "display_name": _Column("r.display_name", "text", nullable=True),
    "group": _Column("r.group_name", "text", nullable=True),
    "job_type": _Column("r.job_type", "text", nullable=True),
    "host": _Column("r.host", "text", nullable=True),
    "created_at": _Column("r.created_at", "time"),
    "heartbeat_at": _Column("r.heartbeat_at", "time"),
    "updated_at": _Column("r.updated_at", "time"),
    "runtime": _Column("r.runtime", "number"),
    "last_step": _Column("r.last_step", "number"),
}
_ALIASES = {
    "id": "name",
    "displayName": "display_name",
    "jobType": "job_type",
    "createdAt": "created_at",
    "heartbeatAt": "heartbeat_at",
    "updatedAt": "updated_at",
    "duration": "runtime",
}
_DOCUMENTS = {"config": "r.config", "summary_metrics": "r.summary"}
_DOCUMENT_FIELDS = [f"{prefix}.<key>" for prefix in _DOCUMENTS]
_FILTER_FIELDS = ", ".join([*_COLUMNS, "tags", *_DOCUMENT_FIELDS])
_ORDER_FIELDS = ", ".join([*_COLUMNS, *_DOCUMENT_FIELDS])


# -- values -------------------------------------------------------------------


def _classify(value: Any, op: str) -> tuple[str, Any]:
    """``(kind, value)``: kind is null, bool, number, text, time or json (list/dict)."""
    if value is None:
        return "null", None
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, numbers.Integral):
        return "number", int(value)
    if isinstance(value, numbers.Real):
        return "number", float(value)
    if isinstance(value, str):
        return "text", value
    if isinstance(value, (datetime, date)):
        return "time", value
    if isinstance(value, Mapping):
        return "json", dict(value)
    if isinstance(value, (list, tuple)):
        return "json", list(value)
    expected = "None, a bool, number, string, list or dict"
    raise ValueError(f"unsupported value {value!r} for {op}; expected {expected}")


def _unix_time(value: Any, field: str, op: str) -> float:
    """Unix seconds from a number, a datetime/date or an ISO-8601 string (naive is UTC)."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if text[-1:] in ("Z", "z"):  # fromisoformat accepts "Z" only from Python 3.11
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"invalid {field} value {value!r} for {op}; expected unix seconds, "
                "a datetime or an ISO-8601 string such as '2024-05-01T12:00:00Z'"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _datetime_error(op: str, field: str) -> ValueError:
    return ValueError(
        f"{op} on {field!r}: datetimes apply only to created_at, heartbeat_at and updated_at"
    )


def _finite_bound(op: str, bound: float) -> bool | None:
    """For a non-finite ``bound``: whether every finite number passes ``x op bound``.

    None when ``bound`` is finite (a real comparison is needed). Stored infinities are
    JSON markers, which ordered comparisons never match, so only finite numbers count.
    """
    if math.isfinite(bound):
        return None
    if math.isnan(bound):
        return False
    return (bound > 0) == (op in ("$lt", "$lte"))


@dataclass
class _Groups:
    """Equality operands of one ``$eq``/``$in`` sorted by kind."""

    null: bool = False
    bools: list[bool] = field(default_factory=list)
    numbers: list[int | float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    #: JSON text of lists, dicts and non-finite floats (stored as markers).
    documents: list[str] = field(default_factory=list)


# -- SQL fragments ------------------------------------------------------------


def _all(parts: Sequence[str]) -> str:
    if not parts:
        return _TRUE
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _any(parts: Sequence[str]) -> str:
    if not parts:
        return _FALSE
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _not(part: str) -> str:
    return f"NOT ({part})"


def _direction(descending: bool) -> str:
    return "DESC" if descending else "ASC"


# -- fields -------------------------------------------------------------------


class _Target(ABC):
    """A field a filter tests; every predicate it builds is TRUE or FALSE, never NULL.

    Two-valued predicates keep ``NOT`` (``$ne``, ``$nin``, ``$not``, ``$nor``) exact:
    a run without the field passes a negated test instead of dropping out as NULL.
    """

    def __init__(self, field: str) -> None:
        self.field = field

    @abstractmethod
    def equals_any(self, values: Sequence[Any], op: str) -> str:
        """Equal to one of ``values`` (``None`` meaning missing or null)."""

    @abstractmethod
    def compare(self, op: str, value: Any) -> str:
        """``$gt``/``$gte``/``$lt``/``$lte`` against a number, string or time."""

    @abstractmethod
    def regex(self, pattern: str) -> str:
        """A string value in which ``pattern`` is found."""

    @abstractmethod
    def exists(self) -> str:
        """Present and not null."""

    def order(self, descending: bool) -> list[str]:
        """``ORDER BY`` terms, NULLs (missing values) last either way."""
        raise ValueError(f"cannot order runs by {self.field!r}; expected {_ORDER_FIELDS}")


class _ColumnTarget(_Target):
    """A plain column of ``runs``."""

    def __init__(self, field: str, column: _Column, dialect: _Dialect, bind: Bind) -> None:
        super().__init__(field)
        self.column = column
        self.dialect = dialect
        self.bind = bind

    def _value(self, value: Any, op: str) -> tuple[str, Any]:
        kind, value = _classify(value, op)
        if self.column.kind == "time" and kind in ("number", "text", "time"):
            return "number", _unix_time(value, self.field, op)
        if kind == "time":
            raise _datetime_error(op, self.field)
        return kind, value

    def _wanted(self) -> str:
        return "text" if self.column.kind == "text" else "number"

    def _present(self, predicate: str) -> str:
        if self.column.nullable:
            return f"({self.column.sql} IS NOT NULL AND {predicate})"
        return predicate

    def equals_any(self, values: Sequence[Any], op: str) -> str:
        matches: list[Any] = []
        null = False
        for raw in values:
            kind, value = self._value(raw, op)
            if kind == "null":
                null = True
            elif kind == self._wanted() and not (kind == "number" and math.isnan(value)):
                matches.append(value)
        parts = []
        if matches:
            binds = ", ".join(self.bind(v) for v in matches)
            parts.append(self._present(f"{self.column.sql} IN ({binds})"))
        if null and self.column.nullable:
            parts.append(f"{self.column.sql} IS NULL")
        return _any(parts)

    def compare(self, op: str, value: Any) -> str:
        kind, value = self._value(value, op)
        if kind != self._wanted():
            return _FALSE
        if kind == "number":
            every = _finite_bound(op, value)
            if every is not None:
                return self.exists() if every else _FALSE
        return self._present(f"{self.column.sql} {_COMPARISONS[op]} {self.bind(value)}")

    def regex(self, pattern: str) -> str:
        if self.column.kind != "text":
            return _FALSE
        return self._present(self.dialect.regex(self.column.sql, self.bind(pattern)))

    def exists(self) -> str:
        return f"{self.column.sql} IS NOT NULL" if self.column.nullable else _TRUE

    def order(self, descending: bool) -> list[str]:
        term = f"{self.column.sql} {_direction(descending)}"
        return [term + " NULLS LAST" if self.column.nullable else term]


class _TagsTarget(_Target):
    """``runs.tags``, a JSON list of strings, tested element by element."""

    def __init__(self, dialect: _Dialect, bind: Bind) -> None:
        super().__init__("tags")
        self.dialect = dialect
        self.bind = bind

    def _some(self, where: str | None = None) -> str:
        condition = "" if where is None else f" WHERE {where}"
        return f"EXISTS (SELECT 1 FROM {self.dialect.tag_rows}{condition})"

    def _exactly(self, tags: list[Any]) -> str:
        if not all(isinstance(tag, str) for tag in tags):
            return _FALSE
        if not tags:
            return _not(self._some())
        binds = [self.bind(tag) for tag in dict.fromkeys(tags)]
        others = _not(self._some(f"tag.value NOT IN ({', '.join(binds)})"))
        return _all([others, *(self._some(f"tag.value = {b}") for b in binds)])

    def equals_any(self, values: Sequence[Any], op: str) -> str:
        parts = []
        texts = []
        for raw in values:
            kind, value = _classify(raw, op)
            if kind == "null":
                parts.append(_not(self._some()))
            elif kind == "text":
                texts.append(value)
            elif kind == "json" and isinstance(value, list):
                parts.append(self._exactly(value))
        if texts:
            parts.insert(0, self._some(f"tag.value IN ({', '.join(map(self.bind, texts))})"))
        return _any(parts)

    def compare(self, op: str, value: Any) -> str:
        if not isinstance(value, str):
            return _FALSE
        return self._some(f"tag.value {_COMPARISONS[op]} {self.bind(value)}")

    def regex(self, pattern: str) -> str:
        return self._some(self.dialect.regex("tag.value", self.bind(pattern)))

    def exists(self) -> str:
        return self._some()


class _JsonTarget(_Target):
    """A value inside a JSON document column (``config``, ``summary``).

    Subclasses set ``type_sql`` (the dialect's JSON type name, ``'null'`` when
    missing) and ``value_sql``, and build the predicates on them.
    """

    type_sql: str
    value_sql: str

    def _groups(self, values: Sequence[Any], op: str) -> _Groups:
        groups = _Groups()
        for raw in values:
            kind, value = _classify(raw, op)
            if kind == "null":
                groups.null = True
            elif kind == "bool":
                groups.bools.append(value)
            elif kind == "number" and math.isfinite(value):
                groups.numbers.append(value)
            elif kind in ("number", "json"):
                groups.documents.append(jsonutil.dumps(value))
            elif kind == "text":
                groups.texts.append(value)
            else:
                raise _datetime_error(op, self.field)
        return groups

    def _checked(self, op: str, value: Any) -> tuple[str, Any]:
        kind, value = _classify(value, op)
        if kind == "time":
            raise _datetime_error(op, self.field)
        return kind, value

    def exists(self) -> str:
        return f"{self.type_sql} <> 'null'"


class _SqliteJson(_JsonTarget):
    """``json_type``/``json_extract`` (which returns 1/0 for true/false, hence the types)."""

    def __init__(self, field: str, document: str, paths: list[KeyPath], bind: Bind) -> None:
        super().__init__(field)
        self.bind = bind
        bound = [bind(_sqlite_path(path)) for path in paths]
        path = bound[-1]
        if len(bound) > 1:
            whens = " ".join(
                f"WHEN json_type({document}, {p}) IS NOT NULL THEN {p}" for p in bound[:-1]
            )
            path = f"CASE {whens} ELSE {path} END"
        self.type_sql = f"COALESCE(json_type({document}, {path}), 'null')"
        self.value_sql = f"json_extract({document}, {path})"

    def equals_any(self, values: Sequence[Any], op: str) -> str:
        groups = self._groups(values, op)
        t, v, bind = self.type_sql, self.value_sql, self.bind
        parts = []
        if groups.null:
            parts.append(f"{t} = 'null'")
        if groups.bools:
            names = ", ".join(f"'{name}'" for name in dict.fromkeys(map(_json_bool, groups.bools)))
            parts.append(f"{t} IN ({names})")
        if groups.numbers:
            binds = ", ".join(map(bind, groups.numbers))
            parts.append(f"({t} IN ('integer', 'real') AND {v} IN ({binds}))")
        if groups.texts:
            parts.append(f"({t} = 'text' AND {v} IN ({', '.join(map(bind, groups.texts))}))")
        if groups.documents:
            binds = ", ".join(f"json({bind(d)})" for d in groups.documents)
            parts.append(f"({t} IN ('array', 'object') AND {v} IN ({binds}))")
        return _any(parts)

    def compare(self, op: str, value: Any) -> str:
        kind, value = self._checked(op, value)
        if kind == "number":
            numeric = f"{self.type_sql} IN ('integer', 'real')"
            every = _finite_bound(op, value)
            if every is not None:
                return numeric if every else _FALSE
            return f"({numeric} AND {self.value_sql} {_COMPARISONS[op]} {self.bind(value)})"
        if kind == "text":
            sql_op = _COMPARISONS[op]
            return f"({self.type_sql} = 'text' AND {self.value_sql} {sql_op} {self.bind(value)})"
        return _FALSE

    def regex(self, pattern: str) -> str:
        return f"({self.type_sql} = 'text' AND regexp({self.bind(pattern)}, {self.value_sql}))"

    def order(self, descending: bool) -> list[str]:
        rank = (
            f"CASE {self.type_sql} WHEN 'integer' THEN 0 WHEN 'real' THEN 0 WHEN 'text' THEN 1 "
            "WHEN 'true' THEN 2 WHEN 'false' THEN 2 WHEN 'null' THEN 4 ELSE 3 END"
        )
        return [f"{rank} ASC", f"{self.value_sql} {_direction(descending)} NULLS LAST"]


class _PostgresJson(_JsonTarget):
    """``jsonb``: ``#>`` with text-array paths; typed ``jsonb`` comparisons."""

    def __init__(self, field: str, document: str, paths: list[KeyPath], bind: Bind) -> None:
        super().__init__(field)
        self.bind = bind
        # `#>` is NULL for a missing path and jsonb 'null' for a JSON null, so
        # COALESCE picks the first candidate path that exists.
        doc = _PG_DOCUMENTS.get(document) or _pg_jsonb(document)
        self._doc = doc
        self._paths = paths
        values = [f"({doc} #> CAST({bind(list(path))} AS text[]))" for path in paths]
        self.value_sql = values[0] if len(values) == 1 else f"COALESCE({', '.join(values)})"
        self.type_sql = f"COALESCE(jsonb_typeof({self.value_sql}), 'null')"

    def _jsonb(self, value: Any) -> str:
        return f"CAST({self.bind(jsonutil.dumps(value))} AS jsonb)"

    def equals_any(self, values: Sequence[Any], op: str) -> str:
        groups = self._groups(values, op)
        parts = []
        if groups.null:
            parts.append(f"{self.type_sql} = 'null'")
        operands = [
            *map(self._jsonb, groups.bools),
            *map(self._jsonb, groups.numbers),
            *map(self._jsonb, groups.texts),
            *(f"CAST({self.bind(d)} AS jsonb)" for d in groups.documents),
        ]
        if operands:
            v = self.value_sql
            parts.append(f"({v} IS NOT NULL AND {v} IN ({', '.join(operands)}))")
        found = _any(parts)
        scalars = [*groups.bools, *groups.numbers, *groups.texts]
        if len(values) == 1 and len(scalars) == 1 and self._doc in _PG_DOCUMENTS.values():
            # Implied by the equality (the value sits at one of the candidate paths), so
            # adding it changes no answer, but the GIN index of the column can serve it.
            contains = [
                f"{self._doc} @> {self._jsonb(_nested(path, scalars[0]))}" for path in self._paths
            ]
            found = f"({_any(contains)} AND {found})"
        return found

    def compare(self, op: str, value: Any) -> str:
        kind, value = self._checked(op, value)
        if kind == "number":
            numeric = f"{self.type_sql} = 'number'"
            every = _finite_bound(op, value)
            if every is not None:
                return numeric if every else _FALSE
        elif kind == "text":
            numeric = f"{self.type_sql} = 'string'"
        else:
            return _FALSE
        return f"({numeric} AND {self.value_sql} {_COMPARISONS[op]} {self._jsonb(value)})"

    def regex(self, pattern: str) -> str:
        text = f"({self.value_sql} #>> '{{}}')"
        return f"({self.type_sql} = 'string' AND {text} ~ {self.bind(pattern)})"

    def order(self, descending: bool) -> list[str]:
        rank = (
            f"CASE {self.type_sql} WHEN 'number' THEN 0 WHEN 'string' THEN 1 "
            "WHEN 'boolean' THEN 2 WHEN 'null' THEN 4 ELSE 3 END"
        )
        # JSON null is a value to jsonb; as NULL it ties with missing, as in SQLite.
        value = f"NULLIF({self.value_sql}, 'null'::jsonb)"
        return [f"{rank} ASC", f"{value} {_direction(descending)} NULLS LAST"]


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


def _sqlite_path(path: KeyPath) -> str:
    """``$."a"."b"``: every component quoted, so keys with ``/``, ``.`` or ``[`` work."""
    for key in path:
        if '"' in key:
            raise ValueError(f"cannot filter on key {key!r}: SQLite JSON paths cannot hold '\"'")
    return "$" + "".join(f'."{key}"' for key in path)


def _key_paths(prefix: str, key: str) -> list[KeyPath]:
    """Candidate paths of ``<prefix>.<key>``, the first that exists being used."""
    if not key:
        raise ValueError(f"missing key in field {prefix + '.'!r}; expected {prefix}.<key>")
    bases = [key]
    if prefix == "config" and key.endswith(".value") and key != ".value":
        bases.append(key.removesuffix(".value"))
    paths: list[KeyPath] = []
    for base in bases:
        for path in ((base,), tuple(base.split("."))):
            if all(path) and path not in paths:
                paths.append(path)
    return paths


# -- dialects -----------------------------------------------------------------


class _Dialect(ABC):
    """What differs between SQLite and PostgreSQL."""

    #: FROM item listing a run's tags as rows ``tag.value``.
    tag_rows: str

    @abstractmethod
    def regex(self, value: str, pattern: str) -> str:
        """``pattern`` (SQL) found in the text ``value`` (SQL)."""

    @abstractmethod
    def json_target(
        self, field: str, document: str, paths: list[KeyPath], bind: Bind
    ) -> _JsonTarget:
        """A value inside the JSON text column ``document``."""

    @abstractmethod
    def literal(self, value: Any) -> str:
        """A SQL literal of a string (or, in PostgreSQL, a list of strings)."""


class _Sqlite(_Dialect):
    tag_rows = "json_each(r.tags) AS tag"

    def regex(self, value: str, pattern: str) -> str:
        return f"regexp({pattern}, {value})"

    def json_target(
        self, field: str, document: str, paths: list[KeyPath], bind: Bind
    ) -> _JsonTarget:
        return _SqliteJson(field, document, paths, bind)

    def literal(self, value: Any) -> str:
        return "'" + str(value).replace("'", "''") + "'"


# Characters a PostgreSQL literal carries as they are; others are hex escapes, so
# neither SQLAlchemy (`:name`) nor pyformat drivers (`%`) misread a key.
_PG_SAFE = frozenset(string.ascii_letters + string.digits + " _-./+,@#$!*()[]{}<>|=~^&;?")


#: The runs columns that hold the JSON documents parsed (PostgreSQL, revision 0007).
_PG_DOCUMENTS = {"r.config": "r.config_doc", "r.summary": "r.summary_doc"}


def _nested(path: KeyPath, value: Any) -> Any:
    """``{"a": {"b": value}}`` for the path ``("a", "b")``."""
    for key in reversed(path):
        value = {key: value}
    return value


def _pg_jsonb(document: str) -> str:
    r"""A JSON text column as ``jsonb``. ``jsonb`` refuses the escape ``\u0000`` (text
    cannot hold NUL), so one run logging a NUL would break every filtered query: NUL
    is read as U+FFFD instead. (``\\u0000``, an escaped backslash before ``u0000``,
    stays valid JSON too and reads as ``\`` and U+FFFD.)"""
    return f"replace({document}, '\\u0000', '\\ufffd')::jsonb"


class _Postgres(_Dialect):
    tag_rows = f"jsonb_array_elements_text({_pg_jsonb('r.tags')}) AS tag(value)"

    def regex(self, value: str, pattern: str) -> str:
        return f"{value} ~ {pattern}"

    def json_target(
        self, field: str, document: str, paths: list[KeyPath], bind: Bind
    ) -> _JsonTarget:
        return _PostgresJson(field, document, paths, bind)

    def literal(self, value: Any) -> str:
        if isinstance(value, list):
            return "ARRAY[" + ", ".join(self.literal(v) for v in value) + "]"
        text = str(value)
        if all(c in _PG_SAFE or ord(c) > 127 for c in text):
            return f"'{text}'"
        escaped = "".join(c if c in _PG_SAFE or ord(c) > 127 else f"\\x{ord(c):02x}" for c in text)
        return f"E'{escaped}'"


_DIALECTS: dict[str, _Dialect] = {"postgresql": _Postgres(), "sqlite": _Sqlite()}


def _dialect(name: str) -> _Dialect:
    dialect = _DIALECTS.get(name)
    if dialect is None:
        raise ValueError(f"unknown SQL dialect {name!r}; expected one of {', '.join(_DIALECTS)}")
    return dialect


def _resolve(name: Any, dialect: _Dialect, bind: Bind, purpose: str) -> _Target:
    """The target of a filter or order field name."""
    expected = _FILTER_FIELDS if purpose == "filter" else _ORDER_FIELDS
    if not isinstance(name, str):
        raise ValueError(f"unknown {purpose} field {name!r}; expected {expected}")
    column = _COLUMNS.get(_ALIASES.get(name, name))
    if column is not None:
        return _ColumnTarget(name, column, dialect, bind)
    if name == "tags":
        return _TagsTarget(dialect, bind)
    prefix, dot, key = name.partition(".")
    if dot and prefix in _DOCUMENTS:
        return dialect.json_target(name, _DOCUMENTS[prefix], _key_paths(prefix, key), bind)
    raise ValueError(f"unknown {purpose} field {name!r}; expected {expected}")


# -- filters ------------------------------------------------------------------


class _Compiler:
    """Walks one filter, collecting bind parameters ``f0, f1, …``."""

    def __init__(self, dialect: _Dialect) -> None:
        self.dialect = dialect
        self.params: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"f{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def filter(self, node: Any) -> str:
        if not isinstance(node, Mapping):
            raise ValueError(f"a filter must be a dict, got {node!r}")
        parts = []
        for key, spec in node.items():
            if isinstance(key, str) and key.startswith("$"):
                parts.append(self.logical(key, spec, node))
            else:
                parts.append(self.field(key, spec))
        return _all(parts)

    def logical(self, op: str, spec: Any, node: Mapping[Any, Any]) -> str:
        if op not in _LOGICAL_OPS:
            raise ValueError(
                f"unknown filter operator {op!r} in {dict(node)!r}; "
                f"expected one of {', '.join(_LOGICAL_OPS)} or a field name"
            )
        if not isinstance(spec, (list, tuple)) or not spec:
            raise ValueError(f"{op} expects a non-empty list of filters, got {spec!r}")
        parts = [self.filter(sub) for sub in spec]
        if op == "$and":
            return _all(parts)
        return _any(parts) if op == "$or" else _not(_any(parts))

    def field(self, name: Any, spec: Any) -> str:
        target = _resolve(name, self.dialect, self.bind, "filter")
        if isinstance(spec, Mapping) and any(_is_op(key) for key in spec):
            if not all(_is_op(key) for key in spec):
                raise ValueError(
                    f"cannot mix operators and plain keys in the filter of {name!r}: {spec!r}"
                )
            return self.operators(target, spec)
        return target.equals_any([spec], "$eq")

    def operators(self, target: _Target, spec: Mapping[str, Any]) -> str:
        return _all([self.operator(target, op, arg, spec) for op, arg in spec.items()])

    def operator(self, target: _Target, op: str, arg: Any, spec: Mapping[str, Any]) -> str:
        if op in ("$eq", "$ne"):
            equal = target.equals_any([arg], op)
            return equal if op == "$eq" else _not(equal)
        if op in ("$in", "$nin"):
            if not isinstance(arg, (list, tuple)):
                raise ValueError(f"{op} expects a list, got {arg!r}")
            found = target.equals_any(list(arg), op)
            return found if op == "$in" else _not(found)
        if op in _COMPARISONS:
            kind, _ = _classify(arg, op)
            if kind not in ("number", "text", "time"):
                raise ValueError(f"{op} expects a number or a string, got {arg!r}")
            return target.compare(op, arg)
        if op == "$exists":
            if not isinstance(arg, bool):
                raise ValueError(f"$exists expects true or false, got {arg!r}")
            present = target.exists()
            return present if arg else _not(present)
        if op == "$regex":
            if not isinstance(arg, str):
                raise ValueError(f"$regex expects a string pattern, got {arg!r}")
            try:
                re.compile(arg)
            except re.error as exc:
                raise ValueError(f"invalid $regex pattern {arg!r}: {exc}") from None
            return target.regex(arg)
        if op == "$not":
            if not isinstance(arg, Mapping) or not arg or not all(map(_is_op, arg)):
                raise ValueError(
                    f"$not expects a dict of operators such as {{'$gt': 1}}, got {arg!r}"
                )
            return _not(self.operators(target, arg))
        raise ValueError(
            f"unknown filter operator {op!r} in {dict(spec)!r}; "
            f"expected one of {', '.join(_FIELD_OPS)}"
        )


def _is_op(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("$")


def compile_filters(filters: Mapping[str, Any] | None, dialect: str) -> tuple[str, dict[str, Any]]:
    """Compile a wandb run filter into a SQL boolean expression and its parameters.

    The expression refers to ``runs`` as ``r`` and ``projects`` as ``p``; values are
    bind parameters ``:f0, :f1, …``, never part of the SQL text.

    Args:
        filters: a MongoDB-like filter as ``api.runs(filters=…)`` takes it, or None.
        dialect: ``"sqlite"`` or ``"postgresql"``.

    Returns:
        ``(sql, params)``; ``("1=1", {})`` for an empty filter.

    Raises:
        ValueError: an unknown operator or field, or an operand of the wrong shape.

    Example:
        >>> compile_filters({"state": {"$in": ["running", "crashed"]}}, "sqlite")
        ('r.state IN (:f0, :f1)', {'f0': 'running', 'f1': 'crashed'})
        >>> compile_filters(None, "sqlite")
        ('1=1', {})
    """
    compiler = _Compiler(_dialect(dialect))
    if filters is None:
        return _TRUE, {}
    return compiler.filter(filters), compiler.params


def compile_order(order: str | None, dialect: str) -> str:
    """Compile a wandb ``order`` string into an ``ORDER BY`` list (without the keyword).

    ``order`` is an optional ``+`` (ascending, the default) or ``-`` followed by a field
    (``created_at``, ``heartbeat_at``, ``name``, ``display_name``, ``state``, ``group``,
    ``job_type``, ``host``, ``runtime``, ``config.<key>``, ``config.<key>.value``,
    ``summary_metrics.<key>``). Missing values sort last in either direction; in a
    JSON document numbers come first, then strings, booleans and other values. The
    list ends with ``r.id`` (in the same direction) so that ties have a stable order.

    Args:
        order: e.g. ``"-created_at"``; None or empty orders by ``r.id`` alone.
        dialect: ``"sqlite"`` or ``"postgresql"``.

    Raises:
        ValueError: an unknown field.

    Example:
        >>> compile_order("-created_at", "sqlite")
        'r.created_at DESC, r.id DESC'
        >>> compile_order("display_name", "postgresql")
        'r.display_name ASC NULLS LAST, r.id ASC'
    """
    sql_dialect = _dialect(dialect)
    text = (order or "").strip()
    if not text:
        return "r.id"
    descending = text[0] == "-"
    name = text[1:] if text[0] in "+-" else text
    if not name:
        raise ValueError(f"invalid order {order!r}; expected [+|-]<field>, e.g. '-created_at'")
    target = _resolve(name, sql_dialect, sql_dialect.literal, "order")
    return ", ".join([*target.order(descending), f"r.id {_direction(descending)}"])
