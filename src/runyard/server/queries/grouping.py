"""Grouped lines: a project's runs split by config keys, group, job type or tag, and each
group's metric lines aggregated at full fidelity (see :mod:`runyard.metrics.grouping`).

Every run's series is read whole through the store's bulk read (``read_series_many``, not
the rollups): the aggregate must be taken over the raw points of every run before anything
is reduced.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from runyard.entities import RunRecord, RunRef
from runyard.metrics.flatten import get_path, parse_name
from runyard.metrics.grouping import aggregate, align, reduce_band
from runyard.store.base import Series, TrackingStore
from runyard.store.sql.float_series import Into, read_float_series_many
from runyard.store.sql.store import SqlStore

__all__ = ["GROUP_FIELDS", "Group", "GroupsCache", "group_runs", "grouped_series", "parse_by"]

#: Run fields a group can be keyed on besides ``config.<key>``.
GROUP_FIELDS = ("group", "job_type", "tags")


def parse_by(by: str) -> list[str]:
    """The comma-separated grouping fields, checked (ValueError naming a bad one)."""
    fields = list(dict.fromkeys(f.strip() for f in by.split(",") if f.strip()))
    if not fields:
        raise ValueError("by must name at least one field (config.<key>, group, job_type, tags)")
    out = []
    for name in fields:
        name = {"tag": "tags"}.get(name, name)
        if name in GROUP_FIELDS or (name.startswith("config.") and len(name) > len("config.")):
            out.append(name)
        else:
            raise ValueError(
                f"cannot group by {name!r}: use config.<key> (dotted for nested keys), "
                "group, job_type or tags"
            )
    return out


@dataclass
class Group:
    """One group: its key values (by field) and its runs, in the order the runs came."""

    values: dict[str, Any]
    runs: list[RunRecord] = field(default_factory=list)


def _value(record: RunRecord, name: str) -> Any:
    if name.startswith("config."):
        return get_path(record.config, parse_name(name[len("config.") :]))
    return getattr(record, name)


def _sort_key(group: Group) -> tuple[tuple[int, float, str], ...]:
    # Numbers in numeric order (lr 9 before 10), then text, then anything else by its
    # JSON; a missing value last.
    def one(v: Any) -> tuple[int, float, str]:
        if v is None:
            return (3, 0.0, "")
        if isinstance(v, int | float) and not isinstance(v, bool):
            return (0, float(v), "")
        if isinstance(v, str):
            return (1, 0.0, v)
        return (2, 0.0, json.dumps(v, sort_keys=True, default=str))

    return tuple(one(v) for v in group.values.values())


def _identity(value: Any) -> Hashable:
    """What tells two group values apart: their JSON (1, 1.0 and true are three groups,
    every NaN is one), without writing JSON for the plain values most keys have."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return (kind.__name__, value)
    if kind is float:
        return ("float", repr(value))
    return ("json", json.dumps(value, sort_keys=True, default=str))


def group_runs(records: Sequence[RunRecord], by: Sequence[str]) -> list[Group]:
    """Runs split by the values of ``by``. A run with several tags is in each tag's
    group (as in wandb); a run without the key is in the group whose value is None."""
    groups: dict[tuple[Hashable, ...], Group] = {}
    for record in records:
        combos: list[dict[str, Any]] = [{}]
        for name in by:
            value = _value(record, name)
            choices = (list(value) or [None]) if name == "tags" else [value]
            combos = [{**c, name: choice} for c in combos for choice in choices]
        for combo in combos:
            key = tuple(_identity(combo[name]) for name in by)
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(combo)
            group.runs.append(record)
    return sorted(groups.values(), key=_sort_key)


#: Series are read by two threads at once, in bulk reads (``read_series_many``) of a few
#: runs each: the query, zlib and the byte unshuffle release the GIL, so two cores read a
#: panel of 1,000 runs x 10,000 steps about twice as fast as one query does. Two, not
#: more: on a machine of two cores, four readers (and the thread aggregating) took ~30%
#: more CPU for the same panel (~260 vs ~200 ms: the GIL handed between more threads,
#: each reader's SQLite connection and caches) and were no faster in wall time.
_READERS = 2
#: Series per bulk read at most. Measured on SQLite (10,000-step series): past ~16 series
#: a query costs 3-4x more per byte, its ORDER BY sorting the blobs in a temporary b-tree;
#: under it the query is as cheap per series as one read per series, and fewer.
_SLICE_SERIES = 16
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _readers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_READERS, thread_name_prefix="runyard-groups")
        return _pool


#: A run's series by key.
RunSeries = dict[str, Series]


class _Rows:
    """One group's matrix of one key's values (runs x points), filled in place by the
    reads: each run read for this group gets its row when its series has as many points
    as the first one read (a sweep's runs all do), so the aggregate takes the matrix as
    it is, without stacking the runs' arrays into it."""

    def __init__(self, runs: int) -> None:
        self._runs = runs
        self._lock = threading.Lock()
        self._handed = 0
        self.matrix: np.ndarray | None = None

    def row(self, index: int, points: int) -> np.ndarray | None:
        with self._lock:
            if self.matrix is None and points:
                self.matrix = np.empty((self._runs, points))
            if self.matrix is None or self.matrix.shape[1] != points:
                return None
            self._handed += 1
            row: np.ndarray = self.matrix[index]
            return row

    def full(self) -> np.ndarray | None:
        """The matrix once every run has its row in it (else None)."""
        return self.matrix if self._handed == self._runs else None


#: Where the reads for a group put its runs' values: the run's row and each key's rows.
Targets = tuple[dict[RunRef, int], dict[str, _Rows]]


def _into(place: dict[str, int], rows: dict[str, _Rows]) -> Into:
    """Where a run's series goes: its row of its group's matrix of the key, if any."""

    def into(run_id: str, key: str, points: int) -> np.ndarray | None:
        sink, at = rows.get(key), place.get(run_id)
        return sink.row(at, points) if sink is not None and at is not None else None

    return into


def _read(
    store: TrackingStore,
    refs: Sequence[RunRef],
    names: Sequence[str],
    targets: Targets | None = None,
) -> dict[RunRef, RunSeries]:
    """Every series ``names`` of ``refs`` at full fidelity, one bulk read per project. On
    the SQL store the values are decoded straight into float64 (what the aggregates
    take), into the rows of ``targets`` where given, and runs logged at the same steps
    share one steps array (see :mod:`runyard.store.sql.float_series`)."""
    projects: dict[tuple[str, str], list[RunRef]] = {}
    for ref in refs:
        projects.setdefault((ref.entity, ref.project), []).append(ref)
    out: dict[RunRef, RunSeries] = {}
    for (entity, project), members in projects.items():
        ids = [r.run_id for r in members]
        if isinstance(store, SqlStore):
            into = None
            if targets is not None:
                places, rows = targets
                into = _into({r.run_id: places[r] for r in members if r in places}, rows)
            found = read_float_series_many(store, entity, project, ids, names, into)
        else:
            found = store.read_series_many(entity, project, ids, names)
        for ref in members:
            out[ref] = {name: found[(ref.run_id, name)] for name in names}
    return out


def _on_x(series: RunSeries, key: str, x: str) -> tuple[np.ndarray, np.ndarray]:
    """One run's ``(x, y)`` for ``key``, sorted by x: on ``_step`` the series itself; on
    any other axis the x series' values at the steps both have (``_wall``: seconds since
    the run's first ``_timestamp``)."""
    ys = series[key]
    if x == "_step":
        return ys.steps, ys.values
    xs = series[_x_key(x)]
    if not len(xs) or not len(ys):
        return np.zeros(0), np.zeros(0)
    idx = np.minimum(np.searchsorted(xs.steps, ys.steps), len(xs.steps) - 1)
    mask = xs.steps[idx] == ys.steps
    xv = xs.values[idx[mask]].astype(np.float64)
    if x == "_wall":
        xv = xv - float(xs.values[0])
    yv = ys.values[mask].astype(np.float64)
    order = np.argsort(xv, kind="stable")
    return xv[order], yv[order]


def _x_key(x: str) -> str:
    return "_timestamp" if x == "_wall" else x


class _Reads:
    """The series of every group's runs, read ahead of the aggregation: each run once (a
    run with several tags is in several groups), a few runs per bulk read, the next
    group's reads going on while the current group is aggregated. A
    run's series are dropped after the last group that has it, so about two groups'
    series are held at a time, not the whole panel's."""

    def __init__(
        self,
        store: TrackingStore,
        groups: Sequence[Group],
        names: Sequence[str],
        fill: Sequence[str] = (),
    ):
        self._store = store
        self._names = list(names)
        self._last: dict[RunRef, int] = {}
        for index, group in enumerate(groups):
            for record in group.runs:
                self._last[record.ref] = index
        self._batches: list[list[list[RunRef]]] = []  # per group: slices of its new runs
        # per group: its new runs' rows and a matrix a key of ``fill`` (see _Rows)
        self._targets: dict[int, Targets] = {}
        seen: set[RunRef] = set()
        size = max(1, _SLICE_SERIES // len(self._names))
        for index, group in enumerate(groups):
            new = [r.ref for r in group.runs if r.ref not in seen]
            seen.update(new)
            self._batches.append([new[i : i + size] for i in range(0, len(new), size)])
            if fill:
                places = {r.ref: row for row, r in enumerate(group.runs)}
                self._targets[index] = (
                    {ref: places[ref] for ref in new},
                    {key: _Rows(len(group.runs)) for key in fill},
                )
        self._parallel = len(seen) > size
        self._pending: dict[int, list[Future[dict[RunRef, RunSeries]]]] = {}
        self._held: dict[RunRef, RunSeries] = {}

    def _submit(self, index: int) -> None:
        if index >= len(self._batches) or index in self._pending or not self._parallel:
            return
        self._pending[index] = [
            _readers().submit(_read, self._store, refs, self._names, self._targets.get(index))
            for refs in self._batches[index]
        ]

    def group(self, index: int) -> dict[RunRef, RunSeries]:
        """The series of group ``index``'s runs (call in group order)."""
        self._submit(index)
        self._submit(index + 1)  # reads while this group is aggregated
        if self._parallel:
            for future in self._pending.pop(index):
                self._held.update(future.result())
        else:
            for refs in self._batches[index]:
                self._held.update(_read(self._store, refs, self._names, self._targets.get(index)))
        return self._held

    def matrix(self, index: int, key: str) -> np.ndarray | None:
        """Group ``index``'s matrix of ``key`` when the reads filled every row of it."""
        targets = self._targets.get(index)
        rows = targets[1].get(key) if targets is not None else None
        return rows.full() if rows is not None else None

    def done(self, index: int) -> None:
        """Group ``index`` is aggregated: forget the runs no later group has."""
        for ref in [r for r in self._held if self._last[r] <= index]:
            del self._held[ref]
        self._targets.pop(index, None)

    def cancel(self) -> None:
        for futures in self._pending.values():
            for future in futures:
                future.cancel()


def _finite(values: np.ndarray) -> np.ndarray:
    """NaN stays (orjson writes null); ±inf is clamped to 10x the largest finite value."""
    out = np.array(values, dtype=np.float64)
    infinite = np.isinf(out)
    if infinite.any():
        finite = out[np.isfinite(out)]
        big = float(np.abs(finite).max()) * 10 if finite.size else 1.0
        out[infinite] = np.copysign(big or 1.0, out[infinite])
    return out


def grouped_series(
    store: TrackingStore,
    groups: Sequence[Group],
    keys: Sequence[str],
    *,
    x: str = "_step",
    agg: str = "mean",
    band: str = "std",
    points: int = 1000,
) -> list[dict[str, Any]]:
    """The ``/groups`` payload: per group its values, run ids, count and per key the
    aggregate line ``x, y`` with ``ymin, ymax`` (the line's extremes per drawn bucket),
    the band ``lo, hi``, and ``raw_points`` (aligned x values before reduction)."""
    names = list(dict.fromkeys([*keys, *([_x_key(x)] if x != "_step" else [])]))
    # on _step a group's lines are its runs' values as they are: read into its matrix
    reads = _Reads(store, groups, names, fill=keys if x == "_step" else ())
    try:
        return [
            _group_payload(g, reads, i, keys, x, agg, band, points) for i, g in enumerate(groups)
        ]
    finally:
        reads.cancel()


def _group_payload(
    group: Group,
    reads: _Reads,
    index: int,
    keys: Sequence[str],
    x: str,
    agg: str,
    band: str,
    points: int,
) -> dict[str, Any]:
    held = reads.group(index)
    runs = [held[r.ref] for r in group.runs]
    lines: list[dict[str, Any]] = []
    for key in keys:
        filled = reads.matrix(index, key) if x == "_step" else None
        steps = runs[0][key].steps if filled is not None else None
        if (
            filled is not None
            and steps is not None
            and len(steps) == filled.shape[1]
            and all(series[key].steps is steps for series in runs)
            and (len(steps) < 2 or bool(np.all(steps[1:] > steps[:-1])))
        ):
            # every run at the same steps, its values read into its row: what align()
            # would stack, without stacking
            grid, matrix = steps.astype(np.float64), filled
        else:
            grid, matrix = align([_on_x(series, key, x) for series in runs], exact=x == "_step")
        y, lo, hi, n = aggregate(matrix, agg, band)
        keep = n > 0
        grid, y, lo, hi = grid[keep], y[keep], lo[keep], hi[keep]
        bx, by_, bmin, bmax, blo, bhi, reduced = reduce_band(grid, y, lo, hi, points)
        lines.append(
            {
                "key": key,
                "x": _finite(bx),
                "y": _finite(by_),
                "ymin": _finite(bmin),
                "ymax": _finite(bmax),
                "lo": _finite(blo),
                "hi": _finite(bhi),
                "raw_points": int(grid.size),
                "returned": int(bx.size),
                "reduced": reduced,
            }
        )
    reads.done(index)
    return {
        "values": group.values,
        "runs": [r.ref.run_id for r in group.runs],
        "count": len(group.runs),
        "series": lines,
    }


class GroupsCache:
    """A small LRU of ``/groups`` answers. The key must change whenever a run is added,
    removed or updated (the route keys on the runs' fingerprint), so an answer is reused
    only while every series it aggregates is unchanged: reopening a workspace does not
    read and aggregate every run's full series again. A request for an answer being
    computed waits for it instead of computing it again (two panels, or a page and its
    reload, asking at once: on two cores a second computation would halve the speed of
    the first). ``computed`` counts the misses, ``joined`` the requests that waited."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, list[dict[str, Any]]] = OrderedDict()
        self._pending: dict[Hashable, Future[list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self.computed = 0
        self.joined = 0

    def get(
        self, key: Hashable, compute: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = Future()
                owner = True
            else:
                self.joined += 1
                owner = False
        if not owner:
            return pending.result()  # raises what the computation raised
        try:
            answer = compute()  # outside the lock: other requests go on
        except BaseException as exc:
            with self._lock:
                del self._pending[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            self.computed += 1
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
            del self._pending[key]
        pending.set_result(answer)
        return answer
