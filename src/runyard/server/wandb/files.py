"""Run files over wandb's protocol: upload URLs, file lists, downloads.

``createRunFiles`` answers one upload URL per file name: the bucket's presigned
``PUT`` where the blob store can presign (S3), else this server's
``PUT /files/{entity}/{project}/{run}/{name}`` with a signed query string
(:mod:`runyard.server.wandb.signing`); wandb's client sends no credentials with it.
Files land where the Runyard SDK puts a run's files (:func:`runyard.blobs.keys.file_key`),
so media payloads in history (``{"_type": "image-file", "path": "media/images/…"}``)
find their bytes by the same relative path.

Two names are special:

- ``output.log``: the console, which arrives line by line through ``file_stream``
  and is stored as console lines; the uploaded copy at the end is not stored (it would
  shadow the lines, see :mod:`runyard.server.routes.files`).
- ``wandb-metadata.json``: the run's environment; when ``file_stream`` reports it
  ``uploaded`` it is read back into the run's metadata (see :func:`read_metadata`).

Downloads (``url`` in ``RunFiles``; wandb's ``File.download`` sends Basic auth) are
``GET /files/{entity}/{project}/{run}/{name}``, with the usual access check; a
``directUrl`` is the same path signed, or the bucket's presigned ``GET``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from runyard.blobs.keys import file_key, run_prefix
from runyard.entities import RunRef
from runyard.server.wandb.context import Context
from runyard.server.wandb.ids import iso, object_id
from runyard.server.wandb.signing import URL_SECONDS, Signer

__all__ = [
    "CONSOLE_FILE",
    "METADATA_FILE",
    "download_url",
    "file_node",
    "file_path",
    "read_metadata",
    "run_files",
    "upload_url",
]

CONSOLE_FILE = "output.log"
METADATA_FILE = "wandb-metadata.json"
#: Largest ``wandb-metadata.json`` read back into the run (it is a few KiB).
_METADATA_BYTES = 1 << 20


def file_path(ref: RunRef, name: str) -> str:
    """The app path of a run file (``/files/e/p/r/name``), unquoted: what is signed."""
    return f"/files/{ref.entity}/{ref.project}/{ref.run_id}/{name}"


def _quoted(ref: RunRef, name: str) -> str:
    parts = [quote(p, safe="") for p in (ref.entity, ref.project, ref.run_id)]
    return "/files/" + "/".join(parts) + "/" + quote(name, safe="/")


def signer(ctx: Context) -> Signer:
    found: Signer = ctx.request.app.state.wandb_signer
    return found


def _secret(ctx: Context) -> bytes:
    """The caller's signing secret: the hash of the API key it sent (see signing.py)."""
    if ctx.auth is None or ctx.key_id == 0:
        local: bytes = ctx.request.app.state.wandb_local_secret
        return local
    from runyard.server.auth.tokens import hash_token
    from runyard.server.wandb.routes import presented_key

    key = presented_key(ctx.request)
    return hash_token(key or "").encode()


def _signed(ctx: Context, method: str, ref: RunRef, name: str) -> str:
    query = signer(ctx).sign(method, file_path(ref, name), ctx.key_id, _secret(ctx))
    return f"{ctx.base_url}{_quoted(ref, name)}?{query}"


def upload_url(ctx: Context, ref: RunRef, name: str) -> str:
    """Where the client ``PUT``s the run file ``name`` (presigned on S3)."""
    if name != CONSOLE_FILE:
        url = ctx.blobs.presigned_put(file_key(ref, name), expires=URL_SECONDS)
        if url is not None:
            return url
    return _signed(ctx, "PUT", ref, name)


def download_url(ctx: Context, ref: RunRef, name: str) -> str:
    """A ``GET`` URL that needs no credentials (``directUrl``)."""
    if name != CONSOLE_FILE:
        url = ctx.blobs.presigned_get(file_key(ref, name), expires=URL_SECONDS)
        if url is not None:
            return url
    return _signed(ctx, "GET", ref, name)


def run_files(ctx: Context, ref: RunRef) -> list[tuple[str, int]]:
    """``(name, size)`` of the run's files, by name; ``output.log`` from its console."""
    prefix = run_prefix(ref)
    listed = [(key[len(prefix) + 1 :], size) for key, size in ctx.blobs.list(prefix)]
    if not any(name == CONSOLE_FILE for name, _ in listed):
        size = ctx.store.console_size(ref)
        if size:
            listed.append((CONSOLE_FILE, size))
    return sorted(listed)


def file_node(ctx: Context, ref: RunRef, name: str, size: int, updated: float) -> dict[str, Any]:
    """One ``File`` of ``RunFiles`` (``updated``: the run's last change, unix seconds)."""
    from runyard.server.media import content_type

    return {
        "__typename": "File",
        "id": object_id("File", ref.run_id, name),
        "name": name,
        "url": f"{ctx.base_url}{_quoted(ref, name)}",
        "directUrl": download_url(ctx, ref, name),
        "sizeBytes": size,
        "mimetype": content_type(name).split(";", 1)[0],
        "updatedAt": iso(updated),
        "md5": None,
    }


def read_metadata(ctx: Context, ref: RunRef) -> dict[str, Any] | None:
    """The run's uploaded ``wandb-metadata.json`` as a dict (None when absent or bad)."""
    try:
        if ctx.blobs.size(file_key(ref, METADATA_FILE)) > _METADATA_BYTES:
            return None
        value = json.loads(ctx.blobs.get(file_key(ref, METADATA_FILE)))
    except (FileNotFoundError, ValueError):
        return None
    return value if isinstance(value, dict) else None
