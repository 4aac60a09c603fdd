"""A group's line from its runs' lines: align on x, aggregate per x, reduce for drawing.

Runs of a group rarely share every x: on ``_step`` the lines are aligned exactly on the
union of their steps (a run without a value at a step does not count there); on any other
x-axis (``_runtime``, a metric) each run is interpolated linearly onto the union of x
values, within its own x range only. The aggregate (mean, median, min, max) and the band
(min–max, standard deviation or standard error around the aggregate) are taken per x over
the runs that have a value there, at full fidelity, and only then reduced for drawing:
min/max per bucket, the band keeping its widest extent per bucket, so no spike is lost.

Example:
    >>> import numpy as np
    >>> grid, m = align([(np.array([0, 1]), np.array([1.0, 3.0])),
    ...                  (np.array([1, 2]), np.array([5.0, 7.0]))], exact=True)
    >>> grid.tolist(), aggregate(m, "mean", "minmax")[0].tolist()
    ([0.0, 1.0, 2.0], [1.0, 4.0, 7.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from runyard.metrics.sampling import minmax_series

__all__ = ["AGGREGATES", "BANDS", "aggregate", "align", "reduce_band"]

FloatArray = npt.NDArray[np.float64]
Line = tuple[npt.NDArray[np.generic], npt.NDArray[np.generic]]

AGGREGATES = ("mean", "median", "min", "max")
BANDS = ("minmax", "std", "stderr", "none")


def align(lines: Sequence[Line], *, exact: bool) -> tuple[FloatArray, FloatArray]:
    """The union of the lines' x and a ``(runs, len(grid))`` matrix, NaN where a run has
    no value. ``exact``: match x exactly (steps); else interpolate within each run's range.
    Each line's x must be non-decreasing (a repeated x keeps its last value)."""
    cleaned: list[tuple[FloatArray, FloatArray]] = []
    # Runs logged at the same steps often share one x array: converted once, and told
    # equal by identity below rather than compared point by point.
    converted: dict[int, FloatArray] = {}
    for x, y in lines:
        xs = converted.get(id(x))
        if xs is None:
            xs = converted[id(x)] = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        if xs.shape != ys.shape:
            raise ValueError(f"x and y differ in length: {xs.size} != {ys.size}")
        if not exact:  # NaN cannot be interpolated through: a missing value there
            keep = ~np.isnan(ys) & ~np.isnan(xs)
            xs, ys = xs[keep], ys[keep]
        cleaned.append((xs, ys))
    parts = [xs for xs, _ in cleaned if xs.size]
    first = parts[0] if parts else np.zeros(0)
    if (
        len(parts) == len(cleaned)
        and all(xs.size == first.size for xs in parts)
        and all(xs is first or np.array_equal(xs, first) for xs in parts)
        and (first.size < 2 or bool(np.all(first[1:] > first[:-1])))
    ):
        # The common case (runs of a sweep logged at the same steps): no union to sort.
        return first.copy(), np.vstack([ys for _, ys in cleaned])
    grid = np.unique(np.concatenate(parts)) if parts else np.zeros(0)
    matrix = np.full((len(cleaned), grid.size), np.nan)
    for row, (xs, ys) in enumerate(cleaned):
        if not xs.size:
            continue
        if exact:
            # The last of repeated x wins, as a chart draws the last logged value.
            last = np.concatenate((xs[1:] != xs[:-1], [True]))
            matrix[row, np.searchsorted(grid, xs[last])] = ys[last]
        else:
            inside = (grid >= xs[0]) & (grid <= xs[-1])
            matrix[row, inside] = np.interp(grid[inside], xs, ys)
    return grid, matrix


def aggregate(
    matrix: FloatArray, agg: str, band: str
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per column of ``matrix`` (runs x points): ``(y, lo, hi, n)`` over the non-NaN runs.

    ``std`` is the population standard deviation; ``stderr`` is it over ``sqrt(n)``; both
    bands are centred on the aggregate. Columns with no value give NaN (callers drop them).
    """
    if agg not in AGGREGATES:
        raise ValueError(f"unknown aggregate {agg!r}; expected one of {', '.join(AGGREGATES)}")
    if band not in BANDS:
        raise ValueError(f"unknown band {band!r}; expected one of {', '.join(BANDS)}")
    if matrix.size:
        # The column means: what the mean and the std band need first, and a NaN check
        # for free (a column's mean is NaN only where it holds a NaN, or +inf and -inf).
        with np.errstate(invalid="ignore"):
            mean = matrix.mean(axis=0)
        if not np.isnan(mean).any() or not np.isnan(matrix).any():
            return _aggregate_full(matrix, agg, band, mean)
    present = ~np.isnan(matrix)
    n = present.sum(axis=0).astype(np.float64)
    has = n > 0
    y = np.full(matrix.shape[1], np.nan)
    lo = np.full(matrix.shape[1], np.nan)
    hi = np.full(matrix.shape[1], np.nan)
    m = matrix[:, has]
    if not m.size:
        return y, lo, hi, n
    with np.errstate(invalid="ignore"):  # inf - inf in a run that spiked both ways
        if agg == "mean":
            y[has] = np.nanmean(m, axis=0)
        elif agg == "median":
            y[has] = np.nanmedian(m, axis=0)
        elif agg == "min":
            y[has] = np.nanmin(m, axis=0)
        else:
            y[has] = np.nanmax(m, axis=0)
        if band == "minmax":
            lo[has], hi[has] = np.nanmin(m, axis=0), np.nanmax(m, axis=0)
        elif band in ("std", "stderr"):
            spread = np.nanstd(m, axis=0)
            if band == "stderr":
                spread = spread / np.sqrt(n[has])
            lo[has], hi[has] = y[has] - spread, y[has] + spread
        else:
            lo[has], hi[has] = y[has], y[has]
    return y, lo, hi, n


#: numpy 2.0 takes the mean in ``std(..., mean=)``: the same arithmetic without
#: summing every column again.
_STD_TAKES_MEAN = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _std(matrix: FloatArray, mean: FloatArray) -> FloatArray:
    """``matrix.std(axis=0)`` given ``matrix.mean(axis=0)``, bit for bit."""
    if _STD_TAKES_MEAN:
        spread: FloatArray = matrix.std(axis=0, mean=mean[np.newaxis, :])
        return spread
    plain: FloatArray = matrix.std(axis=0)
    return plain


def _aggregate_full(
    matrix: FloatArray, agg: str, band: str, mean: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`aggregate` of a matrix without NaN (every run has every point, the common
    case of a sweep) given its column means: the plain reductions, several times faster
    than the nan* ones."""
    runs = matrix.shape[0]
    n = np.full(matrix.shape[1], float(runs))
    with np.errstate(invalid="ignore"):
        if agg == "mean":
            y = mean
        elif agg == "median":
            y = np.median(matrix, axis=0)
        elif agg == "min":
            y = matrix.min(axis=0)
        else:
            y = matrix.max(axis=0)
        if band == "minmax":
            lo = y if agg == "min" else matrix.min(axis=0)
            hi = y if agg == "max" else matrix.max(axis=0)
        elif band in ("std", "stderr"):
            spread = _std(matrix, mean)
            if band == "stderr":
                spread = spread / np.sqrt(runs)
            lo, hi = y - spread, y + spread
        else:
            lo, hi = y, y
    return y, lo, hi, n


def reduce_band(
    x: FloatArray, y: FloatArray, lo: FloatArray, hi: FloatArray, points: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, bool]:
    """``(x, y, ymin, ymax, lo, hi, reduced)`` with at most ``points`` rows when reduced:
    per bucket the last ``(x, y)``, the extremes of ``y`` and the band's widest extent."""
    if x.size <= points:
        return x, y, y, y, lo, hi, False
    bx, by, bmin, bmax, count = minmax_series(x, y, points)
    starts = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    blo = np.fmin.reduceat(lo, starts)
    bhi = np.fmax.reduceat(hi, starts)
    f = np.float64
    return bx.astype(f), by.astype(f), bmin.astype(f), bmax.astype(f), blo, bhi, True
