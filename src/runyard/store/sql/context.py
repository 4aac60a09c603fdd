"""A run's context in SQL: console lines and system-metric samples (schema 0004).

Written inside `SqlStore`'s batch transaction, read by its ``read_console``,
``count_console`` and ``read_system``.

Numbering. A batch numbers its lines (and samples) within its journal, from 0: the
SDK's fold cannot know what earlier sessions of a resumed run stored. The store
gives each journal a base the first time it brings lines — the run's highest line
plus one — and keeps it in the journal's row (``journals.console_base``), so a
replay or retry of the same journal lands on the same rows, and a resumed run's
lines follow the earlier sessions' instead of overwriting them.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from typing import Any

from runyard.errors import BatchRefusedError
from runyard.store.base import ConsoleLine, RunBatch, SystemSamples
from runyard.store.sql import jsonutil
from runyard.store.sql.db import Tx

__all__ = [
    "MAX_PATTERN",
    "check_pattern",
    "clean_text",
    "console_size",
    "count_console",
    "read_console",
    "read_system",
    "write_context",
]

#: Longest search text or pattern (a bound on the work one search may ask for).
MAX_PATTERN = 1000
_STREAMS = frozenset(("stdout", "stderr"))
_LINE_UPSERT = (
    "INSERT INTO console_lines (run, line, stream, ts, text) "
    "VALUES (:run, :line, :stream, :ts, :text) "
    "ON CONFLICT (run, line) DO UPDATE SET stream = excluded.stream, ts = excluded.ts, "
    "text = excluded.text"
)
_SAMPLE_UPSERT = (
    'INSERT INTO system_samples (run, sample, ts, runtime, "values") '
    "VALUES (:run, :sample, :ts, :runtime, :values) ON CONFLICT (run, sample) DO UPDATE SET "
    'ts = excluded.ts, runtime = excluded.runtime, "values" = excluded."values"'
)


def write_context(tx: Tx, run_pk: int, batch: RunBatch) -> None:
    """Store the batch's console lines and system samples (upserts: idempotent)."""
    journal = batch.journal[0] if batch.journal is not None else None
    if batch.console:
        base = _base(tx, run_pk, journal, "console_base", "console_lines", "line")
        rows = []
        for line, stream, ts, text in batch.console:
            if stream not in _STREAMS:
                raise BatchRefusedError(
                    f"console line {line}: stream must be 'stdout' or 'stderr', got {stream!r}"
                )
            rows.append(
                {
                    "run": run_pk,
                    "line": base + int(line),
                    "stream": stream,
                    "ts": float(ts),
                    "text": clean_text(text),
                }
            )
        tx.many(_LINE_UPSERT, rows)
    if batch.system:
        base = _base(tx, run_pk, journal, "system_base", "system_samples", "sample")
        tx.many(
            _SAMPLE_UPSERT,
            [
                {
                    "run": run_pk,
                    "sample": base + int(sample),
                    "ts": float(ts),
                    "runtime": float(runtime),
                    "values": jsonutil.dumps(_sample_values(values, sample)),
                }
                for sample, ts, runtime, values in batch.system
            ],
        )


def _base(tx: Tx, run_pk: int, journal: str | None, column: str, table: str, number: str) -> int:
    """Where the journal's numbering starts in the run (set by its first lines)."""
    if journal is not None:
        stored = tx.scalar(f"SELECT {column} FROM journals WHERE path = :path", {"path": journal})
        if stored is not None:
            return int(stored)
    top = tx.scalar(f"SELECT MAX({number}) FROM {table} WHERE run = :run", {"run": run_pk})
    base = 0 if top is None else int(top) + 1
    if journal is not None:
        params = {"path": journal, "run": run_pk, "base": base, "now": time.time()}
        # The journal's row may not exist yet (its first batch): SqlStore moves its
        # position after this, in the same transaction.
        if not tx.run(f"UPDATE journals SET {column} = :base WHERE path = :path", params):
            tx.run(
                f"INSERT INTO journals (path, run, position, updated_at, {column}) "
                "VALUES (:path, :run, 0, :now, :base)",
                params,
            )
    return base


def clean_text(value: Any) -> str:
    """Console text every database holds: NUL (which PostgreSQL text refuses) and lone
    surrogates (which UTF-8 cannot encode) become U+FFFD."""
    if not isinstance(value, str):
        raise BatchRefusedError(f"console text must be a string, got {value!r:.80}")
    text: str = value
    if "\0" in text:
        text = text.replace("\0", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def _sample_values(values: Any, sample: Any) -> dict[str, float | None]:
    if not isinstance(values, dict):
        raise BatchRefusedError(f"system sample {sample}: values must be a map, got {values!r:.80}")
    out: dict[str, float | None] = {}
    for key, value in values.items():
        if not isinstance(key, str) or "\0" in key:
            raise BatchRefusedError(f"system sample {sample}: bad key {key!r:.80}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise BatchRefusedError(
                f"system sample {sample}: {key!r} must be a number, got {value!r:.80}"
            )
        out[key] = None if value is None else float(value)
    return out


# -- reads ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def check_pattern(search: str, regex: bool) -> str:
    """The regular expression (case-insensitive, Python syntax) a search means;
    ``ValueError`` naming a pattern that is too long or not valid."""
    if len(search) > MAX_PATTERN:
        what = "regex" if regex else "search text"
        raise ValueError(f"{what} is longer than {MAX_PATTERN} characters: {search[:80]!r}...")
    if not regex:
        return re.escape(search)
    try:
        re.compile(search)
    except re.error as exc:
        raise ValueError(f"invalid regex {search!r}: {exc}") from None
    if _nested_repeat(search):
        # (a+)+ and friends backtrack exponentially, and Python's re (SQLite's REGEXP)
        # cannot be interrupted: one request could hold a server thread for hours.
        raise ValueError(
            f"invalid regex {search!r}: a repeated group that itself repeats (such as "
            "(a+)+) is not allowed in a search"
        )
    return search


def _nested_repeat(pattern: str) -> bool:
    """Whether a long or unbounded repetition holds another repetition (``(a+)+``,
    ``(a|b*)*``): the shapes that backtrack exponentially. ``(\\d+\\.){3}`` passes."""
    try:
        import re._parser as parser  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # Python 3.10
        import sre_parse as parser  # type: ignore[no-redef,unused-ignore]
    repeats = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}

    def walk(items: Any, inside: bool) -> bool:
        for op, arg in items:
            name = str(op)
            if name in repeats:
                _low, high, sub = arg
                unbounded = str(high) == "MAXREPEAT" or high > 10
                if inside and (unbounded or high > 1):
                    return True
                if walk(sub, inside or unbounded):
                    return True
            elif name == "SUBPATTERN":
                if walk(arg[-1], inside):
                    return True
            elif name == "BRANCH":
                if any(walk(branch, inside) for branch in arg[1]):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT") and walk(arg[1], inside):
                return True
        return False

    return walk(parser.parse(pattern), False)


def _match(dialect: str, search: str | None, regex: bool, params: dict[str, Any]) -> str:
    """SQL condition on ``text`` for a search (empty when there is none)."""
    if not search:
        return ""
    pattern = check_pattern(search, regex)
    if dialect == "postgresql":
        if regex:
            params["pattern"] = search
            return " AND text ~* :pattern"
        if not search.isascii():
            # ILIKE folds case by the database's locale (none beyond ASCII under C):
            # spell out each letter's cases instead, the same under every locale.
            params["pattern"] = _cases(search)
            return " AND text ~ :pattern"
        params["like"] = _like(search)
        return " AND text ILIKE :like ESCAPE '\\'"
    if not regex and search.isascii():
        # LIKE is case-insensitive for ASCII and runs in C: the usual search.
        params["like"] = _like(search)
        return " AND text LIKE :like ESCAPE '\\'"
    params["pattern"] = "(?i)" + pattern  # SqliteDb's REGEXP is Python's re
    return " AND text REGEXP :pattern"


def _cases(search: str) -> str:
    """A case-sensitive pattern matching ``search`` in any case: ``é`` → ``[Éé]``."""
    parts = []
    for char in search:
        cases = {c for c in (char, char.lower(), char.upper()) if len(c) == 1}
        parts.append(f"[{''.join(sorted(cases))}]" if len(cases) > 1 else re.escape(char))
    return "".join(parts)


def _like(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _guarded(tx: Tx, dialect: str, sql: str, params: dict[str, Any], search: str | None) -> Any:
    """Run a search; PostgreSQL's refusal of a pattern (its regex dialect differs from
    Python's in corners) becomes a ``ValueError`` naming it, and a search may take
    at most 30 seconds there."""
    if dialect != "postgresql" or not search:
        return tx.all(sql, params)
    tx.run("SET LOCAL statement_timeout = 30000")
    try:
        return tx.all(sql, params)
    except Exception as exc:
        error = getattr(exc, "orig", None) or exc
        if type(error).__name__ in ("InvalidRegularExpression", "DataError"):
            raise ValueError(f"invalid regex {search!r}: {error}") from None
        if type(error).__name__ == "QueryCanceled":
            raise ValueError(f"search {search!r} took too long") from None
        raise


def read_console(
    tx: Tx,
    dialect: str,
    run_pk: int,
    search: str | None,
    regex: bool,
    start: int,
    limit: int,
) -> list[ConsoleLine]:
    params: dict[str, Any] = {"run": run_pk, "start": int(start), "limit": int(limit)}
    where = _match(dialect, search, regex, params)
    sql = (
        "SELECT line, stream, ts, text FROM console_lines WHERE run = :run AND line >= :start"
        f"{where} ORDER BY line LIMIT :limit"
    )
    rows = _guarded(tx, dialect, sql, params, search)
    return [ConsoleLine(int(r[0]), str(r[1]), float(r[2]), str(r[3])) for r in rows]


def count_console(tx: Tx, dialect: str, run_pk: int, search: str | None, regex: bool) -> int:
    params: dict[str, Any] = {"run": run_pk}
    where = _match(dialect, search, regex, params)
    sql = f"SELECT COUNT(*) FROM console_lines WHERE run = :run{where}"
    return int(_guarded(tx, dialect, sql, params, search)[0][0])


def console_size(tx: Tx, dialect: str, run_pk: int) -> int:
    """Bytes of the run's ``output.log``: every line's UTF-8 text and its newline."""
    size = "octet_length(text)" if dialect == "postgresql" else "length(CAST(text AS BLOB))"
    sql = f"SELECT SUM({size} + 1) FROM console_lines WHERE run = :run"
    total = tx.scalar(sql, {"run": run_pk})
    return 0 if total is None else int(total)


def read_system(tx: Tx, run_pk: int, keys: Sequence[str] | None) -> SystemSamples:
    rows = tx.all(
        'SELECT ts, runtime, "values" FROM system_samples WHERE run = :run ORDER BY sample',
        {"run": run_pk},
    )
    wanted = None if keys is None else list(dict.fromkeys(keys))
    columns: dict[str, list[float | None]] = {k: [] for k in wanted or ()}
    ts: list[float] = []
    runtime: list[float] = []
    for i, row in enumerate(rows):
        ts.append(float(row[0]))
        runtime.append(float(row[1]))
        values = jsonutil.loads(row[2])
        for key, value in values.items():
            column = columns.get(key)
            if column is None:
                if wanted is not None:
                    continue
                column = columns[key] = [None] * i
            column.append(value)
        for column in columns.values():
            if len(column) == i:  # the sample lacks this key
                column.append(None)
    names = wanted if wanted is not None else sorted(columns)
    return SystemSamples(names, ts, runtime, {k: columns[k] for k in names})
