"""`Run`: a stored run, read and edited through the public API (``wandb.apis.public.Run``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from runyard.blobs.keys import run_prefix
from runyard.entities import RunRecord, RunRef
from runyard.errors import RunNotFoundError
from runyard.public_api.files import CONSOLE_FILE, ConsoleFile, File
from runyard.public_api.summary import RunSummary
from runyard.store.base import ConsoleLine, RunBatch

if TYPE_CHECKING:
    from runyard.public_api.api import Api

__all__ = ["Run"]

_Path = tuple[str, ...]
_META = ("display_name", "tags", "notes", "group", "job_type")
#: ``history(stream=…)``: wandb reads every stream but "default" from its ``events``
#: (system metrics); Runyard names the two it has.
_SYSTEM_STREAMS = ("system", "events")


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Run:
    """A stored run. Attributes can be edited and saved with :meth:`update`.

    Example:
        >>> run = runyard.Api().run("me/project/abc123")  # doctest: +SKIP
        >>> run.summary["best"] = 0.9; run.tags.append("good"); run.update()  # doctest: +SKIP
    """

    def __init__(self, api: Api, record: RunRecord) -> None:
        self._api = api
        self._load(record)

    def _load(self, record: RunRecord) -> None:
        self._record = record
        self.display_name: str | None = record.display_name
        self.tags: list[str] = list(record.tags)
        self.notes: str | None = record.notes
        self.group: str | None = record.group
        self.job_type: str | None = record.job_type
        self.config: dict[str, Any] = copy.deepcopy(record.config)
        self.summary = RunSummary(
            record.summary, self._commit_summary, self._store_tensor, self._load_tensor
        )

    # -- identity -------------------------------------------------------------
    @property
    def ref(self) -> RunRef:
        return self._record.ref

    @property
    def id(self) -> str:
        return self._record.ref.run_id

    @property
    def entity(self) -> str:
        return self._record.ref.entity

    @property
    def project(self) -> str:
        return self._record.ref.project

    @property
    def path(self) -> list[str]:
        ref = self._record.ref
        return [ref.entity, ref.project, ref.run_id]

    @property
    def name(self) -> str:
        """The display name (the id when none was given)."""
        return self.display_name or self._record.ref.run_id

    @name.setter
    def name(self, value: str | None) -> None:
        self.display_name = value

    @property
    def url(self) -> None:
        return None

    @property
    def state(self) -> str:
        return self._record.state

    @property
    def created_at(self) -> str:
        """ISO-8601 UTC creation time, as wandb's ``createdAt``."""
        return _iso(self._record.created_at)

    @property
    def heartbeat_at(self) -> str:
        return _iso(self._record.heartbeat_at)

    @property
    def last_history_step(self) -> int:
        return self._record.last_step

    lastHistoryStep = last_history_step  # wandb's attribute name

    @property
    def record(self) -> RunRecord:
        """Everything the store holds about the run, as loaded."""
        return self._record

    @property
    def metadata(self) -> dict[str, Any]:
        """The run's environment as wandb records it (``wandb-metadata.json``: python,
        os, host, username, program, args, executable, startedAt, cpu_count, gpu, git
        {remote, commit, branch}, …). A run that recorded none (logged before
        Runyard recorded it, or created through this API) gives the facts the store
        has: host, runtime, sessions, exit code."""
        r = self._record
        if r.metadata is not None:
            return copy.deepcopy(r.metadata)
        return {
            "host": r.host,
            "runtime": r.runtime,
            "sessions": r.sessions,
            "exit_code": r.exit_code,
            "forked_from": r.forked_from,
            "color": r.color,
        }

    # -- edits ----------------------------------------------------------------
    def _blobs(self) -> Any:
        return self._api.blobs

    def _store_tensor(self, path: _Path, array: np.ndarray, type_name: str) -> dict[str, Any]:
        from runyard.blobs.tensors import store_tensor

        return store_tensor(self._blobs(), self.ref, path, array, type_name)

    def _load_tensor(self, stats: Any) -> np.ndarray:
        from runyard.blobs.tensors import load_tensor

        return load_tensor(self._blobs(), self.ref, stats)

    def _commit_summary(self, sets: list[tuple[_Path, Any]], deletes: list[_Path]) -> None:
        self._write(RunBatch(run=self.ref, summary_set=sets, summary_delete=deletes))

    def _write(self, batch: RunBatch) -> None:
        if self._api.store.get_run(self.ref) is None:
            raise RunNotFoundError(f"Could not find run {self.ref.path}")
        self._api.store.write_batch(batch)

    def update(self) -> None:
        """Save edited attributes (name, tags, notes, group, job_type), config and summary.

        Only what changed is written, key by key, so a live run's own writes and
        these edits merge instead of erasing each other (wandb#4377).
        """
        record = self._record
        batch = RunBatch(run=self.ref)
        for field in _META:
            value = getattr(self, field)
            if value != getattr(record, field):
                batch.meta[field] = list(value) if field == "tags" else value
        for key, value in self.config.items():
            if key not in record.config or record.config[key] != value:
                batch.config[key] = value
        batch.config_delete = [k for k in record.config if k not in self.config]
        sets = list(self.summary._sets.items())
        deletes = list(self.summary._deletes)
        batch.summary_set, batch.summary_delete = sets, deletes
        if not batch.is_empty():
            self._write(batch)
        self.load()

    save = update

    def load(self) -> None:
        """Reload the run from the store (discarding unsaved edits)."""
        record = self._api.store.get_run(self.ref)
        if record is None:
            raise RunNotFoundError(f"Could not find run {self.ref.path}")
        self._load(record)

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run, its history and its files."""
        self._write(RunBatch(run=self.ref, delete=True))
        self._blobs().delete_prefix(run_prefix(self.ref))

    # -- history --------------------------------------------------------------
    def scan_history(
        self,
        keys: Sequence[str] | None = None,
        page_size: int = 1000,
        min_step: int = 0,
        max_step: int | None = None,
        stream: str = "default",
    ) -> Iterator[dict[str, Any]]:
        """Every history row in step order, read page by page.

        With ``keys``, only rows having all of them; ``max_step`` is exclusive.
        Every row carries ``_step``. ``stream="system"`` (or ``"events"``) gives the
        system-metric samples instead (a Runyard extension: wandb's ``scan_history``
        has no stream), ``min_step``/``max_step`` counting samples.
        """
        _check_keys(keys)
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size!r}")
        if _stream(stream) != "default":
            rows = self._system_rows(keys)
            return iter(rows[max(min_step, 0) : max_step])
        return self._api.store.scan_history(
            self.ref, keys=keys, min_step=min_step, max_step=max_step, page_size=page_size
        )

    def history(
        self,
        samples: int = 500,
        keys: Sequence[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
        stream: str = "default",
    ) -> Any:
        """About ``samples`` rows, chosen so that every key's extremes survive.

        Returns a pandas ``DataFrame`` when pandas is installed and ``pandas`` is
        true, else a list of dicts. With ``keys``, rows have every key (and
        ``x_axis``).

        ``stream="system"`` (wandb's ``"events"`` too) reads the system metrics
        instead: rows of ``system.*`` keys with ``_timestamp``, ``_runtime`` and
        ``_wandb``, about ``samples`` of them evenly spaced (the last one kept); with
        ``keys``, only samples having every key, and only those keys.
        """
        from runyard.public_api.history import sampled_history

        _check_keys(keys)
        if samples < 1:
            raise ValueError(f"samples must be at least 1, got {samples!r}")
        if _stream(stream) != "default":
            rows = _evenly(self._system_rows(keys), samples)
        else:
            rows = sampled_history(self._api.store, self.ref, samples, keys, x_axis)
        if pandas:
            try:
                import pandas as pd
            except ImportError:
                return rows
            return pd.DataFrame.from_records(rows)
        return rows

    def _system_rows(self, keys: Sequence[str] | None) -> list[dict[str, Any]]:
        samples = self._api.store.read_system(self.ref, keys)
        rows = list(samples.rows())
        if keys is not None:
            rows = [row for row in rows if all(k in row for k in keys)]
        return rows

    # -- console --------------------------------------------------------------
    def logs(self, search: str | None = None, regex: bool = False) -> Iterator[ConsoleLine]:
        """The run's console output, line by line as a terminal showed it (progress
        bars in their last state, ANSI colours kept), read a page at a time.

        Each line has ``line`` (its number), ``stream`` (``"stdout"``/``"stderr"``),
        ``ts`` (when it last changed) and ``text``. ``search`` keeps the lines that
        hold it, in any case; with ``regex=True`` it is a regular expression (also
        case-insensitive). A pattern that is not valid raises ``ValueError``.

        Example:
            >>> for line in run.logs(search="error"):  # doctest: +SKIP
            ...     print(line.line, line.text)
        """
        store = self._api.store
        if search:
            store.read_console(self.ref, search, regex, 0, 1)  # a bad pattern: at once
        return store.iter_console(self.ref, search, regex)

    # -- files ----------------------------------------------------------------
    def files(self, names: Sequence[str] | None = None) -> list[File]:
        """Files stored with the run (tensors, media, models, and ``output.log`` when
        the run printed anything)."""
        prefix = run_prefix(self.ref)
        blobs = self._blobs()
        found = [File(blobs, key, key[len(prefix) + 1 :], size) for key, size in blobs.list(prefix)]
        # A server lists output.log itself; the embedded store keeps the console as lines.
        wanted_log = names is None or CONSOLE_FILE in names
        if wanted_log and not any(f.name == CONSOLE_FILE for f in found):
            size = self._api.store.console_size(self.ref)
            if size:
                found.append(ConsoleFile(self._api.store, self.ref, size))
        if names is not None:
            wanted = set(names)
            found = [f for f in found if f.name in wanted]
        return found

    def file(self, name: str) -> File:
        """One file by its name relative to the run; ``ValueError`` when missing."""
        for found in self.files([name]):
            return found
        raise ValueError(f"run {self.ref.path} has no file {name!r}")

    def logged_artifacts(self, per_page: int = 100) -> list[Any]:
        """The artifact versions this run logged (``runyard.Artifact`` objects)."""
        from runyard.public_api.artifacts import artifact_from_record

        store = self._api.store
        return [artifact_from_record(self._api, r) for r in store.artifacts_logged_by(self.ref)]

    def used_artifacts(self, per_page: int = 100) -> list[Any]:
        """The artifact versions this run used (those the caller may read)."""
        from runyard.public_api.artifacts import artifact_from_record

        store = self._api.store
        return [artifact_from_record(self._api, r) for r in store.artifacts_used_by(self.ref)]

    def __repr__(self) -> str:
        return f"<Run {'/'.join(self.path)} ({self.state})>"


def _stream(stream: str) -> str:
    if stream == "default":
        return stream
    if stream in _SYSTEM_STREAMS:
        return "system"
    raise ValueError(f"stream must be 'default', 'system' or 'events', got {stream!r}")


def _evenly(rows: list[dict[str, Any]], samples: int) -> list[dict[str, Any]]:
    """About ``samples`` of ``rows``, evenly spaced, the first and last kept."""
    n = len(rows)
    if n <= samples:
        return rows
    if samples == 1:
        return rows[-1:]
    picks = sorted({round(i * (n - 1) / (samples - 1)) for i in range(samples)})
    return [rows[i] for i in picks]


def _check_keys(keys: Any) -> None:
    if keys is None:
        return
    if not isinstance(keys, (list, tuple)):
        raise ValueError("keys must be specified in a list")
    if not all(isinstance(k, str) for k in keys):
        raise ValueError("keys argument must be a list of strings")


def flatten_for_frame(record: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"<prefix>.a.b": 1}`` for one-row-per-run tables."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict) and "_type" not in value and value:
            out.update(flatten_for_frame(value, name))
        else:
            out[name] = value
    return out
