"""The blob store runs write their files to, one per URI per process."""

from __future__ import annotations

from functools import lru_cache

from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs
from runyard.settings import Settings

__all__ = ["run_blobs"]


@lru_cache(maxsize=8)
def _blobs(uri: str) -> BlobStore:
    return open_blobs(uri)


def run_blobs(settings: Settings) -> BlobStore:
    return _blobs(settings.blobs_uri)
