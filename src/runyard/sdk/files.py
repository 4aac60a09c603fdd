"""Where a run's files live: blob keys for tensors and media, per-process blob stores."""

from __future__ import annotations

from functools import lru_cache

from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs
from runyard.settings import Settings
from runyard.store.registry import shared_store

__all__ = ["forget_journal", "run_blobs"]


@lru_cache(maxsize=8)
def _blobs(uri: str) -> BlobStore:
    return open_blobs(uri)


def run_blobs(settings: Settings) -> BlobStore:
    return _blobs(settings.blobs_uri)


def forget_journal(settings: Settings, journal: str) -> None:
    """Drop the store's bookkeeping of a journal that was fully stored and deleted."""
    shared_store(settings.store_uri).forget_journal(journal)
