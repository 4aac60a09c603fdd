"""Logged media: every step of a media key across runs, and the files themselves.

``/projects/{entity}/{project}/media`` lists the payloads (with URLs);
``/projects/{entity}/{project}/runs/{run_id}/media/{path}`` serves one file inline
with the headers of :mod:`runyard.server.media`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import file_key
from runyard.server.access import check_access
from runyard.server.deps import blobs, require_run, store
from runyard.server.media import (
    content_type,
    logged_values,
    media_headers,
    media_path,
    present,
)
from runyard.server.routes.keys import no_nul, run_ids
from runyard.server.vendor import rewrite_cdn_urls
from runyard.store.base import TrackingStore

router = APIRouter(tags=["media"])

#: Runs per media request (each is one read of the key's history).
MAX_RUNS = 500


@router.get("/projects/{entity}/{project}/media")
def list_media(
    request: Request,
    entity: str,
    project: str,
    runs: str = Query(..., description="comma-separated run ids (at most 500)"),
    key: str = Query(..., min_length=1, description="the media key"),
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    check_access(request, entity, project)
    no_nul(key, "key")
    out = []
    for run_id in run_ids(runs, MAX_RUNS) or []:
        record = require_run(tracking, entity, project, run_id)
        steps = [
            {"step": step, "value": present(value, entity, project, run_id)}
            for step, value in logged_values(tracking, record, key)
        ]
        out.append({"run": run_id, "steps": steps})
    return {"key": key, "runs": out}


@router.get("/projects/{entity}/{project}/runs/{run_id}/media/{path:path}")
def get_media_file(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    path: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> Response:
    check_access(request, entity, project)
    try:
        safe = media_path(path)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    record = require_run(tracking, entity, project, no_nul(run_id, "run id"))
    try:
        data = files.get(file_key(record.ref, safe))
    except OSError:  # missing, a directory, a name too long for the file system
        raise HTTPException(404, f"run {run_id} has no media file {path!r}") from None
    kind = content_type(safe)
    if kind.startswith("text/html"):
        # A page saved with plotly.js/BokehJS/Panel from a CDN draws offline too.
        data = rewrite_cdn_urls(data)
    return Response(data, media_type=kind, headers=media_headers(kind))
