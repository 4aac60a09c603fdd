"""The density of many runs' lines (issue 20): per cell of a grid over the panel, how many
runs pass through it, for line panels of more runs than lines can be told apart.

A run passes through a cell when its line (straight segments between consecutive
points; a NaN or infinite value breaks it, a lone point counts as itself) has a point
inside the cell's x range whose y falls in the cell. Per column, a run's line spans one
y interval: the min and max of its points inside the column and of the line where it
crosses the column's edges; every row of that interval counts the run once. The grid
is computed with numpy from the raw points, or for a long series from its stored
rollups (:data:`ROLLUP_COLUMN_POINTS`; every spike still counts); the web app draws it
(``web/src/components/DensityPanel.tsx``). tests/server/test_series_density.py checks
it against a plain loop of this definition, tests/browser/test_density.py the page's
counts against numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runyard.server.series import points_xy, read_raw
from runyard.store.base import ROLLUP_POINTS, Rollup, TrackingStore

__all__ = ["ROLLUP_COLUMN_POINTS", "density_grid", "panel_density"]


def _cells(v: np.ndarray, lo: float, hi: float, n: int) -> np.ndarray:
    """The cell of each ``v`` in ``n`` equal cells over ``[lo, hi]`` (hi in the last):
    ``floor((v - lo) / (hi - lo) * n)`` clipped, computed in place (one temporary)."""
    if hi <= lo:
        return np.zeros(len(v), np.int64)
    t: np.ndarray = np.subtract(v, lo)
    t /= hi - lo
    t *= n
    np.floor(t, out=t)
    np.clip(t, 0, n - 1, out=t)
    return t.astype(np.int64)


def density_grid(
    lines: Sequence[tuple[np.ndarray, np.ndarray]], columns: int, rows: int, log_y: bool = False
) -> dict[str, Any]:
    """The density of ``lines`` (``(x, y)`` float64 each, x ascending) on a ``columns`` x
    ``rows`` grid over their x and y ranges: ``counts`` (rows x columns, row 0 at
    ``ymin``), the ranges, the largest count and how many lines have a point drawn.
    With ``log_y`` the grid is over log10 of the positive values (others break lines).

    One line at a time: a run's arrays stay in the CPU cache through the dozen passes
    over them, which costs less than a dozen passes over every run's points at once."""
    drawn: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = []
    xmin = ymin = np.inf
    xmax = ymax = -np.inf
    for xs, ys in lines:
        x = np.asarray(xs, np.float64)
        y = np.asarray(ys, np.float64)
        if log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)
        valid = np.isfinite(y)
        valid &= np.isfinite(x)
        if not len(x):
            continue
        if valid.all():
            drawn.append((x, y, None))
            xv, yv = x, y
        elif valid.any():
            drawn.append((x, y, valid))
            xv, yv = x[valid], y[valid]
        else:
            continue
        xmin, xmax = min(xmin, float(xv[0])), max(xmax, float(xv[-1]))
        ymin, ymax = min(ymin, float(yv.min())), max(ymax, float(yv.max()))
    diff = np.zeros((rows + 1, columns), np.int64)
    for x, y, mask in drawn:
        _add_line(diff, x, y, mask, (float(xmin), float(xmax), float(ymin), float(ymax)))
    counts = np.cumsum(diff, axis=0)[:rows]
    if not drawn:
        xmin = xmax = ymin = ymax = 0.0
    return {
        "columns": columns,
        "rows": rows,
        "xmin": float(xmin),
        "xmax": float(xmax),
        "ymin": float(ymin),
        "ymax": float(ymax),
        "logY": log_y,
        "counts": counts,
        "max": int(counts.max()) if counts.size else 0,
        "runs": len(drawn),
    }


def _add_line(
    diff: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    valid: np.ndarray | None,
    box: tuple[float, float, float, float],
) -> None:
    """Count one line into ``diff`` (row differences per column: +1 at the interval's
    first row, -1 past its last)."""
    rows, columns = diff.shape[0] - 1, diff.shape[1]
    xmin, xmax, ymin, ymax = box
    col = _cells(x, xmin, xmax, columns)
    # Segments between consecutive valid points rising in x cross the column edges
    # between their columns; the line's value at each edge counts in both columns.
    seg = np.flatnonzero(col[1:] > col[:-1])
    if valid is not None:
        seg = seg[valid[seg] & valid[seg + 1]]
    seg = seg[x[seg + 1] > x[seg]]
    crossings = col[seg + 1] - col[seg]
    at = np.repeat(seg, crossings)
    k = np.repeat(col[seg] + 1, crossings) + (
        np.arange(len(at)) - np.repeat(np.cumsum(crossings) - crossings, crossings)
    )
    edge = xmin + ((xmax - xmin) * k) / columns
    x0, y0, x1, y1 = x[at], y[at], x[at + 1], y[at + 1]
    v = y0 + ((y1 - y0) * (edge - x0)) / (x1 - x0)
    # Per column the y interval: the points' (x ascending, so a column's points are
    # contiguous: one reduceat), then the edge values'.
    colv, yv = (col, y) if valid is None else (col[valid], y[valid])
    starts = np.flatnonzero(np.concatenate(([True], colv[1:] != colv[:-1])))
    lo = np.full(columns, np.inf)
    hi = np.full(columns, -np.inf)
    lo[colv[starts]] = np.minimum.reduceat(yv, starts)
    hi[colv[starts]] = np.maximum.reduceat(yv, starts)
    for edge_col in (k - 1, k):
        np.minimum.at(lo, edge_col, v)
        np.maximum.at(hi, edge_col, v)
    touched = np.flatnonzero(lo <= hi)
    r0 = _cells(lo[touched], ymin, ymax, rows)
    r1 = _cells(hi[touched], ymin, ymax, rows)
    diff[r0, touched] += 1  # one entry per column: no repeated index
    diff[r1 + 1, touched] -= 1


#: On ``_step``, a series with at least this many points per grid column is counted from
#: its stored rollups instead of its raw points: each 64-point bucket as its min and max
#: at the bucket's last step, consecutive buckets joined from one's max to the next's
#: min. A column then spans whole buckets but for one at each edge, so the counts are
#: those of the raw line to within one bucket (64 of >= 256 points) at a column's
#: edges, and the cost is ~1/64 of the raw read (1,000 runs x 100,000 steps would be
#: ~6 s of CPU raw).
ROLLUP_COLUMN_POINTS = 4 * ROLLUP_POINTS


def _rollup_line(rollup: Rollup) -> tuple[np.ndarray, np.ndarray]:
    """A rollup as a line: each bucket's min then max at its last step."""
    xs = np.repeat(rollup.steps.astype(np.float64), 2)
    ys = np.column_stack((rollup.vmin, rollup.vmax)).ravel().astype(np.float64)
    return xs, ys


def _last_value(values: np.ndarray) -> float | None:
    finite = np.flatnonzero(np.isfinite(values))
    return float(values[finite[-1]]) if len(finite) else None


def panel_density(
    store: TrackingStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    key: str,
    x: str,
    columns: int,
    rows: int,
    log_y: bool = False,
    best: int = 5,
    higher_is_better: bool = False,
) -> dict[str, Any]:
    """The density of one key over many runs, and the ``best`` runs by the key's last
    value. On ``_step`` the rollups of all runs are read first and the raw points of
    those with fewer than :data:`ROLLUP_COLUMN_POINTS` per column (one bulk read each);
    on another x the raw points and each run's x series in one bulk read."""
    lines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    last: dict[str, float | None] = {}
    short = list(run_ids)
    if x == "_step":
        rollups = store.read_rollup_many(entity, project, run_ids, [key])
        short = []
        for run_id in run_ids:
            rollup = rollups[(run_id, key)]
            if int(rollup.count.sum()) >= ROLLUP_COLUMN_POINTS * columns:
                lines[run_id] = _rollup_line(rollup)
                last[run_id] = _last_value(rollup.last)
            else:
                short.append(run_id)
    if short:
        source = "_timestamp" if x == "_wall" else x
        read_keys = [key] if x == "_step" else list(dict.fromkeys([key, source]))
        raw = read_raw(store, entity, project, short, read_keys, None, None)
        for run_id in short:
            axis = None if x == "_step" else raw[(run_id, source)]
            lines[run_id] = points_xy(raw[(run_id, key)], x, axis, None, None)
            last[run_id] = _last_value(raw[(run_id, key)].values.astype(np.float64))
    out = density_grid([lines[run_id] for run_id in run_ids], columns, rows, log_y)
    sign = -1.0 if higher_is_better else 1.0
    scored = sorted((sign * v, run_id) for run_id, v in last.items() if v is not None)
    out["best"] = [run_id for _, run_id in scored[:best]]
    out["runCount"] = len(run_ids)
    out["key"] = key
    out["x"] = x
    return out
