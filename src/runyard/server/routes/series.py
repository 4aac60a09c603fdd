"""``/projects/{entity}/{project}/series``: chart data for N runs x M keys, reduced per pixel."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.server.access import check_access
from runyard.server.density import panel_density
from runyard.server.deps import store
from runyard.server.routes.keys import no_nul
from runyard.server.series import BINARY_MEDIA_TYPE, panel_series, series_binary
from runyard.store.base import TrackingStore

router = APIRouter(tags=["series"])

#: Bounds of one request. Anonymous readers of a public project may call this route,
#: so its cost is bounded by the points it may return (series x ``points``), not by
#: runs: a panel of 1,000 runs x 5 keys at 1,000 points is served, 10,000 x 50 is not.
#: Reads are bounded with it: on ``_step`` a series is read as rollups (64 points a
#: row) unless it has fewer than 64 x ``points`` points.
MAX_RUNS = 10_000
MAX_KEYS = 50
MAX_POINTS = 10_000_000


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
    format: str = Query("json", description=f"json, or binary ({BINARY_MEDIA_TYPE})"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """One series per distinct (run, key), runs in the order given, keys within each run
    in the order given; repeated ids or keys are answered once. At most ``MAX_POINTS``
    runs x keys x points per request (400 naming the limit). JSON unless the client
    asks for the compact typed-array body (``format=binary`` or ``Accept:
    application/x-runyard-series``, see :func:`~runyard.server.series.series_binary`)."""
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
    if len(ids) * len(names) * points > MAX_POINTS:
        raise HTTPException(
            400,
            f"at most {MAX_POINTS} points (runs x keys x points) per request, got {len(ids)} "
            f"runs x {len(names)} keys x {points} points = {len(ids) * len(names) * points}; "
            "ask for fewer keys or points at a time",
        )
    if xmin is not None and xmax is not None and xmin > xmax:
        raise HTTPException(400, f"xmin ({xmin}) is greater than xmax ({xmax})")
    for bound in (xmin, xmax):
        if bound is not None and bound != bound:
            raise HTTPException(400, "xmin and xmax must be numbers, got NaN")
    if format not in ("json", "binary"):
        raise HTTPException(400, f"format must be 'json' or 'binary', got {format!r}")
    out = panel_series(tracking, entity, project, ids, names, x, xmin, xmax, points)
    headers = {"Vary": "Accept"}
    if format == "binary" or BINARY_MEDIA_TYPE in request.headers.get("accept", ""):
        return Response(series_binary(x, out), media_type=BINARY_MEDIA_TYPE, headers=headers)
    # orjson writes the numpy columns directly (NaN as null): no per-float Python.
    body = orjson.dumps({"x": x, "series": out}, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json", headers=headers)


MAX_COLUMNS = 2000
MAX_ROWS = 1000


@router.get("/projects/{entity}/{project}/density")
def get_density(
    request: Request,
    entity: str,
    project: str,
    runs: str = Query(..., description=f"comma-separated run ids (at most {MAX_RUNS})"),
    key: str = Query(..., description="the metric key"),
    x: str = Query("_step", description="_step, _runtime, _wall, _timestamp or a metric key"),
    columns: int = Query(160, ge=1, le=MAX_COLUMNS),
    rows: int = Query(64, ge=1, le=MAX_ROWS),
    log_y: bool = Query(False, alias="logY"),
    best: int = Query(5, ge=0, le=100, description="how many best runs to name"),
    higher: bool = Query(False, description="larger last values are better"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """How many of the runs' lines pass through each cell of a ``columns`` x ``rows`` grid
    over the key's x and y ranges (:func:`~runyard.server.density.density_grid`), from
    the raw points; ``counts`` is row-major, row 0 at ``ymin``. Also the ``best`` run ids
    by the key's last value (smallest first, or largest with ``higher``). A line panel of
    hundreds of runs draws this instead of every line (issue 20)."""
    check_access(request, entity, project)
    ids = _distinct(runs, "run id")
    if not ids:
        raise HTTPException(400, "runs must name at least one run id")
    if len(ids) > MAX_RUNS:
        raise HTTPException(400, f"at most {MAX_RUNS} runs per request, got {len(ids)}")
    name = no_nul(key, "metric key")
    out = panel_density(tracking, entity, project, ids, name, x, columns, rows, log_y, best, higher)
    out["counts"] = out["counts"].ravel()
    body = orjson.dumps(out, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json")
