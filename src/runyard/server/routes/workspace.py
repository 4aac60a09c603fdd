"""``/projects/{entity}/{project}/workspace`` and ``/views``: the web app's layouts.

A project has one shared workspace (its layout and settings), a personal workspace per
signed-in user, and saved, named views anyone who reads the project can open. The
workspaces are one JSON document in the store's ``workspaces`` row: the shared settings
at the top, the personal workspaces under the reserved key :data:`RESERVED`, which the
routes never hand out as settings. Each write reads and rewrites the document in one
store transaction, so two users saving their personal workspaces at once both keep
theirs (two saves of the same workspace: the last wins). Saved views are rows of their
own (``views``, revision 0008): saving, renaming or deleting one touches only its row,
so two views saved at once both survive; names are unique per project.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from runyard.errors import StoreError
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.schemas import WorkspaceBody
from runyard.store.base import SavedView, TrackingStore, ViewExistsError

router = APIRouter(tags=["workspace"])

MAX_SETTINGS_BYTES = 1 << 20
#: The whole document (shared + personal workspaces + views) may be this much bigger.
MAX_DOCUMENT_BYTES = 16 << 20
MAX_VIEW_NAME = 100
#: The key of the document holding ``{"personal": {user: settings}}`` (and, before
#: revision 0008, the views, which the migration moved to their own table).
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
    """Apply ``change`` to the document in one store transaction (so two users saving
    their personal workspaces at once both land); 404 for an unknown project."""

    def checked(document: dict[str, Any]) -> dict[str, Any]:
        changed = change(document)
        size = len(json.dumps(changed))
        if size > MAX_DOCUMENT_BYTES:
            raise HTTPException(
                413, f"the project's workspaces are {size} bytes; the limit is {MAX_DOCUMENT_BYTES}"
            )
        return changed

    try:
        tracking.change_workspace(entity, project, checked)
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


class RenameViewBody(BaseModel):
    """A view's new name."""

    name: str


def _view_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_VIEW_NAME or any(ord(c) < 32 for c in name):
        raise HTTPException(
            422, f"invalid view name {name!r}: 1 to {MAX_VIEW_NAME} printable characters"
        )
    return name


def _present(view: SavedView, *, settings: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": view.name,
        "owner": view.owner,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    }
    if settings:
        out["settings"] = view.settings
    return out


def _no_view(entity: str, project: str, name: str) -> HTTPException:
    return HTTPException(404, f"no view {name!r} in {entity}/{project}")


@router.get("/projects/{entity}/{project}/views")
def list_views(
    request: Request,
    entity: str,
    project: str,
    full: bool = False,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """The project's saved views (name, owner, times; their settings too with
    ``?full=true``), by name."""
    check_access(request, entity, project)
    views = tracking.list_views(entity, project)
    return {"views": [_present(v, settings=full) for v in views]}


@router.get("/projects/{entity}/{project}/views/{name}")
def get_view(
    request: Request, entity: str, project: str, name: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    check_access(request, entity, project)
    view = tracking.get_view(entity, project, _view_name(name))
    if view is None:
        raise _no_view(entity, project, name)
    return _present(view)


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
    try:
        view = tracking.put_view(entity, project, name, body.settings, owner=user)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from exc
    return _present(view)


@router.patch("/projects/{entity}/{project}/views/{name}")
def rename_view(
    request: Request,
    entity: str,
    project: str,
    name: str,
    body: RenameViewBody,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """Rename a view (409 when the project has a view of the new name already)."""
    user = check_access(request, entity, project, write=True)
    new_name = _view_name(body.name)
    try:
        view = tracking.rename_view(entity, project, _view_name(name), new_name, owner=user)
    except ViewExistsError as exc:
        raise HTTPException(409, str(exc)) from exc
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from exc
    if view is None:
        raise _no_view(entity, project, name)
    return _present(view)


@router.delete("/projects/{entity}/{project}/views/{name}")
def delete_view(
    request: Request, entity: str, project: str, name: str, tracking: TrackingStore = Depends(store)
) -> dict[str, Any]:
    check_access(request, entity, project, write=True)
    if not tracking.delete_view(entity, project, _view_name(name)):
        raise _no_view(entity, project, name)
    return {"deleted": name}
