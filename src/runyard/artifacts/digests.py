"""Digests of artifact contents: files by SHA-256.

File contents are addressed by the lowercase hex SHA-256 of their bytes (the blob
key ``artifacts/sha256/<hex[:2]>/<hex>``, see :func:`blob_key`). A version's digest
is the store's (:func:`runyard.store.base.manifest_digest`, wandb's rule over
SHA-256s).
"""

from __future__ import annotations

import hashlib
import os

__all__ = ["CHUNK", "blob_key", "sha256_file"]

#: Bytes read at a time when hashing or copying: a 200 MB checkpoint is never held
#: in memory whole.
CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """``(sha256 hex, size)`` of the file at ``path``, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def blob_key(sha256: str) -> str:
    """The content-addressed blob key of a file whose SHA-256 is ``sha256``."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"invalid SHA-256 {sha256!r}: expected 64 lowercase hex digits")
    return f"artifacts/sha256/{sha256[:2]}/{sha256}"
