"""``/projects/{entity}/{project}/series``: chart data for N runs x M keys, reduced per pixel."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.entities import RunRef
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.routes.keys import no_nul
from runyard.server.series import XAxis, series_json
from runyard.store.base import TrackingStore

router = APIRouter(tags=["series"])

#: Distinct runs, keys, and run x key pairs one request may ask for. Anonymous
#: readers of a public project may call this route, so one request's cost is
#: bounded: each pair is a few chunk reads (seconds of CPU for thousands of long runs).
MAX_RUNS = 500
MAX_KEYS = 50
MAX_SERIES = 2500


def _distinct(text: str, what: str) -> list[str]:
    """The comma-separated names in ``text``, each once, in the order first given."""
    return list(dict.fromkeys(no_nul(name, what) for name in text.split(",") if name))


@router.get("/projects/{entity}/{project}/series")
def get_series(
    request: Request,
    entity: str,
    project: str,
    runs: str = Query(..., description=f"comma-separated run ids (at most {MAX_RUNS})"),
    keys: str = Query(..., description=f"comma-separated metric keys (at most {MAX_KEYS})"),
    x: str = Query("_step", description="_step, _runtime, _wall, _timestamp or a metric key"),
    xmin: float | None = None,
    xmax: float | None = None,
    points: int = Query(1000, ge=2, le=10_000),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """One series per distinct (run, key), runs in the order given, keys within each run
    in the order given; repeated ids or keys are answered once. At most
    ``MAX_SERIES`` runs x keys per request (400 naming the limit)."""
    check_access(request, entity, project)
    ids = _distinct(runs, "run id")
    names = _distinct(keys, "metric key")
    if not ids:
        raise HTTPException(400, "runs must name at least one run id")
    if not names:
        raise HTTPException(400, "keys must name at least one metric key")
    if len(ids) > MAX_RUNS:
        raise HTTPException(400, f"at most {MAX_RUNS} runs per request, got {len(ids)}")
    if len(names) > MAX_KEYS:
        raise HTTPException(400, f"at most {MAX_KEYS} keys per request, got {len(names)}")
    if len(ids) * len(names) > MAX_SERIES:
        raise HTTPException(
            400,
            f"at most {MAX_SERIES} series (runs x keys) per request, got {len(ids)} runs x "
            f"{len(names)} keys = {len(ids) * len(names)}; ask for fewer keys at a time",
        )
    if xmin is not None and xmax is not None and xmin > xmax:
        raise HTTPException(400, f"xmin ({xmin}) is greater than xmax ({xmax})")
    for bound in (xmin, xmax):
        if bound is not None and bound != bound:
            raise HTTPException(400, "xmin and xmax must be numbers, got NaN")
    out = []
    for run_id in ids:
        ref = RunRef(entity, project, run_id)
        axis = XAxis(tracking, ref, x)  # one read of a run's x series for all its keys
        for key in names:
            out.append(series_json(tracking, ref, key, x, xmin, xmax, points, axis))
    # orjson writes the numpy columns directly (NaN as null): no per-float Python.
    body = orjson.dumps({"x": x, "series": out}, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json")
