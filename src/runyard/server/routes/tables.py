"""``/projects/{entity}/{project}/runs/{run_id}/table``: one page of a logged table."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import file_key
from runyard.server.access import check_access
from runyard.server.deps import blobs, require_run, store
from runyard.server.media import media_path, media_type_of, present, step_value
from runyard.server.routes.keys import no_nul
from runyard.server.tables import read_table_page
from runyard.store.base import TrackingStore

router = APIRouter(tags=["media"])

#: Rows per page at most: custom charts read whole tables in one request.
MAX_LIMIT = 100_000
#: Steps are 64-bit in the store (and ``step + 1`` must be too).
MAX_STEP = 2**63 - 2


@router.get("/projects/{entity}/{project}/runs/{run_id}/table")
def get_table(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    key: str = Query(..., min_length=1, description="the table's key"),
    step: int | None = Query(
        None, ge=0, le=MAX_STEP, description="default: the latest step with the key"
    ),
    offset: int = Query(0, ge=0, le=MAX_STEP),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    sort: str | None = Query(None, description="column to sort by"),
    desc: bool = False,
    q: str | None = Query(None, description="keep rows where a cell contains this text"),
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> Response:
    check_access(request, entity, project)
    record = require_run(tracking, entity, project, no_nul(run_id, "run id"))
    no_nul(key, "key")
    found = step_value(tracking, record, key, step)
    if found is None:
        where = "" if step is None else f" at step {step}"
        raise HTTPException(404, f"run {run_id} has no value of {key!r}{where}")
    at, value = found
    kind = media_type_of(value)
    path = value.get("path") if isinstance(value, dict) else None
    if kind != "table-file" or not isinstance(path, str):
        got = kind or type(value).__name__
        raise HTTPException(400, f"{key!r} of run {run_id} holds {got}, not a table-file")
    try:
        data = files.get(file_key(record.ref, media_path(path)))
    except OSError:
        raise HTTPException(404, f"run {run_id} has no table file {path!r}") from None
    page = read_table_page(data, path, offset, limit, sort, desc, q)
    rows = [[present(cell, entity, project, run_id) for cell in row] for row in page.rows]
    body = {
        "key": key,
        "step": at,
        "columns": page.columns,
        "rows": rows,
        "total": page.total,
        "nrows": page.nrows,
    }
    # orjson: a whole table for a chart (up to 100,000 rows) without per-cell encoders.
    return Response(orjson.dumps(body), media_type="application/json")
