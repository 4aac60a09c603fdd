"""``/projects/{entity}/{project}/series``: chart data for N runs x M keys, reduced per pixel."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.entities import RunRef
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.routes.keys import run_ids
from runyard.server.series import series_json
from runyard.store.base import TrackingStore

router = APIRouter(tags=["series"])


@router.get("/projects/{entity}/{project}/series")
def get_series(
    request: Request,
    entity: str,
    project: str,
    runs: str = Query(..., description="comma-separated run ids (at most 500)"),
    keys: str = Query(..., description="comma-separated metric keys (at most 50)"),
    x: str = Query("_step", description="_step, _runtime, _wall, _timestamp or a metric key"),
    xmin: float | None = None,
    xmax: float | None = None,
    points: int = Query(1000, ge=2, le=10_000),
    tracking: TrackingStore = Depends(store),
) -> Response:
    check_access(request, entity, project)
    ids = run_ids(runs, 500) or []
    names = [k for k in keys.split(",") if k]
    if not names:
        raise HTTPException(400, "keys must name at least one metric key")
    if len(names) > 50:
        raise HTTPException(400, f"at most 50 keys per request, got {len(names)}")
    if xmin is not None and xmax is not None and xmin > xmax:
        raise HTTPException(400, f"xmin ({xmin}) is greater than xmax ({xmax})")
    for bound in (xmin, xmax):
        if bound is not None and bound != bound:
            raise HTTPException(400, "xmin and xmax must be numbers, got NaN")
    out = []
    for run_id in ids:
        ref = RunRef(entity, project, run_id)
        for key in names:
            out.append(series_json(tracking, ref, key, x, xmin, xmax, points))
    # orjson writes the numpy columns directly (NaN as null): no per-float Python.
    body = orjson.dumps({"x": x, "series": out}, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json")
