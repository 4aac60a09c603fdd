"""Pick a `BlobStore` backend by URI scheme: ``file://`` (embedded), ``s3://`` (team) and
``http(s)://`` (a run's files through a Runyard server, with the API key the environment
or ``runyard login`` gives for it; :class:`~runyard.store.rest.blobs.HttpBlobStore`).

Factories take the URI and keyword options; a backend uses the options it knows
(``s3_endpoint_url`` for S3) and ignores the rest, so callers such as the server can
pass their settings without knowing which backend the URI picks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from runyard.blobs.base import BlobStore

__all__ = ["open_blobs", "register_blob_scheme"]

_FACTORIES: dict[str, Callable[..., BlobStore]] = {}


def register_blob_scheme(scheme: str, factory: Callable[..., BlobStore]) -> None:
    """Make ``open_blobs`` build ``factory(uri, **options)`` for URIs of ``scheme``."""
    _FACTORIES[scheme] = factory


def _local(uri: str, **_options: Any) -> BlobStore:
    from runyard.blobs.local import LocalBlobStore

    parts = urlsplit(uri)
    return LocalBlobStore(unquote(parts.netloc + parts.path))


def _s3(
    uri: str, *, s3_endpoint_url: str | None = None, s3_presign: bool = True, **_options: Any
) -> BlobStore:
    from runyard.blobs.s3 import S3BlobStore

    if s3_endpoint_url is None:
        from runyard.settings import Settings

        s3_endpoint_url = Settings.from_env().s3_endpoint_url
    return S3BlobStore(uri, endpoint_url=s3_endpoint_url, presign=s3_presign)


def _server(uri: str, *, api_key: str | None = None, **_options: Any) -> BlobStore:
    from runyard.settings import api_key_for
    from runyard.store.rest.blobs import HttpBlobStore  # httpx is imported only here

    return HttpBlobStore(uri, api_key if api_key is not None else api_key_for(uri))


register_blob_scheme("file", _local)
register_blob_scheme("s3", _s3)
register_blob_scheme("http", _server)
register_blob_scheme("https", _server)


def open_blobs(uri: str, **options: Any) -> BlobStore:
    """Open the blob store named by ``uri``; unknown schemes raise ``ValueError``.

    Options: ``s3_endpoint_url`` (S3-compatible endpoint; default from settings),
    ``s3_presign`` (``False``: the store hands out no presigned URLs), ``api_key``
    (for a server; default: the environment's or the saved one).
    """
    scheme = urlsplit(uri).scheme
    factory = _FACTORIES.get(scheme)
    if factory is None:
        raise ValueError(f"unsupported blob store URI {uri!r}; known schemes: {sorted(_FACTORIES)}")
    return factory(uri, **options)
