"""``/projects/{entity}/{project}/importance``: each config key's correlation with a
summary metric and its random-forest importance (see :mod:`runyard.server.queries.importance`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.queries.importance import ImportanceCache, fingerprint
from runyard.server.routes.keys import no_nul
from runyard.server.routes.runs import _filters
from runyard.store.base import TrackingStore

router = APIRouter(tags=["importance"])

#: Runs one answer relates (the forest's cost grows with runs x config keys).
MAX_RUNS = 5000


def _cache(request: Request) -> ImportanceCache:
    state = request.app.state
    cache: ImportanceCache | None = getattr(state, "importance_cache", None)
    if cache is None:  # a race makes two caches once; harmless
        cache = state.importance_cache = ImportanceCache()
    return cache


# A plain ``def``: FastAPI runs it in its threadpool, so fitting the forest never blocks
# the event loop serving other requests.
@router.get("/projects/{entity}/{project}/importance")
def get_importance(
    request: Request,
    entity: str,
    project: str,
    metric: str = Query(..., description="a summary key, dotted for nested (loss.min)"),
    filters: str | None = Query(None, description="MongoDB-like run filters, as JSON"),
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """Parameters ranked by importance, then by |correlation|; see docs/http-api.md."""
    check_access(request, entity, project)
    metric = no_nul(metric, "metric")
    if not metric:
        raise HTTPException(400, "metric must name a summary key")
    try:
        where = _filters(filters, None)
        records = tracking.query_runs(entity, project, where, "+created_at", limit=MAX_RUNS + 1)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    if len(records) > MAX_RUNS:
        raise HTTPException(400, f"at most {MAX_RUNS} runs per request; narrow them with filters")
    key = (entity, project, metric, json.dumps(where, sort_keys=True), fingerprint(records))
    return _cache(request).get(key, records, metric)
