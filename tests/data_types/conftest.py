"""A real sink for data types: a local blob store under the test's directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from runyard.blobs.keys import run_prefix
from runyard.blobs.local import LocalBlobStore
from runyard.data_types.sink import BlobSink
from runyard.entities import RunRef


class StoredSink(BlobSink):
    """A :class:`BlobSink` that also reads back what was put (by run-relative name)."""

    def read(self, name: str) -> bytes:
        return self.blobs.get(f"{run_prefix(self.ref)}/{name}")

    def names(self, under: str) -> list[str]:
        prefix = run_prefix(self.ref) + "/"
        return [key[len(prefix) :] for key, _ in self.blobs.list(prefix + under)]


@pytest.fixture
def sink(tmp_path: Path) -> StoredSink:
    return StoredSink(LocalBlobStore(tmp_path / "blobs"), RunRef("tester", "media", "r1"))
