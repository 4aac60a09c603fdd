"""`SqlStore`: the tracking store on SQL (SQLite embedded, PostgreSQL for teams).

History is columnar (see :mod:`.chunks`): a live run appends each flush's points
as a new uncompressed ("open") chunk per key, written once; every ``CHUNK_POINTS``
points of open chunks are merged into one compressed chunk after the batch's commit,
and the run's end compresses the rest, so a finished run's series are a few
well-compressed blobs. Statements are portable SQL text run
through :mod:`.db`, so the embedded store needs only the standard library.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from runyard.entities import RunRecord, RunRef
from runyard.errors import BatchRefusedError, StoreError
from runyard.metrics.flatten import delete_path, set_path
from runyard.metrics.values import MAX_KEY_BYTES, wide_int_float
from runyard.store.base import (
    ArtifactCollection,
    ArtifactFile,
    ArtifactRecord,
    ConsoleLine,
    ForeignJournal,
    JournalConflict,
    ProjectStats,
    Rollup,
    RunBatch,
    SavedView,
    Series,
    SystemSamples,
    TrackingStore,
    ViewExistsError,
)
from runyard.store.sql import artifacts, context, jsonutil
from runyard.store.sql.chunks import (
    decode_rollup,
    decode_rollups,
    decode_steps,
    decode_values,
    encode_rollup,
    encode_steps,
    encode_steps_many,
    encode_values,
    encode_values_many,
    is_plain,
    rollup_arrays,
)
from runyard.store.sql.db import Db, SqliteDb, Tx, open_db
from runyard.store.sql.ddl import HEAD_REVISION, SQLITE_DDL
from runyard.store.sql.revision import read_revision

__all__ = ["CHUNK_POINTS", "SqlStore"]

#: Points per history chunk before a new one is started.
CHUNK_POINTS = 8192

_NUMERIC = {int, float}
#: Longest entity or preset name the schema holds (``String(128)``).
_NAME_MAX = 128
_CHECKPOINT_BYTES = 1 << 20
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
    "stop_requested_at": "stop_requested_at",
}
#: The runs columns a record is made of (not ``r.*``: PostgreSQL's parsed ``*_doc``
#: columns for filters would be sent and decoded for nothing).
_RUN_COLUMNS = (
    "id",
    "project_id",
    "run_id",
    "display_name",
    "state",
    "config",
    "summary",
    "summary_state",
    "metrics",
    "tags",
    "notes",
    "group_name",
    "job_type",
    "host",
    "color",
    "created_at",
    "updated_at",
    "heartbeat_at",
    "runtime",
    "last_step",
    "exit_code",
    "sessions",
    "forked_from",
    "metadata",
    "stop_requested_at",
)
_RUN_SELECT = (
    f"SELECT {', '.join('r.' + c for c in _RUN_COLUMNS)}, p.entity AS p_entity, "
    "p.name AS p_name FROM runs r JOIN projects p ON p.id = r.project_id"
)
_FIND_RUN = (
    "SELECT r.id FROM runs r JOIN projects p ON p.id = r.project_id "
    "WHERE p.entity = :entity AND p.name = :project AND r.run_id = :run_id"
)
_CHUNK_INSERT = (
    'INSERT INTO series_chunks (run, "key", first_step, last_step, count, vmin, vmax, vlast, '
    "steps_blob, values_blob, rollup_blob) VALUES (:run, :key, :first_step, :last_step, :count, "
    ":vmin, :vmax, :vlast, :steps_blob, :values_blob, :rollup_blob)"
)


#: A key's chunks from ``lo`` to ``hi`` (first steps), as merged open chunks go.
_DELETE_RANGE = (
    'DELETE FROM series_chunks WHERE run = :run AND "key" = :key '
    "AND first_step >= :lo AND first_step <= :hi"
)
#: A chunk written whole, or an open tail extended in place (same first step).
_CHUNK_UPSERT = (
    _CHUNK_INSERT
    + ' ON CONFLICT (run, "key", first_step) DO UPDATE SET '
    + ", ".join(
        f"{c} = excluded.{c}"
        for c in (col.strip() for col in _CHUNK_INSERT.split("(", 1)[1].split(")", 1)[0].split(","))
        if c not in ("run", '"key"', "first_step")
    )
)


class _Tail:
    """Where one key's series stands: its last chunk (and that chunk's points when it
    is a small open one, which a batch extends), its last step, and how many points
    its open chunks hold."""

    __slots__ = ("count", "first_step", "last_step", "open", "steps", "values")

    def __init__(self, first_step: int, last_step: int, count: int) -> None:
        self.first_step = first_step
        self.last_step = last_step
        self.count = count
        self.open = 0
        self.steps: np.ndarray | None = None
        self.values: np.ndarray | None = None


#: ``(run, key, steps, values)`` of a chunk to write.
_Chunk = tuple[int, str, np.ndarray, np.ndarray]


class _After:
    """What a batch leaves to do after its commit: full chunks stored uncompressed,
    and keys whose open chunks are due for merging (see ``SqlStore._append_columns``)."""

    __slots__ = ("due", "full", "run_pk")

    def __init__(self) -> None:
        self.run_pk = 0
        self.full: list[_Chunk] = []
        self.due: list[str] = []


#: An open chunk under this many points is extended by the next batch instead of
#: followed by a new one (so small batches do not make a row each).
_SMALL_CHUNK = 512
#: Keys bound in one query (SQLite allows 32,766 parameters, older builds 999).
_KEYS_PER_QUERY = 500
_LOWEST = -(1 << 63)
# A key's open chunks: those after its last full (``CHUNK_POINTS``) chunk.
_AFTER_FULL = (
    "first_step > COALESCE((SELECT MAX(first_step) FROM series_chunks WHERE run = c.run AND "
    '"key" = c."key" AND count = :full), :lowest)'
)
#: Each key's last full chunk and its open chunks, with the points of small ones.
_TAILS = (
    'SELECT "key", first_step, last_step, count, CASE WHEN count < :small THEN steps_blob END, '
    "CASE WHEN count < :small THEN values_blob END FROM series_chunks c "
    'WHERE run = :run AND "key" IN ({keys}) AND first_step >= COALESCE((SELECT MAX(first_step) '
    'FROM series_chunks WHERE run = c.run AND "key" = c."key" AND count = :full), :lowest) '
    'ORDER BY "key", first_step'
)
_OPEN_ROWS = (
    'SELECT "key", first_step, last_step, count, steps_blob, values_blob FROM series_chunks c '
    f'WHERE run = :run AND "key" IN ({{keys}}) AND count <> :full AND {_AFTER_FULL} '
    'ORDER BY "key", first_step'
)
_OPEN_META = (
    'SELECT "key", first_step, last_step, count FROM series_chunks c '
    f'WHERE run = :run AND "key" IN ({{keys}}) AND count <> :full AND {_AFTER_FULL} '
    'ORDER BY "key", first_step'
)


def _ref_params(ref: RunRef) -> dict[str, str]:
    return {"entity": ref.entity, "project": ref.project, "run_id": ref.run_id}


class SqlStore(TrackingStore):
    """Tracking store on a SQL database.

    Args:
        uri: ``sqlite:///path/to/runyard.db`` or ``postgresql://…``.
        upgrade: bring an older schema up to date (the embedded default); when False
            an outdated schema raises :class:`~runyard.errors.StoreError` advising
            ``runyard db upgrade``.
    """

    def __init__(self, uri: str, *, upgrade: bool = True) -> None:
        self.uri = uri
        self._db: Db = open_db(uri)
        try:
            self._ensure_schema(upgrade)
        except BaseException:
            self._db.close()  # a refused store leaves no connection open
            raise

    # -- schema -------------------------------------------------------------
    def _ensure_schema(self, upgrade: bool) -> None:
        with self._db.write() as tx:
            version = self._schema_version(tx)
            if version is None:
                self._create_schema(tx)
                return
        if version != HEAD_REVISION:
            if not upgrade:
                raise StoreError(
                    f"store {self.uri!r} has schema revision {version!r} but this Runyard "
                    f"needs {HEAD_REVISION!r}; run `runyard db upgrade --store {self.uri}`"
                )
            from runyard.store.sql.migrate import upgrade as run_upgrade

            run_upgrade(self.uri)

    def _schema_version(self, tx: Tx) -> str | None:
        try:
            return read_revision(tx, self._db.dialect)
        except StoreError as exc:
            raise StoreError(f"store {self.uri!r}: {exc}; it was not created by Runyard") from None

    def _create_schema(self, tx: Tx) -> None:
        if self._db.dialect == "sqlite":
            for statement in SQLITE_DDL:
                tx.run(statement)
        else:
            from runyard.store.sql.migrate import create_all

            create_all(tx)  # in this transaction, so concurrent openers wait for it
        tx.run("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        tx.run("INSERT INTO alembic_version (version_num) VALUES (:v)", {"v": HEAD_REVISION})

    # -- writes -------------------------------------------------------------
    def write_batch(self, batch: RunBatch) -> None:
        """Apply ``batch`` in one transaction; a batch whose content the database
        refuses raises :class:`~runyard.errors.BatchRefusedError` (nothing applied)."""
        after = _After()
        try:
            self._write_batch(batch, after)
        except Exception as exc:
            refusal = _refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc
        # Compression after the commit: writers of this run (and with PostgreSQL of
        # every run) go on meanwhile.
        self._compress_full(after.full)
        if after.due:
            self._compact(after.run_pk, _write_scope(batch), after.due)

    def seal(self, ref: RunRef) -> None:
        """Compress the open chunks of an ended run whose last batch was written with
        ``seal_later``: as :meth:`_compact` merges them (read and encoded outside any
        lock, swapped in by one short transaction a group of keys), the last piece of
        each key compressed too, as the run's end leaves it (:meth:`_seal_tails`)."""
        params: dict[str, Any] = {**_ref_params(ref), "full": CHUNK_POINTS}
        with self._db.read() as tx:
            run_pk = self._find_run(tx, ref)
            if run_pk is None:
                return
            params["run"] = run_pk
            keys = [
                str(row[0])
                for row in tx.all(
                    'SELECT DISTINCT "key" FROM series_chunks WHERE run = :run AND count <> :full',
                    params,
                )
            ]
        scope = (_run_scope(ref),)
        for lo in range(0, len(keys), _KEYS_PER_QUERY):
            self._compact(run_pk, scope, keys[lo : lo + _KEYS_PER_QUERY], seal=True)
        if keys:
            self.compact()  # the open chunks' pages (inline, the seal never stored them)

    def _write_batch(self, batch: RunBatch, after: _After) -> None:
        """Apply ``batch``; what is left to compress after the commit goes to ``after``."""
        with self._db.write(_write_scope(batch)) as tx:
            existing = self._find_run(tx, batch.run)
            if existing is None and batch.create is None:
                # Also a later batch of a run deleted meanwhile (its journal row went
                # with it): dropped as before, not a journal conflict.
                return
            if batch.journal is not None and not self._journal_admits(tx, batch, existing):
                return  # already applied: a retry or a replay changes nothing
            run_pk = self._run_pk(tx, batch, existing)
            if run_pk is None:
                return
            if batch.delete:
                self._delete_run(tx, run_pk)
                return
            if batch.truncate_after is not None:
                self._truncate(tx, run_pk, batch.truncate_after)
            if batch.copy_history is not None:
                self._copy_history(tx, run_pk, *batch.copy_history)
            self._apply_run_fields(tx, run_pk, batch)
            ends = batch.journal_done or batch.meta.get("state") not in (None, "running")
            # A run's last batch seals its series now, unless ``seal_later`` (then its
            # points stay open, one chunk a key, for :meth:`seal`).
            later = ends and batch.seal_later
            fresh: list[_Chunk] = []
            if batch.columns:
                # PostgreSQL writers of other runs go on while this one compresses
                # after its commit; SQLite has one writer at a time anyway. The run's
                # last batch hands its points to the seal instead of storing them open.
                defer = not ends and self._db.dialect != "sqlite"
                after.full, after.due = self._append_columns(
                    tx,
                    run_pk,
                    batch.columns,
                    defer,
                    fresh if ends and not later else None,
                    whole=later,
                )
                after.run_pk = run_pk
                if later:
                    after.due = []  # merged by the seal
            if ends and not later:
                self._seal_tails(tx, run_pk, fresh)
            if batch.console or batch.system:
                context.write_context(tx, run_pk, batch)
            if batch.artifacts or batch.artifact_uses or batch.artifact_links:
                project_pk = tx.scalar("SELECT project_id FROM runs WHERE id = :r", {"r": run_pk})
                artifacts.write_artifacts(tx, run_pk, int(project_pk), batch)
            if batch.journal is not None:
                name, end = batch.journal
                self._set_journal(tx, run_pk, name, _done(end) if batch.journal_done else end)

    def _delete_run(self, tx: Tx, run_pk: int) -> None:
        params = {"run": run_pk}
        for table in (
            "series_chunks",
            "history_values",
            "console_lines",
            "system_samples",
            "journals",
        ):
            tx.run(f"DELETE FROM {table} WHERE run = :run", params)
        tx.run("DELETE FROM runs WHERE id = :run", params)

    def _project_pk(self, tx: Tx, entity: str, project: str) -> int:
        params = {"entity": entity, "name": project}
        sql = "SELECT id FROM projects WHERE entity = :entity AND name = :name"
        pk = tx.scalar(sql, params)
        if pk is None:
            tx.run(
                "INSERT INTO projects (entity, name, created_at) VALUES (:entity, :name, :now)",
                {**params, "now": time.time()},
            )
            pk = tx.scalar(sql, params)
        return int(pk)

    def _find_run(self, tx: Tx, ref: RunRef) -> int | None:
        pk = tx.scalar(_FIND_RUN, _ref_params(ref))
        return None if pk is None else int(pk)

    def _run_pk(self, tx: Tx, batch: RunBatch, pk: int | None) -> int | None:
        """The run's key (``pk`` when found already), creating it from ``create``."""
        if pk is not None or batch.create is None:
            return pk
        tx.lock(_project_scope(batch.run))
        now = time.time()
        fields = dict(batch.create)
        project_pk = self._project_pk(tx, batch.run.entity, batch.run.project)
        words = fields.pop("name_words", None)
        number = fields.pop("name_number", None)
        if words is not None and fields.get("display_name") is None:
            fields["display_name"] = self._generated_name(tx, project_pk, words, number)
        values: dict[str, Any] = {
            "project_id": project_pk,
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
            values[_run_field(name)] = value
        columns = ", ".join(values)
        tx.run(
            f"INSERT INTO runs ({columns}) VALUES ({', '.join(':' + c for c in values)})", values
        )
        return self._find_run(tx, batch.run)

    def _generated_name(self, tx: Tx, project_pk: int, words: Any, number: Any) -> str:
        """``<words>-<N>`` for a run created without a name, unique in its project.

        ``N`` is the number the SDK announced (``name_number``) when that name is free,
        else the run's number in the project (runs already there + 1, as wandb), moved
        on past names taken (after deletions). Run creation is serialised per project by
        the write transaction (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock
        on the project, see :func:`_project_scope`), so concurrent runs never get one name.
        """
        if not isinstance(words, str) or not words or len(words) > 64:
            raise BatchRefusedError(f"invalid generated-name words {words!r}")
        taken = "SELECT 1 FROM runs WHERE project_id = :project AND display_name = :name"
        params: dict[str, Any] = {"project": project_pk}
        if type(number) is int and number > 0:
            name = f"{words}-{number}"
            if tx.scalar(taken, {**params, "name": name}) is None:
                return name
        count = int(tx.scalar("SELECT COUNT(*) FROM runs WHERE project_id = :project", params))
        n = count + 1
        while tx.scalar(taken, {**params, "name": f"{words}-{n}"}) is not None:
            n += 1
        return f"{words}-{n}"

    def _apply_run_fields(self, tx: Tx, run_pk: int, batch: RunBatch) -> None:
        values: dict[str, Any] = {"updated_at": time.time()}
        for name, value in batch.meta.items():
            if name == "tags":
                values["tags"] = jsonutil.dumps(list(value))
            else:
                values[_run_field(name)] = value
        if batch.summary_state is not None:
            values["summary_state"] = jsonutil.dumps(batch.summary_state)
        if batch.metrics is not None:
            values["metrics"] = jsonutil.dumps(batch.metrics)
        if batch.metadata is not None:
            values["metadata"] = jsonutil.dumps(batch.metadata)
        if batch.config or batch.config_delete or batch.summary_set or batch.summary_delete:
            # Field-level merge inside the write transaction: edits another writer
            # (the public API, wandb#4377) made to other keys survive.
            row = tx.one("SELECT config, summary FROM runs WHERE id = :id", {"id": run_pk})
            if batch.config or batch.config_delete:
                config = jsonutil.loads(row["config"])
                for key in batch.config_delete:
                    config.pop(key, None)
                config.update(batch.config)
                values["config"] = jsonutil.dumps(config)
            if batch.summary_set or batch.summary_delete:
                summary = jsonutil.loads(row["summary"])
                for path in batch.summary_delete:
                    delete_path(summary, path)
                for path, value in batch.summary_set:
                    set_path(summary, path, value)
                values["summary"] = jsonutil.dumps(summary)
        assignments = [f"{column} = :{column}" for column in values]
        if batch.columns and "last_step" not in values:
            values["new_last"] = max(
                int(steps[-1]) for steps, _ in batch.columns.values() if len(steps)
            )
            assignments.append(
                "last_step = CASE WHEN last_step < :new_last THEN :new_last ELSE last_step END"
            )
        values["id"] = run_pk
        tx.run(f"UPDATE runs SET {', '.join(assignments)} WHERE id = :id", values)

    def _seal_tails(self, tx: Tx, run_pk: int, fresh: Sequence[_Chunk] = ()) -> None:
        """Once the run ends: merge each key's open chunks (the uncompressed ones a live
        run appends, see :meth:`_append_columns`) and the last batch's points
        (``fresh``, never stored open) into compressed chunks."""
        rows = tx.all(
            _OPEN_ROWS.format(
                keys='SELECT DISTINCT "key" FROM series_chunks WHERE run = :run AND count <> :full'
            ),
            {"run": run_pk, "full": CHUNK_POINTS, "lowest": _LOWEST},
        )
        stored = _by_key(rows)
        new: dict[str, list[_Chunk]] = {}
        for chunk in fresh:
            new.setdefault(chunk[1], []).append(chunk)
        chunks: list[_Chunk] = []
        for key in {**stored, **new}:
            group, added = stored.get(key, []), new.get(key, [])
            if not added and len(group) == 1 and not is_plain(group[0][5]):
                continue  # one compressed chunk already
            if group:
                self._delete_open(tx, run_pk, key, group)
            if added:
                # A small open chunk the batch extended is in ``added`` whole.
                first = int(added[0][2][0])
                group = [r for r in group if int(r[1]) < first]
            if added and not group:
                steps = np.concatenate([c[2] for c in added])
                values = _concat_all(c[3] for c in added)
            elif added:
                old_steps, old_values = _merge_rows(group)
                steps = np.concatenate([old_steps, *(c[2] for c in added)])
                values = _concat_all([old_values, *(c[3] for c in added)])
            else:
                steps, values = _merge_rows(group)
            chunks += _pieces(run_pk, key, steps, values)
        self._insert_chunks(tx, chunks, seal=True)

    def _delete_open(self, tx: Tx, run_pk: int, key: str, rows: Sequence[Any]) -> None:
        tx.run(
            'DELETE FROM series_chunks WHERE run = :run AND "key" = :key '
            "AND first_step >= :lo AND first_step <= :hi",
            {"run": run_pk, "key": key, "lo": int(rows[0][1]), "hi": int(rows[-1][1])},
        )

    def _append_columns(
        self,
        tx: Tx,
        run_pk: int,
        columns: Mapping[str, tuple[list[int], list[Any]]],
        defer: bool = False,
        sealing: list[_Chunk] | None = None,
        whole: bool = False,
    ) -> tuple[list[_Chunk], list[str]]:
        """Append scalar columns to the keys' series, in three statements whatever the
        number of keys (the keys' tails read in one query, every chunk upserted in one
        ``executemany``, the JSON values in one more).

        A live run appends: each batch's points become one new uncompressed ("open")
        chunk per key, written once and never read back, except that an open chunk of
        under ``_SMALL_CHUNK`` points is extended in place (small batches do not make
        a row each). Once a key's open chunks hold ``CHUNK_POINTS`` points they are
        merged into compressed chunks by :meth:`_compact`, after the commit; the run's
        end merges what is left (:meth:`_seal_tails`). (Rewriting one growing tail
        chunk instead wrote each point ~4.5 times at 1,000-step batches, and the
        database's cost of storing those rewrites was the largest cost of ingest.)

        Returns the full chunks stored uncompressed because ``defer`` (for
        :meth:`_compress_full`) and the keys whose open chunks are due for merging.
        With ``sealing`` (the run's last batch) the new chunks go there instead, for
        :meth:`_seal_tails` to store compressed: never stored open and read back.
        With ``whole`` each key's points make one open chunk however many they are
        (not cut into compressed full chunks: a run's last batch, sealed later).
        """
        others: list[dict[str, Any]] = []
        series: list[tuple[str, np.ndarray, np.ndarray]] = []
        for key, (steps, values) in columns.items():
            _check_key(key)
            typed: Any = values  # lists, or numpy arrays from the HTTP server (base.py)
            if isinstance(typed, np.ndarray):
                # Typed columns as the server decodes them: no Python object a point.
                series.append((key, *_numeric(steps, typed, typed.dtype.kind in "iu", key)))
                continue
            kinds = set(map(type, values))
            if kinds <= _NUMERIC:
                series.append((key, *_numeric(steps, values, float not in kinds, key)))
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
                is_int = all(type(v) is int for v in num_values)
                series.append((key, *_numeric(num_steps, num_values, is_int, key)))
        series = [s for s in series if len(s[1])]
        pending: list[_Chunk] = []
        due: list[str] = []
        if series:
            tails = self._tails(tx, run_pk, [s[0] for s in series])
            for key, new_steps, new_values in series:
                tail = tails.get(key)
                if _append_series(run_pk, key, new_steps, new_values, tail, pending, whole):
                    due.append(key)
        if sealing is not None:
            sealing += pending
            pending, due = [], []
        deferred = self._insert_chunks(tx, pending, defer_full=defer)
        if others:
            tx.many(
                'INSERT INTO history_values (run, "key", step, value) '
                "VALUES (:run, :key, :step, :value) "
                'ON CONFLICT (run, "key", step) DO UPDATE SET value = excluded.value',
                others,
            )
        return deferred, due

    def _tails(self, tx: Tx, run_pk: int, keys: Sequence[str]) -> dict[str, _Tail]:
        """Where each of ``keys`` stands: its last chunk, its open chunks, and the
        points of its last chunk when that is a small open one (a batch extends it)."""
        out: dict[str, _Tail] = {}
        for lo in range(0, len(keys), _KEYS_PER_QUERY):
            params: dict[str, Any] = {
                "run": run_pk,
                "full": CHUNK_POINTS,
                "small": _SMALL_CHUNK,
                "lowest": _LOWEST,
            }
            names = _bind_list(params, "k", keys[lo : lo + _KEYS_PER_QUERY])
            for key, rows in _by_key(tx.all(_TAILS.format(keys=names), params)).items():
                last = rows[-1]
                tail = _Tail(int(last[1]), max(int(r[2]) for r in rows), int(last[3]))
                tail.open = sum(int(r[3]) for r in rows if int(r[3]) != CHUNK_POINTS)
                if last[4] is not None:
                    tail.steps, tail.values = decode_steps(last[4]), decode_values(last[5])
                out[key] = tail
        return out

    def _delete_chunk(self, tx: Tx, run_pk: int, key: str, first_step: int) -> None:
        tx.run(
            'DELETE FROM series_chunks WHERE run = :run AND "key" = :key AND first_step = :first',
            {"run": run_pk, "key": key, "first": first_step},
        )

    def _insert_chunk(
        self, tx: Tx, run_pk: int, key: str, steps: np.ndarray, values: np.ndarray
    ) -> None:
        self._insert_chunks(tx, [(run_pk, key, steps, values)], seal=True)

    def _insert_chunks(
        self, tx: Tx, chunks: Sequence[_Chunk], defer_full: bool = False, seal: bool = False
    ) -> list[_Chunk]:
        """Encode chunks and upsert them (an open chunk extended keeps its first step,
        so its row is replaced in place). Chunks of ``CHUNK_POINTS`` points are
        compressed (in parallel: zlib and numpy release the GIL), or with
        ``defer_full`` stored plain and returned, to be compressed after the commit;
        smaller ones are stored plain (open), unless ``seal``."""
        chunks = [c for c in chunks if len(c[2])]
        if not chunks:
            return []
        plain = [] if seal else [c for c in chunks if len(c[2]) != CHUNK_POINTS]
        packed = chunks if seal else [c for c in chunks if len(c[2]) == CHUNK_POINTS]
        deferred: list[_Chunk] = []
        if defer_full:
            plain, deferred, packed = plain + packed, packed, []
        params = _encode_all(packed)
        params += _encode_some(plain, compress=False)
        tx.many(_CHUNK_UPSERT, params)
        return deferred

    def _compress_full(self, chunks: Sequence[_Chunk]) -> None:
        """Replace full chunks a batch stored uncompressed by their compressed encoding:
        encoded here, outside any transaction, then swapped in by one short transaction
        that holds no run lock. A chunk changed meanwhile (a rewind rewrote it) is left
        as it is: the swap is conditional on the row still holding the plain bytes."""
        if not chunks:
            return
        rows = [
            {
                "run": run_pk,
                "key": key,
                "first": int(steps[0]),
                "plain": encode_values(values, compress=False),
                "blob": encode_values(values),
            }
            for run_pk, key, steps, values in chunks
        ]
        with self._db.write(()) as tx:
            tx.many(
                "UPDATE series_chunks SET values_blob = :blob WHERE run = :run "
                'AND "key" = :key AND first_step = :first AND values_blob = :plain',
                rows,
            )

    def _compact(
        self, run_pk: int, scope: Sequence[str] | None, keys: Sequence[str], seal: bool = False
    ) -> None:
        """Merge the open chunks of ``keys`` into compressed chunks of ``CHUNK_POINTS``
        points (the rest stays one open chunk; with ``seal``, an ended run's, it is
        compressed too, and keys of fewer points are merged as well).

        Read and encoded outside any lock; then one short transaction holding the run's
        lock checks that each key's open chunks are still the ones read (a batch may
        have extended the last, a rewind dropped some: that key is left for the next
        batch) and swaps them for the merged chunks.
        """
        params: dict[str, Any] = {"run": run_pk, "full": CHUNK_POINTS, "lowest": _LOWEST}
        with self._db.read() as tx:
            rows = _blob_rows(tx, _OPEN_ROWS.format(keys=_bind_list(params, "k", keys)), params)
        merged: dict[str, tuple[list[tuple[int, int]], list[_Chunk]]] = {}
        for key, group in _by_key(rows).items():
            if seal:
                if len(group) == 1 and not is_plain(group[0][5]):
                    continue  # one compressed chunk already
            elif sum(int(r[3]) for r in group) < CHUNK_POINTS:
                continue
            steps, values = _merge_rows(group)
            seen = [(int(r[1]), int(r[3])) for r in group]
            merged[key] = (seen, _pieces(run_pk, key, steps, values))
        if not merged:
            return
        encoded: dict[str, list[dict[str, Any]]] = {}
        if seal:  # every piece compressed, all keys in one parallel pass
            done = iter(_encode_all([c for _seen, pieces in merged.values() for c in pieces]))
            for key, (_seen, pieces) in merged.items():
                encoded[key] = [next(done) for _ in pieces]
        else:
            for key, (_seen, pieces) in merged.items():
                whole = [c for c in pieces if len(c[2]) == CHUNK_POINTS]
                rest = [_chunk_params(c, False) for c in pieces if len(c[2]) < CHUNK_POINTS]
                encoded[key] = _encode_all(whole) + rest
        with self._db.write(scope) as tx:
            check: dict[str, Any] = {"run": run_pk, "full": CHUNK_POINTS, "lowest": _LOWEST}
            now = _by_key(
                tx.all(_OPEN_META.format(keys=_bind_list(check, "k", list(merged))), check)
            )
            params_all: list[dict[str, Any]] = []
            deletes: list[dict[str, Any]] = []
            for key, (seen, _unused) in merged.items():
                current = [(int(r[1]), int(r[3])) for r in now.get(key, [])]
                if current[: len(seen)] != seen:
                    continue  # changed meanwhile; the next batch tries again
                deletes.append({"run": run_pk, "key": key, "lo": seen[0][0], "hi": seen[-1][0]})
                params_all += encoded[key]
            if deletes:  # one executemany (one round trip on PostgreSQL), not one a key
                tx.many(_DELETE_RANGE, deletes)
                tx.many(_CHUNK_UPSERT, params_all)

    def _truncate(self, tx: Tx, run_pk: int, last_step: int) -> None:
        """Drop history after ``last_step`` (``resume_from`` rewinds)."""
        params = {"run": run_pk, "step": last_step}
        straddling = tx.all(
            'SELECT "key", steps_blob, values_blob FROM series_chunks '
            "WHERE run = :run AND first_step <= :step AND last_step > :step",
            params,
        )
        tx.run("DELETE FROM series_chunks WHERE run = :run AND last_step > :step", params)
        for chunk in straddling:
            steps, values = decode_steps(chunk[1]), decode_values(chunk[2])
            keep = steps <= last_step
            self._insert_chunk(tx, run_pk, chunk[0], steps[keep], values[keep])
        tx.run("DELETE FROM history_values WHERE run = :run AND step > :step", params)
        tx.run("UPDATE runs SET last_step = :step WHERE id = :run", params)

    def _copy_history(self, tx: Tx, run_pk: int, source: RunRef, last_step: int) -> None:
        """Copy ``source``'s history up to ``last_step`` into this run (``fork_from``)."""
        src_pk = self._find_run(tx, source)
        if src_pk is None:
            raise StoreError(f"cannot fork from {source.path!r}: no such run")
        params = {"src": src_pk, "dst": run_pk, "step": last_step}
        if tx.scalar(
            "SELECT 1 FROM series_chunks WHERE run = :dst AND first_step <= :step "
            "UNION ALL SELECT 1 FROM history_values WHERE run = :dst AND step <= :step",
            params,
        ):
            return  # copied before: a replay of the fork's first batch copies nothing twice
        for chunk in tx.all(
            'SELECT "key", steps_blob, values_blob FROM series_chunks '
            "WHERE run = :src AND first_step <= :step",
            params,
        ):
            steps, values = decode_steps(chunk[1]), decode_values(chunk[2])
            keep = steps <= last_step
            self._insert_chunk(tx, run_pk, chunk[0], steps[keep], values[keep])
        tx.run(
            'INSERT INTO history_values (run, "key", step, value) '
            'SELECT :dst, "key", step, value FROM history_values '
            "WHERE run = :src AND step <= :step",
            params,
        )
        copied = max(
            tx.scalar("SELECT MAX(last_step) FROM series_chunks WHERE run = :dst", params) or -1,
            tx.scalar("SELECT MAX(step) FROM history_values WHERE run = :dst", params) or -1,
        )
        tx.run(
            "UPDATE runs SET last_step = :copied WHERE id = :dst AND last_step < :copied",
            {**params, "copied": copied},
        )

    def _journal_admits(self, tx: Tx, batch: RunBatch, run_pk: int | None) -> bool:
        """Whether ``batch`` is new to its journal (inside the write transaction).

        A journal belongs to the run its first batch wrote to: a batch of any other
        run (``run_pk``, None when the batch creates its run) naming it raises
        :class:`ForeignJournal`, before anything about its position is compared or
        told. Done journals admit nothing. A batch ending at or before where the
        store stands was already applied (except the bare done marker of a journal
        whose last rows came in an earlier batch). With ``journal_start`` the batch
        must otherwise start exactly where the store stands, else
        :class:`JournalConflict`. Writers hold the store's write lock, so this check
        and the write are one atomic step.
        """
        assert batch.journal is not None
        name, end = batch.journal
        row = tx.one("SELECT run, position FROM journals WHERE path = :path", {"path": name})
        if row is None:
            current = 0
        else:
            if run_pk is None or int(row[0]) != run_pk:
                raise ForeignJournal(name)
            current = int(row[1])
            if current < 0:
                return False
        start = batch.journal_start
        if current == end and batch.journal_done:
            return start is None or start == end
        if current >= end and (start is None or start != current):
            return False
        if start is None or start == current:
            return True
        raise JournalConflict(name, start, current)

    def _set_journal(self, tx: Tx, run_pk: int, path: str, position: int) -> None:
        """Move a journal's position; its first write binds it to ``run_pk`` for good."""
        params = {"path": path, "run": run_pk, "position": position, "now": time.time()}
        updated = tx.run(
            "UPDATE journals SET position = :position, updated_at = :now "
            "WHERE path = :path AND run = :run",
            params,
        )
        if not updated:
            tx.run(
                "INSERT INTO journals (path, run, position, updated_at) "
                "VALUES (:path, :run, :position, :now)",
                params,
            )

    def forget_journal(self, journal: str) -> None:
        with self._db.write() as tx:
            tx.run(
                "UPDATE journals SET position = -1 - position WHERE path = :path AND position >= 0",
                {"path": journal},
            )

    def journal_run(self, journal: str) -> RunRef | None:
        with self._db.read() as tx:
            row = tx.one(
                "SELECT p.entity, p.name, r.run_id FROM journals j JOIN runs r ON r.id = j.run "
                "JOIN projects p ON p.id = r.project_id WHERE j.path = :path",
                {"path": journal},
            )
        return None if row is None else RunRef(row[0], row[1], row[2])

    # -- reads --------------------------------------------------------------
    @staticmethod
    def _record(row: Any) -> RunRecord:
        return RunRecord(
            ref=RunRef(row["p_entity"], row["p_name"], row["run_id"]),
            display_name=row["display_name"],
            state=row["state"],
            config=jsonutil.loads(row["config"]),
            summary=jsonutil.loads(row["summary"]),
            summary_state=jsonutil.loads(row["summary_state"]),
            metrics=jsonutil.loads(row["metrics"]),
            tags=jsonutil.loads(row["tags"]),
            notes=row["notes"],
            group=row["group_name"],
            job_type=row["job_type"],
            host=row["host"],
            color=row["color"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            heartbeat_at=row["heartbeat_at"],
            runtime=row["runtime"],
            last_step=int(row["last_step"]),
            exit_code=row["exit_code"],
            sessions=row["sessions"],
            forked_from=row["forked_from"],
            metadata=None if row["metadata"] is None else jsonutil.loads(row["metadata"]),
            stop_requested_at=row["stop_requested_at"],
        )

    def get_run(self, ref: RunRef) -> RunRecord | None:
        with self._db.read() as tx:
            row = tx.one(
                f"{_RUN_SELECT} WHERE p.entity = :entity AND p.name = :project "
                "AND r.run_id = :run_id",
                _ref_params(ref),
            )
        return None if row is None else self._record(row)

    def _where(
        self, entity: str, project: str, filters: Mapping[str, Any] | None
    ) -> tuple[str, dict[str, Any]]:
        from runyard.store.sql.filters import compile_filters

        expr, params = compile_filters(filters, self._db.dialect)
        params.update(entity=entity, project=project)
        return f"WHERE p.entity = :entity AND p.name = :project AND ({expr})", params

    def query_runs(
        self,
        entity: str,
        project: str,
        filters: Mapping[str, Any] | None = None,
        order: str | None = "+created_at",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RunRecord]:
        from runyard.store.sql.filters import compile_order

        where, params = self._where(entity, project, filters)
        sql = f"{_RUN_SELECT} {where} ORDER BY {compile_order(order, self._db.dialect)}"
        if limit is not None:
            sql += " LIMIT :limit OFFSET :offset"
            params.update(limit=int(limit), offset=int(offset))
        elif offset:
            sql += " LIMIT -1 OFFSET :offset" if self._db.dialect == "sqlite" else " OFFSET :offset"
            params["offset"] = int(offset)
        with self._db.read() as tx:
            rows = tx.all(sql, params)
        return [self._record(r) for r in rows]

    def run_display_name(self, ref: RunRef) -> str | None:
        name = self._run_column("display_name", ref)
        return None if name is None else str(name)

    def stop_requested_at(self, ref: RunRef) -> float | None:
        at = self._run_column("stop_requested_at", ref)
        return None if at is None else float(at)

    def _run_column(self, column: str, ref: RunRef) -> Any:
        """One column of the run (``None`` when there is no such run)."""
        with self._db.read() as tx:
            return tx.scalar(
                f"SELECT r.{column} FROM runs r JOIN projects p ON p.id = r.project_id "
                "WHERE p.entity = :entity AND p.name = :project AND r.run_id = :run_id",
                _ref_params(ref),
            )

    def run_stamps(self, entity: str, project: str) -> list[tuple[str, str, float, str | None]]:
        sql = (
            "SELECT r.run_id, r.display_name, r.created_at, r.color FROM runs r "
            "JOIN projects p ON p.id = r.project_id "
            "WHERE p.entity = :entity AND p.name = :project ORDER BY r.created_at, r.id"
        )
        with self._db.read() as tx:
            rows = tx.all(sql, {"entity": entity, "project": project})
        return [(r[0], r[1] or r[0], float(r[2]), r[3]) for r in rows]

    def count_runs(
        self, entity: str, project: str, filters: Mapping[str, Any] | None = None
    ) -> int:
        where, params = self._where(entity, project, filters)
        sql = f"SELECT COUNT(*) FROM runs r JOIN projects p ON p.id = r.project_id {where}"
        with self._db.read() as tx:
            return int(tx.scalar(sql, params))

    def list_projects(self, entity: str | None = None) -> list[tuple[str, str]]:
        sql = "SELECT entity, name FROM projects"
        if entity is not None:
            sql += " WHERE entity = :entity"
        with self._db.read() as tx:
            rows = tx.all(sql + " ORDER BY entity, name", {"entity": entity})
        return [(r[0], r[1]) for r in rows]

    def history_keys(self, ref: RunRef) -> list[str]:
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            if pk is None:
                return []
            params = {"run": pk}
            keys = {
                r[0]
                for r in tx.all('SELECT DISTINCT "key" FROM series_chunks WHERE run = :run', params)
            }
            keys.update(
                r[0]
                for r in tx.all(
                    'SELECT DISTINCT "key" FROM history_values WHERE run = :run', params
                )
            )
        if keys:
            keys.add("_step")
        return sorted(keys)

    def _chunks(
        self, columns: str, ref: RunRef, key: str, min_step: int | None, max_step: int | None
    ) -> list[Any]:
        """``columns`` of the key's chunks overlapping ``[min_step, max_step)``, in order."""
        sql = f'SELECT {columns} FROM series_chunks WHERE run = :run AND "key" = :key'
        params: dict[str, Any] = {"key": key}
        if min_step is not None:
            sql += " AND last_step >= :min_step"
            params["min_step"] = min_step
        if max_step is not None:
            sql += " AND first_step < :max_step"
            params["max_step"] = max_step
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            if pk is None:
                return []
            params["run"] = pk
            rows: list[Any] = tx.all(sql + " ORDER BY first_step", params)
        return rows

    def read_series(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Series:
        chunks = self._chunks("steps_blob, values_blob", ref, key, min_step, max_step)
        return _series_of(key, chunks, min_step, max_step)

    def read_rollup(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Rollup:
        return _rollup_of(key, self._chunks(_ROLLUP_COLUMNS, ref, key, min_step, max_step))

    def _chunks_many(
        self,
        columns: str,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None,
        max_step: int | None,
        *,
        per_pair: bool = False,
    ) -> dict[tuple[str, str], list[Any]]:
        """``columns`` of the chunks of every (run, key) pair overlapping ``[min_step,
        max_step)``, in step order, in one query (a panel of 1,000 runs is one read);
        ``per_pair``: ``columns`` are aggregates, one row per pair.

        Not ordered by SQL: SQLite sorted the rows, blobs and all, in a temporary
        B-tree (1,000 runs x 10,000 points: ~190 of ~230 ms of the read); each pair's
        few rows are put in step order here instead."""
        params: dict[str, Any] = {"entity": entity, "project": project}
        run_names = _bind_list(params, "r", run_ids)
        key_names = _bind_list(params, "k", keys)
        first = "MIN(c.first_step)" if per_pair else "c.first_step"
        sql = (
            f'SELECT r.run_id, c."key", {first}, {columns} FROM series_chunks c '
            "JOIN runs r ON r.id = c.run JOIN projects p ON p.id = r.project_id "
            f"WHERE p.entity = :entity AND p.name = :project AND r.run_id IN ({run_names}) "
            f'AND c."key" IN ({key_names})'
        )
        if min_step is not None:
            sql += " AND c.last_step >= :min_step"
            params["min_step"] = min_step
        if max_step is not None:
            sql += " AND c.first_step < :max_step"
            params["max_step"] = max_step
        if per_pair:
            sql += ' GROUP BY r.run_id, c."key"'
        found: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        if not run_ids or not keys:
            return {}
        with self._db.read() as tx:
            rows = _blob_rows(tx, sql, params)  # (PostgreSQL: bytea as bytes, not hex)
        for row in rows:
            found.setdefault((row[0], row[1]), []).append(tuple(row)[2:])
        out: dict[tuple[str, str], list[Any]] = {}
        for pair, chunks in found.items():
            chunks.sort(key=lambda chunk: int(chunk[0]))  # in order already, as a rule
            out[pair] = [chunk[1:] for chunk in chunks]
        return out

    def read_series_many(
        self,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[tuple[str, str], Series]:
        found = self._chunks_many(
            "steps_blob, values_blob", entity, project, run_ids, keys, min_step, max_step
        )
        return {
            (run_id, key): _series_of(key, found.get((run_id, key), []), min_step, max_step)
            for run_id in run_ids
            for key in keys
        }

    def read_rollup_many(
        self,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[tuple[str, str], Rollup]:
        found = self._chunks_many(
            _ROLLUP_COLUMNS, entity, project, run_ids, keys, min_step, max_step
        )
        return {
            (run_id, key): _rollup_of(key, found.get((run_id, key), []))
            for run_id in run_ids
            for key in keys
        }

    def count_points_many(
        self,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[tuple[str, str], int]:
        """The points of the chunks of each ``(run id, key)`` pair overlapping ``[min_step,
        max_step)`` (those in the range and the rest of the two chunks its ends may cut),
        from the chunks' row counts: nothing is decoded, no blob is read."""
        found = self._chunks_many(
            "SUM(c.count)", entity, project, run_ids, keys, min_step, max_step, per_pair=True
        )
        return {pair: int(rows[0][0]) for pair, rows in found.items()}

    def project_keys(
        self, entity: str, project: str, run_ids: Sequence[str] | None = None
    ) -> dict[str, bool]:
        where, params = self._project_runs_where(entity, project, run_ids)
        join = "JOIN runs r ON r.id = t.run JOIN projects p ON p.id = r.project_id"
        with self._db.read() as tx:
            numeric = tx.all(
                f'SELECT DISTINCT t."key" FROM series_chunks t {join} WHERE {where}', params
            )
            other = tx.all(
                f'SELECT DISTINCT t."key" FROM history_values t {join} WHERE {where}', params
            )
        keys = {row[0]: False for row in other}
        keys.update({row[0]: True for row in numeric})
        return keys

    def _project_runs_where(
        self, entity: str, project: str, run_ids: Sequence[str] | None
    ) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"entity": entity, "project": project}
        where = "p.entity = :entity AND p.name = :project"
        if run_ids is not None:
            names = []
            for i, run_id in enumerate(run_ids):
                params[f"r{i}"] = run_id
                names.append(f":r{i}")
            where += f" AND r.run_id IN ({', '.join(names) or 'NULL'})"
        return where, params

    def project_metrics(
        self, entity: str, project: str, run_ids: Sequence[str] | None = None
    ) -> list[list[dict[str, Any]]]:
        where, params = self._project_runs_where(entity, project, run_ids)
        with self._db.read() as tx:
            rows = tx.all(
                "SELECT DISTINCT r.metrics FROM runs r JOIN projects p ON p.id = r.project_id "
                f"WHERE {where}",
                params,
            )
        return [list(jsonutil.loads(row[0])) for row in rows]

    def project_stats(self, entity: str | None = None) -> list[ProjectStats]:
        sql = (
            "SELECT p.entity, p.name, COUNT(r.id) AS n, MAX(r.updated_at) AS last "
            "FROM projects p LEFT JOIN runs r ON r.project_id = p.id"
        )
        if entity is not None:
            sql += " WHERE p.entity = :entity"
        sql += " GROUP BY p.id, p.entity, p.name ORDER BY p.entity, p.name"
        with self._db.read() as tx:
            rows = tx.all(sql, {"entity": entity})
        return [ProjectStats(r[0], r[1], int(r[2]), r[3]) for r in rows]

    def get_workspace(self, entity: str, project: str) -> dict[str, Any] | None:
        with self._db.read() as tx:
            text = tx.scalar(
                "SELECT w.settings FROM workspaces w JOIN projects p ON p.id = w.project_id "
                "WHERE p.entity = :entity AND p.name = :project",
                {"entity": entity, "project": project},
            )
        return None if text is None else dict(jsonutil.loads(text))

    def put_workspace(self, entity: str, project: str, settings: Mapping[str, Any]) -> None:
        with self._db.write() as tx:
            pk = tx.scalar(
                "SELECT id FROM projects WHERE entity = :entity AND name = :project",
                {"entity": entity, "project": project},
            )
            if pk is None:
                raise StoreError(f"no project {entity}/{project}")
            tx.run(
                "INSERT INTO workspaces (project_id, settings, updated_at) VALUES (:p, :s, :t) "
                "ON CONFLICT (project_id) DO UPDATE SET settings = excluded.settings, "
                "updated_at = excluded.updated_at",
                {"p": pk, "s": jsonutil.dumps(dict(settings)), "t": time.time()},
            )

    def change_workspace(
        self,
        entity: str,
        project: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        # One write transaction holds the whole store's write lock, so no other write of
        # the document can fall between this read and this write.
        with self._db.write() as tx:
            pk = self._existing_project_pk(tx, entity, project)
            text = tx.scalar("SELECT settings FROM workspaces WHERE project_id = :p", {"p": pk})
            settings = change({} if text is None else dict(jsonutil.loads(text)))
            tx.run(
                "INSERT INTO workspaces (project_id, settings, updated_at) VALUES (:p, :s, :t) "
                "ON CONFLICT (project_id) DO UPDATE SET settings = excluded.settings, "
                "updated_at = excluded.updated_at",
                {"p": pk, "s": jsonutil.dumps(settings), "t": time.time()},
            )
        return settings

    # -- saved views: one row each (revision 0008) ----------------------------
    _VIEW_COLUMNS = "v.name, v.settings, v.owner, v.created_at, v.updated_at"

    @staticmethod
    def _view(row: Any) -> SavedView:
        settings = jsonutil.loads(row[1])
        return SavedView(
            name=str(row[0]),
            settings=dict(settings) if isinstance(settings, dict) else {},
            owner=row[2],
            created_at=float(row[3]),
            updated_at=float(row[4]),
        )

    def list_views(self, entity: str, project: str) -> list[SavedView]:
        with self._db.read() as tx:
            rows = tx.all(
                f"SELECT {self._VIEW_COLUMNS} FROM views v JOIN projects p "
                "ON p.id = v.project_id WHERE p.entity = :entity AND p.name = :project",
                {"entity": entity, "project": project},
            )
        # Sorted here: SQLite and PostgreSQL collations order names differently.
        return sorted((self._view(r) for r in rows), key=lambda v: v.name)

    def get_view(self, entity: str, project: str, name: str) -> SavedView | None:
        with self._db.read() as tx:
            row = tx.one(
                f"SELECT {self._VIEW_COLUMNS} FROM views v JOIN projects p "
                "ON p.id = v.project_id "
                "WHERE p.entity = :entity AND p.name = :project AND v.name = :name",
                {"entity": entity, "project": project, "name": name},
            )
        return None if row is None else self._view(row)

    def _existing_project_pk(self, tx: Tx, entity: str, project: str) -> int:
        pk = tx.scalar(
            "SELECT id FROM projects WHERE entity = :entity AND name = :project",
            {"entity": entity, "project": project},
        )
        if pk is None:
            raise StoreError(f"no project {entity}/{project}")
        return int(pk)

    def put_view(
        self,
        entity: str,
        project: str,
        name: str,
        settings: Mapping[str, Any],
        owner: str | None = None,
    ) -> SavedView:
        now = time.time()
        with self._db.write() as tx:
            pk = self._existing_project_pk(tx, entity, project)
            tx.run(
                "INSERT INTO views (project_id, name, settings, owner, created_at, updated_at) "
                "VALUES (:p, :n, :s, :o, :t, :t) ON CONFLICT (project_id, name) DO UPDATE "
                "SET settings = excluded.settings, owner = excluded.owner, "
                "updated_at = excluded.updated_at",
                {"p": pk, "n": name, "s": jsonutil.dumps(dict(settings)), "o": owner, "t": now},
            )
            row = tx.one(
                f"SELECT {self._VIEW_COLUMNS} FROM views v WHERE v.project_id = :p AND v.name = :n",
                {"p": pk, "n": name},
            )
        return self._view(row)

    def rename_view(
        self, entity: str, project: str, name: str, new_name: str, owner: str | None = None
    ) -> SavedView | None:
        # The write transaction holds the store's write lock, so the check for a view
        # named ``new_name`` and the rename cannot interleave with another writer.
        with self._db.write() as tx:
            pk = self._existing_project_pk(tx, entity, project)
            params = {"p": pk, "n": name, "new": new_name, "o": owner, "t": time.time()}
            if new_name != name and tx.scalar(
                "SELECT 1 FROM views WHERE project_id = :p AND name = :new", params
            ):
                raise ViewExistsError(f"{entity}/{project} already has a view {new_name!r}")
            changed = tx.run(
                "UPDATE views SET name = :new, owner = :o, updated_at = :t "
                "WHERE project_id = :p AND name = :n",
                params,
            )
            if not changed:
                return None
            row = tx.one(
                f"SELECT {self._VIEW_COLUMNS} FROM views v WHERE v.project_id = :p "
                "AND v.name = :new",
                params,
            )
        return self._view(row)

    def delete_view(self, entity: str, project: str, name: str) -> bool:
        with self._db.write() as tx:
            deleted = tx.run(
                "DELETE FROM views WHERE name = :name AND project_id = "
                "(SELECT id FROM projects WHERE entity = :entity AND name = :project)",
                {"entity": entity, "project": project, "name": name},
            )
        return bool(deleted)

    def read_values(
        self, ref: RunRef, keys: Sequence[str], min_step: int, max_step: int | None
    ) -> dict[str, list[tuple[int, Any]]]:
        out: dict[str, list[tuple[int, Any]]] = {}
        if not keys:
            return out
        params: dict[str, Any] = {"min_step": min_step}
        names = []
        for i, key in enumerate(keys):
            params[f"k{i}"] = key
            names.append(f":k{i}")
        sql = (
            'SELECT "key", step, value FROM history_values WHERE run = :run '
            f'AND "key" IN ({", ".join(names)}) AND step >= :min_step'
        )
        if max_step is not None:
            sql += " AND step < :max_step"
            params["max_step"] = max_step
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            if pk is None:
                return out
            params["run"] = pk
            for row in tx.all(sql + " ORDER BY step", params):
                out.setdefault(row[0], []).append((int(row[1]), jsonutil.loads(row[2])))
        return out

    # -- custom-chart presets ------------------------------------------------
    @staticmethod
    def _preset_params(entity: str, name: str) -> dict[str, Any]:
        for what, value in (("entity", entity), ("name", name)):
            if not value or len(value) > _NAME_MAX:
                raise ValueError(
                    f"preset {what} must be 1 to {_NAME_MAX} characters, got {value!r}"
                )
        return {"entity": entity, "name": name}

    def put_preset(self, entity: str, name: str, spec: Mapping[str, Any]) -> int:
        params = self._preset_params(entity, name)
        text = jsonutil.dumps(dict(spec))
        # The write transaction holds the store's write lock (BEGIN IMMEDIATE, or the
        # PostgreSQL advisory lock), so max + 1 cannot be taken twice.
        with self._db.write() as tx:
            latest = tx.scalar(
                "SELECT MAX(version) FROM presets WHERE entity = :entity AND name = :name",
                params,
            )
            version = 1 if latest is None else int(latest) + 1
            tx.run(
                "INSERT INTO presets (entity, name, version, spec, created_at) "
                "VALUES (:entity, :name, :version, :spec, :now)",
                {**params, "version": version, "spec": text, "now": time.time()},
            )
        return version

    def get_preset(
        self, entity: str, name: str, version: int | None = None
    ) -> tuple[int, dict[str, Any]] | None:
        params: dict[str, Any] = {"entity": entity, "name": name}
        sql = "SELECT version, spec FROM presets WHERE entity = :entity AND name = :name"
        if version is not None:
            sql += " AND version = :version"
            params["version"] = int(version)
        with self._db.read() as tx:
            row = tx.one(sql + " ORDER BY version DESC LIMIT 1", params)
        return None if row is None else (int(row[0]), dict(jsonutil.loads(row[1])))

    def list_presets(self, entity: str) -> list[tuple[str, int]]:
        with self._db.read() as tx:
            rows = tx.all(
                "SELECT name, MAX(version) FROM presets WHERE entity = :entity GROUP BY name",
                {"entity": entity},
            )
        # Sorted here: SQLite and PostgreSQL collations order names differently.
        return sorted((str(r[0]), int(r[1])) for r in rows)

    # -- console and system metrics (store/sql/context.py) --------------------
    def read_console(
        self,
        ref: RunRef,
        search: str | None = None,
        regex: bool = False,
        start: int = 0,
        limit: int = 1000,
    ) -> list[ConsoleLine]:
        if search:
            context.check_pattern(search, regex)  # a bad pattern is refused, run or not
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            if pk is None:
                return []
            dialect = self._db.dialect
            return context.read_console(tx, dialect, pk, search, regex, start, limit)

    def count_console(self, ref: RunRef, search: str | None = None, regex: bool = False) -> int:
        if search:
            context.check_pattern(search, regex)
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            if pk is None:
                return 0
            return context.count_console(tx, self._db.dialect, pk, search, regex)

    def console_size(self, ref: RunRef) -> int:
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            return 0 if pk is None else context.console_size(tx, self._db.dialect, pk)

    def read_system(self, ref: RunRef, keys: Sequence[str] | None = None) -> SystemSamples:
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            if pk is None:
                return SystemSamples.empty(keys)
            return context.read_system(tx, pk, keys)

    # -- artifacts (store/sql/artifacts.py) --------------------------------------------
    def get_artifact(
        self, entity: str, project: str, name: str, version: str, type: str | None = None
    ) -> ArtifactRecord | None:
        with self._db.read() as tx:
            found = artifacts.find_version(tx, entity, project, name, version)
        if found is not None and type is not None and found.type != type:
            raise ValueError(
                f"artifact {entity}/{project}/{name} is of type {found.type!r}, not {type!r}"
            )
        return found

    def get_artifact_by_client_id(
        self, entity: str, project: str, client_id: str
    ) -> ArtifactRecord | None:
        with self._db.read() as tx:
            return artifacts.version_by_client_id(tx, entity, project, client_id)

    def artifact_files(self, artifact: ArtifactRecord) -> list[ArtifactFile]:
        with self._db.read() as tx:
            return artifacts.artifact_files(tx, artifact.id)

    def list_artifact_collections(
        self, entity: str, project: str, type: str | None = None
    ) -> list[ArtifactCollection]:
        with self._db.read() as tx:
            return artifacts.list_collections(tx, entity, project, type)

    def list_artifact_versions(self, entity: str, project: str, name: str) -> list[ArtifactRecord]:
        with self._db.read() as tx:
            return artifacts.list_versions(tx, entity, project, name)

    def artifact_types(self, entity: str, project: str) -> list[str]:
        with self._db.read() as tx:
            return artifacts.artifact_types(tx, entity, project)

    def artifacts_logged_by(self, ref: RunRef) -> list[ArtifactRecord]:
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            return [] if pk is None else artifacts.logged_by(tx, pk)

    def artifacts_used_by(self, ref: RunRef) -> list[ArtifactRecord]:
        with self._db.read() as tx:
            pk = self._find_run(tx, ref)
            return [] if pk is None else artifacts.used_by(tx, pk)

    def runs_using(self, artifact: ArtifactRecord) -> list[RunRef]:
        with self._db.read() as tx:
            return artifacts.runs_using(tx, artifact.id)

    def update_artifact(
        self,
        artifact: ArtifactRecord,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] | None = None,
    ) -> ArtifactRecord:
        with self._db.write() as tx:
            artifacts.update_artifact(tx, artifact.id, description, metadata, aliases)
            updated = artifacts.version_by_id(tx, artifact.id)
        assert updated is not None
        return updated

    def delete_artifact(self, artifact: ArtifactRecord, delete_aliases: bool = False) -> None:
        with self._db.write() as tx:
            artifacts.delete_artifact(tx, artifact.id, delete_aliases)

    def artifact_blobs_held(
        self, entity: str, project: str, digests: Sequence[str], touch: bool = False
    ) -> set[str]:
        if not touch:
            with self._db.read() as tx:
                return artifacts.artifact_blobs_held(tx, entity, project, digests, False)
        with self._db.write() as tx:
            return artifacts.artifact_blobs_held(tx, entity, project, digests, True)

    def record_artifact_blob(self, entity: str, project: str, digest: str, size: int) -> None:
        with self._db.write() as tx:
            artifacts.record_blob(tx, entity, project, digest, size)

    def artifact_blobs_to_keep(self, digests: Sequence[str], since: float) -> set[str]:
        with self._db.read() as tx:
            return artifacts.artifact_blobs_to_keep(tx, digests, since)

    def journal_offset(self, journal: str) -> int:
        with self._db.read() as tx:
            value = tx.scalar("SELECT position FROM journals WHERE path = :path", {"path": journal})
        return 0 if value is None or int(value) < 0 else int(value)

    def checkpoint(self) -> None:
        """Fold a large write-ahead log back into the database file.

        SQLite checkpoints by itself every ~4 MB; after a big run this returns the
        space at once, so the store's size on disk is the data's.
        """
        if self.checkpoint_due() and isinstance(self._db, SqliteDb):
            # PASSIVE never waits for other processes; TRUNCATE then shrinks the file
            # only when no one is reading.
            self._db.pragma("PRAGMA wal_checkpoint(PASSIVE)")
            self._db.pragma("PRAGMA wal_checkpoint(TRUNCATE)")

    def checkpoint_due(self) -> bool:
        """An SQLite store's write-ahead log is over ``_CHECKPOINT_BYTES``."""
        if self._db.dialect != "sqlite":
            return False
        try:
            return os.path.getsize(f"{self.uri.removeprefix('sqlite:///')}-wal") > _CHECKPOINT_BYTES
        except OSError:
            return False

    def compact(self) -> None:
        """Return free pages to the file system (after rewinds and chunk rewrites)."""
        if isinstance(self._db, SqliteDb):
            self._db.vacuum_free_pages()

    def close(self) -> None:
        self._db.close()


_ENCODER: Any = None
_ENCODER_LOCK = threading.Lock()


def _encoder() -> Any:
    """Two threads to encode chunks in parallel, or None once Python is shutting down
    (a script that never called finish() is finished from an atexit hook, when
    concurrent.futures can no longer be imported or start threads)."""
    global _ENCODER
    with _ENCODER_LOCK:
        if _ENCODER is None:
            try:
                from concurrent.futures import ThreadPoolExecutor

                _ENCODER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="runyard-encode")
            except RuntimeError:
                return None
        return _ENCODER


def _write_scope(batch: RunBatch) -> tuple[str, ...] | None:
    """What a batch's transaction holds from its start (see :meth:`Db.write`): its run.
    Creating the run adds its project (:func:`_project_scope`). Batches that read or
    write other runs' rows (fork copies, deletes, artifacts with project-wide version
    numbers) hold the whole store."""
    if (
        batch.delete
        or batch.copy_history is not None
        or batch.artifacts
        or batch.artifact_uses
        or batch.artifact_links
    ):
        return None
    return (_run_scope(batch.run),)


def _run_scope(ref: RunRef) -> str:
    """The scope of one run: its batches (and its seal) hold it."""
    return f"run:{len(ref.entity)}:{ref.entity}/{len(ref.project)}:{ref.project}/{ref.run_id}"


def _project_scope(ref: RunRef) -> str:
    """The scope of a project, held while a run is created in it: the project's
    get-or-create and generated names unique in the project."""
    return f"project:{len(ref.entity)}:{ref.entity}/{ref.project}"


def _run_field(name: str) -> str:
    """The runs column of a create/meta field; an unknown field refuses the batch."""
    try:
        return _RUN_FIELDS[name]
    except KeyError:
        raise BatchRefusedError(f"unknown run field {name!r}") from None


def _check_key(key: str) -> None:
    """Refuse a history key no database of the store can hold or index."""
    if "\0" in key:
        raise BatchRefusedError(f"history key {key!r} holds a NUL character")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise BatchRefusedError(f"history key {key[:80]!r}... is longer than {MAX_KEY_BYTES} bytes")


def _refusal(exc: Exception) -> BatchRefusedError | None:
    """The refusal an error of the database (or of encoding for it) means, or None for
    errors that say nothing about the batch (a lost connection, a locked file)."""
    if isinstance(exc, BatchRefusedError):
        return exc
    if isinstance(exc, (OverflowError, RecursionError)):
        return BatchRefusedError(f"the store cannot hold a value of this batch: {exc}")
    error = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    names = {type(error).__name__, type(exc).__name__}
    if names & {"DataError", "IntegrityError", "ProgramLimitExceeded"}:
        return BatchRefusedError(f"the database refused this batch: {error}")
    return None


def _done(position: int) -> int:
    """A done journal's stored position: negative, so no live offset equals it
    (``-1 - position``, so that offset 0 is representable too)."""
    return -1 - position


def _chunk_params(
    chunk: tuple[int, str, np.ndarray, np.ndarray], compress: bool = True
) -> dict[str, Any]:
    run_pk, key, steps, values = chunk
    as_float = values.astype(np.float64, copy=False)
    finite = as_float[np.isfinite(as_float)]
    last = float(as_float[-1])
    return {
        "run": run_pk,
        "key": key,
        "first_step": int(steps[0]),
        "last_step": int(steps[-1]),
        "count": len(steps),
        "vmin": float(finite.min()) if len(finite) else None,
        "vmax": float(finite.max()) if len(finite) else None,
        "vlast": last if np.isfinite(last) else None,
        "steps_blob": encode_steps(steps),
        "values_blob": encode_values(values, compress=compress),
        # Small chunks are rolled up on read; large ones carry their rollup.
        "rollup_blob": encode_rollup(steps, as_float) if len(steps) >= 1024 else None,
    }


# Small chunks, and chunks written before rollups existed (schema 0001), are rolled up
# on read from their raw points.
_ROLLUP_COLUMNS = (
    "rollup_blob, CASE WHEN rollup_blob IS NULL THEN steps_blob END, "
    "CASE WHEN rollup_blob IS NULL THEN values_blob END"
)


def _blob_rows(tx: Tx, sql: str, params: dict[str, Any]) -> Sequence[Any]:
    """``tx.all(sql, params)`` for a query reading many blobs: on PostgreSQL (psycopg)
    in binary format, so a ``bytea`` arrives as its bytes rather than as hex text
    the server encodes and the client decodes (merging a run's open chunks reads
    back ~1.3 MB; decoding its hex was ~15% of a server's ingest CPU). Rows are
    read by position."""
    conn = getattr(tx, "connection", None)
    raw: Any = getattr(getattr(conn, "connection", None), "driver_connection", None)
    if conn is None or type(raw).__module__.partition(".")[0] != "psycopg":
        return tx.all(sql, params)
    from sqlalchemy import text

    compiled = text(sql).compile(dialect=conn.dialect)  # ":name" -> "%(name)s"
    with raw.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), params)
        rows: list[Any] = cursor.fetchall()
    return rows


def _bind_list(params: dict[str, Any], prefix: str, values: Sequence[str]) -> str:
    """``:p0, :p1, …`` for an ``IN`` list, the values bound into ``params``."""
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return ", ".join(names) or "NULL"


def _series_of(
    key: str, chunks: Sequence[Any], min_step: int | None, max_step: int | None
) -> Series:
    """The series of a key's chunks (``(steps_blob, values_blob)`` rows in step order)."""
    if not chunks:
        return Series(key, np.zeros(0, np.int64), np.zeros(0, np.float64))
    steps = np.concatenate([decode_steps(c[0]) for c in chunks])
    values = _concat_all([decode_values(c[1]) for c in chunks])
    if min_step is not None or max_step is not None:
        lo = int(np.searchsorted(steps, min_step, "left")) if min_step is not None else 0
        hi = int(np.searchsorted(steps, max_step, "left")) if max_step is not None else len(steps)
        steps, values = steps[lo:hi], values[lo:hi]
    return Series(key, steps, values)


def _rollup_of(key: str, blobs: Sequence[Any]) -> Rollup:
    """The rollup of a key's chunks (rows of :data:`_ROLLUP_COLUMNS` in step order)."""
    stored = [b[0] for b in blobs]
    joined = decode_rollups(stored) if len(stored) > 1 and None not in stored else None
    if joined is not None:
        return Rollup(key, *joined)
    parts = [
        decode_rollup(b[0])
        if b[0] is not None
        else rollup_arrays(decode_steps(b[1]), decode_values(b[2]).astype(np.float64))
        for b in blobs
    ]
    if not parts:
        empty_f = np.zeros(0, np.float64)
        return Rollup(key, np.zeros(0, np.int64), empty_f, empty_f, empty_f, np.zeros(0, np.int64))
    steps, last, vmin, vmax, count = (np.concatenate(c) for c in zip(*parts, strict=True))
    return Rollup(key, steps, last, vmin, vmax, count)


def _numeric(
    steps: list[int] | np.ndarray, values: list[Any] | np.ndarray, is_int: bool, key: str
) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column as ``(int64 steps, int64 or float64 values)`` arrays."""
    new_steps = np.asarray(steps, dtype=np.int64)
    try:
        new_values = np.asarray(values, dtype=np.int64 if is_int else np.float64)
    except OverflowError:
        # Ints beyond int64 (a client that did not convert them): floats, as wandb.
        wide = [wide_int_float(v) if isinstance(v, int) else v for v in values]
        new_values = np.asarray(wide, dtype=np.float64)
    if key == "_runtime":
        new_values = np.round(new_values, 6)  # µs resolution: compresses ~10x
    return new_steps, new_values


def _append_series(
    run_pk: int,
    key: str,
    new_steps: np.ndarray,
    new_values: np.ndarray,
    tail: _Tail | None,
    out: list[_Chunk],
    whole: bool = False,
) -> bool:
    """Queue (in ``out``) the chunks that append these points to the key's series;
    whether its open chunks are then due for merging (see ``_append_columns``). With
    ``whole`` the points make one open chunk even when nothing is open before them."""
    if tail is not None and int(new_steps[0]) <= tail.last_step:
        # A retried or replayed batch: points at or before the stored end are
        # already there, so writing a batch twice stores each point once.
        keep = new_steps > tail.last_step
        new_steps, new_values = new_steps[keep], new_values[keep]
        if len(new_steps) == 0:
            return False
    before = 0 if tail is None else tail.open  # points in open chunks before these
    if tail is not None and tail.steps is not None and tail.values is not None:
        # Extend a small open chunk in place (same first step: the upsert replaces it).
        before -= tail.count
        new_steps = np.concatenate([tail.steps, new_steps])
        new_values = _concat_all([tail.values, new_values])
    if before == 0 and not whole:
        # Nothing open before these points: full chunks can be cut right away.
        out += _pieces(run_pk, key, new_steps, new_values)
        return False
    # Open chunks come after every full one: these points stay one open chunk.
    out.append((run_pk, key, new_steps, new_values))
    return before + len(new_steps) >= CHUNK_POINTS


def _pieces(run_pk: int, key: str, steps: np.ndarray, values: np.ndarray) -> list[_Chunk]:
    """Points cut into chunks of ``CHUNK_POINTS`` (the last one may be smaller)."""
    return [
        (run_pk, key, steps[lo : lo + CHUNK_POINTS], values[lo : lo + CHUNK_POINTS])
        for lo in range(0, len(steps), CHUNK_POINTS)
    ]


def _by_key(rows: Iterable[Any]) -> dict[str, list[Any]]:
    """Rows ordered by key then first step, grouped by key."""
    out: dict[str, list[Any]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def _merge_rows(rows: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The points of consecutive chunk rows ``(key, first_step, last_step, count,
    steps_blob, values_blob)``."""
    steps = np.concatenate([decode_steps(r[4]) for r in rows])
    return steps, _concat_all(decode_values(r[5]) for r in rows)


def _encode_all(chunks: Sequence[_Chunk]) -> list[dict[str, Any]]:
    """Compressed chunk rows, encoded in parallel when there is enough to share: in
    two halves of about equal points, not a task per chunk (a batch of a 10,000-key
    run has 10,000 small chunks, and a task each cost more than encoding them)."""
    if len(chunks) > 1 and sum(len(c[2]) for c in chunks) > 20_000:
        encoder = _encoder()
        if encoder is not None:
            try:
                halves = encoder.map(_encode_some, _halves(chunks))
                return [row for half in halves for row in half]
            except RuntimeError:  # the interpreter is shutting down
                pass
    return _encode_some(chunks)


def _encode_some(chunks: Sequence[_Chunk], compress: bool = True) -> list[dict[str, Any]]:
    """:func:`_chunk_params` of each chunk; float chunks of one length under 1,024
    points (no rollup) in groups, their numpy work done once a group (a batch of a
    10,000-key run writes, and its end seals, 10,000 small chunks of one length)."""
    groups: dict[int, list[int]] = {}
    for i, chunk in enumerate(chunks):
        n = len(chunk[2])
        if 0 < n < 1024 and chunk[3].dtype == np.float64:
            groups.setdefault(n, []).append(i)
    out: list[dict[str, Any] | None] = [None] * len(chunks)
    for members in groups.values():
        if len(members) >= _GROUP_MIN:
            rows = _group_params([chunks[i] for i in members], compress)
            for i, row in zip(members, rows, strict=True):
                out[i] = row
    return [
        r if r is not None else _chunk_params(c, compress) for r, c in zip(out, chunks, strict=True)
    ]


#: Chunks of one length encoded as a group from this many on.
_GROUP_MIN = 8


def _group_params(chunks: Sequence[_Chunk], compress: bool = True) -> list[dict[str, Any]]:
    """:func:`_chunk_params` of float chunks of one length (< 1,024 points), row for row."""
    steps = np.stack([c[2] for c in chunks]).astype(np.int64, copy=False)
    values = np.stack([c[3] for c in chunks])
    finite = np.isfinite(values)
    has_finite = finite.any(axis=1).tolist()
    vmin = np.where(finite, values, np.inf).min(axis=1).tolist()
    vmax = np.where(finite, values, -np.inf).max(axis=1).tolist()
    last = values[:, -1].tolist()
    last_ok = finite[:, -1].tolist()
    firsts, lasts = steps[:, 0].tolist(), steps[:, -1].tolist()
    steps_blobs = encode_steps_many(steps)
    n = values.shape[1]
    if compress:
        values_blobs = encode_values_many(values)
    else:
        head = encode_values(values[0, :0], compress=False)[:2] + n.to_bytes(8, "little")
        values_blobs = [head + row.tobytes() for row in np.ascontiguousarray(values, "<f8")]
    return [
        {
            "run": chunk[0],
            "key": chunk[1],
            "first_step": firsts[i],
            "last_step": lasts[i],
            "count": n,
            "vmin": vmin[i] if has_finite[i] else None,
            "vmax": vmax[i] if has_finite[i] else None,
            "vlast": last[i] if last_ok[i] else None,
            "steps_blob": steps_blobs[i],
            "values_blob": values_blobs[i],
            "rollup_blob": None,
        }
        for i, chunk in enumerate(chunks)
    ]


def _halves(chunks: Sequence[_Chunk]) -> list[Sequence[_Chunk]]:
    """``chunks`` cut in two runs of about equal points, in order."""
    sizes = np.cumsum([len(c[2]) for c in chunks])
    cut = int(np.searchsorted(sizes, sizes[-1] / 2)) + 1
    cut = min(max(cut, 1), len(chunks) - 1)
    return [chunks[:cut], chunks[cut:]]


def _concat_all(parts: Iterable[np.ndarray]) -> np.ndarray:
    arrays = list(parts)
    if all(a.dtype == arrays[0].dtype for a in arrays):
        return np.concatenate(arrays)
    return np.concatenate([a.astype(np.float64) for a in arrays])
