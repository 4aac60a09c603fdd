"""The HTTP routes wandb's client calls, outside ``/api/v1`` (where wandb expects them).

- ``POST /graphql``: :mod:`runyard.server.wandb.graphql` over
  :class:`~runyard.server.wandb.operations.Root`.
- ``POST /files/{entity}/{project}/{run}/file_stream``: :mod:`.file_stream`.
- ``PUT /files/{entity}/{project}/{run}/{name}``: a run file, with a signed URL
  (:mod:`.signing`; the client sends no credentials with it).
- ``GET /files/{entity}/{project}/{run}/{name}``: a run file, with credentials
  (``wandb.Api``'s ``File.download``) or a signed URL (``directUrl``).
- ``PUT /wandb/staging/…``, ``GET /wandb/artifact-blobs/{sha256}``, ``GET
  /wandb/manifests/…``: artifact uploads, contents and manifests by signed URL, where
  the bucket cannot presign (:mod:`.artifacts`).

Every route applies Runyard's access rules, rate limits and body limits, and the
cross-site checks of :mod:`runyard.server.origin` (wandb's client sends
``application/json`` bodies without ``Origin``, which pass them).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from runyard.blobs.keys import file_key
from runyard.entities import RunRef, check_ref
from runyard.server.access import check_access, require_caller
from runyard.server.deps import blobs, store
from runyard.server.limits import large_body
from runyard.server.wandb import artifacts, file_stream
from runyard.server.wandb.context import Context, default_entity
from runyard.server.wandb.files import CONSOLE_FILE, file_path
from runyard.server.wandb.graphql import QueryError, execute
from runyard.server.wandb.operations import Root
from runyard.server.wandb.signing import SignedUrl, Signer

__all__ = ["presented_key", "router"]

router = APIRouter(include_in_schema=False)

#: Largest GraphQL request (a run's whole config travels in ``upsertBucket``).
GRAPHQL_BYTES = 16 << 20
#: Largest ``file_stream`` request; wandb's client sends at most 10 MiB.
STREAM_BYTES = 32 << 20
#: Largest ``file_stream`` body once inflated.
STREAM_DECODED_BYTES = 128 << 20


def presented_key(request: Request) -> str | None:
    """The API key of ``Authorization: Basic base64("api:<key>")`` (or ``Bearer``)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def _context(request: Request) -> Context:
    base = str(request.base_url).rstrip("/")
    return Context(request, store(request), blobs(request), default_entity(request), base)


async def _json_body(request: Request, limit: int, decoded_limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body is {declared} bytes; the limit is {limit}")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, f"body is over {limit} bytes; the limit is {limit}")
    raw = bytes(data)
    encoding = (request.headers.get("content-encoding") or "identity").strip().lower()
    if encoding == "gzip":
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, decoded_limit + 1)
        except zlib.error as exc:
            raise HTTPException(400, f"the gzip body is damaged: {exc}") from None
        if len(raw) > decoded_limit:
            raise HTTPException(413, f"the body inflates past {decoded_limit} bytes")
    elif encoding != "identity":
        raise HTTPException(415, f"unsupported Content-Encoding {encoding!r}")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"the body is not JSON: {exc}") from None


def _graphql(request: Request, body: Any) -> JSONResponse:
    if request.app.state.auth is not None:
        require_caller(request)  # 401 without a key: wandb's client stops at once
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object {query, variables}")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPException(400, f"variables must be an object, got {variables!r:.80}")
    name = body.get("operationName")
    query = body.get("query")
    if not isinstance(query, str):
        raise HTTPException(400, f"query must be the GraphQL text, got {query!r:.80}")
    try:
        answer = execute(
            query,
            variables,
            name if isinstance(name, str) else None,
            Root(_context(request)),
        )
    except QueryError as exc:
        return JSONResponse({"errors": [{"message": str(exc)}]}, status_code=400)
    return JSONResponse(answer)


@router.post("/graphql", max_body_size=GRAPHQL_BYTES)
async def graphql(request: Request) -> JSONResponse:
    body = await _json_body(request, GRAPHQL_BYTES, GRAPHQL_BYTES)
    response: JSONResponse = await run_in_threadpool(_graphql, request, body)
    return response


def _ref(entity: str, project: str, run: str) -> RunRef:
    try:
        return check_ref(RunRef(entity, project, run))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _stream(request: Request, ref: RunRef, body: Any) -> JSONResponse:
    try:
        answer = file_stream.apply(_context(request), ref, body)
    except file_stream.FileStreamError as exc:
        raise HTTPException(400, str(exc)) from None
    return JSONResponse(answer)


@router.post("/files/{entity}/{project}/{run}/file_stream", max_body_size=STREAM_BYTES)
async def post_file_stream(request: Request, entity: str, project: str, run: str) -> JSONResponse:
    await run_in_threadpool(check_access, request, entity, project, write=True)
    ref = _ref(entity, project, run)
    request.app.state.wandb_liveness.start()
    body = await _json_body(request, STREAM_BYTES, STREAM_DECODED_BYTES)
    response: JSONResponse = await run_in_threadpool(_stream, request, ref, body)
    return response


def _proof(request: Request) -> SignedUrl | None:
    query = request.query_params
    if "sig" not in query:
        return None
    try:
        return SignedUrl(int(query["exp"]), int(query["kid"]), query["sig"])
    except (KeyError, ValueError):
        raise HTTPException(403, "this signed URL is malformed") from None


def _check_signed(request: Request, method: str, ref: RunRef, name: str) -> None:
    proof = _proof(request)
    if proof is None:
        raise HTTPException(403, "this URL needs a signature; ask the server for one")
    signer: Signer = request.app.state.wandb_signer
    refusal = signer.verify(method, file_path(ref, name), proof)
    if refusal is not None:
        raise HTTPException(403, refusal)


@router.put("/files/{entity}/{project}/{run}/{name:path}")
@large_body
async def put_file(request: Request, entity: str, project: str, run: str, name: str) -> Response:
    """A run file, ``PUT`` to the signed URL ``createRunFiles`` gave."""
    ref = _ref(entity, project, run)
    _check_signed(request, "PUT", ref, name)
    try:
        key = file_key(ref, name)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    limit: int | None = getattr(request.app.state, "max_upload_bytes", None)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPException(413, f"file {name!r} is larger than the limit of {limit} bytes")
        parts.append(chunk)
    if name != CONSOLE_FILE:  # the console is stored line by line (see files.py)
        await run_in_threadpool(blobs(request).put, key, b"".join(parts))
    return Response(status_code=200)


def _get(request: Request, ref: RunRef, name: str) -> Response:
    if _proof(request) is not None:
        _check_signed(request, "GET", ref, name)
    else:
        check_access(request, ref.entity, ref.project)
    files = blobs(request)
    try:
        key = file_key(ref, name)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    try:
        files.size(key)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        if name == CONSOLE_FILE:
            return _console(request, ref)
        raise HTTPException(404, f"run {ref.run_id} has no file {name!r}") from None
    url = files.presigned_get(key)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    return Response(files.get(key), media_type="application/octet-stream")


def _console(request: Request, ref: RunRef) -> Response:
    tracking = store(request)
    if not tracking.count_console(ref):
        raise HTTPException(404, f"run {ref.run_id} has no file {CONSOLE_FILE!r}")

    def chunks() -> Any:
        for line in tracking.iter_console(ref):
            yield (line.text + "\n").encode("utf-8", "surrogatepass")

    return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8")


@router.get("/files/{entity}/{project}/{run}/{name:path}")
async def get_file(request: Request, entity: str, project: str, run: str, name: str) -> Response:
    ref = _ref(entity, project, run)
    response: Response = await run_in_threadpool(_get, request, ref, name)
    return response


# -- artifacts (see artifacts.py): staged uploads, contents and manifests by signed URL --


def _check_signed_path(request: Request, method: str, path: str) -> None:
    proof = _proof(request)
    if proof is None:
        raise HTTPException(403, "this URL needs a signature; ask the server for one")
    signer: Signer = request.app.state.wandb_signer
    refusal = signer.verify(method, path, proof)
    if refusal is not None:
        raise HTTPException(403, refusal)


@router.put("/wandb/staging/{name:path}")
@large_body
async def put_staged(request: Request, name: str) -> Response:
    """An artifact file (or manifest) of a draft, ``PUT`` to the URL
    ``createArtifactFiles``/``createArtifactManifest`` gave (where the bucket cannot
    presign)."""
    try:
        key = artifacts.staging_key(name)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    _check_signed_path(request, "PUT", f"/wandb/staging/{name}")
    limit: int | None = getattr(request.app.state, "max_upload_bytes", None)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPException(413, f"file {name!r} is larger than the limit of {limit} bytes")
        parts.append(chunk)
    await run_in_threadpool(blobs(request).put, key, b"".join(parts))
    return Response(status_code=200)


@router.get("/wandb/artifact-blobs/{digest}")
async def get_artifact_blob(request: Request, digest: str) -> Response:
    """An artifact file's content by its SHA-256 (a ``directUrl`` this server signed)."""
    from runyard.blobs.artifacts import artifact_key

    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise HTTPException(400, f"invalid content digest {digest!r:.80}")
    _check_signed_path(request, "GET", f"/wandb/artifact-blobs/{digest}")
    try:
        data = await run_in_threadpool(blobs(request).get, artifact_key(digest))
    except FileNotFoundError:
        raise HTTPException(404, f"no artifact content {digest}") from None
    return Response(data, media_type="application/octet-stream")


@router.get("/wandb/manifests/{entity}/{project}/{index}/{name}")
async def get_manifest(
    request: Request, entity: str, project: str, index: int, name: str
) -> JSONResponse:
    """wandb's manifest of a version (the ``directUrl`` of its ``currentManifest``)."""
    _check_signed_path(request, "GET", f"/wandb/manifests/{entity}/{project}/{index}/{name}")
    found = await run_in_threadpool(
        artifacts.manifest_json, store(request), blobs(request), entity, project, index, name
    )
    if found is None:
        raise HTTPException(404, f"no artifact {entity}/{project}/{name}:v{index}")
    return JSONResponse(found)
