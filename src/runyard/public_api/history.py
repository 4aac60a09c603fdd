"""Sampled history for ``Run.history``: a few hundred rows that keep every extreme."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runyard.entities import RunRef
from runyard.metrics.sampling import sample_rows
from runyard.store.base import TrackingStore

__all__ = ["sampled_history"]


def sampled_history(
    store: TrackingStore,
    ref: RunRef,
    samples: int,
    keys: Sequence[str] | None,
    x_axis: str,
) -> list[dict[str, Any]]:
    """Rows at about ``samples`` steps; each key's min/max rows are among them."""
    all_keys = [k for k in store.history_keys(ref) if k != "_step"]
    if keys is None:
        wanted = all_keys
    else:
        wanted = list(dict.fromkeys([*keys, *([x_axis] if x_axis != "_step" else [])]))
    numeric: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key in wanted:
        series = store.read_series(ref, key)
        if len(series):
            numeric[key] = (series.steps, series.values)
    other = store.read_values(ref, [k for k in wanted if k != "_step"], 0, None)
    steps_of: dict[str, np.ndarray] = {}
    for key in wanted:
        parts = []
        if key in numeric:
            parts.append(numeric[key][0])
        if key in other:
            parts.append(np.fromiter((s for s, _ in other[key]), np.int64))
        steps_of[key] = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    if keys is None:
        candidates = np.unique(np.concatenate(list(steps_of.values()))) if steps_of else None
    else:
        candidates = None
        for key in wanted:
            candidates = (
                steps_of[key] if candidates is None else np.intersect1d(candidates, steps_of[key])
            )
    if candidates is None or len(candidates) == 0:
        return []
    lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key in wanted:
        if key in numeric:
            steps, values = numeric[key]
            mask = np.isin(steps, candidates)
            lists[key] = (steps[mask], values[mask].astype(np.float64, copy=False))
    if not lists:
        lists["_step"] = (candidates, np.full(len(candidates), np.nan))
    chosen = sample_rows(lists, samples)
    chosen = chosen[np.isin(chosen, candidates)]
    rows: dict[int, dict[str, Any]] = {int(s): {"_step": int(s)} for s in chosen}
    for key in wanted:
        if key in numeric:
            steps, values = numeric[key]
            idx = np.searchsorted(steps, chosen)
            ok = (idx < len(steps)) & (steps[np.minimum(idx, len(steps) - 1)] == chosen)
            for step, value in zip(chosen[ok].tolist(), values[idx[ok]].tolist(), strict=True):
                rows[step][key] = value
        for step, value in other.get(key, []):
            row = rows.get(step)
            if row is not None:
                row[key] = value
    return [rows[s] for s in sorted(rows)]
