"""Pick a `BlobStore` backend by URI scheme (``file://``; ``s3://`` in the team-server issue)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from runyard.blobs.base import BlobStore

__all__ = ["open_blobs", "register_blob_scheme"]

_FACTORIES: dict[str, Callable[[str], BlobStore]] = {}


def register_blob_scheme(scheme: str, factory: Callable[[str], BlobStore]) -> None:
    """Make ``open_blobs`` build ``factory(uri)`` for URIs of ``scheme``."""
    _FACTORIES[scheme] = factory


def _local(uri: str) -> BlobStore:
    from runyard.blobs.local import LocalBlobStore

    parts = urlsplit(uri)
    return LocalBlobStore(unquote(parts.netloc + parts.path))


register_blob_scheme("file", _local)


def open_blobs(uri: str) -> BlobStore:
    """Open the blob store named by ``uri``; unknown schemes raise ``ValueError``."""
    scheme = urlsplit(uri).scheme
    factory = _FACTORIES.get(scheme)
    if factory is None:
        raise ValueError(f"unsupported blob store URI {uri!r}; known schemes: {sorted(_FACTORIES)}")
    return factory(uri)
