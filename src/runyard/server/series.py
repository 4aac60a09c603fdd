"""Chart series: one key of one run against an x-axis, reduced to about N points.

Zoomed out on ``_step``, the store's rollups (min/max/last per 64 points) are read
instead of raw points, so 100 runs x 100,000 steps cost a few thousand numbers per
run. Zoomed in, or on another x-axis, raw points in the range are read and reduced
with min/max per bucket. Either way every spike survives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from runyard.entities import RunRef
from runyard.metrics.sampling import merge_rollup, minmax_series
from runyard.store.base import ROLLUP_POINTS, Series, TrackingStore

__all__ = ["X_AXES", "XAxis", "series_json"]

#: Built-in x-axes (any logged metric key works too).
X_AXES = ("_step", "_runtime", "_wall", "_timestamp")


def _finite(values: np.ndarray) -> np.ndarray:
    """JSON has no NaN/inf: NaN becomes null (a gap, written by orjson) and
    infinities are clamped to ten times the largest finite value, so a spike to
    infinity still shows as a spike."""
    out = np.array(values, dtype=np.float64)
    infinite = np.isinf(out)
    if infinite.any():
        finite = out[np.isfinite(out)]
        big = float(np.abs(finite).max()) * 10 if len(finite) else 1.0
        out[infinite] = np.copysign(big or 1.0, out[infinite])
    return out


class XAxis:
    """A run's x-axis series, read once however many keys are drawn against it."""

    def __init__(self, store: TrackingStore, ref: RunRef, x: str) -> None:
        self._store = store
        self._ref = ref
        self.x = x
        self._series: Series | None = None

    def series(self) -> Series:
        if self._series is None:
            source = "_timestamp" if self.x == "_wall" else self.x
            self._series = self._store.read_series(self._ref, source)
        return self._series


def _x_values(axis: XAxis, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x for the given steps, and a mask of the steps that have one."""
    x = axis.x
    if x == "_step":
        return steps.astype(np.float64), np.ones(len(steps), bool)
    xs = axis.series()
    if not len(xs):
        return np.zeros(0), np.zeros(len(steps), bool)
    idx = np.searchsorted(xs.steps, steps)
    idx_clipped = np.minimum(idx, len(xs.steps) - 1)
    mask = xs.steps[idx_clipped] == steps
    values = xs.values[idx_clipped[mask]].astype(np.float64)
    if x == "_wall":
        values = values - float(xs.values[0])
    return values, mask


def series_json(
    store: TrackingStore,
    ref: RunRef,
    key: str,
    x: str,
    xmin: float | None,
    xmax: float | None,
    points: int,
    axis: XAxis | None = None,
) -> dict[str, Any]:
    """One series as the ``/series`` endpoint returns it (``axis``: the run's x-axis,
    shared by the keys of one request)."""
    x_range = None if xmin is None and xmax is None else (xmin, xmax)
    lo: int | None = None
    hi: int | None = None
    if x == "_step":
        lo = None if xmin is None else int(np.floor(xmin))
        hi = None if xmax is None else int(np.floor(xmax)) + 1
        rollup = store.read_rollup(ref, key, lo, hi)
        inside = np.ones(len(rollup), bool)
        if lo is not None:
            inside &= rollup.steps >= lo
        if hi is not None:
            inside &= rollup.steps < hi
        # Points in the range, to within one rollup bucket at each edge.
        raw_points = int(rollup.count[inside].sum())
        # Rollups only when they still give at least the points asked for.
        if raw_points >= points * ROLLUP_POINTS:
            xs = rollup.steps.astype(np.float64)
            rng = (
                float(xmin if xmin is not None else xs[0]),
                float(xmax if xmax is not None else xs[-1]),
            )
            bx, by, blo, bhi, _ = merge_rollup(
                xs, rollup.last, rollup.vmin, rollup.vmax, rollup.count, points, rng
            )
            return _payload(ref, key, bx, by, blo, bhi, raw_points, reduced=True)
    series = store.read_series(ref, key, lo, hi)
    xs, mask = _x_values(axis or XAxis(store, ref, x), series.steps)
    ys = series.values[mask].astype(np.float64)
    if len(xs) > 1 and bool(np.any(np.diff(xs) < 0)):  # a non-monotone metric as x
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
    if x_range is not None:
        lo_x = -np.inf if xmin is None else xmin
        hi_x = np.inf if xmax is None else xmax
        inside = (xs >= lo_x) & (xs <= hi_x)
        xs, ys = xs[inside], ys[inside]
    raw_points = len(xs)
    if raw_points > points:
        bx, by, blo, bhi, _ = minmax_series(xs, ys, points)
        return _payload(ref, key, bx, by, blo, bhi, raw_points, reduced=True)
    return _payload(ref, key, xs, ys, ys, ys, raw_points, reduced=False)


def _payload(
    ref: RunRef,
    key: str,
    x: np.ndarray,
    y: np.ndarray,
    ymin: np.ndarray,
    ymax: np.ndarray,
    raw_points: int,
    reduced: bool,
) -> dict[str, Any]:
    return {
        "run": ref.run_id,
        "key": key,
        "x": _finite(x),
        "y": _finite(y),
        "ymin": _finite(ymin),
        "ymax": _finite(ymax),
        "raw_points": raw_points,
        "returned": len(x),
        "reduced": reduced,
    }
