"""``/projects/{entity}/{project}/runs/{run_id}/logs``: a run's console lines.

One page of lines from ``start`` on, optionally only those matching ``q``. The web
app's Logs tab reads it as JSON (and re-reads from its last line every few seconds
while the run is running: that line may have been redrawn, a progress bar);
:class:`~runyard.store.rest.store.HttpStore` reads the same route in the store's
msgpack format by asking for it in ``Accept``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.entities import RunRef
from runyard.server.access import check_access
from runyard.server.deps import require_run, store
from runyard.server.routes.keys import no_nul
from runyard.store.base import TrackingStore
from runyard.store.wire import MEDIA_TYPE

__all__ = ["MAX_LINES", "data_response", "router"]

router = APIRouter(tags=["logs"])

#: Lines one request may ask for.
MAX_LINES = 5000


def data_response(request: Request, obj: Any) -> Response:
    """``obj`` as JSON (NaN as null), or as the store's msgpack when the client asks
    for it (``Accept: application/vnd.runyard.v1+msgpack``: HttpStore)."""
    if MEDIA_TYPE in request.headers.get("accept", ""):
        from runyard.server.routes.store_reads import msgpack_response

        return msgpack_response(request, obj)
    return Response(orjson.dumps(obj), media_type="application/json")


@router.get("/projects/{entity}/{project}/runs/{run_id}/logs")
def get_logs(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    q: str | None = Query(None, description="only lines holding this text (any case)"),
    regex: bool = Query(False, description="q is a regular expression (any case)"),
    start: int = Query(0, ge=0, le=2**62, description="first line number"),
    limit: int = Query(1000, ge=0, le=MAX_LINES, description=f"lines, at most {MAX_LINES}"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``{"lines": [{"line", "stream", "ts", "text"}, …], "total": lines in the run}``,
    plus ``"matched"`` (lines matching ``q`` in the whole run) with ``q``. A pattern
    that is not valid answers 400 naming it."""
    check_access(request, entity, project)
    require_run(tracking, entity, project, run_id)
    ref = RunRef(entity, project, run_id)
    search = no_nul(q, "q") if q else None
    try:
        lines = tracking.read_console(ref, search, regex, start, limit) if limit else []
        out: dict[str, Any] = {
            "lines": [
                {"line": n, "stream": stream, "ts": ts, "text": text}
                for n, stream, ts, text in lines
            ],
            "total": tracking.count_console(ref),
        }
        if search:
            out["matched"] = tracking.count_console(ref, search, regex)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return data_response(request, out)
