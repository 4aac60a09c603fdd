"""Grouped lines: a project's runs split by config keys, group, job type or tag, and each
group's metric lines aggregated at full fidelity (see :mod:`runyard.metrics.grouping`).

Every run's series is read whole through the store (``read_series``, not the rollups):
the aggregate must be taken over the raw points of every run before anything is reduced.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from runyard.entities import RunRecord
from runyard.metrics.flatten import get_path, parse_name
from runyard.metrics.grouping import aggregate, align, reduce_band
from runyard.store.base import TrackingStore

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


def group_runs(records: Sequence[RunRecord], by: Sequence[str]) -> list[Group]:
    """Runs split by the values of ``by``. A run with several tags is in each tag's
    group (as in wandb); a run without the key is in the group whose value is None."""
    groups: dict[str, Group] = {}
    for record in records:
        combos: list[dict[str, Any]] = [{}]
        for name in by:
            value = _value(record, name)
            choices = (list(value) or [None]) if name == "tags" else [value]
            combos = [{**c, name: choice} for c in combos for choice in choices]
        for combo in combos:
            key = json.dumps(combo, sort_keys=True, default=str)
            groups.setdefault(key, Group(combo)).runs.append(record)
    return sorted(groups.values(), key=_sort_key)


def _line(
    store: TrackingStore, record: RunRecord, key: str, x: str
) -> tuple[np.ndarray, np.ndarray]:
    """One run's ``(x, y)`` for ``key`` at full fidelity, sorted by x."""
    series = store.read_series(record.ref, key)
    if x == "_step":
        return series.steps, series.values
    xs = store.read_series(record.ref, "_timestamp" if x == "_wall" else x)
    if not len(xs) or not len(series):
        return np.zeros(0), np.zeros(0)
    idx = np.minimum(np.searchsorted(xs.steps, series.steps), len(xs.steps) - 1)
    mask = xs.steps[idx] == series.steps
    xv = xs.values[idx[mask]].astype(np.float64)
    if x == "_wall":
        xv = xv - float(xs.values[0])
    yv = series.values[mask].astype(np.float64)
    order = np.argsort(xv, kind="stable")
    return xv[order], yv[order]


#: Series are read (SQLite/PostgreSQL query, zlib and the byte unshuffle: all release the
#: GIL) by a few threads at once: a grouped panel over 1,000 runs reads 1,000 series.
_READERS = 4
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _readers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_READERS, thread_name_prefix="runyard-groups")
        return _pool


def _lines(
    store: TrackingStore, records: Sequence[RunRecord], key: str, x: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every run's line of ``key`` on ``x`` (see :func:`_line`), read in parallel."""
    if len(records) < 8:
        return [_line(store, r, key, x) for r in records]
    return list(_readers().map(lambda r: _line(store, r, key, x), records))


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
    out = []
    for group in groups:
        lines: list[dict[str, Any]] = []
        for key in keys:
            grid, matrix = align(_lines(store, group.runs, key, x), exact=x == "_step")
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
        out.append(
            {
                "values": group.values,
                "runs": [r.ref.run_id for r in group.runs],
                "count": len(group.runs),
                "series": lines,
            }
        )
    return out


class GroupsCache:
    """A small LRU of ``/groups`` answers. The key must change whenever a run is added,
    removed or updated (the route keys on the runs' fingerprint), so an answer is reused
    only while every series it aggregates is unchanged: reopening a workspace does not
    read and aggregate every run's full series again. ``computed`` counts the misses."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0

    def get(
        self, key: Hashable, compute: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()  # outside the lock: other requests go on
        with self._lock:
            self.computed += 1
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer
