"""The density of many runs' lines (issue 20): per cell of a grid over the panel, how many
runs pass through it, for line panels of more runs than lines can be told apart.

A run passes through a cell when its line (straight segments between consecutive
points; a NaN or infinite value breaks it, a lone point counts as itself) has a point
inside the cell's x range whose y falls in the cell. Per column, a run's line spans one
y interval: the min and max of its points inside the column and of the line where it
crosses the column's edges; every row of that interval counts the run once. The grid
is computed from the raw points (no reduction: every spike counts) with numpy; the web
app draws it (``web/src/components/DensityPanel.tsx``). tests/server/test_series_density.py
checks it against a plain loop of this definition, tests/browser/test_density.py the
page's counts against numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runyard.server.series import points_xy
from runyard.store.base import Series, TrackingStore

__all__ = ["density_grid", "panel_density"]


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


def _last(series: Series) -> float | None:
    """The last finite value of a series."""
    finite = np.flatnonzero(np.isfinite(series.values.astype(np.float64)))
    return float(series.values[finite[-1]]) if len(finite) else None


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
    """The density of one key over many runs (one bulk store read of their raw points and,
    off ``_step``, their x series), and the ``best`` runs by the key's last value."""
    source = "_timestamp" if x == "_wall" else x
    read_keys = [key] if x == "_step" else list(dict.fromkeys([key, source]))
    raw = store.read_series_many(entity, project, run_ids, read_keys)
    lines = [
        points_xy(
            raw[(run_id, key)], x, None if x == "_step" else raw[(run_id, source)], None, None
        )
        for run_id in run_ids
    ]
    out = density_grid(lines, columns, rows, log_y)
    sign = -1.0 if higher_is_better else 1.0
    scored = sorted(
        (sign * last, run_id)
        for run_id in run_ids
        if (last := _last(raw[(run_id, key)])) is not None
    )
    out["best"] = [run_id for _, run_id in scored[:best]]
    out["runCount"] = len(run_ids)
    out["key"] = key
    out["x"] = x
    return out
