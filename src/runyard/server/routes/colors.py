"""``/projects/{entity}/{project}/colors``: every run's colour as the web app draws it.

With key-based colours on (the workspace's saved ``keyColors``, or ``key``/``y``/
``buckets``/``palette`` in the query), runs are bucketed by one value each and coloured
by :func:`runyard.metrics.colors.assign_key_colors`; otherwise each run gets its picked,
stored or palette colour (:func:`runyard.metrics.colors.assign_run_colors`). The per-run
values come from what is stored already: config and summary documents, and the series
rollups (min/max/last per 64 points) for a metric's max, min and latest value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from runyard.entities import RunRecord
from runyard.metrics.colors import (
    MISSING_COLOR,
    KeyColorSetting,
    KeyValue,
    assign_key_colors,
    assign_run_colors,
    key_value,
    value_at,
)
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.routes.keys import run_ids
from runyard.server.routes.workspace import caller_workspace
from runyard.store.base import TrackingStore

router = APIRouter(tags=["colors"])

CONFIG_PREFIX = "config:"
_TIMESTAMP = "_timestamp"


@router.get("/projects/{entity}/{project}/colors")
def get_colors(
    request: Request,
    entity: str,
    project: str,
    key: str | None = Query(
        None,
        description="colour by this key (turns key-based colours on): a metric key, "
        "config:<path>, _runtime, _wall, _timestamp or _step",
    ),
    y: str | None = Query(None, description="latest, max or min (metric keys)"),
    buckets: int | None = Query(None, description="2 to 8"),
    palette: str | None = Query(None, description="viridis, cividis, magma or plasma"),
    runs: str | None = Query(None, description="comma-separated run ids (default: all)"),
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    user = check_access(request, entity, project)
    # the caller's workspace: their personal one on a team server (issue 18)
    saved, _scope = caller_workspace(tracking, entity, project, user)
    try:
        setting = KeyColorSetting.from_json(saved.get("keyColors")).with_overrides(
            key, y, buckets, palette
        )
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    stamps = tracking.run_stamps(entity, project)
    custom = saved.get("runColors")
    # Palette slots depend on every run of the project, so they are assigned over all
    # (from the runs' stamps only: their documents are read for key-based colours).
    base = assign_run_colors(
        ((run_id, created, color) for run_id, _name, created, color in stamps),
        custom if isinstance(custom, Mapping) else None,
    )
    wanted = run_ids(runs, 10_000)
    keep = None if wanted is None else set(wanted)
    body: dict[str, Any] = {
        "enabled": setting.active,
        **setting.to_json(),
        "kind": None,
        "missing_color": MISSING_COLOR,
        "legend": [],
        "missing": [],
    }
    if not setting.active:
        body["runs"] = [
            {"id": run_id, "name": name, "value": None, "bucket": None, "color": base[run_id]}
            for run_id, name, _created, _color in stamps
            if keep is None or run_id in keep
        ]
        return body
    records = tracking.list_runs(entity, project)
    if keep is not None:
        records = [r for r in records if r.ref.run_id in keep]
    values = {r.ref.run_id: run_value(tracking, r, setting.key, setting.y) for r in records}
    colors = assign_key_colors(values, setting.buckets, setting.palette)
    body["kind"] = colors.kind
    body["legend"] = [b.to_json() for b in colors.buckets]
    body["missing"] = colors.missing
    body["runs"] = [
        _run_json(
            r,
            values[r.ref.run_id],
            colors.bucket_of[r.ref.run_id],
            colors.colors[r.ref.run_id],
        )
        for r in records
    ]
    return body


def _run_json(record: RunRecord, value: KeyValue, bucket: int | None, color: str) -> dict[str, Any]:
    return {
        "id": record.ref.run_id,
        "name": record.display_name or record.ref.run_id,
        "value": _json_value(value),
        "bucket": bucket,
        "color": color,
    }


def _json_value(value: KeyValue) -> Any:
    """JSON has no NaN or infinity: they travel as the store's ``{"$float": ...}`` markers."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return {"$float": "NaN"}
        return {"$float": "Infinity" if value > 0 else "-Infinity"}
    return value


def run_value(tracking: TrackingStore, record: RunRecord, key: str, y: str) -> KeyValue:
    """One run's value for a key: a config value, or a metric's ``y`` (latest, max, min)."""
    if key.startswith(CONFIG_PREFIX):
        return key_value(value_at(record.config, key[len(CONFIG_PREFIX) :]))
    if key == "_wall":
        return _wall_value(tracking, record, y)
    if key == "_step":
        return _step_value(tracking, record, y)
    if y == "latest":
        # the summary holds the last value, unless define_metric(summary=...) replaced it
        latest = key_value(value_at(record.summary, key))
        if latest is not None:
            return latest
    rollup = tracking.read_rollup(record.ref, key)
    if not len(rollup):
        return None
    if y == "latest":
        return float(rollup.last[-1])
    return _extreme(rollup.vmax if y == "max" else rollup.vmin, y)


def _extreme(values: np.ndarray, y: str) -> float:
    """Max or min ignoring NaN (NaN only when every value is NaN)."""
    with np.errstate(invalid="ignore"):
        reduce = np.fmax if y == "max" else np.fmin
        return float(reduce.reduce(values.astype(np.float64)))


def _first_row(
    tracking: TrackingStore, record: RunRecord, first_bucket_step: int
) -> tuple[int, float]:
    """Step and timestamp of the run's first history row (reads one rollup bucket)."""
    head = tracking.read_series(record.ref, _TIMESTAMP, None, first_bucket_step + 1)
    return int(head.steps[0]), float(head.values[0])


def _wall_value(tracking: TrackingStore, record: RunRecord, y: str) -> KeyValue:
    """Relative Time (Wall): seconds since the run's first row, as the ``_wall`` x-axis."""
    rollup = tracking.read_rollup(record.ref, _TIMESTAMP)
    if not len(rollup):
        return None
    _step, start = _first_row(tracking, record, int(rollup.steps[0]))
    if y == "latest":
        return float(rollup.last[-1]) - start
    return _extreme(rollup.vmax if y == "max" else rollup.vmin, y) - start


def _step_value(tracking: TrackingStore, record: RunRecord, y: str) -> KeyValue:
    rollup = tracking.read_rollup(record.ref, _TIMESTAMP)  # every row has a timestamp
    if not len(rollup):
        return None
    if y == "min":
        return float(_first_row(tracking, record, int(rollup.steps[0]))[0])
    return float(rollup.steps[-1])
