"""Database connections behind `SqlStore`: stdlib ``sqlite3`` or a SQLAlchemy engine.

`SqlStore` speaks portable SQL text with ``:name`` parameters, which SQLite and
PostgreSQL both accept, through the small `Db` interface here. The embedded store
uses the standard library's ``sqlite3`` (importing it costs ~5 ms, SQLAlchemy
~160 ms — too much for a training script's ``init``); PostgreSQL goes through a
SQLAlchemy engine, imported only then.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from runyard.errors import StoreError

__all__ = [
    "Db",
    "SqlAlchemyDb",
    "SqliteDb",
    "Tx",
    "open_db",
    "read_only_file",
    "scope_lock_key",
    "with_driver",
]

Params = Mapping[str, Any]


class Tx(ABC):
    """One transaction; rows support ``row["column"]`` and ``row[index]``."""

    @abstractmethod
    def run(self, sql: str, params: Params | None = None) -> int:
        """Execute a statement; return the number of rows it changed."""

    @abstractmethod
    def many(self, sql: str, params: Sequence[Params]) -> None:
        """Execute a statement once per parameter set."""

    @abstractmethod
    def all(self, sql: str, params: Params | None = None) -> list[Any]:
        """Every row of a query."""

    def lock(self, name: str) -> None:
        """Hold the scope ``name`` too until the transaction ends (see :meth:`Db.write`);
        nothing to do where a write transaction holds the whole store (SQLite)."""
        return

    def one(self, sql: str, params: Params | None = None) -> Any:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]


class Db(ABC):
    """A database: write and read transactions."""

    dialect: str

    @abstractmethod
    def write(self, scope: Sequence[str] | None = None) -> Any:
        """Context manager: a transaction holding the write lock from its start.

        ``scope`` None locks the whole store. A sequence of names (``run:…``,
        ``project:…``) asks only for those: where the database can (PostgreSQL) the
        transaction then waits only for writers of the same names and for whole-store
        writers, so writes to different runs go on together. SQLite has one writer at a
        time whatever the scope.
        """

    @abstractmethod
    def read(self) -> Any:
        """Context manager: a read-only snapshot."""

    @abstractmethod
    def close(self) -> None: ...


class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def run(self, sql: str, params: Params | None = None) -> int:
        return self._conn.execute(sql, params or {}).rowcount

    def many(self, sql: str, params: Sequence[Params]) -> None:
        self._conn.executemany(sql, params)

    def all(self, sql: str, params: Params | None = None) -> list[Any]:
        return self._conn.execute(sql, params or {}).fetchall()


def _empty_file(path: str) -> bool:
    """Whether the SQLite file at ``path`` is missing or empty (a database not yet made:
    ``auto_vacuum`` can still be chosen; another process making it meanwhile is fine,
    SQLite ignores the setting on a file that has tables)."""
    try:
        return os.path.getsize(path) == 0
    except OSError:
        return True


def read_only_file(path: str) -> bool:
    """Whether the SQLite file at ``path`` exists but cannot be written here: the file
    or its directory (where SQLite keeps the ``-wal`` and ``-shm`` files) is not
    writable, or is on a read-only mount."""
    if path == ":memory:" or not os.path.exists(path):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


class _ReadOnlyTx(_SqliteTx):
    """A transaction of a read-only store: reads work, a write names the store."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        super().__init__(conn)
        self._path = path

    def _refuse(self, sql: str) -> StoreError:
        verb = sql.split(None, 1)[0].upper() if sql.strip() else "write"
        return StoreError(
            f"the store {self._path} is read-only here (no write permission, or a "
            f"read-only mount): cannot {verb}; it can be read, not changed"
        )

    def run(self, sql: str, params: Params | None = None) -> int:
        raise self._refuse(sql)

    def many(self, sql: str, params: Sequence[Params]) -> None:
        raise self._refuse(sql)


class SqliteDb(Db):
    """SQLite through the standard library: WAL and a small pool of connections.

    Writers take the lock up front (``BEGIN IMMEDIATE``) and wait up to a minute for
    it, so several processes writing one file queue up instead of failing with
    "database is locked". The pool (not a connection per thread) matters because
    every run has its own short-lived writer thread.

    A file this process cannot write (``chmod -w``, another user's, a read-only
    mount) is opened read-only (``read_only``): nothing is written on opening, reads
    work, and any write statement raises :class:`StoreError` naming the file. When
    SQLite cannot even keep its shared-memory file beside it (a WAL database in a
    read-only directory with no writer running), the file is opened as immutable,
    and connections are not pooled so each read sees the file as it is then.
    """

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self.read_only = read_only_file(path)
        if path != ":memory:" and not self.read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._immutable = False

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            return self._connect_read_only()
        new = self.path == ":memory:" or _empty_file(self.path)
        conn = sqlite3.connect(
            self.path, timeout=60.0, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
        if new:
            # Effective on a new file only, and not free on an existing one: setting it
            # there waits on the disk (3-6 ms a connection, where reading it takes 0.2).
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("PRAGMA journal_mode = WAL")  # (a no-op read on a WAL file)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        conn.create_function("regexp", 2, _regexp, deterministic=True)
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        """``mode=ro`` (sees a live writer's WAL), else ``immutable=1``; no PRAGMA that
        writes (journal mode, auto-vacuum)."""
        uri = f"file:{quote(os.path.abspath(self.path))}?mode=ro"
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=60.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
            self._immutable = False
        except sqlite3.OperationalError:
            conn = sqlite3.connect(
                uri + "&immutable=1",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            self._immutable = True
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        conn.create_function("regexp", 2, _regexp, deterministic=True)
        return conn

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _release(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and not self._immutable and len(self._idle) < _POOL_SIZE:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Tx]:
        conn = self._acquire()
        try:
            if self.read_only:
                begin = "BEGIN"  # a write transaction reads; its writes raise
            conn.execute(begin)
            try:
                yield _ReadOnlyTx(conn, self.path) if self.read_only else _SqliteTx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._release(conn)

    def write(self, scope: Sequence[str] | None = None) -> Any:
        return self._transaction("BEGIN IMMEDIATE")

    def pragma(self, sql: str) -> list[Any]:
        """Run a statement outside any transaction (``PRAGMA wal_checkpoint`` needs that);
        on a read-only store one that would write does nothing."""
        conn = self._acquire()
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            if self.read_only:
                return []
            raise
        finally:
            self._release(conn)

    def vacuum_free_pages(self) -> None:
        """``PRAGMA incremental_vacuum``: every free page back to the file system.
        Stepped to its end by ``executescript`` (``execute`` steps a statement without
        result columns once: one page)."""
        if self.read_only:
            return
        conn = self._acquire()
        try:
            conn.executescript("PRAGMA incremental_vacuum")
        finally:
            self._release(conn)

    def read(self) -> Any:
        return self._transaction("BEGIN")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_POOL_SIZE = 4
# Reads map the file instead of copying each page through read(): a panel's series are
# blobs of many pages (/groups of 1,000 runs x 10,000 steps: ~10% less CPU, a third of the
# system time). Writes still go through write(); pages mapped count once, shared.
_MMAP_BYTES = 256 * 1024 * 1024
#: PostgreSQL advisory lock key of the whole store (arbitrary, "RUNYARD"): held
#: exclusively by whole-store writers, shared by scoped ones.
_WRITE_LOCK = 0x52554E59415244


def scope_lock_key(name: str) -> int:
    """The PostgreSQL advisory lock key of a scope name (stable across processes)."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str | None, value: Any) -> int | None:
    """SQLite ``regexp(pattern, value)`` for run filters' ``$regex``."""
    if pattern is None or value is None:
        return None
    return 1 if _compiled(pattern).search(str(value)) else 0


class _SqlAlchemyTx(Tx):
    def __init__(self, conn: Any, dialect: str = "") -> None:
        self._conn = conn
        self._dialect = dialect

    def lock(self, name: str) -> None:
        if self._dialect == "postgresql":
            self.run("SELECT pg_advisory_xact_lock(:key)", {"key": scope_lock_key(name)})

    @property
    def connection(self) -> Any:
        """The SQLAlchemy ``Connection`` this transaction runs on."""
        return self._conn

    def run(self, sql: str, params: Params | None = None) -> int:
        from sqlalchemy import text

        return int(self._conn.execute(text(sql), dict(params or {})).rowcount)

    def many(self, sql: str, params: Sequence[Params]) -> None:
        from sqlalchemy import text

        if params:
            self._conn.execute(text(sql), [dict(p) for p in params])

    def all(self, sql: str, params: Params | None = None) -> list[Any]:
        from sqlalchemy import text

        return [_Row(row) for row in self._conn.execute(text(sql), dict(params or {}))]


class _Row:
    """A SQLAlchemy row read like ``sqlite3.Row``: ``row[0]`` and ``row["column"]``."""

    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._row._mapping[key]
        return self._row[key]

    def __len__(self) -> int:
        return len(self._row)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._row)

    def keys(self) -> list[str]:
        return list(self._row._mapping.keys())


class SqlAlchemyDb(Db):
    """Any database SQLAlchemy reaches (PostgreSQL for the team server)."""

    def __init__(self, uri: str) -> None:
        import sqlalchemy as sa

        self.engine = sa.create_engine(uri, pool_pre_ping=True)
        self.dialect = self.engine.dialect.name

    @contextmanager
    def write(self, scope: Sequence[str] | None = None) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                from sqlalchemy import text

                if scope is None:
                    # Whole-store writers queue up as with SQLite's BEGIN IMMEDIATE.
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK})
                else:
                    # Scoped writers share the store lock (a whole-store writer waits for
                    # them all) and hold their names exclusively, taken in one order so
                    # two writers of overlapping scopes cannot deadlock.
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": _WRITE_LOCK}
                    )
                    for key in sorted({scope_lock_key(name) for name in scope}):
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            yield _SqlAlchemyTx(conn, self.dialect)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                # One snapshot for the whole read, as SQLite's read transactions give.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            yield _SqlAlchemyTx(conn)

    def close(self) -> None:
        self.engine.dispose()


def open_db(uri: str) -> Db:
    """``sqlite:///path`` opens :class:`SqliteDb`; anything else a SQLAlchemy engine
    (``postgresql://…`` through psycopg 3)."""
    if uri.startswith("sqlite:///"):
        return SqliteDb(uri.removeprefix("sqlite:///") or ":memory:")
    return SqlAlchemyDb(with_driver(uri))


def with_driver(uri: str) -> str:
    """``postgresql://`` means psycopg 3 (SQLAlchemy's own default is psycopg2)."""
    for scheme in ("postgresql://", "postgres://"):
        if uri.startswith(scheme):
            return "postgresql+psycopg://" + uri.removeprefix(scheme)
    return uri
