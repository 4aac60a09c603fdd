"""The blob store a run's files go to, one per URI per process.

Runs never write it from the training thread: media, tables, tensors and
``run.save`` files are spooled and journalled (:mod:`runyard.journal.spool`), and
the writer thread uploads them here, through :func:`run_blobs`.

Embedded and with ``RUNYARD_BLOBS`` it is the store that URI names. In online mode
(the tracking store is a server) it is the server itself, through
:class:`~runyard.store.rest.blobs.HttpBlobStore`: files go to the server's files routes
(or straight to its bucket when it hands out presigned URLs), with the same API
key as the run's batches. It makes one attempt per call: the writer retries a
failed upload on its own schedule, like a failed batch. That store needs to know
the runs whose files it carries (their blob keys use filesystem-safe names);
``init`` tells it with :func:`remember_run`, which costs nothing until a file is
written (httpx is imported then, in the writer thread, not by ``init``).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs
from runyard.entities import RunRef
from runyard.settings import Settings

if TYPE_CHECKING:
    from runyard.store.rest.blobs import HttpBlobStore

__all__ = ["remember_run", "run_blobs"]

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
            from runyard.store.rest.blobs import HttpBlobStore

            store = HttpBlobStore(url, settings.api_key, runs=_runs.get(url, ()), retries=0)
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
    # Offline runs upload nothing: `runyard sync` sends their spooled files with the run.
    return settings.remote and not settings.blobs and settings.mode not in ("offline", "dryrun")


def run_blobs(settings: Settings) -> BlobStore:
    """Where a run with these settings writes its files."""
    if _to_server(settings):
        return _server_blobs(settings)
    return _blobs(settings.blobs_uri)
