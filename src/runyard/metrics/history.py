"""Assembling journal log records into committed history rows.

The SDK's main thread has already applied wandb's step/commit rules: every record carries
the step it belongs to and whether it commits, and steps never go backwards. This module
merges the records of one step into a row, adds ``_step``/``_timestamp``/``_runtime``, and
applies ``define_metric(step_sync=True)``.

Example:
    >>> from runyard.metrics.definitions import MetricDefinitions
    >>> rows = RowAssembler(MetricDefinitions())
    >>> rows.add(0, False, 100.0, 1.0, {"x": 1})
    []
    >>> rows.add(0, True, 101.0, 2.0, {"y": 2})
    [{('x',): 1, ('y',): 2, ('_step',): 0, ('_runtime',): 2.0, ('_timestamp',): 101.0}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runyard.metrics.definitions import MetricDefinitions
from runyard.metrics.flatten import Path, flatten, parse_name

__all__ = ["RowAssembler"]

_STEP: Path = ("_step",)
_RUNTIME: Path = ("_runtime",)
_TIMESTAMP: Path = ("_timestamp",)
_RESERVED = frozenset({"_step", "_runtime"})


def _overlay(row: dict[Path, Any], items: Mapping[Path, Any]) -> None:
    """Write leaf ``items`` into ``row``, dropping leaves they replace as a branch or leaf.

    Setting ``("a", "b")`` removes a leaf ``("a",)``, and setting ``("a",)`` removes every
    ``("a", ...)``: the nested dict the row stands for is merged leaf by leaf.
    """
    nested = any(len(p) > 1 for p in row)
    for path, value in items.items():
        if path not in row and (nested or len(path) > 1):
            _drop_conflicts(row, path)
            nested = nested or len(path) > 1
        row[path] = value


def _drop_conflicts(row: dict[Path, Any], path: Path) -> None:
    # Rare (a key logged both as a scalar and as a dict), so a scan is fine.
    for i in range(1, len(path)):
        row.pop(path[:i], None)
    n = len(path)
    for p in [p for p in row if len(p) > n and p[:n] == path]:
        del row[p]


class RowAssembler:
    """Turns the SDK's log records into committed history rows.

    Each emitted row is a flat ``{leaf path: value}`` dict that always holds ``("_step",)``
    (int), ``("_runtime",)`` (float, from the latest record of the row) and
    ``("_timestamp",)`` (the latest record's time, unless the user logged one). A user
    ``_step`` is dropped and a user ``_runtime`` is overwritten.

    ``step_sync``: when an emitted row holds a metric whose definition has ``step_metric=S``
    and ``step_sync``, and the row lacks ``S``, the latest logged value of ``S`` is inserted
    (0 when ``S`` was not logged since the definition appeared, as wandb does).
    """

    def __init__(
        self,
        definitions: MetricDefinitions,
        step_metric_values: dict[Path, Any] | None = None,
    ) -> None:
        """Create an assembler.

        Args:
            definitions: The run's metric definitions (shared with the SDK, read live).
            step_metric_values: Latest values of step metrics saved by a previous process
                (``step_metric_values`` of the old assembler), for resume.
        """
        self._defs = definitions
        self._step_values: dict[Path, Any] = dict(step_metric_values or {})
        self._step_paths: tuple[Path, ...] = ()
        self._sync_targets: tuple[Path, ...] = ()
        # leaf path -> the step metric it syncs (None: none), valid for _defs_revision
        self._sync_of: dict[Path, Path | None] = {}
        self._defs_revision = -1
        self._open: dict[Path, Any] | None = None
        self._open_step = 0
        self._open_time = 0.0
        self._open_runtime = 0.0

    @property
    def step_metric_values(self) -> dict[Path, Any]:
        """Latest value of every step metric (a copy), to persist for resume."""
        return dict(self._step_values)

    @property
    def open_step(self) -> int | None:
        """The step of the row still being assembled, or None."""
        return None if self._open is None else self._open_step

    def add(
        self,
        step: int,
        commit: bool,
        timestamp: float,
        runtime: float,
        data: Mapping[str, Any],
    ) -> list[dict[Path, Any]]:
        """Fold one log record in.

        Args:
            step: The step the SDK assigned to this call.
            commit: Whether this call completes its row.
            timestamp: Unix time when ``log`` was called.
            runtime: Seconds of run time when ``log`` was called.
            data: The logged dict (nested dicts are merged leaf by leaf).

        Returns:
            The rows this record completed: the previous open row when ``step`` moved
            past it, then this row when ``commit`` is true (0, 1 or 2 rows).
        """
        out: list[dict[Path, Any]] = []
        if self._open is not None and step > self._open_step:
            out.append(self._emit())
        items = flatten(data)
        if "_step" in data or "_runtime" in data:
            # A user _step is dropped and a user _runtime overwritten: drop both up front.
            items = {p: v for p, v in items.items() if p[0] not in _RESERVED}
        if self._open is None:
            self._open = items  # flatten() returned a fresh dict
            self._open_step = step
        else:
            # Steps lower than the open row's never reach here (the SDK drops them); if
            # one did, it is merged rather than emitted out of order.
            _overlay(self._open, items)
        self._open_time = timestamp
        self._open_runtime = runtime
        if commit:
            out.append(self._emit())
        return out

    def flush(self) -> list[dict[Path, Any]]:
        """Emit the open row, if any (at finish)."""
        return [] if self._open is None else [self._emit()]

    def _emit(self) -> dict[Path, Any]:
        row = self._open
        assert row is not None
        self._open = None
        row[_STEP] = self._open_step
        row[_RUNTIME] = self._open_runtime
        if _TIMESTAMP not in row:
            row[_TIMESTAMP] = self._open_time
        if self._defs.revision != self._defs_revision:
            self._refresh_step_metrics()
        for s in self._step_paths:
            value = row.get(s)
            if value is not None:
                self._step_values[s] = value
        if self._sync_targets:
            self._sync_steps(row)
        return row

    def _refresh_step_metrics(self) -> None:
        self._defs_revision = self._defs.revision
        paths: dict[Path, None] = {}
        targets: dict[Path, None] = {}
        for d in self._defs.all():
            if d.step_metric is not None:
                path = parse_name(d.step_metric)
                paths[path] = None
                if d.step_sync:
                    targets[path] = None
        for p in paths:
            # wandb starts a step metric at 0 when a definition first refers to it.
            self._step_values.setdefault(p, 0)
        self._step_paths = tuple(paths)
        self._sync_targets = tuple(targets)
        self._sync_of.clear()

    def _sync_steps(self, row: dict[Path, Any]) -> None:
        for target in self._sync_targets:
            if target not in row:
                break
        else:
            return  # the usual case: the row already holds every synced step metric
        sync_of = self._sync_of
        missing: dict[Path, Any] = {}
        for path in row:
            try:
                synced = sync_of[path]
            except KeyError:
                d = self._defs.match(path)
                synced = None
                if d is not None and d.step_sync and d.step_metric is not None:
                    synced = parse_name(d.step_metric)
                sync_of[path] = synced
            if synced is not None and synced not in row:
                missing[synced] = self._step_values.get(synced, 0)
        if missing:
            _overlay(row, missing)
