"""The blob store runs write their files to, one per URI per process.

Embedded and with ``RUNYARD_BLOBS`` it is the store that URI names. In online mode
(the tracking store is a server) it is the server itself, through
:class:`~runyard.blobs.http.HttpBlobStore`: media, tensors and ``run.save`` files
go to the server's files routes (or straight to its bucket when it hands out
presigned URLs), with the same API key as the run's batches. That store needs to
know the runs whose files it carries (their blob keys use filesystem-safe names);
``init`` tells it with :func:`remember_run`, which costs nothing until a file is
written (httpx is imported then, not by ``init``).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import run_prefix
from runyard.blobs.registry import open_blobs
from runyard.entities import RunRef
from runyard.settings import Settings

if TYPE_CHECKING:
    from runyard.blobs.http import HttpBlobStore

__all__ = ["remember_run", "run_blobs", "store_run_file"]

_lock = threading.Lock()
_servers: dict[tuple[str, str | None], HttpBlobStore] = {}
_runs: dict[str, list[RunRef]] = {}


@lru_cache(maxsize=8)
def _blobs(uri: str) -> BlobStore:
    return open_blobs(uri)


def _server_blobs(settings: Settings) -> BlobStore:
    url = settings.store_uri
    with _lock:
        store = _servers.get((url, settings.api_key))
        if store is None:
            from runyard.blobs.http import HttpBlobStore

            store = HttpBlobStore(url, settings.api_key, runs=_runs.get(url, ()))
            _servers[(url, settings.api_key)] = store
        return store


def remember_run(settings: Settings, ref: RunRef) -> None:
    """Let the server's blob store route ``ref``'s files (online runs; else a no-op)."""
    if not _to_server(settings):
        return
    with _lock:
        _runs.setdefault(settings.store_uri, []).append(ref)
        for (url, _), store in _servers.items():
            if url == settings.store_uri:
                store.add_run(ref)


def _to_server(settings: Settings) -> bool:
    # Offline runs never upload: their files stay in the local blob store, and
    # `runyard sync` sends them along with the run.
    return settings.remote and not settings.blobs and settings.mode not in ("offline", "dryrun")


def run_blobs(settings: Settings) -> BlobStore:
    """Where a run with these settings writes its files."""
    if _to_server(settings):
        return _server_blobs(settings)
    return _blobs(settings.blobs_uri)


def store_run_file(settings: Settings, ref: RunRef, name: str, path: Path) -> None:
    """Store the file at ``path`` as the run's file ``name`` (``run.save``)."""
    run_blobs(settings).put(f"{run_prefix(ref)}/{name}", path.read_bytes())
