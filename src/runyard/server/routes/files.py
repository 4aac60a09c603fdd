"""``/projects/{entity}/{project}/runs/{run_id}/files``: files stored with a run.

Reads list and fetch a run's files. Writes come from the online SDK (media, run
files, summary tensors) in two ways:

- ``PUT …/files/{name}`` with the bytes as the body, through the server, up to
  ``RUNYARD_MAX_UPLOAD_BYTES`` (``app.state.max_upload_bytes``); the body is read
  in chunks and refused with 413 as soon as it passes the limit.
- ``POST …/uploads`` ``{"name", "size"}`` first: when the blob store can presign
  (S3), the answer is a presigned ``PUT`` URL on the bucket and the bytes never
  pass through the server (large artifacts through a proxy are what break
  MLflow's server, mlflow#7564); otherwise it is the ``PUT`` route above.

``output.log`` is the run's console (wandb's name): listed when the run has console
lines and read as text made from them, unless a file of that name was stored.

Writes do not require the run to exist yet: the SDK may upload a media file
before its batch creating the run reaches the server. They require write access
to the project, checked before anything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import file_key, run_prefix
from runyard.entities import RunRef, check_ref
from runyard.server.access import check_access
from runyard.server.deps import blobs, require_run, store
from runyard.server.limits import large_body
from runyard.store.base import TrackingStore

router = APIRouter(tags=["files"])

#: Lifetime of presigned upload and download URLs, in seconds.
PRESIGN_SECONDS = 3600
#: ``GET`` of a file at least this large redirects to a presigned URL when possible.
REDIRECT_BYTES = 8 << 20
#: The run file made from the run's console lines.
CONSOLE_FILE = "output.log"
_FILES = "/projects/{entity}/{project}/runs/{run_id}/files"


def _key(entity: str, project: str, run_id: str, name: str, *, write: bool = False) -> str:
    """The blob key of a run's file (:func:`runyard.blobs.keys.file_key`: one spelling
    for every route, the SDK and the public API); 400 for a bad file name and, on
    writes, for names no run can have (``..``, NUL, …)."""
    ref = RunRef(entity, project, run_id)
    try:
        if write:
            check_ref(ref)
        return file_key(ref, name)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get(_FILES)
def list_files(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    check_access(request, entity, project)
    record = require_run(tracking, entity, project, run_id)
    prefix = run_prefix(record.ref)  # list() answers keys below "<prefix>/"
    listed = [{"name": key[len(prefix) + 1 :], "size": size} for key, size in files.list(prefix)]
    if not any(f["name"] == CONSOLE_FILE for f in listed):
        size = tracking.console_size(record.ref)
        if size:
            listed.append({"name": CONSOLE_FILE, "size": size})
            listed.sort(key=lambda f: str(f["name"]))
    return {"files": listed}


@router.get(_FILES + "/{name:path}")
def get_file(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    name: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> Response:
    check_access(request, entity, project)
    record = require_run(tracking, entity, project, run_id)
    key = _key(entity, project, run_id, name)
    if name == CONSOLE_FILE and not _stored(files, key):
        return _console_file(tracking, record.ref, run_id)
    url = _large_file_url(files, key)
    if url is not None:
        return RedirectResponse(url, status_code=307)
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


def _stored(files: BlobStore, key: str) -> bool:
    try:
        files.size(key)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False
    return True


def _console_file(tracking: TrackingStore, ref: RunRef, run_id: str) -> Response:
    """``output.log`` made from the run's console lines, streamed a page at a time."""
    if not tracking.count_console(ref):
        raise HTTPException(404, f"run {run_id} has no file {CONSOLE_FILE!r}")

    def chunks() -> Iterator[bytes]:
        page: list[str] = []
        for line in tracking.iter_console(ref):
            page.append(line.text)
            if len(page) >= 1000:
                yield ("\n".join(page) + "\n").encode("utf-8")
                page = []
        if page:
            yield ("\n".join(page) + "\n").encode("utf-8")

    return StreamingResponse(
        chunks(),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{CONSOLE_FILE}"'},
    )


def _large_file_url(files: BlobStore, key: str) -> str | None:
    """A presigned download URL for a large file, so its bytes skip the server."""
    if files.presigned_get(key) is None:  # cheap: no request, for every store
        return None
    try:
        if files.size(key) < REDIRECT_BYTES:
            return None
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None  # answered with 404 by the caller
    return files.presigned_get(key, expires=PRESIGN_SECONDS)


@router.head(_FILES + "/{name:path}")
def file_exists(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    name: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> Response:
    """200 with ``Content-Length`` when the file exists, else 404 (the SDK's ``exists``)."""
    check_access(request, entity, project)
    try:
        size = files.size(_key(entity, project, run_id, name))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        size = 0
        if name == CONSOLE_FILE:
            size = tracking.console_size(RunRef(entity, project, run_id))
        if not size:
            return Response(status_code=404)
    return Response(status_code=200, headers={"Content-Length": str(size)})


@router.put(_FILES + "/{name:path}")
@large_body
async def put_file(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    name: str,
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Store the request body as the run's file ``name``, replacing any previous one."""
    await run_in_threadpool(check_access, request, entity, project, write=True)
    key = _key(entity, project, run_id, name, write=True)
    limit: int | None = getattr(request.app.state, "max_upload_bytes", None)
    declared = request.headers.get("content-length")
    if limit is not None and declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"file {name!r} is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPException(413, f"file {name!r} is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    await run_in_threadpool(files.put, key, b"".join(chunks))
    return {"name": name, "size": size}


@router.delete(_FILES + "/{name:path}", status_code=204)
def delete_file(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    name: str,
    files: BlobStore = Depends(blobs),
) -> Response:
    """Remove the run's file ``name`` (absent files too: deleting is idempotent)."""
    check_access(request, entity, project, write=True)
    files.delete(_key(entity, project, run_id, name, write=True))
    return Response(status_code=204)


class UploadRequest(BaseModel):
    name: str = Field(min_length=1, max_length=1024)
    size: int = Field(ge=0)


@router.post("/projects/{entity}/{project}/runs/{run_id}/uploads")
def start_upload(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    body: UploadRequest,
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Where to ``PUT`` a file: a presigned object-store URL, else this server's route.

    ``direct`` tells the client whether the URL is the object store's (send no
    Runyard credentials) or this server's (a path to resolve against the server's
    base URL, with the usual ``Authorization`` header).
    """
    check_access(request, entity, project, write=True)
    key = _key(entity, project, run_id, body.name, write=True)
    headers = {"Content-Type": "application/octet-stream"}
    url = files.presigned_put(key, expires=PRESIGN_SECONDS)
    if url is not None:
        return {"url": url, "method": "PUT", "headers": headers, "direct": True}
    limit: int | None = getattr(request.app.state, "max_upload_bytes", None)
    if limit is not None and body.size > limit:
        raise HTTPException(
            413, f"file {body.name!r} ({body.size} bytes) is larger than the limit of {limit} bytes"
        )
    root = request.scope.get("root_path", "").rstrip("/")
    api = request.url.path[: request.url.path.index("/projects/")]
    if root and api.startswith(root):
        api = api[len(root) :]
    path = "/".join(
        [
            f"{root}{api}/projects",
            quote(entity, safe=""),
            quote(project, safe=""),
            "runs",
            quote(run_id, safe=""),
            "files",
            quote(body.name, safe="/"),
        ]
    )
    return {"url": path, "method": "PUT", "headers": headers, "direct": False}
