"""``/projects/{entity}/{project}/groups``: runs grouped by keys, one aggregate line with a
band per group and metric, computed over every run's full series."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.metrics.grouping import AGGREGATES, BANDS
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.queries.grouping import GroupsCache, group_runs, grouped_series, parse_by
from runyard.server.queries.importance import fingerprint
from runyard.server.routes.keys import no_nul
from runyard.server.routes.runs import _filters
from runyard.store.base import TrackingStore

router = APIRouter(tags=["groups"])

#: Runs, keys, and runs x keys one request may aggregate. Each run x key is one full
#: series read (anonymous readers of a public project may call this), so the cost is
#: bounded as /series bounds it; narrow the runs with ``filters`` past these.
MAX_RUNS = 1000
MAX_KEYS = 10
MAX_SERIES = 5000


def _cache(request: Request) -> GroupsCache:
    state = request.app.state
    cache: GroupsCache | None = getattr(state, "groups_cache", None)
    if cache is None:  # a race makes two caches once; harmless
        cache = state.groups_cache = GroupsCache()
    return cache


@router.get("/projects/{entity}/{project}/groups")
def get_groups(
    request: Request,
    entity: str,
    project: str,
    by: str = Query(..., description="comma-separated: config.<key>, group, job_type, tags"),
    keys: str = Query(..., description=f"comma-separated metric keys (at most {MAX_KEYS})"),
    agg: str = Query("mean", description=" | ".join(AGGREGATES)),
    band: str = Query("std", description=" | ".join(BANDS)),
    x: str = Query("_step", description="_step, _runtime, _wall, _timestamp or a metric key"),
    points: int = Query(1000, ge=2, le=10_000),
    filters: str | None = Query(None, description="MongoDB-like run filters, as JSON"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """Groups in the order of their key values; see docs/http-api.md."""
    check_access(request, entity, project)
    names = list(dict.fromkeys(no_nul(k, "metric key") for k in keys.split(",") if k))
    if not names:
        raise HTTPException(400, "keys must name at least one metric key")
    if len(names) > MAX_KEYS:
        raise HTTPException(400, f"at most {MAX_KEYS} keys per request, got {len(names)}")
    try:
        fields = parse_by(no_nul(by, "by"))
        if agg not in AGGREGATES:
            raise ValueError(f"unknown agg {agg!r}; expected one of {', '.join(AGGREGATES)}")
        if band not in BANDS:
            raise ValueError(f"unknown band {band!r}; expected one of {', '.join(BANDS)}")
        records = tracking.query_runs(
            entity, project, _filters(filters, None), "+created_at", limit=MAX_RUNS + 1
        )
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    if len(records) > MAX_RUNS:
        raise HTTPException(400, f"at most {MAX_RUNS} runs per request; narrow them with filters")
    if len(records) * len(names) > MAX_SERIES:
        raise HTTPException(
            400,
            f"at most {MAX_SERIES} series (runs x keys) per request, got {len(records)} runs "
            f"x {len(names)} keys = {len(records) * len(names)}; ask for fewer keys at a time",
        )
    groups = group_runs(records, fields)
    # Answers are reused until any of the project's matching runs changes (fingerprint).
    key = (
        entity,
        project,
        tuple(fields),
        tuple(names),
        agg,
        band,
        x,
        points,
        filters or "",
        fingerprint(records),
    )
    lines = _cache(request).get(
        key,
        lambda: grouped_series(tracking, groups, names, x=x, agg=agg, band=band, points=points),
    )
    payload = {
        "by": fields,
        "keys": names,
        "agg": agg,
        "band": band,
        "x": x,
        "groups": lines,
    }
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json")
