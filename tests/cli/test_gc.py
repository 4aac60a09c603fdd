"""``runyard gc``: unused artifact contents go; contents of versions, recent uploads and
contents a client was just told are held stay; a dry run deletes nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from runyard.blobs.artifacts import artifact_key
from runyard.blobs.keys import file_key
from runyard.blobs.local import LocalBlobStore
from runyard.cli.gc import collect
from runyard.cli.main import main
from runyard.entities import RunRef
from runyard.store.base import ArtifactCommit, ArtifactFile, RunBatch
from runyard.store.sql.store import SqlStore

RUN = RunRef("ent", "proj", "r1")
DAY = 86400.0


@pytest.fixture
def stores(tmp_path: Path) -> tuple[SqlStore, LocalBlobStore]:
    store = SqlStore(f"sqlite:///{tmp_path}/s.db")
    return store, LocalBlobStore(tmp_path / "blobs")


def put(blobs: LocalBlobStore, data: bytes, age: float = 2 * DAY) -> str:
    digest = hashlib.sha256(data).hexdigest()
    key = artifact_key(digest)
    blobs.put(key, data)
    when = os.path.getmtime(blobs.path(key)) - age
    os.utime(blobs.path(key), (when, when))
    return digest


def test_only_unused_old_contents_go(stores: tuple[SqlStore, LocalBlobStore]) -> None:
    store, blobs = stores
    used = put(blobs, b"in a version")
    orphan = put(blobs, b"from a killed process")
    fresh = put(blobs, b"being uploaded right now", age=60)
    store.write_batch(
        RunBatch(
            RUN, create={}, artifacts=[ArtifactCommit("c", "d", "t", [ArtifactFile("f", used, 12)])]
        )
    )
    dry = collect(store, blobs)
    assert [k for k, _ in dry.contents] == [artifact_key(orphan)]
    assert dry.kept_recent == 1 and dry.bytes == len(b"from a killed process")
    assert blobs.exists(artifact_key(orphan))  # a dry run deletes nothing
    collect(store, blobs, delete=True)
    assert not blobs.exists(artifact_key(orphan))
    assert blobs.exists(artifact_key(used)) and blobs.exists(artifact_key(fresh))


def test_content_announced_to_a_client_is_kept(stores: tuple[SqlStore, LocalBlobStore]) -> None:
    store, blobs = stores
    digest = put(blobs, b"old content, unused")
    store.write_batch(RunBatch(RUN, create={}))
    store.record_artifact_blob("ent", "proj", digest, 19)  # the store saw it (an upload) ...
    with sqlite3.connect(store.uri.removeprefix("sqlite:///")) as db:  # ... two days ago
        db.execute("UPDATE artifact_blobs SET seen_at = seen_at - 172800")
    assert len(collect(store, blobs).contents) == 1
    # A client about to commit is told the project holds it: gc leaves it for the grace period.
    assert store.artifact_blobs_held("ent", "proj", [digest], touch=True) == {digest}
    assert collect(store, blobs).contents == []


def test_deleted_versions_free_their_contents(stores: tuple[SqlStore, LocalBlobStore]) -> None:
    store, blobs = stores
    digest = put(blobs, b"weights")
    store.write_batch(
        RunBatch(
            RUN,
            create={},
            artifacts=[ArtifactCommit("c", "d", "t", [ArtifactFile("f", digest, 7)])],
        )
    )
    record = store.get_artifact("ent", "proj", "d", "v0")
    assert record is not None
    store.delete_artifact(record)
    later = lambda: 1e10  # noqa: E731  (the grace period of the commit's record has passed)
    assert [k for k, _ in collect(store, blobs, clock=later).contents] == [artifact_key(digest)]


def test_stale_upload_parts_and_files_of_deleted_runs(
    stores: tuple[SqlStore, LocalBlobStore],
) -> None:
    store, blobs = stores
    blobs.put("artifacts/staging/" + "a" * 32 + "/00001", b"part")
    store.write_batch(RunBatch(RUN, create={}))
    gone = RunRef("ent", "proj", "gone")
    blobs.put(file_key(RUN, "model.pt"), b"kept")
    blobs.put(file_key(gone, "model.pt"), b"orphan")
    later = lambda: 1e10  # noqa: E731
    found = collect(store, blobs, runs=True, delete=True, clock=later)
    assert [k for k, _ in found.staging] == ["artifacts/staging/" + "a" * 32 + "/00001"]
    assert [k for k, _ in found.run_files] == [file_key(gone, "model.pt")]
    assert blobs.exists(file_key(RUN, "model.pt")) and not blobs.exists(file_key(gone, "model.pt"))


def test_the_command_is_a_dry_run_unless_told(
    stores: tuple[SqlStore, LocalBlobStore], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, blobs = stores
    orphan = put(blobs, b"orphan")
    store.close()
    args = ["gc", "--store", f"sqlite:///{tmp_path}/s.db", "--blobs", f"file://{tmp_path}/blobs"]
    assert main(args) == 0
    assert "would delete 1 unused artifact file(s)" in capsys.readouterr().out
    assert blobs.exists(artifact_key(orphan))
    assert main([*args, "--delete"]) == 0
    assert "deleted 1 unused artifact file(s)" in capsys.readouterr().out
    assert not blobs.exists(artifact_key(orphan))
    assert main([*args[:1], "--store", "http://example.org"]) == 1
