"""`RunFold`: turns a run's journal records into store batches.

The fold is deterministic: folding the same records always gives the same rows,
summary and config. The live writer thread and crash recovery both use it, so a
journal replayed after a crash gives exactly what the live run would have stored.

Console chunks (``Rec.CONSOLE``) go through a terminal emulator
(:class:`~runyard.journal.terminal.TerminalLines`) into numbered lines, and system
samples (``Rec.STATS``) are numbered in journal order: both from 0 in each journal,
which the store places after the lines and samples the run already has (see
``RunBatch.console``), so a resumed run's sessions never overwrite each other and a
replay rewrites exactly the rows the live run wrote.

A journal whose START says ``"attach": True`` is a side journal: it only adds
console lines, system samples and metadata to a run its main journal writes (a
background thread's, as log() must not share its journal with it). Its batches never
carry the run's state, runtime, summary or metric definitions, and its end does not
finish the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from runyard.entities import RunRef
from runyard.journal.records import Rec
from runyard.journal.spool import SpooledFile
from runyard.metrics.definitions import MetricDefinition, MetricDefinitions
from runyard.metrics.flatten import Path, drop_shadowed, flatten, key_of
from runyard.metrics.history import RowAssembler
from runyard.metrics.summary import SummaryState
from runyard.metrics.values import INT64_MAX, wide_int_float, wide_int_note
from runyard.store.base import RunBatch

if TYPE_CHECKING:
    from runyard.journal.log_block import LogBlock
    from runyard.journal.terminal import TerminalLines

__all__ = ["RunFold"]

_STEP: Path = ("_step",)
#: Ints a float64 holds exactly: larger ones in a key that also has floats are rounded.
_EXACT_INT = 2**53
_RESERVED = frozenset(("_step", "_runtime", "_timestamp"))
_FIXED_KEYS = frozenset(("_runtime", "_timestamp"))
_ARTIFACT_RECORDS = frozenset((Rec.ARTIFACT, Rec.USE_ARTIFACT, Rec.LINK_ARTIFACT))


def _paths(pairs: Any) -> dict[Path, Any]:
    return {tuple(p): v for p, v in (pairs or [])}


class RunFold:
    """Folds the records of one journal, starting from its START record."""

    def __init__(self, start: Mapping[str, Any]) -> None:
        self.ref = RunRef(*start["ref"])
        self.definitions = MetricDefinitions.from_list(start.get("metrics") or [])
        state = start.get("summary_state") or {}
        self.summary = SummaryState(self.definitions, state.get("reducers"))
        self.assembler = RowAssembler(self.definitions, _paths(state.get("step_metric_values")))
        self.last_step = int(start.get("last_step", -1))
        self.runtime = float(start.get("runtime_offset", 0.0))
        self.exited = False
        #: A side journal (see the module doc): console, system and metadata only.
        self.side = bool(start.get("attach"))
        self.heartbeat: float | None = None
        self.metrics_changed = not self.side
        # What the store's summary holds, leaf by leaf, to send only differences.
        self._sent: dict[Path, Any] = flatten(start.get("summary") or {})
        self._batch = self._new_batch()
        #: Typed parts of batch columns, joined by _join_parts (see _extend_column).
        self._parts: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        self._batch.create = start.get("create")
        self._batch.meta.update(start.get("meta") or {})
        self._batch.config.update(start.get("config") or {})
        self._batch.truncate_after = start.get("truncate_after")
        copy = start.get("copy_history")
        if copy is not None:
            self._batch.copy_history = (RunRef(*copy[0]), int(copy[1]))
        self._rows: list[dict[Path, Any]] = []
        self._fast: list[list[Any]] = []
        #: The assembler holds an open (uncommitted) row: fast records must wait.
        self._assembling = False
        self._simple = not any(d.step_metric for d in self.definitions.all())
        self._keys: dict[Path, str] = {}
        #: Keys that logged floats, and an int beyond 2**53 each logged: a key with
        #: both is a float series, which rounds the int (see take_notices).
        self._float_keys: set[str] = set()
        self._wide_ints: dict[str, int] = {}
        self._notices: list[str] = []
        #: Files journalled since the last :meth:`take_files`.
        self.files: list[SpooledFile] = []
        self._terminal: TerminalLines | None = None
        #: Console and system records since the last batch (weighted by size).
        self._context_weight = 0
        self._sample = 0
        #: The metadata sent so far (META ``{"metadata": …}`` records merge into it).
        self._metadata: dict[str, Any] | None = None
        if isinstance(start.get("metadata"), dict):
            self._set_metadata(start["metadata"])

    def _new_batch(self) -> RunBatch:
        self._batch_count = 0
        return RunBatch(run=self.ref)

    @property
    def pending_rows(self) -> int:
        return len(self._rows) + len(self._fast) + self._batch_count + self._context_weight

    def feed(self, rec: list[Any]) -> None:
        """Apply one journal record."""
        code = rec[0]
        if code == Rec.LOG:
            data = rec[5]
            if rec[2] and self._simple and not self._assembling and type(data) is dict:
                # The common case — a committed row — is kept as the record itself and
                # columnised in bulk (see _flush_fast, which also sends a row with a
                # nested dict or a reserved key the assembler's way: checked once per
                # group of rows, not here once per record).
                self._fast.append(rec)
                return
            self._commit_rows()
            rows = self.assembler.add(rec[1], rec[2], rec[3], rec[4], data)
            self._assembling = self.assembler.open_step is not None
            if rows:
                self._rows.extend(rows)
            self.runtime = rec[4]
            self.heartbeat = rec[3]
            return
        if code == Rec.CONSOLE:
            self._console(rec)
            return
        if code == Rec.STATS:
            # (Independent of history rows: no need to commit them first.)
            values = rec[3] if isinstance(rec[3], dict) else {}
            self._batch.system.append((self._sample, float(rec[1]), float(rec[2]), values))
            self._sample += 1
            self._context_weight += 1
            return
        if code == Rec.FILE:
            # Not part of the batch: whoever writes it uploads these first (journal/spool.py).
            self.files.append(SpooledFile.from_record(rec))
            return
        if code in _ARTIFACT_RECORDS:
            # Independent of history rows; their files are hashed and uploaded before
            # the batch is written (journal/artifact_upload.py: prepare).
            from runyard.journal import artifact_upload as art

            if code == Rec.ARTIFACT:
                self._batch.artifacts.append(art.commit_from_record(rec[1]))
            elif code == Rec.USE_ARTIFACT:
                self._batch.artifact_uses.append(art.use_from_record(rec[1]))
            else:
                self._batch.artifact_links.append(art.link_from_record(rec[1]))
            self._batch_count += 1
            return
        self._commit_rows()
        if code == Rec.CONFIG:
            self._batch.config.update(rec[1])
        elif code == Rec.SUMMARY_SET:
            self._commit_rows()
            self.summary.set(tuple(rec[1]), rec[2])
        elif code == Rec.SUMMARY_DEL:
            self._commit_rows()
            self.summary.delete(tuple(rec[1]))
        elif code == Rec.DEFINE:
            self._commit_rows()
            self.definitions.define(MetricDefinition.from_dict(rec[1]), overwrite=bool(rec[2]))
            self.metrics_changed = True
            self._simple = not any(d.step_metric for d in self.definitions.all())
        elif code == Rec.META:
            fields = rec[1]
            if "metadata" in fields:
                fields = dict(fields)
                metadata = fields.pop("metadata")
                if isinstance(metadata, dict):
                    self._set_metadata(metadata)
            if not self.side:
                self._batch.meta.update(fields)
        elif code == Rec.EXIT:
            self.finish(state=rec[1], exit_code=rec[2], runtime=rec[3])
        # START appears once, first, and was consumed by __init__.

    def feed_block(self, block: LogBlock) -> None:
        """Apply a block of committed ``LOG`` records (see
        :func:`~runyard.journal.frames.read_records`): the same as feeding them one by
        one, folded as columns (numpy arrays into the batch, no Python object a point)."""
        if not (self._simple and not self._assembling) or _RESERVED.intersection(block.keys):
            for rec in block.records():
                self.feed(rec)
            return
        self._commit_rows()  # older rows first
        self.runtime = float(block.runtimes[-1])
        self.heartbeat = float(block.timestamps[-1])
        steps = block.steps
        named: dict[str, np.ndarray] = dict(zip(block.keys, block.values, strict=True))
        named["_timestamp"] = block.timestamps
        named["_runtime"] = block.runtimes
        # Typed columns: the summary folds them with numpy and keeps Python numbers.
        by_path: dict[Path, Any] = {(k,): v for k, v in named.items()}
        by_path[_STEP] = steps

        def rows() -> list[dict[Path, Any]]:  # (a "best" goal's row: Python values)
            lists = {p: col.tolist() for p, col in by_path.items()}
            return [{p: col[i] for p, col in lists.items()} for i in range(len(steps))]

        self.summary.update_columns(by_path, rows)
        for key, values in named.items():
            self._extend_column(key, steps, values)
        self._batch_count += len(block)
        self.last_step = max(self.last_step, int(steps[-1]))

    def _extend_column(self, key: str, steps: np.ndarray, values: np.ndarray) -> None:
        """Append typed points to a batch column: arrays stay arrays (joined once, by
        :meth:`_join_parts`: a batch of wide rows read a few rows at a time joined each
        key's growing arrays once a read); a column already holding lists takes them
        as lists."""
        columns: dict[str, Any] = self._batch.columns  # lists, or typed (see base.py)
        column = columns.get(key)
        if column is None:
            columns[key] = (steps, values)
        elif isinstance(column[1], np.ndarray):
            parts = self._parts.get(key)
            if parts is None:
                parts = self._parts[key] = ([column[0]], [column[1]])
            parts[0].append(steps)
            parts[1].append(values)
        else:
            column[0].extend(steps.tolist())
            column[1].extend(values.tolist())

    def _join_parts(self, key: str | None = None) -> None:
        """Join the typed parts of one column (or of all) into the batch's column."""
        if not self._parts:
            return
        columns: dict[str, Any] = self._batch.columns
        for name in list(self._parts) if key is None else [key]:
            parts = self._parts.pop(name, None)
            if parts is not None:
                columns[name] = (np.concatenate(parts[0]), np.concatenate(parts[1]))

    def _console(self, rec: list[Any]) -> None:
        """Apply one console chunk to the terminal (created on the first one)."""
        terminal = self._terminal
        if terminal is None:
            from runyard.journal.terminal import TerminalLines

            terminal = self._terminal = TerminalLines()
        text = rec[3]
        if isinstance(text, str):
            terminal.feed(str(rec[1]), float(rec[2]), text)
            # A chunk may end up as no new line (a redrawn bar) or as many: count it
            # by size, so a flood of output still makes batches of bounded size.
            self._context_weight += 1 + len(text) // 256

    def _set_metadata(self, metadata: dict[str, Any]) -> None:
        """Merge newer metadata fields; the batch carries the whole document (the store
        replaces the run's)."""
        self._metadata = {**(self._metadata or {}), **metadata}
        self._batch.metadata = dict(self._metadata)

    def finish(self, state: str, exit_code: int | None, runtime: float | None = None) -> None:
        """Close the open row and record how the run ended (a side journal ends
        without ending the run)."""
        if self.side:
            self.exited = True
            return
        self._commit_rows()
        self._rows.extend(self.assembler.flush())
        self._assembling = False
        if runtime is not None:
            self.runtime = runtime
        # A stop asked for ("Stop run") is answered by the run's end: the note goes.
        self._batch.meta.update(
            state=state, exit_code=exit_code, runtime=self.runtime, stop_requested_at=None
        )
        self.exited = True

    def _flush_fast(self) -> None:
        """Columnise the pending fast records, one group of equal key sets at a time."""
        records = self._fast
        if not records:
            return
        self._fast = []
        last = records[-1]
        self.runtime = last[4]
        self.heartbeat = last[3]
        keys = tuple(records[0][5])
        datas = [r[5] for r in records]
        # Usually every row has the same keys: one group, found without a Python-level
        # step per row (as many keys in each row, and each row has all of the first's).
        if set(map(len, datas)) == {len(keys)}:
            try:
                named = {k: list(map(itemgetter(k), datas)) for k in keys}
            except KeyError:
                pass
            else:
                self._fold_group(records, keys, named)
                return
        start = 0
        for i in range(1, len(records)):
            row_keys = tuple(datas[i])
            if row_keys != keys:
                self._fold_group(records[start:i], keys)
                start, keys = i, row_keys
        self._fold_group(records[start:], keys)

    def _fold_group(
        self,
        records: list[list[Any]],
        keys: tuple[str, ...],
        named: dict[str, list[Any]] | None = None,
    ) -> None:
        """Fold committed rows of the same keys (``named``: their columns, if taken)."""
        if _RESERVED.intersection(keys):
            self._assemble(records)
            return
        fields = list(zip(*records, strict=True))  # (LOG, step, commit, time, runtime, data)
        if named is None:
            named = {k: [d[k] for d in fields[5]] for k in keys}
        kinds = [set(map(type, logged)) for logged in named.values()]
        if any(dict in types for types in kinds):  # nested: flattened by the assembler
            self._assemble(records)
            return
        for (key, logged), types in zip(named.items(), kinds, strict=True):
            if int in types:  # (only ints can be too wide for int64)
                self._wide_ints_to_floats(key, logged)
        steps = list(fields[1])
        named["_timestamp"] = list(fields[3])
        named["_runtime"] = list(fields[4])
        by_path: dict[Path, list[Any]] = {(k,): v for k, v in named.items()}
        by_path[_STEP] = steps

        def rows() -> list[dict[Path, Any]]:
            return [{p: col[i] for p, col in by_path.items()} for i in range(len(steps))]

        self.summary.update_columns(by_path, rows)
        columns = self._batch.columns
        for key, logged in named.items():
            column = self._list_column(key)
            if column is None:
                columns[key] = (list(steps), logged)
            else:
                column[0].extend(steps)
                column[1].extend(logged)
        self._batch_count += len(records)
        self.last_step = max(self.last_step, steps[-1])

    def _assemble(self, records: list[list[Any]]) -> None:
        """Fold committed rows the assembler's way (nested dicts, reserved keys), as
        :meth:`feed` would have: no row is open meanwhile (see feed's fast path)."""
        for rec in records:
            self._rows.extend(self.assembler.add(rec[1], rec[2], rec[3], rec[4], rec[5]))
        self._commit_assembled()

    def _commit_rows(self) -> None:
        # Rows logged before an explicit summary edit fold first, so the edit
        # lands on top of them (wandb orders records the same way). Assembled rows
        # are always older than pending fast records.
        self._commit_assembled()
        self._flush_fast()

    def _commit_assembled(self) -> None:
        if self._rows:
            # A row may name one history key twice ({"a.b": 1, "a": {"b": 2}}): history
            # keeps one value, so the summary must get the same one.
            self._rows = [drop_shadowed(row) for row in self._rows]
            for row in self._rows:
                for path, value in row.items():
                    if type(value) is int and value > INT64_MAX:
                        self._notices.append(wide_int_note(key_of(path), value))
                        row[path] = wide_int_float(value)
            self.summary.update(self._rows)
            self._columnize(self._rows)
            self.last_step = max(self.last_step, int(self._rows[-1][("_step",)]))
            self._rows = []

    def _columnize(self, rows: list[dict[Path, Any]]) -> None:
        columns = self._batch.columns
        keys = self._keys
        self._batch_count += len(rows)
        for row in rows:
            step = row[_STEP]
            for path, value in row.items():
                key = keys.get(path)
                if key is None:
                    if path == _STEP:
                        continue
                    key = keys[path] = key_of(path)
                column = columns.get(key)
                if column is None:
                    column = columns[key] = ([], [])
                elif type(column[1]) is not list:
                    column = self._list_column(key)
                    assert column is not None
                column[0].append(step)
                column[1].append(value)

    def _list_column(self, key: str) -> tuple[list[int], list[Any]] | None:
        """The batch column of ``key`` as lists (typed arrays from blocks become lists
        when rows that are not a block follow them: uncommon)."""
        self._join_parts(key)
        columns: dict[str, Any] = self._batch.columns  # lists, or typed (see base.py)
        column = columns.get(key)
        if column is not None and isinstance(column[1], np.ndarray):
            column = columns[key] = (column[0].tolist(), column[1].tolist())
        return column

    def commit(self) -> None:
        """Fold the committed rows fed so far into the pending batch and the summary now
        (the live writer's small steps; :meth:`take_batch` folds the rest)."""
        self._commit_rows()

    def current_summary(self) -> dict[str, Any]:
        """The summary as of every record fed so far."""
        self._commit_rows()
        return self.summary.summary()

    def take_files(self) -> list[SpooledFile]:
        """The files journalled since the last call: upload them before writing the
        batch :meth:`take_batch` gives for the same records."""
        files, self.files = self.files, []
        return files

    def _wide_ints_to_floats(self, key: str, column: list[Any]) -> None:
        """Ints in [2**63, 2**64), which msgpack packs as they are, become floats (wandb's
        rule for ints beyond int64; log() converts the others itself)."""
        try:
            top = max(column)
            if not (top > INT64_MAX or top != top):  # NaN: max() cannot tell
                return
        except TypeError:  # strings or None among the values
            pass
        for i, value in enumerate(column):
            if type(value) is int and value > INT64_MAX:
                self._notices.append(wide_int_note(key, value))
                column[i] = wide_int_float(value)

    def take_notices(self) -> list[str]:
        """Messages for the user about values stored with less precision than logged
        (each once per key), gathered by :meth:`take_batch`."""
        notices, self._notices = self._notices, []
        return notices

    def _check_precision(self, key: str, values: Any) -> None:
        """Note a key that mixes floats with ints beyond 2**53: the store keeps it as a
        float series, so those ints lose their last digits (a key of ints only is exact)."""
        if isinstance(values, np.ndarray):
            # A block's column: float64, or ints below 2**32 (see journal/log_block.py).
            if values.dtype.kind == "f":
                self._float_keys.add(key)
            wide = self._wide_ints.get(key)
            if wide is not None and key in self._float_keys and wide != 0:
                self._note_wide(key, wide)
            return
        kinds = set(map(type, values))
        if float in kinds:
            self._float_keys.add(key)
        if int in kinds and key not in self._wide_ints:
            numbers = kinds <= {int, float, bool}
            if numbers and min(values) >= -_EXACT_INT and max(values) <= _EXACT_INT:
                return
            for value in values:
                if type(value) is int and not -_EXACT_INT <= value <= _EXACT_INT:
                    self._wide_ints[key] = value
                    break
        wide = self._wide_ints.get(key)
        if wide is not None and key in self._float_keys and wide != 0:
            self._note_wide(key, wide)

    def _note_wide(self, key: str, wide: int) -> None:
        self._notices.append(
            f"key {key!r} holds floats and the int {wide}, beyond 2**53: it is stored as a "
            f"float series, so that int reads back as {float(wide)!r} (lost precision); "
            "log such ints under a key of their own to keep every digit"
        )
        self._wide_ints[key] = 0  # noted once

    def take_batch(self, journal: tuple[str, int] | None) -> RunBatch:
        """Everything changed since the last batch, ready for ``write_batch``."""
        self._commit_rows()
        self._join_parts()
        batch, self._batch = self._batch, self._new_batch()
        self._context_weight = 0
        if self._terminal is not None:
            batch.console = self._terminal.take_changes()
        if self.side:
            batch.meta.clear()  # the run's own fields are its main journal's to send
            batch.config.clear()
            batch.journal = journal
            return batch
        for key, (_steps, values) in batch.columns.items():
            if key not in _FIXED_KEYS:
                self._check_precision(key, values)
        leaves = flatten(self.summary.summary())
        sent = self._sent
        batch.summary_set = [(p, v) for p, v in leaves.items() if p not in sent or sent[p] != v]
        batch.summary_delete = [p for p in sent if p not in leaves]
        self._sent = leaves
        if batch.summary_set or batch.summary_delete or batch.columns:
            batch.summary_state = {
                "reducers": self.summary.to_state(),
                "step_metric_values": [
                    [list(p), v] for p, v in self.assembler.step_metric_values.items()
                ],
            }
        if self.metrics_changed:
            batch.metrics = self.definitions.to_list()
            self.metrics_changed = False
        batch.meta.setdefault("runtime", self.runtime)
        if self.heartbeat is not None:
            batch.meta.setdefault("heartbeat_at", self.heartbeat)
        batch.journal = journal
        return batch
