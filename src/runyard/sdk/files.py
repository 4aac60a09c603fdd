"""Where a run's files live: blob keys for tensors and media, per-process blob stores."""

from __future__ import annotations

import re
from functools import lru_cache

from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs
from runyard.entities import RunRef
from runyard.settings import Settings
from runyard.store.registry import shared_store

__all__ = ["forget_journal", "run_blobs", "run_prefix", "tensor_key"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(part: str) -> str:
    cleaned = _UNSAFE.sub("_", part).strip(".")
    return cleaned or "_"


@lru_cache(maxsize=8)
def _blobs(uri: str) -> BlobStore:
    return open_blobs(uri)


def run_blobs(settings: Settings) -> BlobStore:
    return _blobs(settings.blobs_uri)


def run_prefix(ref: RunRef) -> str:
    """The blob-key prefix of everything stored for ``ref``."""
    return f"{_safe(ref.entity)}/{_safe(ref.project)}/{_safe(ref.run_id)}"


def tensor_key(ref: RunRef, path: tuple[str, ...]) -> str:
    """Blob key of the ``.npy`` file holding a summary tensor."""
    return f"{run_prefix(ref)}/summary/{'.'.join(_safe(p) for p in path)}.npy"


def forget_journal(settings: Settings, journal: str) -> None:
    """Drop the store's bookkeeping of a journal that was fully stored and deleted."""
    shared_store(settings.store_uri).forget_journal(journal)
