"""``/projects/{entity}/{project}/artifact-blobs``: uploading artifact file contents.

Contents are stored once, content-addressed (``artifacts/sha256/<ab>/<digest>``), for
every version, project and entity. Every route needs write access to the project.

- ``POST …/artifact-blobs/check`` ``{"digests": [...]}`` answers which of them the
  project already holds (uploaded to it, or in one of its versions) and marks those
  in use now (``runyard gc`` leaves them for its grace period while the commit naming
  them is on its way). Content held only by *other* projects is reported missing, so
  the answer says nothing about other projects: the client uploads, and the server
  keeps one copy.
- ``PUT …/artifact-blobs/{sha256}`` with the bytes (up to the upload limit): the server
  hashes the body itself and refuses it (400) unless its SHA-256 is the one named;
  then the project holds the content.
- Large files: ``POST …/artifact-blobs/{sha256}/uploads`` ``{"size"}`` plans a
  multipart upload. Where the blob store is S3 (and presigns), the parts go straight
  to the bucket through presigned ``PUT`` URLs into a staging object; otherwise each
  part is ``PUT`` to this server (each within the upload limit). ``POST …/uploads/
  {upload}/complete`` assembles the parts, hashes the whole, and only a match is
  copied to the content's key: a client cannot place bytes under a digest they do
  not have. A killed client plans again and re-sends.

A version's entries may then name the content (the ingest route refuses a batch naming
content its project does not hold).
"""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from runyard.blobs.artifacts import artifact_key
from runyard.blobs.base import BlobStore
from runyard.server.access import check_access
from runyard.server.deps import blobs, store
from runyard.server.limits import large_body
from runyard.server.routes.files import PRESIGN_SECONDS
from runyard.server.routes.ingest import refuse_nul
from runyard.store.base import TrackingStore

__all__ = ["MAX_CHECK", "PART_BYTES", "STAGING", "router"]

router = APIRouter(tags=["artifact-blobs"], dependencies=[Depends(refuse_nul)])

#: Digests one check may ask about.
MAX_CHECK = 10_000
#: Size of the parts of a multipart upload (S3 needs 5 MiB or more, at most 10,000 parts).
PART_BYTES = 64 << 20
#: Where parts and staged uploads wait (``runyard gc`` removes stale ones).
STAGING = "artifacts/staging"
_BLOBS = "/projects/{entity}/{project}/artifact-blobs"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_UPLOAD = re.compile(r"[0-9a-f]{32}")


def _digest(digest: str) -> str:
    if not _HEX64.fullmatch(digest):
        raise HTTPException(400, f"invalid content digest {digest!r}: expected a hex SHA-256")
    return digest


def _upload_id(upload: str) -> str:
    if not _UPLOAD.fullmatch(upload):
        raise HTTPException(400, f"invalid upload id {upload!r}")
    return upload


def _limit(request: Request) -> int | None:
    limit: int | None = getattr(request.app.state, "max_upload_bytes", None)
    return limit


async def _read_limited(request: Request, what: str) -> bytes:
    limit = _limit(request)
    declared = request.headers.get("content-length")
    if limit is not None and declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"{what} is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPException(413, f"{what} is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _keep(
    tracking: TrackingStore, files: BlobStore, entity: str, project: str, digest: str, data: bytes
) -> None:
    """Store verified content (once) and note that the project holds it."""
    key = artifact_key(digest)
    if not files.exists(key):
        files.put(key, data)
    tracking.record_artifact_blob(entity, project, digest, len(data))


class CheckBody(BaseModel):
    digests: list[str] = Field(max_length=MAX_CHECK)


@router.post(_BLOBS + "/check")
def check_blobs(
    request: Request,
    entity: str,
    project: str,
    body: CheckBody,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """Which of ``digests`` the project holds (the client uploads the others)."""
    check_access(request, entity, project, write=True)
    held = tracking.artifact_blobs_held(entity, project, body.digests, touch=True)
    return {"present": sorted(held)}


@router.put(_BLOBS + "/{digest}")
@large_body
async def put_blob(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Store the body as the content ``digest`` once its SHA-256 is checked."""
    await run_in_threadpool(check_access, request, entity, project, write=True)
    _digest(digest)
    data = await _read_limited(request, f"content {digest[:12]}…")
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise HTTPException(400, f"the body's SHA-256 is {actual}, not {digest}")
    await run_in_threadpool(_keep, tracking, files, entity, project, digest, data)
    return {"digest": digest, "size": len(data)}


class UploadPlan(BaseModel):
    size: int = Field(ge=0)


def _s3(files: BlobStore) -> Any:
    """The blob store when it can take presigned multipart uploads (S3), else None."""
    from runyard.blobs.s3 import S3BlobStore

    if isinstance(files, S3BlobStore) and files.presign:
        return files
    return None


def _api_path(request: Request, entity: str, project: str, digest: str) -> str:
    root = request.scope.get("root_path", "").rstrip("/")
    api = request.url.path[: request.url.path.index("/projects/")]
    if root and api.startswith(root):
        api = api[len(root) :]
    return f"{root}{api}/projects/{quote(entity, safe='')}/{quote(project, safe='')}" + (
        f"/artifact-blobs/{digest}"
    )


@router.post(_BLOBS + "/{digest}/uploads")
def plan_upload(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    body: UploadPlan,
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Where to send the parts of a large file: ``{"upload", "part_size", "parts":
    [{"part", "url", "direct"}], "multipart_id"}`` (``direct``: the object store's
    URL, send no Runyard credentials; else a path on this server)."""
    check_access(request, entity, project, write=True)
    _digest(digest)
    upload = uuid.uuid4().hex
    bucket = _s3(files)
    if bucket is not None:
        part_size = max(PART_BYTES, math.ceil(body.size / 10_000))
        count = max(1, math.ceil(body.size / part_size))
        staged = f"{STAGING}/{upload}"
        multipart = bucket.start_multipart(staged)
        parts = [
            {
                "part": n,
                "url": bucket.presigned_part(staged, multipart, n, PRESIGN_SECONDS),
                "direct": True,
            }
            for n in range(1, count + 1)
        ]
        return {"upload": upload, "part_size": part_size, "parts": parts, "multipart_id": multipart}
    limit = _limit(request)
    part_size = PART_BYTES if limit is None else min(PART_BYTES, limit)
    count = max(1, math.ceil(body.size / part_size))
    base = _api_path(request, entity, project, digest)
    parts = [
        {"part": n, "url": f"{base}/uploads/{upload}/parts/{n}", "direct": False}
        for n in range(1, count + 1)
    ]
    return {"upload": upload, "part_size": part_size, "parts": parts, "multipart_id": None}


@router.put(_BLOBS + "/{digest}/uploads/{upload}/parts/{part}")
@large_body
async def put_part(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    upload: str,
    part: int,
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """One part of a planned upload through this server (kept until ``complete``)."""
    await run_in_threadpool(check_access, request, entity, project, write=True)
    _digest(digest)
    _upload_id(upload)
    if not 1 <= part <= 10_000:
        raise HTTPException(400, f"invalid part number {part}")
    data = await _read_limited(request, f"part {part}")
    await run_in_threadpool(files.put, f"{STAGING}/{upload}/{part:05d}", data)
    return {"part": part, "etag": hashlib.sha256(data).hexdigest()}


class PartDone(BaseModel):
    part: int = Field(ge=1, le=10_000)
    etag: str = Field(max_length=256)


class UploadDone(BaseModel):
    parts: list[PartDone] = Field(max_length=10_000)
    multipart_id: str | None = Field(default=None, max_length=1024)


@router.post(_BLOBS + "/{digest}/uploads/{upload}/complete")
def complete_upload(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    upload: str,
    body: UploadDone,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Assemble the parts, check the whole's SHA-256, and keep it under its digest."""
    check_access(request, entity, project, write=True)
    _digest(digest)
    _upload_id(upload)
    numbers = [p.part for p in body.parts]
    if numbers != list(range(1, len(numbers) + 1)):
        raise HTTPException(400, f"parts must be numbered 1 to n in order, got {numbers[:20]}")
    bucket = _s3(files)
    if bucket is not None and body.multipart_id is not None:
        return _complete_s3(bucket, tracking, entity, project, digest, upload, body)
    staged = [f"{STAGING}/{upload}/{n:05d}" for n in numbers]
    try:
        data = b"".join(files.get(key) for key in staged)
    except FileNotFoundError:
        raise HTTPException(400, f"upload {upload} is missing parts; plan it again") from None
    try:
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise HTTPException(400, f"the uploaded content's SHA-256 is {actual}, not {digest}")
        _keep(tracking, files, entity, project, digest, data)
    finally:
        for key in staged:
            files.delete(key)
    return {"digest": digest, "size": len(data)}


def _complete_s3(
    bucket: Any,
    tracking: TrackingStore,
    entity: str,
    project: str,
    digest: str,
    upload: str,
    body: UploadDone,
) -> dict[str, Any]:
    staged = f"{STAGING}/{upload}"
    try:
        bucket.complete_multipart(staged, body.multipart_id, [(p.part, p.etag) for p in body.parts])
    except Exception as exc:
        raise HTTPException(400, f"upload {upload} could not be completed: {exc}") from None
    try:
        actual, size = bucket.sha256(staged)
        if actual != digest:
            raise HTTPException(400, f"the uploaded content's SHA-256 is {actual}, not {digest}")
        key = artifact_key(digest)
        if not bucket.exists(key):
            bucket.copy(staged, key)
        tracking.record_artifact_blob(entity, project, digest, size)
    finally:
        bucket.delete(staged)
    return {"digest": digest, "size": size}
