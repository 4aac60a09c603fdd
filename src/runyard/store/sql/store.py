"""`SqlStore`: the tracking store on SQLAlchemy Core (SQLite embedded, PostgreSQL team).

History is columnar (see :mod:`.chunks`): each key's scalars are appended to its
last chunk until the chunk holds ``CHUNK_POINTS`` points, then a new chunk starts,
so a live run rewrites one small chunk per key per flush and a finished run's
series are a few well-compressed blobs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from runyard.entities import RunRecord, RunRef
from runyard.errors import StoreError
from runyard.metrics.flatten import delete_path, set_path
from runyard.store.base import RunBatch, Series, TrackingStore
from runyard.store.sql import jsonutil
from runyard.store.sql.chunks import decode_steps, decode_values, encode_steps, encode_values
from runyard.store.sql.schema import (
    HEAD_REVISION,
    history_values,
    journals,
    metadata,
    projects,
    runs,
    series_chunks,
)

__all__ = ["CHUNK_POINTS", "SqlStore"]

_NUMERIC = {int, float}

#: Points per history chunk before a new one is started.
CHUNK_POINTS = 8192

_RUN_FIELDS = {
    "display_name": "display_name",
    "state": "state",
    "notes": "notes",
    "group": "group_name",
    "job_type": "job_type",
    "host": "host",
    "color": "color",
    "created_at": "created_at",
    "heartbeat_at": "heartbeat_at",
    "runtime": "runtime",
    "last_step": "last_step",
    "exit_code": "exit_code",
    "sessions": "sessions",
    "forked_from": "forked_from",
}


def _sqlite_engine(uri: str) -> Engine:
    path = uri.split("///", 1)[1] if "///" in uri else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(uri, connect_args={"timeout": 60.0, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin() issue BEGIN IMMEDIATE itself (below): taking the
        # write lock up front avoids SQLITE_BUSY on lock upgrade between processes.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only effective on a new file
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("runyard_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class _Tail:
    """The decoded last chunk of one key, cached between flushes."""

    __slots__ = ("count", "first_step", "steps", "values")

    def __init__(self, first_step: int, steps: np.ndarray, values: np.ndarray) -> None:
        self.first_step = first_step
        self.steps = steps
        self.values = values
        self.count = len(steps)


class SqlStore(TrackingStore):
    """Tracking store on a SQL database.

    Args:
        uri: ``sqlite:///path/to/runyard.db`` or ``postgresql://…``.
        upgrade: bring an older schema up to date (embedded default); when False
            an outdated schema raises :class:`~runyard.errors.StoreError` advising
            ``runyard db upgrade``.
    """

    def __init__(self, uri: str, *, upgrade: bool = True) -> None:
        self.uri = uri
        if uri.startswith("sqlite"):
            self._engine = _sqlite_engine(uri)
        else:
            self._engine = sa.create_engine(uri, pool_pre_ping=True)
        self._tails: dict[tuple[int, str], _Tail] = {}
        self._lock = threading.Lock()
        self._ensure_schema(upgrade)

    # -- schema -------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), one writer per store object."""
        with self._lock, self._engine.connect() as conn:
            conn.execution_options(runyard_write=True)
            with conn.begin():
                yield conn

    def _ensure_schema(self, upgrade: bool) -> None:
        with self._write() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table("alembic_version"):
                if inspector.has_table("runs"):
                    raise StoreError(
                        f"store {self.uri!r} has tables but no schema version; "
                        "it was not created by Runyard"
                    )
                metadata.create_all(conn)
                conn.exec_driver_sql(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
                )
                conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{HEAD_REVISION}')")
                return
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        if version != HEAD_REVISION:
            if not upgrade:
                raise StoreError(
                    f"store {self.uri!r} has schema revision {version!r} but this Runyard "
                    f"needs {HEAD_REVISION!r}; run `runyard db upgrade --store {self.uri}`"
                )
            from runyard.store.sql.migrate import upgrade as run_upgrade

            run_upgrade(self.uri)

    # -- writes -------------------------------------------------------------
    def write_batch(self, batch: RunBatch) -> None:
        with self._write() as conn:
            run_pk = self._run_pk(conn, batch)
            if run_pk is None:
                return
            if batch.truncate_after is not None:
                self._truncate(conn, run_pk, batch.truncate_after)
            if batch.copy_history is not None:
                self._copy_history(conn, run_pk, *batch.copy_history)
            self._apply_run_fields(conn, run_pk, batch)
            if batch.columns:
                self._append_columns(conn, run_pk, batch.columns)
            if batch.journal is not None:
                self._set_journal(conn, run_pk, *batch.journal)

    def _project_pk(self, conn: Connection, entity: str, project: str) -> int:
        sel = sa.select(projects.c.id).where(
            projects.c.entity == entity, projects.c.name == project
        )
        pk = conn.execute(sel).scalar()
        if pk is None:
            inserted = conn.execute(
                projects.insert().values(entity=entity, name=project, created_at=time.time())
            ).inserted_primary_key
            assert inserted is not None
            pk = inserted[0]
        return int(pk)

    def _find_run(self, conn: Connection, ref: RunRef) -> int | None:
        sel = (
            sa.select(runs.c.id)
            .join(projects, projects.c.id == runs.c.project_id)
            .where(
                projects.c.entity == ref.entity,
                projects.c.name == ref.project,
                runs.c.run_id == ref.run_id,
            )
        )
        pk = conn.execute(sel).scalar()
        return None if pk is None else int(pk)

    def _run_pk(self, conn: Connection, batch: RunBatch) -> int | None:
        pk = self._find_run(conn, batch.run)
        if pk is not None or batch.create is None:
            return pk
        now = time.time()
        fields = dict(batch.create)
        values: dict[str, Any] = {
            "project_id": self._project_pk(conn, batch.run.entity, batch.run.project),
            "run_id": batch.run.run_id,
            "state": "running",
            "config": "{}",
            "summary": "{}",
            "summary_state": "{}",
            "metrics": "[]",
            "tags": jsonutil.dumps(list(fields.pop("tags", []) or [])),
            "created_at": now,
            "updated_at": now,
            "heartbeat_at": now,
            "runtime": 0.0,
            "last_step": -1,
            "sessions": 0,
        }
        for name, value in fields.items():
            values[_RUN_FIELDS[name]] = value
        inserted = conn.execute(runs.insert().values(**values)).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    def _apply_run_fields(self, conn: Connection, run_pk: int, batch: RunBatch) -> None:
        values: dict[str, Any] = {"updated_at": time.time()}
        for name, value in batch.meta.items():
            if name == "tags":
                values["tags"] = jsonutil.dumps(list(value))
            else:
                values[_RUN_FIELDS[name]] = value
        if batch.summary_state is not None:
            values["summary_state"] = jsonutil.dumps(batch.summary_state)
        if batch.metrics is not None:
            values["metrics"] = jsonutil.dumps(batch.metrics)
        if batch.config or batch.summary_set or batch.summary_delete:
            # Field-level merge inside the transaction: edits made by another
            # writer (the public API, wandb#4377) to other keys survive.
            row = conn.execute(
                sa.select(runs.c.config, runs.c.summary).where(runs.c.id == run_pk)
            ).one()
            if batch.config:
                config = jsonutil.loads(row.config)
                config.update(batch.config)
                values["config"] = jsonutil.dumps(config)
            if batch.summary_set or batch.summary_delete:
                summary = jsonutil.loads(row.summary)
                for path in batch.summary_delete:
                    delete_path(summary, path)
                for path, value in batch.summary_set:
                    set_path(summary, path, value)
                values["summary"] = jsonutil.dumps(summary)
        if batch.columns:
            last = max(steps[-1] for steps, _ in batch.columns.values() if steps)
            if "last_step" not in values:
                values["last_step"] = sa.case(
                    (runs.c.last_step < last, last), else_=runs.c.last_step
                )
        conn.execute(runs.update().where(runs.c.id == run_pk).values(**values))

    def _append_columns(
        self, conn: Connection, run_pk: int, columns: Mapping[str, tuple[list[int], list[Any]]]
    ) -> None:
        others: list[dict[str, Any]] = []
        for key, (steps, values) in columns.items():
            kinds = set(map(type, values))
            if kinds <= _NUMERIC:
                self._append_series(
                    conn, run_pk, key, steps, values, int in kinds and float not in kinds
                )
                continue
            # Mixed column: numbers go to the series, everything else is JSON.
            num_steps: list[int] = []
            num_values: list[Any] = []
            for step, value in zip(steps, values, strict=True):
                kind = type(value)
                if kind is float or kind is int:
                    num_steps.append(step)
                    num_values.append(value)
                else:
                    others.append(
                        {"run": run_pk, "key": key, "step": step, "value": jsonutil.dumps(value)}
                    )
            if num_steps:
                self._append_series(
                    conn,
                    run_pk,
                    key,
                    num_steps,
                    num_values,
                    all(type(v) is int for v in num_values),
                )
        if others:
            self._upsert_values(conn, others)

    def _upsert_values(self, conn: Connection, params: list[dict[str, Any]]) -> None:
        table = history_values
        if conn.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            sqlite_stmt = sqlite_insert(table)
            stmt: Any = sqlite_stmt.on_conflict_do_update(
                index_elements=["run", "key", "step"], set_={"value": sqlite_stmt.excluded.value}
            )
        else:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg_stmt = pg_insert(table)
            stmt = pg_stmt.on_conflict_do_update(
                index_elements=["run", "key", "step"], set_={"value": pg_stmt.excluded.value}
            )
        conn.execute(stmt, params)

    def _load_tail(self, conn: Connection, run_pk: int, key: str) -> _Tail | None:
        meta = conn.execute(
            sa.select(series_chunks.c.first_step, series_chunks.c.count)
            .where(series_chunks.c.run == run_pk, series_chunks.c.key == key)
            .order_by(series_chunks.c.first_step.desc())
            .limit(1)
        ).first()
        if meta is None:
            return None
        cached = self._tails.get((run_pk, key))
        if cached is not None and cached.first_step == meta[0] and cached.count == meta[1]:
            return cached
        blob = conn.execute(
            sa.select(series_chunks.c.steps, series_chunks.c["values"]).where(
                series_chunks.c.run == run_pk,
                series_chunks.c.key == key,
                series_chunks.c.first_step == meta[0],
            )
        ).one()
        return _Tail(int(meta[0]), decode_steps(blob.steps), decode_values(blob[1]))

    def _append_series(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        steps: list[int],
        values: list[Any],
        is_int: bool,
    ) -> None:
        new_steps = np.asarray(steps, dtype=np.int64)
        new_values = np.asarray(values, dtype=np.int64 if is_int else np.float64)
        if key == "_runtime":
            new_values = np.round(new_values, 6)  # µs resolution: compresses ~10x
        tail = self._load_tail(conn, run_pk, key)
        if (
            tail is not None
            and tail.count < CHUNK_POINTS
            and int(tail.steps[-1]) < int(new_steps[0])
        ):
            room = CHUNK_POINTS - tail.count
            head_steps, new_steps = new_steps[:room], new_steps[room:]
            head_values, new_values = new_values[:room], new_values[room:]
            merged_steps = np.concatenate([tail.steps, head_steps])
            merged_values = _concat_values(tail.values, head_values)
            conn.execute(
                series_chunks.delete().where(
                    series_chunks.c.run == run_pk,
                    series_chunks.c.key == key,
                    series_chunks.c.first_step == tail.first_step,
                )
            )
            self._insert_chunk(conn, run_pk, key, merged_steps, merged_values)
        for start in range(0, len(new_steps), CHUNK_POINTS):
            self._insert_chunk(
                conn,
                run_pk,
                key,
                new_steps[start : start + CHUNK_POINTS],
                new_values[start : start + CHUNK_POINTS],
            )

    def _insert_chunk(
        self, conn: Connection, run_pk: int, key: str, steps: np.ndarray, values: np.ndarray
    ) -> None:
        if len(steps) == 0:
            return
        as_float = values.astype(np.float64, copy=False)
        finite = as_float[np.isfinite(as_float)]
        conn.execute(
            series_chunks.insert().values(
                run=run_pk,
                key=key,
                first_step=int(steps[0]),
                last_step=int(steps[-1]),
                count=len(steps),
                vmin=float(finite.min()) if len(finite) else None,
                vmax=float(finite.max()) if len(finite) else None,
                vlast=float(as_float[-1]) if np.isfinite(as_float[-1]) else None,
                steps=encode_steps(steps),
                values=encode_values(values),
            )
        )
        self._tails[(run_pk, key)] = _Tail(int(steps[0]), steps, values)

    def _truncate(self, conn: Connection, run_pk: int, last_step: int) -> None:
        """Drop history after ``last_step`` (``resume_from`` rewinds)."""
        self._tails = {k: v for k, v in self._tails.items() if k[0] != run_pk}
        straddling = conn.execute(
            sa.select(series_chunks).where(
                series_chunks.c.run == run_pk,
                series_chunks.c.first_step <= last_step,
                series_chunks.c.last_step > last_step,
            )
        ).all()
        conn.execute(
            series_chunks.delete().where(
                series_chunks.c.run == run_pk, series_chunks.c.last_step > last_step
            )
        )
        for chunk in straddling:
            steps, values = decode_steps(chunk.steps), decode_values(chunk[9])
            keep = steps <= last_step
            self._insert_chunk(conn, run_pk, chunk.key, steps[keep], values[keep])
        conn.execute(
            history_values.delete().where(
                history_values.c.run == run_pk, history_values.c.step > last_step
            )
        )
        conn.execute(runs.update().where(runs.c.id == run_pk).values(last_step=last_step))

    def _copy_history(self, conn: Connection, run_pk: int, source: RunRef, last_step: int) -> None:
        """Copy ``source``'s history up to ``last_step`` into this run (``fork_from``)."""
        src_pk = self._find_run(conn, source)
        if src_pk is None:
            raise StoreError(f"cannot fork from {source.path!r}: no such run")
        for chunk in conn.execute(
            sa.select(series_chunks).where(
                series_chunks.c.run == src_pk, series_chunks.c.first_step <= last_step
            )
        ).all():
            steps, values = decode_steps(chunk.steps), decode_values(chunk[9])
            keep = steps <= last_step
            self._insert_chunk(conn, run_pk, chunk.key, steps[keep], values[keep])
        conn.execute(
            history_values.insert().from_select(
                ["run", "key", "step", "value"],
                sa.select(
                    sa.literal(run_pk),
                    history_values.c.key,
                    history_values.c.step,
                    history_values.c.value,
                ).where(history_values.c.run == src_pk, history_values.c.step <= last_step),
            )
        )

    def _set_journal(self, conn: Connection, run_pk: int, path: str, offset: int) -> None:
        updated = conn.execute(
            journals.update()
            .where(journals.c.path == path)
            .values(offset=offset, run=run_pk, updated_at=time.time())
        ).rowcount
        if not updated:
            conn.execute(
                journals.insert().values(
                    path=path, run=run_pk, offset=offset, updated_at=time.time()
                )
            )

    # -- reads --------------------------------------------------------------
    def _record(self, row: Any, entity: str, project: str) -> RunRecord:
        return RunRecord(
            ref=RunRef(entity, project, row.run_id),
            display_name=row.display_name,
            state=row.state,
            config=jsonutil.loads(row.config),
            summary=jsonutil.loads(row.summary),
            summary_state=jsonutil.loads(row.summary_state),
            metrics=jsonutil.loads(row.metrics),
            tags=jsonutil.loads(row.tags),
            notes=row.notes,
            group=row.group_name,
            job_type=row.job_type,
            host=row.host,
            color=row.color,
            created_at=row.created_at,
            updated_at=row.updated_at,
            heartbeat_at=row.heartbeat_at,
            runtime=row.runtime,
            last_step=int(row.last_step),
            exit_code=row.exit_code,
            sessions=row.sessions,
            forked_from=row.forked_from,
        )

    def _read(self) -> Any:
        # Reads need no write lock: a plain connection with a deferred transaction.
        return self._engine.connect()

    def get_run(self, ref: RunRef) -> RunRecord | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(runs)
                .join(projects, projects.c.id == runs.c.project_id)
                .where(
                    projects.c.entity == ref.entity,
                    projects.c.name == ref.project,
                    runs.c.run_id == ref.run_id,
                )
            ).first()
        return None if row is None else self._record(row, ref.entity, ref.project)

    def list_runs(self, entity: str, project: str) -> list[RunRecord]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(runs)
                .join(projects, projects.c.id == runs.c.project_id)
                .where(projects.c.entity == entity, projects.c.name == project)
                .order_by(runs.c.created_at, runs.c.id)
            ).all()
        return [self._record(r, entity, project) for r in rows]

    def list_projects(self, entity: str | None = None) -> list[tuple[str, str]]:
        sel = sa.select(projects.c.entity, projects.c.name).order_by(
            projects.c.entity, projects.c.name
        )
        if entity is not None:
            sel = sel.where(projects.c.entity == entity)
        with self._read() as conn:
            return [(r.entity, r.name) for r in conn.execute(sel)]

    def _pk(self, conn: Connection, ref: RunRef) -> int | None:
        return self._find_run(conn, ref)

    def history_keys(self, ref: RunRef) -> list[str]:
        with self._read() as conn:
            pk = self._pk(conn, ref)
            if pk is None:
                return []
            keys = {
                r[0]
                for r in conn.execute(
                    sa.select(series_chunks.c.key).where(series_chunks.c.run == pk).distinct()
                )
            }
            keys.update(
                r[0]
                for r in conn.execute(
                    sa.select(history_values.c.key).where(history_values.c.run == pk).distinct()
                )
            )
        if keys:
            keys.add("_step")
        return sorted(keys)

    def read_series(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Series:
        sel = sa.select(series_chunks.c.steps, series_chunks.c["values"]).order_by(
            series_chunks.c.first_step
        )
        if min_step is not None:
            sel = sel.where(series_chunks.c.last_step >= min_step)
        if max_step is not None:
            sel = sel.where(series_chunks.c.first_step < max_step)
        with self._read() as conn:
            pk = self._pk(conn, ref)
            if pk is None:
                return Series(key, np.zeros(0, np.int64), np.zeros(0, np.float64))
            chunks = conn.execute(
                sel.where(series_chunks.c.run == pk, series_chunks.c.key == key)
            ).all()
        if not chunks:
            return Series(key, np.zeros(0, np.int64), np.zeros(0, np.float64))
        steps = np.concatenate([decode_steps(c[0]) for c in chunks])
        values = _concat_all([decode_values(c[1]) for c in chunks])
        if min_step is not None or max_step is not None:
            lo = np.searchsorted(steps, min_step, "left") if min_step is not None else 0
            hi = np.searchsorted(steps, max_step, "left") if max_step is not None else len(steps)
            steps, values = steps[lo:hi], values[lo:hi]
        return Series(key, steps, values)

    def read_values(
        self, ref: RunRef, keys: Sequence[str], min_step: int, max_step: int | None
    ) -> dict[str, list[tuple[int, Any]]]:
        out: dict[str, list[tuple[int, Any]]] = {}
        if not keys:
            return out
        sel = sa.select(history_values.c.key, history_values.c.step, history_values.c.value).where(
            history_values.c.key.in_(list(keys)), history_values.c.step >= min_step
        )
        if max_step is not None:
            sel = sel.where(history_values.c.step < max_step)
        with self._read() as conn:
            pk = self._pk(conn, ref)
            if pk is None:
                return out
            for row in conn.execute(
                sel.where(history_values.c.run == pk).order_by(history_values.c.step)
            ):
                out.setdefault(row.key, []).append((int(row.step), jsonutil.loads(row.value)))
        return out

    def journal_offset(self, journal: str) -> int:
        with self._read() as conn:
            value = conn.execute(
                sa.select(journals.c.offset).where(journals.c.path == journal)
            ).scalar()
        return 0 if value is None else int(value)

    def forget_journal(self, journal: str) -> None:
        """Drop a fully replayed journal's bookkeeping row."""
        with self._write() as conn:
            conn.execute(journals.delete().where(journals.c.path == journal))

    def compact(self) -> None:
        """Return free pages to the file system (after rewinds and chunk rewrites)."""
        if self._engine.dialect.name == "sqlite":
            with self._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA incremental_vacuum")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._engine.dispose()


def _concat_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == b.dtype:
        return np.concatenate([a, b])
    return np.concatenate([a.astype(np.float64), b.astype(np.float64)])


def _concat_all(parts: Iterable[np.ndarray]) -> np.ndarray:
    arrays = list(parts)
    if all(a.dtype == arrays[0].dtype for a in arrays):
        return np.concatenate(arrays)
    return np.concatenate([a.astype(np.float64) for a in arrays])
