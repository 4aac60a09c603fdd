"""Chart series: one key of one run against an x-axis, reduced to about N points.

Zoomed out on ``_step``, the store's rollups (min/max/last per 64 points) are read
instead of raw points, so 100 runs x 100,000 steps cost a few thousand numbers per
run. Zoomed in, or on another x-axis, raw points in the range are read and reduced
with M4 (first, last, min and max point per column), so the reduced line is the raw
line as drawn. Either way every spike survives.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import orjson

from runyard.entities import RunRef
from runyard.metrics.sampling import m4_series, merge_rollup
from runyard.store.base import ROLLUP_POINTS, Rollup, Series, TrackingStore
from runyard.store.sql.panel_reads import Reduce, read_panel_series, reduce_panel_series
from runyard.store.sql.store import SqlStore

__all__ = [
    "BINARY_MEDIA_TYPE",
    "X_AXES",
    "XAxis",
    "m4_many",
    "panel_series",
    "points_xy",
    "read_raw",
    "read_series_binary",
    "series_binary",
    "series_json",
]

#: Built-in x-axes (any logged metric key works too).
X_AXES = ("_step", "_runtime", "_wall", "_timestamp")


def _finite(values: np.ndarray) -> np.ndarray:
    """JSON has no NaN/inf: NaN becomes null (a gap, written by orjson) and
    infinities are clamped to ten times the largest finite value, so a spike to
    infinity still shows as a spike."""
    out = np.asarray(values, dtype=np.float64)
    infinite = np.isinf(out)
    if infinite.any():
        out = out.copy()  # (copied only to be changed)
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


def _step_window(xmin: float | None, xmax: float | None) -> tuple[int | None, int | None]:
    """The step range ``[lo, hi)`` of an x range on ``_step``."""
    lo = None if xmin is None else int(np.floor(xmin))
    hi = None if xmax is None else int(np.floor(xmax)) + 1
    return lo, hi


def _x_values(x: str, xs: Series | None, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x for the given steps (``xs``: the run's x series, None on ``_step``), and a mask
    of the steps that have one."""
    if x == "_step" or xs is None:
        return steps.astype(np.float64), np.ones(len(steps), bool)
    if not len(xs):
        return np.zeros(0), np.zeros(len(steps), bool)
    idx = np.searchsorted(xs.steps, steps)
    idx_clipped = np.minimum(idx, len(xs.steps) - 1)
    mask = xs.steps[idx_clipped] == steps
    values = xs.values[idx_clipped[mask]].astype(np.float64)
    if x == "_wall":
        values = values - float(xs.values[0])
    return values, mask


def _from_rollup(
    run: str,
    key: str,
    rollup: Rollup,
    xmin: float | None,
    xmax: float | None,
    points: int,
) -> dict[str, Any] | None:
    """The series from stored rollups, or None when they give fewer points than asked:
    :func:`~runyard.metrics.sampling.merge_rollup` of the rows into ``points`` columns,
    the same numbers, searched on the integer steps (no float copy, no checks of
    arrays the store made) when there are at least as many rows as columns."""
    lo, hi = _step_window(xmin, xmax)
    steps = rollup.steps
    # Points of the rows with lo <= step < hi: those in the range, to within one rollup
    # bucket at each edge.
    a = 0 if lo is None else int(steps.searchsorted(lo, "left"))
    b = len(steps) if hi is None else int(steps.searchsorted(hi, "left"))
    raw_points = int(rollup.count[a:b].sum())
    # Rollups only when they still give at least the points asked for.
    if raw_points < points * ROLLUP_POINTS:
        return None
    x0 = float(xmin if xmin is not None else steps[0])
    x1 = float(xmax if xmax is not None else steps[-1])
    # merge_rollup's window, x0 <= step <= x1, and its columns: column k holds
    # x0 + span * k / points <= step < the next edge (the same float expression).
    start = 0 if xmin is None else int(steps.searchsorted(_int_bound(np.ceil(x0)), "left"))
    stop = len(steps)
    if xmax is not None:
        stop = int(steps.searchsorted(_int_bound(np.floor(x1)), "right"))
    if stop - start < points:  # more columns than rows: merge_rollup's other search
        xs = steps.astype(np.float64)
        merged = merge_rollup(
            xs, rollup.last, rollup.vmin, rollup.vmax, rollup.count, points, (x0, x1)
        )
        return _payload(run, key, *merged[:4], raw_points, reduced=True)
    edges = x0 + ((x1 - x0) * np.arange(1, points, dtype=np.float64)) / points
    window = steps[start:stop]
    bounds = window.searchsorted(np.clip(np.ceil(edges), -_INT_LIMIT, _INT_LIMIT).astype(np.int64))
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(window)]))
    starts = starts[ends > starts]
    last_of = np.append(starts[1:], len(window)) - 1
    with np.errstate(invalid="ignore"):
        low = np.fmin.reduceat(rollup.vmin[start:stop], starts)
        high = np.fmax.reduceat(rollup.vmax[start:stop], starts)
    values = rollup.last[start:stop]
    return _payload(run, key, window[last_of], values[last_of], low, high, raw_points, reduced=True)


def points_xy(
    series: Series,
    x: str,
    x_series: Series | None,
    xmin: float | None,
    xmax: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """A series' raw points against ``x`` (float64, sorted by x), inside the x range."""
    xs, mask = _x_values(x, x_series, series.steps)
    if x == "_step" or x_series is None:  # every point, steps increasing
        ys = series.values.astype(np.float64, copy=False)
    else:
        ys = series.values[mask].astype(np.float64)
    if x != "_step" and len(xs) > 1 and bool(np.any(np.diff(xs) < 0)):  # a metric as x
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
    if xmin is not None or xmax is not None:
        lo_x = -np.inf if xmin is None else xmin
        hi_x = np.inf if xmax is None else xmax
        inside = (xs >= lo_x) & (xs <= hi_x)
        xs, ys = xs[inside], ys[inside]
    return xs, ys


def _step_xy(
    series: Series, xmin: float | None, xmax: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`points_xy` on ``_step`` with the steps left int64 (not copied)."""
    steps, ys = series.steps, series.values.astype(np.float64, copy=False)
    if xmin is not None or xmax is not None:
        # step >= xmin iff step >= ceil(xmin); step <= xmax iff step <= floor(xmax).
        a = 0 if xmin is None else int(steps.searchsorted(_int_bound(np.ceil(xmin)), "left"))
        b = len(steps)
        if xmax is not None:
            b = int(steps.searchsorted(_int_bound(np.floor(xmax)), "right"))
        steps, ys = steps[a:b], ys[a:b]
    return steps, ys


def _int_bound(value: float) -> int:
    return int(min(max(value, -_INT_LIMIT), _INT_LIMIT))


def _from_points(
    run: str,
    key: str,
    series: Series,
    x: str,
    x_series: Series | None,
    xmin: float | None,
    xmax: float | None,
    points: int,
) -> dict[str, Any]:
    """The series from raw points: all of them, or their M4 reduction past ``points``."""
    xs, ys = points_xy(series, x, x_series, xmin, xmax)
    raw_points = len(xs)
    if raw_points > points:
        # M4 over points // 4 columns: at most `points` rows, every one a raw point.
        bx, by, blo, bhi = m4_series(xs, ys, max(1, points // 4))
        return _payload(run, key, bx, by, blo, bhi, raw_points, reduced=True)
    return _payload(run, key, xs, ys, ys, ys, raw_points, reduced=False)


M4 = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def m4_many(lines: Sequence[tuple[np.ndarray, np.ndarray]], buckets: int) -> list[M4]:
    """:func:`~runyard.metrics.sampling.m4_series` of many lines at once, equal to it line
    by line (``(x, y, y_min, y_max)`` each).

    Each ``(x, y)`` has ``y`` float64 and ``x`` float64 or int64 (steps: searched with
    integer edges, so the steps are not converted), sorted, with more than ``buckets``
    points; the returned ``x`` are of ``x``'s dtype. Lines
    are concatenated in batches of about ``_BATCH_POINTS`` points, each reduced in a few
    numpy passes, rather than ~15 small passes per line.
    """
    out: list[M4] = []
    batch: list[tuple[np.ndarray, np.ndarray]] = []
    held = 0
    for line in lines:
        batch.append(line)
        held += len(line[0])
        if held >= _BATCH_POINTS:
            out += _m4_batch(batch, buckets)
            batch, held = [], 0
    return out + (_m4_batch(batch, buckets) if batch else [])


#: Points reduced per numpy pass: enough lines that per-call overhead is shared, few
#: enough that the arrays stay in the CPU cache (one pass over 10 M points at once is
#: slower than 1,000 passes over 10,000 on a machine whose memory bandwidth is shared).
_BATCH_POINTS = 1 << 17


def _m4_batch(
    lines: Sequence[tuple[np.ndarray, np.ndarray]], buckets: int, y_all: np.ndarray | None = None
) -> list[M4]:
    """:func:`m4_many` of lines reduced together (``y_all``: their ``y`` end to end,
    when the caller has them so)."""
    bx, py, plo, phi, cuts = _m4_arrays(lines, buckets, y_all)
    return [(bx[a:b], py[a:b], plo[a:b], phi[a:b]) for a, b in pairwise(cuts.tolist())]


def _m4_arrays(
    lines: Sequence[tuple[np.ndarray, np.ndarray]], buckets: int, y_all: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_m4_batch` as the lines' ``x``, ``y``, ``y_min`` and ``y_max`` end to end
    and where each line starts in them (and the last ends)."""
    sizes = np.array([len(xs) for xs, _ in lines], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    # Bucket k of [x0, x_last]: x0 + span * k / buckets <= x < the next edge, as in
    # m4_series (the same float expression, so the same split), for all lines at once.
    lo = np.array([xs[0] for xs, _ in lines], np.float64)
    hi = np.array([xs[-1] for xs, _ in lines], np.float64)
    inner = np.arange(1, buckets, dtype=np.float64)
    edges = lo[:, None] + ((hi - lo)[:, None] * inner) / buckets
    bounds = np.empty((len(lines), buckets + 1), np.int64)
    bounds[:, 0] = 0
    bounds[:, -1] = sizes
    # x >= e iff x >= ceil(e) for integer x (int64 x searched for floats is copied).
    int_edges = np.clip(np.ceil(edges), -_INT_LIMIT, _INT_LIMIT).astype(np.int64)
    first_x = lines[0][0]
    shared = all(xs is first_x for xs, _ in lines)
    if shared:  # one steps array (a sweep): one search
        search = int_edges[0] if first_x.dtype.kind == "i" else edges[0]
        bounds[:, 1:-1] = first_x.searchsorted(search)
    else:
        for i, (xs, _) in enumerate(lines):
            search = int_edges[i] if xs.dtype.kind == "i" else edges[i]
            bounds[i, 1:-1] = xs.searchsorted(search)
    bounds += offsets[:-1, None]
    starts_all, ends_all = bounds[:, :-1].ravel(), bounds[:, 1:].ravel()
    starts = starts_all[ends_all > starts_all]
    if y_all is None:
        y_all = np.concatenate([ys for _, ys in lines])
    total = len(y_all)
    counts = np.diff(starts, append=total)
    padded = _m4_padded(y_all, starts, counts, len(lines) if shared else 1)
    picked, plo, phi = padded or _m4_flat(y_all, starts, counts)
    py = y_all[picked]
    cuts = np.searchsorted(picked, offsets)
    if shared:
        line_of = np.repeat(offsets[:-1], np.diff(cuts))
        bx = first_x[picked - line_of]
    else:
        bx = np.concatenate(
            [
                xs[picked[a:b] - offset]
                for (xs, _), offset, a, b in zip(
                    lines, offsets[:-1], cuts[:-1], cuts[1:], strict=True
                )
            ]
        )
    return bx, py, plo, phi, cuts


_INT_LIMIT = float(2**62)
_Picked = tuple[np.ndarray, np.ndarray, np.ndarray]


def _m4_flat(y_all: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> _Picked:
    """The kept positions of M4 over buckets ``starts`` of ``y_all`` (sorted) and the
    minimum and maximum of each one's bucket (NaN ignored)."""
    total = len(y_all)
    with np.errstate(invalid="ignore"):
        lows = np.fmin.reduceat(y_all, starts)
        highs = np.fmax.reduceat(y_all, starts)
    # Each point's bucket, by a cumulative sum of bucket starts (cheaper than np.repeat).
    bucket_of = np.zeros(total, np.int32)
    bucket_of[starts[1:]] = 1
    np.cumsum(bucket_of, out=bucket_of)
    keep = np.zeros(total, bool)
    keep[starts] = True
    keep[np.append(starts[1:], total) - 1] = True
    for target in (lows, highs):
        # Each bucket's first point equal to its extreme (all-NaN buckets have none).
        hits = np.append(np.flatnonzero(y_all == target[bucket_of]), total)
        first = hits[np.searchsorted(hits, starts, "left")]
        keep[first[first < starts + counts]] = True
    picked = np.flatnonzero(keep)
    bucket = bucket_of[picked]
    return picked, lows[bucket], highs[bucket]


def _m4_padded(
    y_all: np.ndarray, starts: np.ndarray, counts: np.ndarray, lines: int = 1
) -> _Picked | None:
    """:func:`_m4_flat` for buckets of about equal size and no NaN (a chart of many
    runs' losses): buckets gathered into the rows of a matrix, each padded with its
    last point (which changes neither its extremes nor their first position), then one
    ``argmin`` and one ``argmax`` along the rows. None when padding would cost more
    than the points or a NaN needs the NaN-ignoring path. ``lines``: ``y_all`` is that
    many lines of one length cut into the same buckets (a sweep's runs on one steps
    array), gathered by the first line's positions."""
    width = int(counts.max()) if len(counts) else 0
    if not len(counts) or width * len(counts) > 2 * len(y_all) or y_all.dtype != np.float64:
        return None
    ends = starts + counts - 1
    if width * len(counts) == len(y_all):  # buckets all of one size: y as it lies
        rows = y_all.reshape(len(counts), width)
    elif lines > 1 and len(counts) % lines == 0 and len(y_all) % lines == 0:
        per = len(counts) // lines
        at = starts[:per, None] + np.arange(width, dtype=np.int64)
        np.minimum(at, ends[:per, None], out=at)
        rows = np.take(y_all.reshape(lines, -1), at, axis=1).reshape(len(counts), width)
    else:
        at = starts[:, None] + np.arange(width, dtype=np.int64)
        np.minimum(at, ends[:, None], out=at)
        rows = y_all[at]
    arg_min, arg_max = rows.argmin(axis=1), rows.argmax(axis=1)
    index = np.arange(len(counts))
    lows, highs = rows[index, arg_min], rows[index, arg_max]
    if np.isnan(lows).any() or np.isnan(highs).any():
        return None  # argmin and argmax find a row's first NaN: NaN-ignoring path
    # Per bucket its first, first minimum, first maximum and last point, in order,
    # each once: the kept points of all buckets, sorted, without a pass over y.
    four = np.empty((len(counts), 4), np.int64)
    four[:, 0] = starts
    np.add(starts, np.minimum(arg_min, arg_max), out=four[:, 1])
    np.add(starts, np.maximum(arg_min, arg_max), out=four[:, 2])
    four[:, 3] = ends
    fresh = np.empty(four.shape, bool)
    fresh[:, 0] = True
    np.not_equal(four[:, 1:], four[:, :-1], out=fresh[:, 1:])
    kept = fresh.ravel()
    return four.ravel()[kept], np.repeat(lows, 4)[kept], np.repeat(highs, 4)[kept]


def _edges(lo: float, hi: float, buckets: int) -> np.ndarray:
    """Inner bucket edges of ``[lo, hi]``, computed as m4_series computes them."""
    edges: np.ndarray = lo + (hi - lo) * np.arange(1, buckets, dtype=np.float64) / buckets
    return edges


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
    """One series as the ``/series`` endpoint returns it, read on its own (``axis``: the
    run's x-axis, shared by the keys of one request). :func:`panel_series` answers the
    same for many series with one store read."""
    lo, hi = _step_window(xmin, xmax) if x == "_step" else (None, None)
    if x == "_step":
        rollup = store.read_rollup(ref, key, lo, hi)
        found = _from_rollup(ref.run_id, key, rollup, xmin, xmax, points)
        if found is not None:
            return found
    series = store.read_series(ref, key, lo, hi)
    x_series = None if x == "_step" else (axis or XAxis(store, ref, x)).series()
    return _from_points(ref.run_id, key, series, x, x_series, xmin, xmax, points)


def panel_series(
    store: TrackingStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    keys: Sequence[str],
    x: str,
    xmin: float | None,
    xmax: float | None,
    points: int,
) -> list[dict[str, Any]]:
    """Every (run, key) series of a panel, runs in order then keys, as :func:`series_json`
    gives them one by one, from a few bulk store reads: on ``_step`` the point counts of
    all pairs (an SQL store's chunk row counts, no blob read), the rollups of the pairs
    with enough points for them, then raw points of the others and of those whose
    rollups are too coarse; on any other x the raw points of all pairs and, in the same
    read, each run's x series once. Whole series of an SQL store are read as float64,
    decoded on two threads when many (:func:`read_raw`); on ``_step`` each batch of
    them is reduced as soon as it is decoded, on those threads too
    (:func:`~runyard.store.sql.panel_reads.reduce_panel_series`), so the panel's raw
    values are never held all at once."""
    pairs = [(run_id, key) for run_id in run_ids for key in keys]
    out: dict[tuple[str, str], dict[str, Any]] = {}
    x_series: dict[str, Series] = {}
    if x == "_step":
        lo, hi = _step_window(xmin, xmax)
        # Rollups only of the pairs that may have enough points for them: from the
        # chunks' counts, which the rollups' in-range points never exceed.
        coarse = pairs
        if isinstance(store, SqlStore):
            counts = store.count_points_many(entity, project, run_ids, keys, lo, hi)
            coarse = [pair for pair in pairs if counts.get(pair, 0) >= points * ROLLUP_POINTS]
        if coarse:
            rollup_runs = list(dict.fromkeys(run_id for run_id, _ in coarse))
            rollup_keys = list(dict.fromkeys(key for _, key in coarse))
            rollups = store.read_rollup_many(entity, project, rollup_runs, rollup_keys, lo, hi)
            for pair in coarse:
                found = _from_rollup(*pair, rollups[pair], xmin, xmax, points)
                if found is not None:
                    out[pair] = found
        need = [pair for pair in pairs if pair not in out]
        if need and lo is None and hi is None and isinstance(store, SqlStore):
            # Whole series: each batch reduced as soon as it is decoded (see _lines).
            held = sum(counts.get(pair, 0) for pair in need)
            lines = reduce_panel_series(store, entity, project, need, _lines(points), points=held)
            out.update(zip(need, lines, strict=True))
            return [out[pair] for pair in pairs]
        need_runs = list(dict.fromkeys(run_id for run_id, _ in need))
        need_keys = list(dict.fromkeys(key for _, key in need))
        raw = read_raw(store, entity, project, need_runs, need_keys, lo, hi) if need else {}
    else:
        source = "_timestamp" if x == "_wall" else x
        read_keys = list(dict.fromkeys([*keys, source]))
        raw = read_raw(store, entity, project, run_ids, read_keys, None, None)
        x_series = {run_id: raw[(run_id, source)] for run_id in run_ids}
    to_reduce: list[tuple[tuple[str, str], np.ndarray, np.ndarray]] = []
    for pair in pairs:
        if pair not in out:
            run_id, key = pair
            if x == "_step":
                xs, ys = _step_xy(raw[pair], xmin, xmax)
            else:
                xs, ys = points_xy(raw[pair], x, x_series.get(run_id), xmin, xmax)
            if len(xs) > points:
                to_reduce.append((pair, xs, ys))
            else:
                out[pair] = _payload(run_id, key, xs, ys, ys, ys, len(xs), reduced=False)
    # M4 over points // 4 columns: at most `points` rows, every one a raw point.
    reduced = m4_many([(xs, ys) for _, xs, ys in to_reduce], max(1, points // 4))
    for (pair, xs, _), (bx, by, blo, bhi) in zip(to_reduce, reduced, strict=True):
        out[pair] = _payload(*pair, bx, by, blo, bhi, len(xs), reduced=True)
    return [out[pair] for pair in pairs]


def _lines(points: int) -> Reduce[dict[str, Any]]:
    """The :data:`~runyard.store.sql.panel_reads.Reduce` of :func:`panel_series` on
    whole series on ``_step``: each series' payload, its M4 reduction past ``points``
    points (the batch's lines reduced together, from the decoded values as they lie)."""
    buckets = max(1, points // 4)

    def reduce(
        pairs: Sequence[tuple[str, str]], series: Sequence[Series], values: np.ndarray
    ) -> list[dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        long = []
        for i, one in enumerate(series):
            if len(one) > points:
                long.append(i)
            else:
                ys = one.values.copy()  # (values are the batch buffer's)
                out[i] = _payload(*pairs[i], one.steps, ys, ys, ys, len(one), reduced=False)
        if long:
            lines = [(series[i].steps, series[i].values) for i in long]
            y_all = values if len(long) == len(series) else None
            bx, py, plo, phi, cuts = _m4_arrays(lines, buckets, y_all)
            ranges = zip(long, cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)
            if np.isinf(py).any() or np.isinf(plo).any() or np.isinf(phi).any():
                for i, a, b in ranges:
                    line = bx[a:b], py[a:b], plo[a:b], phi[a:b]
                    out[i] = _payload(*pairs[i], *line, len(series[i]), reduced=True)
            else:  # _payload's arrays as they are but x (steps) as float64, for all lines
                xs = bx.astype(np.float64)
                for i, a, b in ranges:
                    out[i] = {
                        "run": pairs[i][0],
                        "key": pairs[i][1],
                        "x": xs[a:b],
                        "y": py[a:b],
                        "ymin": plo[a:b],
                        "ymax": phi[a:b],
                        "raw_points": len(series[i]),
                        "returned": b - a,
                        "reduced": True,
                    }
        return [out[i] for i in range(len(series))]

    return reduce


def read_raw(
    store: TrackingStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    keys: Sequence[str],
    lo: int | None,
    hi: int | None,
) -> dict[tuple[str, str], Series]:
    """The raw points of every pair, values as float64 (all a chart takes). Whole series
    of an SQL store are decoded straight into float64 with shared steps arrays, on two
    threads when there are many (:func:`~runyard.store.sql.panel_reads.read_panel_series`:
    one array a series, ISA-L's inflate where installed) rather than each chunk into
    arrays of its own that are then joined."""
    if lo is None and hi is None and isinstance(store, SqlStore):
        return read_panel_series(store, entity, project, run_ids, keys)
    return store.read_series_many(entity, project, run_ids, keys, lo, hi)


def _payload(
    run: str,
    key: str,
    x: np.ndarray,
    y: np.ndarray,
    ymin: np.ndarray,
    ymax: np.ndarray,
    raw_points: int,
    reduced: bool,
) -> dict[str, Any]:
    return {
        "run": run,
        "key": key,
        "x": _finite(x),
        "y": _finite(y),
        "ymin": _finite(ymin),
        "ymax": _finite(ymax),
        "raw_points": raw_points,
        "returned": len(x),
        "reduced": reduced,
    }


#: Media type of the compact ``/series`` response (see :func:`series_binary`).
BINARY_MEDIA_TYPE = "application/x-runyard-series"
_MAGIC = b"RYS1"


def series_binary(x: str, series: Sequence[dict[str, Any]]) -> bytes:
    """The compact ``/series`` response: typed arrays instead of JSON lists of floats.

    Layout (all little-endian): ``b"RYS1"``, a uint32 header length ``n``, ``n`` bytes of
    UTF-8 JSON header padded with spaces so the arrays start 8-byte aligned, then the
    arrays. The header is the JSON response without the four arrays, each series
    instead giving ``offset`` (bytes from the first array) and ``x_type`` (``"i8"`` or
    ``"f8"``); at ``offset`` lie ``returned`` x values of that type, then ``returned``
    float64 each of y, ymin and ymax. Numbers are those of the JSON response, with
    NaN where JSON has null.
    """
    meta: list[dict[str, Any]] = []
    parts: list[memoryview] = []
    offset = 0
    integer_x = x == "_step"
    # On _step x is integral as a rule: checked for all series at once (and converted
    # at once), else each.
    xs_all = np.concatenate([np.asarray(s["x"], np.float64) for s in series] or [np.zeros(0)])
    ints = xs_all.astype("<i8") if integer_x and _integral(xs_all) else None
    at = 0
    for item in series:
        n = len(item["x"])
        # Views of the arrays (copied once, by the join below), not a bytes copy each.
        if ints is not None:
            x_type, x_data = "i8", ints[at : at + n].data
        else:
            xs = np.asarray(item["x"])
            x_type = "i8" if integer_x and _integral(xs) else "f8"
            x_data = np.ascontiguousarray(xs, "<" + x_type).data
        at += n
        parts += (
            x_data,
            np.ascontiguousarray(item["y"], "<f8").data,
            np.ascontiguousarray(item["ymin"], "<f8").data,
            np.ascontiguousarray(item["ymax"], "<f8").data,
        )
        head = {k: v for k, v in item.items() if k not in ("x", "y", "ymin", "ymax")}
        meta.append({**head, "offset": offset, "x_type": x_type})
        offset += sum(b.nbytes for b in parts[-4:])
    header = orjson.dumps({"x": x, "series": meta}, option=orjson.OPT_SERIALIZE_NUMPY)
    header += b" " * (-(len(_MAGIC) + 4 + len(header)) % 8)
    return b"".join([_MAGIC, struct.pack("<I", len(header)), header, *parts])


def read_series_binary(body: bytes) -> dict[str, Any]:
    """Inverse of :func:`series_binary`: the JSON response's shape, arrays as numpy."""
    if body[:4] != _MAGIC:
        raise ValueError(f"not a runyard series body: starts {body[:4]!r}")
    (size,) = struct.unpack_from("<I", body, 4)
    header = json.loads(body[8 : 8 + size])
    data = memoryview(body)[8 + size :]
    for item in header["series"]:
        n, at = int(item["returned"]), int(item.pop("offset"))
        x_type = item.pop("x_type")
        item["x"] = np.frombuffer(data, "<" + x_type, n, at)
        for i, name in enumerate(("y", "ymin", "ymax")):
            item[name] = np.frombuffer(data, "<f8", n, at + 8 * n * (i + 1))
    return dict(header)


def _integral(values: np.ndarray) -> bool:
    """Whether float ``values`` are all whole numbers int64 holds exactly."""
    if not len(values):
        return True
    finite = np.isfinite(values)
    return bool(
        finite.all() and (np.abs(values) < 2**53).all() and (values == np.round(values)).all()
    )
