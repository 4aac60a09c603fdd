"""Request-scoped access to the app's store and blob store."""

from __future__ import annotations

from fastapi import HTTPException, Request

from runyard.blobs.base import BlobStore
from runyard.blobs.legacy import upgrade_store_keys
from runyard.entities import RunRecord, RunRef
from runyard.store.base import TrackingStore

__all__ = ["blobs", "require_run", "store"]


def store(request: Request) -> TrackingStore:
    tracking: TrackingStore = request.app.state.store
    return tracking


def blobs(request: Request) -> BlobStore:
    files: BlobStore = request.app.state.blobs
    # Files written under the old blob keys move once, before the first read or write
    # (a set lookup afterwards): see runyard.blobs.legacy.
    upgrade_store_keys(files, store(request))
    return files


def require_run(tracking: TrackingStore, entity: str, project: str, run_id: str) -> RunRecord:
    record = tracking.get_run(RunRef(entity, project, run_id))
    if record is None:
        raise HTTPException(404, f"no run {entity}/{project}/{run_id}")
    return record
