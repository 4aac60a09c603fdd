"""``POST /projects/{entity}/{project}/runs/{run_id}/batches``: the store's write path.

The body is one :class:`~runyard.store.base.RunBatch` in the wire format of
:mod:`runyard.store.wire` (msgpack, scalar columns as typed ``<f8``/``<i8`` arrays,
usually ``Content-Encoding: deflate``), applied with ``store.write_batch`` in one
transaction.

Idempotency rides on the journals table. A batch names its journal and the
offsets it covers: ``journal = [name, end]`` and ``journal_start = start``. Inside
the write transaction the store compares its offset for ``name``:

- equal to ``start``: apply the batch and move the offset to ``end``;
- ``>= end`` (or the journal is marked done): already applied — a retry after a
  lost response, a second ``runyard sync`` — change nothing;
- anything else: 409 with ``{"stored": offset}``; resend from there.

A journal belongs to the run its first batch wrote to: a batch of another run
naming it is refused with a 409 without ``stored`` (its caller may write this run,
not the journal's), and nothing of it is applied.

A batch the database refuses for its content (a value or key it cannot hold: the
store raises :class:`~runyard.errors.BatchRefusedError`) is answered 400 naming it,
never 500: the client keeps it aside and sends the batches after it.

Either way a successful answer is the same ``{"run", "journal", "start", "end"}``,
so a client cannot tell (and need not care) whether its retry was the one applied.

Journal names are global identities, not local paths: the SDK writes a random
``journal_id`` (128-bit hex) into each journal's START record and uses it as the
name, so journals from many machines, and offline journals copied elsewhere for
``runyard sync``, never collide. (Journals written before that use their path.)
Batches without a journal (public-API edits) get a one-off name from
:class:`~runyard.store.rest.store.HttpStore` (``batch:<uuid>``, span 0 to 2**20, done),
so they are applied exactly once as well.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from runyard.blobs.keys import run_prefix
from runyard.entities import RunRef, check_ref
from runyard.errors import BatchRefusedError, StoreError
from runyard.server.access import check_access
from runyard.server.deps import blobs, store
from runyard.store.base import ForeignJournal, JournalConflict, RunBatch
from runyard.store.wire import (
    BodyTooLarge,
    UnsupportedEncoding,
    WireError,
    decode_batch,
    decode_body,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DECODED_BYTES",
    "apply_batch",
    "check_artifacts",
    "refuse_nul",
    "router",
]


_PARAM_NAMES = {"key": "history key", "run_id": "run id"}


def refuse_nul(request: Request) -> None:
    """400 for a NUL character in any path or query parameter: PostgreSQL text cannot
    hold one, and the answer should name the value, not be a database error."""
    for params in (request.path_params, request.query_params):
        for name, value in params.items():
            if isinstance(value, str) and "\0" in value:
                what = _PARAM_NAMES.get(name, name)
                raise HTTPException(400, f"invalid {what} {value!r}: it holds a NUL character")


router = APIRouter(tags=["ingest"], dependencies=[Depends(refuse_nul)])

#: Largest request body accepted (compressed bytes on the wire).
MAX_BODY_BYTES = 32 << 20
#: Largest body once inflated (bounds what a small "zip bomb" can cost).
MAX_DECODED_BYTES = 256 << 20


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise HTTPException(400, f"bad Content-Length {declared!r}") from None
        if size > limit:
            raise HTTPException(413, f"body is {size} bytes; the limit is {limit}")
    parts: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise HTTPException(413, f"body is over {limit} bytes; the limit is {limit}")
        parts.append(chunk)
    return b"".join(parts)


def decode_request(body: bytes, encoding: str | None, ref: RunRef | None = None) -> Any:
    try:
        obj = decode_body(body, encoding, MAX_DECODED_BYTES)
        return obj if ref is None else decode_batch(obj, ref)
    except BodyTooLarge as exc:
        raise HTTPException(413, str(exc)) from exc
    except UnsupportedEncoding as exc:
        raise HTTPException(415, str(exc)) from exc
    except WireError as exc:
        raise HTTPException(400, str(exc)) from exc


def apply_batch(
    request: Request, ref: RunRef, body: bytes, encoding: str | None
) -> tuple[int, dict[str, Any]]:
    """Decode and apply one batch body: ``(status, answer)`` (200 or a 409 the client
    reads), or :class:`HTTPException` for a refusal. Blocking (decoding and database
    work): call it in a worker thread. The route and the ASGI fast path
    (:mod:`runyard.server.fast_ingest`) both answer with it."""
    batch = decode_request(body, encoding, ref)
    if batch.artifacts or batch.artifact_uses or batch.artifact_links:
        check_artifacts(request, ref, batch)
    if batch.copy_history is not None:
        source = batch.copy_history[0]
        if (source.entity, source.project) != (ref.entity, ref.project):
            check_access(request, source.entity, source.project)  # forking reads the source
    try:
        store(request).write_batch(batch)
    except ForeignJournal as exc:
        # No offset: the caller may write this run, not the one the journal belongs to.
        return 409, {"detail": str(exc), "journal": exc.journal}
    except JournalConflict as exc:
        return 409, {
            "detail": str(exc),
            "journal": exc.journal,
            "start": exc.start,
            "stored": exc.stored,
        }
    except BatchRefusedError as exc:  # a value or key the database cannot hold
        raise HTTPException(400, str(exc)) from exc
    except StoreError as exc:  # e.g. forking from a run that does not exist
        raise HTTPException(422, str(exc)) from exc
    if batch.delete:
        # The run's files go with it; its file routes answer 404 from now on, so a
        # client could not list them to delete them itself.
        blobs(request).delete_prefix(run_prefix(ref))
    journal = batch.journal
    return 200, {
        "run": ref.path,
        "journal": None if journal is None else journal[0],
        "start": batch.journal_start,
        "end": None if journal is None else journal[1],
    }


def _ingest(request: Request, ref: RunRef, body: bytes, encoding: str | None) -> JSONResponse:
    status, answer = apply_batch(request, ref, body, encoding)
    return JSONResponse(answer, status_code=status)


def check_artifacts(request: Request, ref: RunRef, batch: RunBatch) -> None:
    """What a batch's artifacts need besides write access to the run's project.

    Every content entry must name content the project holds (uploaded to it through
    ``artifact-blobs``, its bytes verified, or in one of its versions): a digest alone
    never brings another project's file into a version (400 otherwise). A use of a
    version in a project the caller may not read is dropped (the run's data is not
    held back for its lineage); a link needs write access to its target project.
    """
    digests = {e.digest for c in batch.artifacts for e in c.entries if e.digest is not None}
    if digests:
        held = store(request).artifact_blobs_held(ref.entity, ref.project, sorted(digests))
        missing = sorted(digests - held)
        if missing:
            raise HTTPException(
                400,
                f"artifact content {missing[0]} ({len(missing)} missing) was not uploaded to "
                f"{ref.entity}/{ref.project}: upload it first (artifact-blobs)",
            )
    kept = []
    for use in batch.artifact_uses:
        entity, project = use.entity or ref.entity, use.project or ref.project
        try:
            if (entity, project) != (ref.entity, ref.project):
                check_access(request, entity, project)
        except HTTPException:
            continue
        kept.append(use)
    batch.artifact_uses = kept
    for link in batch.artifact_links:
        target = link.target.strip("/").split("/")
        if len(target) == 3 and (target[0], target[1]) != (ref.entity, ref.project):
            try:
                check_access(request, target[0], target[1], write=True)
            except HTTPException:
                raise HTTPException(
                    400, f"cannot link into {link.target!r}: no write access there"
                ) from None


@router.post("/projects/{entity}/{project}/runs/{run_id}/batches", max_body_size=MAX_BODY_BYTES)
async def post_batch(request: Request, entity: str, project: str, run_id: str) -> JSONResponse:
    """Apply one run batch (see the module docstring for the format and idempotency)."""
    # Access first (in a thread: it may query accounts), so a refused caller's body
    # is never read.
    await run_in_threadpool(check_access, request, entity, project, write=True)
    try:  # a name no run may have ("..", NUL, "a/b" …) is refused before the body is read
        ref = check_ref(RunRef(entity, project, run_id))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    body = await read_body(request)
    encoding = request.headers.get("content-encoding")
    response: JSONResponse = await run_in_threadpool(_ingest, request, ref, body, encoding)
    return response
