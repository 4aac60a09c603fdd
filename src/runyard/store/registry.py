"""Pick a `TrackingStore` by URI scheme; the SDK, the server and the public API all use it.

``sqlite:///…`` and ``postgresql://…`` open :class:`~runyard.store.sql.store.SqlStore`;
``http(s)://host[:port]`` (a Runyard server's base URL) opens
:class:`~runyard.store.rest.store.HttpStore`, with the API key from the environment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from runyard.store.base import TrackingStore

__all__ = ["open_store", "register_store_scheme", "shared_store"]

_FACTORIES: dict[str, Callable[[str], TrackingStore]] = {}
_SHARED: dict[str, TrackingStore] = {}
_SHARED_LOCK = threading.Lock()


def register_store_scheme(scheme: str, factory: Callable[[str], TrackingStore]) -> None:
    """Make :func:`open_store` build ``factory(uri)`` for URIs of ``scheme``."""
    _FACTORIES[scheme] = factory


def _sql(uri: str) -> TrackingStore:
    from runyard.store.sql.store import SqlStore

    return SqlStore(uri)


def _http(uri: str) -> TrackingStore:
    from runyard.settings import api_key_for
    from runyard.store.rest.store import HttpStore  # httpx is imported only here

    # The environment's key, else the one `runyard login` saved for this server.
    return HttpStore(uri, api_key=api_key_for(uri))


for _scheme in ("sqlite", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
    register_store_scheme(_scheme, _sql)
for _scheme in ("http", "https"):
    register_store_scheme(_scheme, _http)


def open_store(uri: str) -> TrackingStore:
    """Open a new store for ``uri``; unknown schemes raise ``ValueError`` naming the URI."""
    scheme = urlsplit(uri).scheme
    factory = _FACTORIES.get(scheme)
    if factory is None:
        raise ValueError(f"unsupported store URI {uri!r}; known schemes: {sorted(_FACTORIES)}")
    return factory(uri)


def shared_store(uri: str) -> TrackingStore:
    """One store per URI per process (connection pools are shared by every run)."""
    with _SHARED_LOCK:
        store = _SHARED.get(uri)
        if store is None:
            store = _SHARED[uri] = open_store(uri)
        return store
