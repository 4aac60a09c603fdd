"""Digests of artifact contents: files by SHA-256.

File contents are addressed by the lowercase hex SHA-256 of their bytes (the blob
key ``artifacts/sha256/<hex[:2]>/<hex>``, see :func:`blob_key`). A version's digest
is the store's (:func:`runyard.store.base.manifest_digest`, wandb's rule over
SHA-256s). The key rule and the hasher are the blob store's own
(:mod:`runyard.blobs.artifacts`), so the SDK, the server and ``runyard gc`` agree.
"""

from __future__ import annotations

from runyard.blobs.artifacts import CHUNK, artifact_key, file_sha256

__all__ = ["CHUNK", "blob_key", "sha256_file"]

#: ``(sha256 hex, size)`` of the file at a path, read a chunk at a time.
sha256_file = file_sha256
#: The content-addressed blob key of a file whose SHA-256 is given.
blob_key = artifact_key
