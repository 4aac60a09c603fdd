"""Artifact file contents: content-addressed blobs, and how a client moves them.

Every file of every artifact version is stored once under the SHA-256 of its bytes,
``artifacts/sha256/<first two hex digits>/<hex digest>`` (:func:`artifact_key`), in
the store's blob store: identical files are one blob across versions, projects and
entities.

:class:`ArtifactBlobs` is what the SDK's writer and ``Artifact.download`` use, the
same way embedded and online (:func:`open_artifact_blobs` picks):

- :class:`DirectArtifactBlobs` writes the blob store itself (the embedded store; the
  server uses the same key rule);
- :class:`runyard.store.rest.artifact_blobs.HttpArtifactBlobs` goes through a server's
  ``artifact-blobs`` routes, which verify every upload's SHA-256 and send large files
  to S3 as presigned multipart uploads.

Uploads are idempotent (same bytes, same key), so a killed upload is simply sent again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runyard.blobs.base import BlobStore

if TYPE_CHECKING:
    from runyard.store.base import ArtifactFile, ArtifactRecord, TrackingStore

__all__ = [
    "ARTIFACT_PREFIX",
    "CHUNK",
    "ArtifactBlobs",
    "DirectArtifactBlobs",
    "artifact_key",
    "file_sha256",
    "open_artifact_blobs",
]

#: Where artifact contents live in a blob store.
ARTIFACT_PREFIX = "artifacts/sha256"
#: Bytes read at a time when hashing or copying: a 200 MB checkpoint is never held
#: in memory whole.
CHUNK = 1 << 20


def artifact_key(digest: str) -> str:
    """The blob key of the content whose SHA-256 is ``digest`` (lowercase hex)."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"invalid content digest {digest!r}: expected a hex SHA-256")
    return f"{ARTIFACT_PREFIX}/{digest[:2]}/{digest}"


def file_sha256(path: str | os.PathLike[str]) -> tuple[str, int]:
    """``(hex SHA-256, size)`` of a file, read a megabyte at a time."""
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


class ArtifactBlobs(Protocol):
    """Moves artifact contents between a client and its store."""

    def held(self, entity: str, project: str, digests: list[str]) -> set[str]:
        """Which contents the project already holds (upload the others); those found
        are marked in use, so ``runyard gc`` leaves them while the commit is on its way."""
        ...

    def upload(self, entity: str, project: str, digest: str, path: str | os.PathLike[str]) -> None:
        """Store the file ``path`` as the content ``digest``; ``ValueError`` when the file
        no longer has that digest (changed since it was hashed)."""
        ...

    def download(
        self, artifact: ArtifactRecord, entry: ArtifactFile, dest: str | os.PathLike[str]
    ) -> None:
        """Write the entry's content to ``dest`` (atomically: a partial file never shows)."""
        ...


class DirectArtifactBlobs:
    """Artifact contents in a blob store this process writes itself (embedded)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    def held(self, entity: str, project: str, digests: list[str]) -> set[str]:
        return {d for d in digests if self.blobs.exists(artifact_key(d))}

    def upload(self, entity: str, project: str, digest: str, path: str | os.PathLike[str]) -> None:
        key = artifact_key(digest)
        data = Path(path).read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise ValueError(
                f"{os.fspath(path)!r} changed: its SHA-256 is now {actual}, not {digest}"
            )
        if not self.blobs.exists(key):
            self.blobs.put(key, data)

    def download(
        self, artifact: ArtifactRecord, entry: ArtifactFile, dest: str | os.PathLike[str]
    ) -> None:
        if entry.digest is None:
            raise ValueError(f"{entry.path!r} is a reference to {entry.ref!r}, not stored content")
        _write_atomic(Path(dest), self.blobs.get(artifact_key(entry.digest)))


def _write_atomic(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, dest)


def open_artifact_blobs(blobs: BlobStore, store: TrackingStore) -> ArtifactBlobs:
    """The way to move contents for this store: through the server for an
    :class:`~runyard.store.rest.store.HttpStore`, else straight into ``blobs``."""
    if store.uri.startswith(("http://", "https://")):  # no httpx import for embedded stores
        from runyard.store.rest.artifact_blobs import HttpArtifactBlobs
        from runyard.store.rest.store import HttpStore

        if isinstance(store, HttpStore):
            return HttpArtifactBlobs(store.client)
    return DirectArtifactBlobs(blobs)
