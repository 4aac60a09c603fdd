"""``/projects/{entity}/{project}/workspace``: the web app's saved layout and settings."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from runyard.errors import StoreError
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.schemas import WorkspaceBody
from runyard.store.base import TrackingStore

router = APIRouter(tags=["workspace"])

MAX_SETTINGS_BYTES = 1 << 20


@router.get("/projects/{entity}/{project}/workspace")
def get_workspace(
    request: Request, entity: str, project: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    check_access(request, entity, project)
    return {"settings": tracking.get_workspace(entity, project) or {}}


@router.put("/projects/{entity}/{project}/workspace")
def put_workspace(
    request: Request,
    entity: str,
    project: str,
    body: WorkspaceBody,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    check_access(request, entity, project, write=True)
    size = len(json.dumps(body.settings))
    if size > MAX_SETTINGS_BYTES:
        raise HTTPException(413, f"settings are {size} bytes; the limit is {MAX_SETTINGS_BYTES}")
    try:
        tracking.put_workspace(entity, project, body.settings)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"settings": body.settings}
