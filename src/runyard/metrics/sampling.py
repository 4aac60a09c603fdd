"""Extreme-preserving downsampling of metric series: charts must never hide a spike.

The x range is split into equal-width buckets and each bucket keeps its first and last
point and the points holding its minimum and maximum y (NaN ignored, ±inf kept). Nothing
is sampled at random. Everything is vectorised: bucket boundaries come from one
``searchsorted`` over the sorted x, extremes from ``np.fmin.reduceat`` /
``np.fmax.reduceat``, so ten million points take a fraction of a second.

Example:
    >>> import numpy as np
    >>> y = np.zeros(1000)
    >>> y[637] = 50.0
    >>> keep = minmax_indices(np.arange(1000), y, buckets=10)
    >>> 637 in keep, len(keep) <= 40
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

__all__ = ["m4_series", "merge_rollup", "minmax_indices", "minmax_series", "sample_rows"]

Array = npt.NDArray[np.generic]
IntArray = npt.NDArray[np.int64]

# Integer x is searched with integer thresholds: searching int64 x for float64 values makes
# numpy cast (copy) the whole x array, which costs ~0.3 s at 10M points. Thresholds are
# clipped to ±2**62 so the float→int cast cannot overflow; steps are far below that.
_INT_LIMIT = float(2**62)


def _as_x(x: npt.ArrayLike, *, name: str = "x", integer: bool = False) -> Array:
    """``x`` as a 1-D int64 or float64 array, checked non-decreasing and free of NaN."""
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape!r}")
    if arr.size == 0:
        return arr.astype(np.int64 if integer or arr.dtype.kind in "iu" else np.float64)
    kind = arr.dtype.kind
    if kind in "iu":
        arr = arr.astype(np.int64, copy=False)
    elif kind == "f" and not integer:
        arr = arr.astype(np.float64, copy=False)
    else:
        want = "an integer" if integer else "a numeric"
        raise ValueError(f"{name} must be {want} array, got dtype {arr.dtype!s}")
    # `>=` is False next to a NaN, so this one pass also rejects NaN in x.
    if arr.size > 1 and not bool((arr[1:] >= arr[:-1]).all()):
        bad = int(np.flatnonzero(~(arr[1:] >= arr[:-1]))[0])
        raise ValueError(
            f"{name} must be non-decreasing and free of NaN, got {arr[bad].item()!r} "
            f"then {arr[bad + 1].item()!r} at positions {bad} and {bad + 1}"
        )
    return arr


def _as_y(y: npt.ArrayLike, n: int, *, name: str = "y") -> Array:
    """``y`` as a 1-D floating array of length ``n`` (float32 stays float32)."""
    arr = np.asarray(y)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) like x, got {arr.shape!r}")
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype!s}")


def _thresholds(x: Array, values: npt.NDArray[np.float64], side: str) -> Array:
    """``values`` converted so that searching ``x`` for them needs no cast of ``x``.

    For integer ``x``: ``x >= v`` iff ``x >= ceil(v)`` (side "left") and ``x > v`` iff
    ``x > floor(v)`` (side "right").
    """
    if x.dtype.kind == "f":
        return values
    rounded = np.ceil(values) if side == "left" else np.floor(values)
    return np.clip(rounded, -_INT_LIMIT, _INT_LIMIT).astype(np.int64)


def _check_buckets(buckets: int) -> None:
    if isinstance(buckets, bool) or not isinstance(buckets, (int, np.integer)) or buckets < 1:
        raise ValueError(f"buckets must be a positive integer, got {buckets!r}")


def _window(x: Array, x_range: tuple[float, float] | None) -> tuple[int, int, float, float]:
    """The slice ``[start, stop)`` of ``x`` inside the range, and the range ``(lo, hi)``."""
    n = len(x)
    if x_range is None:
        if n == 0:
            return 0, 0, 0.0, 0.0
        return 0, n, float(x[0]), float(x[-1])
    lo, hi = (float(v) for v in x_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"x_range must be finite (lo, hi) with lo <= hi, got {x_range!r}")
    start = int(np.searchsorted(x, _thresholds(x, np.array([lo]), "left")[0], "left"))
    stop = int(np.searchsorted(x, _thresholds(x, np.array([hi]), "right")[0], "right"))
    return start, stop, lo, hi


def _bucket_starts(x: Array, lo: float, hi: float, buckets: int) -> IntArray:
    """Start positions of the non-empty buckets of ``x`` (all of it inside ``[lo, hi]``).

    Bucket ``k`` holds ``lo + (hi - lo) * k / buckets <= x < lo + (hi - lo) * (k + 1) /
    buckets``; the last bucket also holds ``x == hi``. A non-empty bucket ends where the
    next one starts (or at ``len(x)``).
    """
    if buckets > len(x):
        return _bucket_starts_by_point(x, lo, hi, buckets)
    return _bucket_starts_by_edge(x, lo, hi, buckets)


def _bucket_starts_by_edge(x: Array, lo: float, hi: float, buckets: int) -> IntArray:
    """:func:`_bucket_starts` in O(buckets * log(len(x))): one search per bucket edge."""
    edges = lo + (hi - lo) * np.arange(1, buckets, dtype=np.float64) / buckets
    bounds = np.searchsorted(x, _thresholds(x, edges, "left"), "left")
    starts = np.concatenate(([0], bounds)).astype(np.int64)
    ends = np.concatenate((bounds, [len(x)]))
    return starts[ends > starts]


def _bucket_starts_by_point(x: Array, lo: float, hi: float, buckets: int) -> IntArray:
    """:func:`_bucket_starts` in O(len(x)) rather than O(buckets), for more buckets than
    points (a client asking for 10**9 buckets must not allocate 10**9 edges)."""
    if len(x) == 0 or hi == lo:
        return np.zeros(min(len(x), 1), np.int64)
    xf = x.astype(np.float64)
    guess = np.floor((xf - lo) / (hi - lo) * buckets)
    k = np.clip(guess, 0, buckets - 1)
    # Settle rounding against the exact edge formula used by the searchsorted path.
    k -= xf < lo + (hi - lo) * k / buckets
    k += (k + 1 < buckets) & (xf >= lo + (hi - lo) * (k + 1) / buckets)
    return np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1]))).astype(np.int64)


def _first_match(y: Array, targets: Array, starts: IntArray, counts: IntArray) -> IntArray:
    """Per bucket, the first position whose y equals the bucket's target; buckets whose
    target is NaN (all-NaN buckets) have no match and are left out."""
    hits = np.flatnonzero(y == np.repeat(targets, counts))
    hits = np.append(hits, len(y))  # sentinel: searchsorted below never runs off the end
    first = hits[np.searchsorted(hits, starts, "left")]
    return first[first < starts + counts].astype(np.int64)


def _extremes(y: Array, starts: IntArray) -> tuple[Array, Array, IntArray]:
    """Per bucket: minimum and maximum of y (NaN ignored; NaN if the bucket is all NaN)
    and the number of points."""
    counts = np.diff(starts, append=len(y))
    return np.fmin.reduceat(y, starts), np.fmax.reduceat(y, starts), counts


def _arg_extremes(y: Array, starts: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of each bucket's first minimum and first maximum (all-NaN buckets: none)."""
    if len(starts) == 0:
        empty = np.empty(0, np.int64)
        return empty, empty
    lows, highs, counts = _extremes(y, starts)
    return _first_match(y, lows, starts, counts), _first_match(y, highs, starts, counts)


def _neighbors(n: int, start: int, stop: int) -> IntArray:
    """The nearest points outside ``[start, stop)``, those that exist."""
    return np.array([i for i in (start - 1, stop) if 0 <= i < n], dtype=np.int64)


def minmax_indices(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    buckets: int,
    x_range: tuple[float, float] | None = None,
    *,
    keep_neighbors: bool = True,
) -> IntArray:
    """Indices of the points to draw so that no spike is lost, at most ``4 * buckets``.

    ``[x_min, x_max]`` (or ``x_range``) is split into ``buckets`` equal-width buckets and
    each bucket keeps its first and last point and the first point holding its minimum
    and its maximum y. NaN is ignored for the extremes (a NaN point can still be kept as a
    bucket's first or last); ``±inf`` counts, so a spike to infinity is kept. When there
    are at most ``4 * buckets`` points in range, all of them are returned.

    Args:
        x: Non-decreasing x values (steps, timestamps, ...), integer or float, no NaN.
        y: The y values, same length; NaN and ``±inf`` allowed.
        buckets: Number of buckets, typically the chart's width in pixels.
        x_range: Only points with ``lo <= x <= hi`` are bucketed (a zoomed chart).
            ``None`` uses ``(x[0], x[-1])``.
        keep_neighbors: With ``x_range``, also keep the nearest point outside the range on
            each side, so a zoomed line reaches the chart's edges. These come on top of
            the ``4 * buckets``.

    Returns:
        Sorted unique int64 indices into ``x`` / ``y``.

    Raises:
        ValueError: If ``buckets`` is not positive, the arrays do not match, ``x`` is not
            non-decreasing or has NaN, or ``x_range`` is not ``(lo, hi)`` with ``lo <= hi``.

    Example:
        >>> import numpy as np
        >>> y = np.array([0.0, 5.0, 1.0, 2.0, -3.0, 4.0, 0.0, 9.0, 1.0, 0.0])
        >>> minmax_indices(np.arange(10), y, buckets=1).tolist()
        [0, 4, 7, 9]
        >>> minmax_indices(np.arange(10), y, buckets=1, x_range=(3, 6)).tolist()
        [2, 3, 4, 5, 6, 7]
    """
    _check_buckets(buckets)
    xs = _as_x(x)
    ys = _as_y(y, len(xs))
    n = len(xs)
    start, stop, lo, hi = _window(xs, x_range)
    extra = _neighbors(n, start, stop) if x_range is not None and keep_neighbors else None
    if stop - start <= 4 * buckets:
        inside = np.arange(start, stop, dtype=np.int64)
        return inside if extra is None else np.union1d(inside, extra)
    xs, ys = xs[start:stop], ys[start:stop]
    starts = _bucket_starts(xs, lo, hi, buckets)
    lows, highs = _arg_extremes(ys, starts)
    ends = np.append(starts[1:], len(xs)) - 1
    picked = np.unique(np.concatenate((starts, ends, lows, highs))) + start
    return picked if extra is None else np.union1d(picked, extra)


def minmax_series(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    buckets: int,
    x_range: tuple[float, float] | None = None,
    *,
    keep_neighbors: bool = True,
) -> tuple[Array, Array, Array, Array, IntArray]:
    """Per-bucket columns for a chart that draws a line and a min/max band.

    Buckets are those of :func:`minmax_indices`. Each non-empty bucket gives one row:
    the bucket's **last** point ``(x, y)`` (so the line ends at the latest logged value),
    the bucket's ``y_min`` / ``y_max`` (NaN ignored, ``±inf`` kept, NaN only when every y
    in the bucket is NaN) and ``count``, the number of raw points in the bucket. Empty
    buckets give no row.

    Args:
        x: Non-decreasing x values, integer or float, no NaN.
        y: The y values, same length; NaN and ``±inf`` allowed.
        buckets: Number of buckets, typically the chart's width in pixels.
        x_range: Only points with ``lo <= x <= hi`` are bucketed; ``None`` uses
            ``(x[0], x[-1])``.
        keep_neighbors: With ``x_range``, add one row (``count`` 1, ``y_min == y_max ==
            y``) for the nearest point outside the range on each side, so a zoomed line
            reaches the chart's edges.

    Returns:
        ``(x, y, y_min, y_max, count)``, one entry per row in x order: ``x`` int64 for
        integer input else float64, the y columns floating, ``count`` int64.

    Raises:
        ValueError: As :func:`minmax_indices`.

    Example:
        >>> import numpy as np
        >>> y = np.array([3.0, np.nan, 7.0, 1.0, np.nan, np.nan])
        >>> x, last, lo, hi, count = minmax_series(np.arange(6), y, buckets=3)
        >>> x.tolist(), last.tolist(), lo.tolist(), hi.tolist(), count.tolist()
        ([1, 3, 5], [nan, 1.0, nan], [3.0, 1.0, nan], [3.0, 7.0, nan], [2, 2, 2])
    """
    _check_buckets(buckets)
    xs = _as_x(x)
    ys = _as_y(y, len(xs))
    n = len(xs)
    start, stop, lo, hi = _window(xs, x_range)
    inside = ys[start:stop]
    starts = _bucket_starts(xs[start:stop], lo, hi, buckets)
    if len(starts):
        lows, highs, counts = _extremes(inside, starts)
    else:
        lows = highs = inside
        counts = np.empty(0, np.int64)
    starts += start
    lasts = starts + counts - 1
    if x_range is not None and keep_neighbors:
        # The neighbours lie outside the range: one before and one after every bucket.
        before = np.arange(max(start - 1, 0), start, dtype=np.int64)
        after = np.arange(stop, min(stop + 1, n), dtype=np.int64)
        lasts = np.concatenate((before, lasts, after))
        lows = np.concatenate((ys[before], lows, ys[after]))
        highs = np.concatenate((ys[before], highs, ys[after]))
        ones = np.ones(1, np.int64)
        counts = np.concatenate((ones[: len(before)], counts, ones[: len(after)]))
    return xs[lasts], ys[lasts], lows, highs, counts


def m4_series(
    x: npt.ArrayLike, y: npt.ArrayLike, buckets: int
) -> tuple[Array, Array, Array, Array]:
    """M4 reduction: per bucket (pixel column) its first, last, minimum and maximum points.

    ``[x[0], x[-1]]`` is split into ``buckets`` equal-width buckets as in
    :func:`minmax_indices`, whose points these are (each at most once, in x order, at
    most ``4 * buckets``). A line through them draws the same pixels as a line through
    every point at that width: it enters and leaves each column where the raw line does
    and spans the same extremes. Every row also carries its bucket's ``y_min`` / ``y_max``
    (NaN ignored, ``±inf`` kept), so a min/max band can be drawn as well.

    Returns:
        ``(x, y, y_min, y_max)``, one entry per kept point; ``x`` and ``y`` are raw points.

    Example:
        >>> import numpy as np
        >>> y = np.array([0.0, 5.0, 1.0, 2.0, -3.0, 4.0, 0.0, 9.0, 1.0, 0.0])
        >>> x, v, lo, hi = m4_series(np.arange(10), y, buckets=1)
        >>> x.tolist(), v.tolist(), lo.tolist(), hi.tolist()
        ([0, 4, 7, 9], [0.0, -3.0, 9.0, 0.0], [-3.0, -3.0, -3.0, -3.0], [9.0, 9.0, 9.0, 9.0])
    """
    _check_buckets(buckets)
    xs = _as_x(x)
    ys = _as_y(y, len(xs))
    if len(xs) == 0:
        return xs, ys, ys, ys
    starts = _bucket_starts(xs, float(xs[0]), float(xs[-1]), buckets)
    lows, highs, _ = _extremes(ys, starts)
    argmin, argmax = _arg_extremes(ys, starts)
    ends = np.append(starts[1:], len(xs)) - 1
    picked = np.unique(np.concatenate((starts, ends, argmin, argmax)))
    bucket = np.searchsorted(starts, picked, "right") - 1
    return xs[picked], ys[picked], lows[bucket], highs[bucket]


def merge_rollup(
    x: npt.ArrayLike,
    last: npt.ArrayLike,
    low: npt.ArrayLike,
    high: npt.ArrayLike,
    count: npt.ArrayLike,
    buckets: int,
    x_range: tuple[float, float] | None = None,
) -> tuple[Array, Array, Array, Array, IntArray]:
    """:func:`minmax_series` for data that is already bucketed (stored rollups).

    Each input row is a bucket: its last ``x`` and value, its minimum, maximum and
    point count. Rows are merged into ``buckets`` equal-width x buckets: the last row's
    ``x``/value, the minimum of minima, the maximum of maxima (NaN ignored) and the
    summed count. Rows outside ``x_range`` are dropped.

    Example:
        >>> import numpy as np
        >>> out = merge_rollup([63, 127, 191], [1.0, 2.0, 3.0], [0.0, -5.0, 1.0],
        ...                    [4.0, 2.0, 9.0], [64, 64, 64], buckets=2)
        >>> [a.tolist() for a in out]
        [[63, 191], [1.0, 3.0], [0.0, -5.0], [4.0, 9.0], [64, 128]]
    """
    _check_buckets(buckets)
    xs = _as_x(x)
    n = len(xs)
    lasts, lows, highs = (
        _as_y(v, n, name=name) for v, name in ((last, "last"), (low, "low"), (high, "high"))
    )
    counts = np.asarray(count, dtype=np.int64)
    start, stop, lo, hi = _window(xs, x_range)
    xs, lasts, lows, highs = (a[start:stop] for a in (xs, lasts, lows, highs))
    counts = counts[start:stop]
    if len(xs) == 0:
        return xs, lasts, lows, highs, counts
    starts = _bucket_starts(xs, lo, hi, buckets)
    ends = np.concatenate((starts[1:], [len(xs)])) - 1
    with np.errstate(invalid="ignore"):
        merged_low = np.fmin.reduceat(lows, starts)
        merged_high = np.fmax.reduceat(highs, starts)
    return xs[ends], lasts[ends], merged_low, merged_high, np.add.reduceat(counts, starts)


def sample_rows(
    step_lists: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]], samples: int
) -> IntArray:
    """Steps of the history rows to return for ``run.history(samples=N, keys=...)``.

    When the union of all keys' steps has at most ``samples`` steps, all of them are
    returned. Otherwise the step range is split into ``b`` equal-width buckets shared by
    all keys, and the result keeps:

    - the first and last step of the union in each bucket (so the first and last rows of
      the history are always kept, and keys without numbers still get an even spread);
    - each key's first and last step;
    - each key's minimum and maximum row in each bucket (NaN ignored, ``±inf`` kept), so
      every key's global minimum and maximum rows survive.

    With ``K`` keys that have steps, ``b = max(1, (samples - 2K) // (2(K + 1)))``, which
    bounds the result to ``max(samples, 4K + 2)`` steps.

    Args:
        step_lists: For each key, ``(steps, values)``: non-decreasing integer steps and
            the values logged at them. Keys that are not numbers (media, tables, ...) pass
            all-NaN values.
        samples: The wanted number of rows, at least 1.

    Returns:
        Sorted unique int64 steps, at most ``max(samples, 4 * len(step_lists) + 2)``.

    Raises:
        ValueError: If ``samples`` is not positive or a key's arrays are malformed.

    Example:
        >>> import numpy as np
        >>> steps = np.arange(100)
        >>> loss = np.linspace(1.0, 0.0, 100)
        >>> loss[40] = 9.0  # a spike
        >>> sample_rows({"loss": (steps, loss)}, samples=10).tolist()
        [0, 40, 49, 50, 99]
    """
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    columns: list[tuple[Array, Array]] = []
    for key, (steps, values) in step_lists.items():
        xs = _as_x(steps, name=f"steps of {key!r}", integer=True)
        if len(xs):
            columns.append((xs, _as_y(values, len(xs), name=f"values of {key!r}")))
    if not columns:
        return np.empty(0, np.int64)
    every = np.concatenate([xs for xs, _ in columns])
    every.sort(kind="stable")  # timsort: linear-ish on a concatenation of sorted runs
    union = every[np.concatenate(([True], every[1:] != every[:-1]))]
    if len(union) <= samples:
        return union.astype(np.int64)
    k = len(columns)
    buckets = max(1, (samples - 2 * k) // (2 * (k + 1)))
    lo, hi = float(union[0]), float(union[-1])
    starts = _bucket_starts(union, lo, hi, buckets)
    picks = [union[starts], union[np.append(starts[1:], len(union)) - 1]]
    for xs, ys in columns:
        lows, highs = _arg_extremes(ys, _bucket_starts(xs, lo, hi, buckets))
        picks += [xs[[0, -1]], xs[lows], xs[highs]]
    return np.unique(np.concatenate(picks)).astype(np.int64)
