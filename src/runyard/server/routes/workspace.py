"""``/projects/{entity}/{project}/workspace`` and ``/views``: the web app's layouts.

A project has one shared workspace (its layout and settings), a personal workspace per
signed-in user, and saved, named views anyone who reads the project can open. All of it
is one JSON document in the store's ``workspaces`` row: the shared settings at the top,
the personal workspaces and the views under the reserved key :data:`RESERVED`, which the
routes never hand out as settings. Writes are read-modify-write of that document, so two
writes at the same instant may lose one (the last wins, as for the shared workspace).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from runyard.errors import StoreError
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.schemas import WorkspaceBody
from runyard.store.base import TrackingStore

router = APIRouter(tags=["workspace"])

MAX_SETTINGS_BYTES = 1 << 20
#: The whole document (shared + personal workspaces + views) may be this much bigger.
MAX_DOCUMENT_BYTES = 16 << 20
MAX_VIEW_NAME = 100
#: The key of the document holding ``{"personal": {user: settings}, "views": {name: …}}``.
RESERVED = "__runyard"


def _document(tracking: TrackingStore, entity: str, project: str) -> dict[str, Any]:
    return dict(tracking.get_workspace(entity, project) or {})


def _extra(document: dict[str, Any]) -> dict[str, Any]:
    extra = document.get(RESERVED)
    return dict(extra) if isinstance(extra, dict) else {}


def _shared(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != RESERVED}


def _check_size(settings: dict[str, Any]) -> None:
    size = len(json.dumps(settings))
    if size > MAX_SETTINGS_BYTES:
        raise HTTPException(413, f"settings are {size} bytes; the limit is {MAX_SETTINGS_BYTES}")


def _change(
    tracking: TrackingStore,
    entity: str,
    project: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Read the document, apply ``change``, write it back (404 for an unknown project)."""
    document = change(_document(tracking, entity, project))
    size = len(json.dumps(document))
    if size > MAX_DOCUMENT_BYTES:
        raise HTTPException(
            413, f"the project's workspaces are {size} bytes; the limit is {MAX_DOCUMENT_BYTES}"
        )
    try:
        tracking.put_workspace(entity, project, document)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from exc


def caller_workspace(
    tracking: TrackingStore, entity: str, project: str, user: str | None
) -> tuple[dict[str, Any], str]:
    """The settings ``user`` works with (their personal workspace, else the shared one)
    and which it is: ``"personal"`` or ``"project"``."""
    document = _document(tracking, entity, project)
    personal = _extra(document).get("personal", {})
    if user is not None and isinstance(personal, dict) and isinstance(personal.get(user), dict):
        return dict(personal[user]), "personal"
    return _shared(document), "project"


@router.get("/projects/{entity}/{project}/workspace")
def get_workspace(
    request: Request, entity: str, project: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    """The caller's personal workspace if they saved one, else the project's shared one."""
    user = check_access(request, entity, project)
    settings, scope = caller_workspace(tracking, entity, project, user)
    return {"settings": settings, "scope": scope}


@router.put("/projects/{entity}/{project}/workspace")
def put_workspace(
    request: Request,
    entity: str,
    project: str,
    body: WorkspaceBody,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """Save the caller's personal workspace (signed in) or the shared one (no accounts)."""
    user = check_access(request, entity, project, write=True)
    _check_size(body.settings)
    settings = {k: v for k, v in body.settings.items() if k != RESERVED}

    def change(document: dict[str, Any]) -> dict[str, Any]:
        extra = _extra(document)
        if user is None:
            return {**settings, **({RESERVED: extra} if extra else {})}
        personal = dict(extra.get("personal") or {})
        personal[user] = settings
        return {**_shared(document), RESERVED: {**extra, "personal": personal}}

    _change(tracking, entity, project, change)
    return {"settings": settings, "scope": "project" if user is None else "personal"}


def _view_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_VIEW_NAME or any(ord(c) < 32 for c in name):
        raise HTTPException(
            422, f"invalid view name {name!r}: 1 to {MAX_VIEW_NAME} printable characters"
        )
    return name


def _views(document: dict[str, Any]) -> dict[str, Any]:
    views = _extra(document).get("views")
    return dict(views) if isinstance(views, dict) else {}


@router.get("/projects/{entity}/{project}/views")
def list_views(
    request: Request, entity: str, project: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    """The project's saved views (name, owner, updated_at), by name."""
    check_access(request, entity, project)
    views = _views(_document(tracking, entity, project))
    return {
        "views": [
            {"name": name, "owner": v.get("owner"), "updated_at": v.get("updated_at")}
            for name, v in sorted(views.items())
        ]
    }


@router.get("/projects/{entity}/{project}/views/{name}")
def get_view(
    request: Request, entity: str, project: str, name: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    check_access(request, entity, project)
    view = _views(_document(tracking, entity, project)).get(_view_name(name))
    if view is None:
        raise HTTPException(404, f"no view {name!r} in {entity}/{project}")
    return {"name": name, **view}


@router.put("/projects/{entity}/{project}/views/{name}")
def put_view(
    request: Request,
    entity: str,
    project: str,
    name: str,
    body: WorkspaceBody,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """Save (or replace) the named view; anyone who may write the project may."""
    user = check_access(request, entity, project, write=True)
    _view_name(name)
    _check_size(body.settings)
    view = {"settings": body.settings, "owner": user, "updated_at": time.time()}

    def change(document: dict[str, Any]) -> dict[str, Any]:
        extra = _extra(document)
        return {**document, RESERVED: {**extra, "views": {**_views(document), name: view}}}

    _change(tracking, entity, project, change)
    return {"name": name, **view}


@router.delete("/projects/{entity}/{project}/views/{name}")
def delete_view(
    request: Request, entity: str, project: str, name: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    check_access(request, entity, project, write=True)
    document = _document(tracking, entity, project)
    views = _views(document)
    if _view_name(name) not in views:
        raise HTTPException(404, f"no view {name!r} in {entity}/{project}")
    del views[name]
    _change(tracking, entity, project, lambda d: {**d, RESERVED: {**_extra(d), "views": views}})
    return {"deleted": name}
