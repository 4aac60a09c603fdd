"""``/projects/{entity}/{project}/runs/{run_id}/files``: files stored with a run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import run_prefix
from runyard.server.deps import blobs, require_run, store
from runyard.store.base import TrackingStore

router = APIRouter(tags=["files"])


def _safe_name(name: str) -> str:
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise HTTPException(400, f"invalid file name {name!r}")
    return name


@router.get("/projects/{entity}/{project}/runs/{run_id}/files")
def list_files(
    entity: str,
    project: str,
    run_id: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    record = require_run(tracking, entity, project, run_id)
    prefix = run_prefix(record.ref)
    return {
        "files": [
            {"name": key[len(prefix) + 1 :], "size": size} for key, size in files.list(prefix)
        ]
    }


@router.get("/projects/{entity}/{project}/runs/{run_id}/files/{name:path}")
def get_file(
    entity: str,
    project: str,
    run_id: str,
    name: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> Response:
    record = require_run(tracking, entity, project, run_id)
    key = f"{run_prefix(record.ref)}/{_safe_name(name)}"
    try:
        data = files.get(key)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise HTTPException(404, f"run {run_id} has no file {name!r}") from None
    filename = name.rsplit("/", 1)[-1]
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
