"""The tracking store a run writes to, opened by URI with the run's own API key.

Stores are shared per URI within a process (:func:`runyard.store.registry.shared_store`):
every run's writer thread uses one connection pool. A server store built by the
registry authenticates with the key the environment or ``runyard login`` gives for
that server; a run whose settings carry another key (``init(settings={"api_key":
…})``) gets a store of its own with that key, shared by the runs that use it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from runyard.settings import Settings, api_key_for

if TYPE_CHECKING:
    from runyard.store.base import TrackingStore

__all__ = ["run_store"]

_lock = threading.Lock()
_keyed: dict[tuple[str, str], TrackingStore] = {}


def run_store(settings: Settings) -> TrackingStore:
    """The store ``settings`` name (``store_uri``), authenticated with ``settings.api_key``."""
    from runyard.store.registry import shared_store

    uri = settings.store_uri
    key = settings.api_key
    if not settings.remote or key is None or key == api_key_for(uri):
        return shared_store(uri)
    with _lock:
        store = _keyed.get((uri, key))
        if store is None:
            from runyard.store.rest.store import HttpStore

            store = _keyed[(uri, key)] = HttpStore(uri, api_key=key)
        return store
