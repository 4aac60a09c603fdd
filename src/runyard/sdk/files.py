"""The blob store runs write their files to, one per URI per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import run_prefix
from runyard.blobs.registry import open_blobs
from runyard.entities import RunRef
from runyard.settings import Settings

__all__ = ["run_blobs", "store_run_file"]


@lru_cache(maxsize=8)
def _blobs(uri: str) -> BlobStore:
    return open_blobs(uri)


def run_blobs(settings: Settings) -> BlobStore:
    return _blobs(settings.blobs_uri)


def store_run_file(settings: Settings, ref: RunRef, name: str, path: Path) -> None:
    """Store the file at ``path`` as the run's file ``name`` (``run.save``)."""
    run_blobs(settings).put(f"{run_prefix(ref)}/{name}", path.read_bytes())
