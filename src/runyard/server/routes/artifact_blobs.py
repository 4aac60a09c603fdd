"""``/projects/{entity}/{project}/artifact-blobs``: uploading artifact file contents.

Contents are stored once, content-addressed (``artifacts/sha256/<ab>/<digest>``), for
every version, project and entity. Every route needs write access to the project.

- ``POST …/artifact-blobs/held`` ``{"digests": [...]}`` answers which of them the
  project already holds (uploaded to it, or in one of its versions) and marks those
  in use now (``runyard gc`` leaves them for its grace period while the commit naming
  them is on its way). Content held only by *other* projects is reported missing, so
  the answer says nothing about other projects: the client uploads, and the server
  keeps one copy.
- ``PUT …/artifact-blobs/{sha256}`` with the bytes (up to the upload limit): the server
  hashes the body itself and refuses it (400) unless its SHA-256 is the one named;
  then the project holds the content.
- Large files: ``POST …/artifact-blobs/{sha256}/uploads`` ``{"size"}`` plans a
  multipart upload: ``{"upload_id", "part_size", "parts": [{"number", "url",
  "direct"}]}``. Where the blob store is S3 (and presigns), the parts go straight to
  the bucket through presigned ``PUT`` URLs (``direct``: send no Runyard
  credentials) into a staging object; otherwise each part is ``PUT`` to this server
  (a path, each part within the upload limit) and the upload id is fixed by project,
  content and size, so a client planning again after a kill gets the same upload.
  ``GET …/uploads/{upload_id}`` lists the parts already there (a resumed client sends
  only the others); ``POST
  …/uploads/{upload_id}/complete`` ``{"parts": [{"number", "etag"}]}`` assembles
  them, hashes the whole, and only a match is copied to the content's key: a client
  cannot place bytes under a digest they do not have. The upload id carries the S3
  multipart id (``<32 hex>.<S3 id>``), so the server keeps no state of its own.

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
from fastapi.responses import JSONResponse, Response
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
_UPLOAD = re.compile(r"([0-9a-f]{32})(?:\.([A-Za-z0-9._~-]{1,1024}))?")


def _digest(digest: str) -> str:
    if not _HEX64.fullmatch(digest):
        raise HTTPException(400, f"invalid content digest {digest!r}: expected a hex SHA-256")
    return digest


def _upload_id(upload: str) -> tuple[str, str | None]:
    """``(staging name, S3 multipart id or None)`` of an upload id."""
    match = _UPLOAD.fullmatch(upload)
    if match is None:
        raise HTTPException(400, f"invalid upload id {upload[:80]!r}")
    return match.group(1), match.group(2)


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


@router.post(_BLOBS + "/held")
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
    return {"held": sorted(held)}


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
    """Where to send the parts of a large file (see the module doc)."""
    check_access(request, entity, project, write=True)
    _digest(digest)
    bucket = _s3(files)
    if bucket is not None:
        name = uuid.uuid4().hex
        part_size = max(PART_BYTES, math.ceil(body.size / 10_000))
        count = max(1, math.ceil(body.size / part_size))
        staged = f"{STAGING}/{name}"
        multipart = bucket.start_multipart(staged)
        parts = [
            {
                "number": n,
                "url": bucket.presigned_part(staged, multipart, n, PRESIGN_SECONDS),
                "direct": True,
            }
            for n in range(1, count + 1)
        ]
        return {"upload_id": f"{name}.{multipart}", "part_size": part_size, "parts": parts}
    limit = _limit(request)
    part_size = PART_BYTES if limit is None else min(PART_BYTES, limit)
    count = max(1, math.ceil(body.size / part_size))
    # The same upload for the same content, size and parts: a client that was killed
    # (or whose server was) plans again, lists the parts already here and sends only
    # the others. Concurrent uploads of one content send the same bytes.
    name = _resumable_name(entity, project, digest, body.size, part_size)
    base = _api_path(request, entity, project, digest)
    parts = [
        {"number": n, "url": f"{base}/uploads/{name}/parts/{n}", "direct": False}
        for n in range(1, count + 1)
    ]
    return {"upload_id": name, "part_size": part_size, "parts": parts}


def _resumable_name(entity: str, project: str, digest: str, size: int, part_size: int) -> str:
    """The staging name of an upload through this server (32 hex digits, as a random
    one): fixed by what is uploaded where, so that planning again resumes it."""
    key = f"{entity}\0{project}\0{digest}\0{size}\0{part_size}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


def _part_key(name: str, number: int) -> str:
    return f"{STAGING}/{name}/{number:05d}"


@router.put(_BLOBS + "/{digest}/uploads/{upload_id}/parts/{number}")
@large_body
async def put_part(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    upload_id: str,
    number: int,
    files: BlobStore = Depends(blobs),
) -> Response:
    """One part of a planned upload through this server (kept until ``complete``)."""
    await run_in_threadpool(check_access, request, entity, project, write=True)
    _digest(digest)
    name, multipart = _upload_id(upload_id)
    if multipart is not None or not 1 <= number <= 10_000:
        raise HTTPException(400, f"invalid part {number} of upload {upload_id[:80]!r}")
    data = await _read_limited(request, f"part {number}")
    await run_in_threadpool(files.put, _part_key(name, number), data)
    etag = hashlib.sha256(data).hexdigest()
    return JSONResponse({"number": number, "etag": etag}, headers={"ETag": f'"{etag}"'})


@router.get(_BLOBS + "/{digest}/uploads/{upload_id}")
def list_parts(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    upload_id: str,
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """The parts already uploaded ``[{"number", "etag", "size"}]`` (a resumed client
    sends only the others)."""
    check_access(request, entity, project, write=True)
    _digest(digest)
    name, multipart = _upload_id(upload_id)
    bucket = _s3(files)
    if multipart is not None:
        if bucket is None:
            raise HTTPException(400, f"upload {upload_id[:80]!r} is not an S3 upload here")
        try:
            return {"parts": bucket.list_parts(f"{STAGING}/{name}", multipart)}
        except Exception as exc:
            raise HTTPException(404, f"no upload {upload_id[:80]!r}: {exc}") from None
    parts = []
    for key, size in files.list(f"{STAGING}/{name}"):
        number = int(key.rsplit("/", 1)[1])
        etag = hashlib.sha256(files.get(key)).hexdigest()
        parts.append({"number": number, "etag": etag, "size": size})
    return {"parts": parts}


class PartDone(BaseModel):
    number: int = Field(ge=1, le=10_000)
    etag: str = Field(max_length=256)


class UploadDone(BaseModel):
    parts: list[PartDone] = Field(max_length=10_000)


@router.post(_BLOBS + "/{digest}/uploads/{upload_id}/complete")
def complete_upload(
    request: Request,
    entity: str,
    project: str,
    digest: str,
    upload_id: str,
    body: UploadDone,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Assemble the parts, check the whole's SHA-256, and keep it under its digest."""
    check_access(request, entity, project, write=True)
    _digest(digest)
    name, multipart = _upload_id(upload_id)
    numbers = [p.number for p in body.parts]
    if numbers != list(range(1, len(numbers) + 1)):
        raise HTTPException(400, f"parts must be numbered 1 to n in order, got {numbers[:20]}")
    if multipart is not None:
        bucket = _s3(files)
        if bucket is None:
            raise HTTPException(400, f"upload {upload_id[:80]!r} is not an S3 upload here")
        parts = [(p.number, p.etag) for p in body.parts]
        return _complete_s3(bucket, tracking, entity, project, digest, name, multipart, parts)
    staged = [_part_key(name, n) for n in numbers]
    try:
        data = b"".join(files.get(key) for key in staged)
    except FileNotFoundError:
        files.delete_prefix(f"{STAGING}/{name}")
        if tracking.artifact_blobs_held(entity, project, [digest]):
            # Another upload of this content to this project (same upload id) completed
            # it first and took the parts: the project holds it, which is all we want.
            return {"digest": digest, "size": files.size(artifact_key(digest))}
        raise HTTPException(400, f"upload {upload_id} is missing parts; send them again") from None
    actual = hashlib.sha256(data).hexdigest()
    try:
        if actual != digest:
            raise HTTPException(400, f"the uploaded content's SHA-256 is {actual}, not {digest}")
        _keep(tracking, files, entity, project, digest, data)
    finally:
        files.delete_prefix(f"{STAGING}/{name}")
    return {"digest": digest, "size": len(data)}


def _complete_s3(
    bucket: Any,
    tracking: TrackingStore,
    entity: str,
    project: str,
    digest: str,
    name: str,
    multipart: str,
    parts: list[tuple[int, str]],
) -> dict[str, Any]:
    staged = f"{STAGING}/{name}"
    try:
        bucket.complete_multipart(staged, multipart, parts)
    except Exception as exc:
        raise HTTPException(400, f"upload {name} could not be completed: {exc}") from None
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
