"""journal/artifact_upload.py: a logged artifact's staging folder is adopted into the
run's spool by whoever takes the batch first (writer thread or replay)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from runyard.blobs.artifacts import artifact_key
from runyard.blobs.local import LocalBlobStore
from runyard.cli.gc import collect
from runyard.entities import RunRef
from runyard.journal.artifact_upload import blob_target, commit_from_record, prepare, staged_paths
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

RUN = RunRef("ent", "proj", "r1")


def _record(staging: Path) -> dict[str, object]:
    return {
        "client_id": "c1",
        "name": "d",
        "type": "dataset",
        "staging": str(staging),
        "entries": [
            {"path": "a.txt", "size": 1, "local": "artifacts/c1/000001"},
            {"path": "b.txt", "size": 1, "local": "/elsewhere/b.txt", "stat": [1, 2]},
        ],
    }


def test_the_staging_folder_moves_into_the_spool_once(tmp_path: Path) -> None:
    staging = tmp_path / "staging" / "c1"
    staging.mkdir(parents=True)
    (staging / "000001").write_text("a")
    spool = tmp_path / "run.journal.spool"
    commit = commit_from_record(_record(staging))
    assert staged_paths([commit], spool) == [spool / "artifacts" / "c1" / "000001"]
    assert (spool / "artifacts" / "c1" / "000001").read_text() == "a"
    assert not staging.exists()
    # A replay of the same record after a kill finds it in the spool.
    again = commit_from_record(_record(staging))
    assert staged_paths([again], spool) == [spool / "artifacts" / "c1" / "000001"]


def test_a_journal_copied_with_its_spool_reads_the_spool(tmp_path: Path) -> None:
    spool = tmp_path / "copied.spool"
    (spool / "artifacts" / "c1").mkdir(parents=True)
    (spool / "artifacts" / "c1" / "000001").write_text("a")
    commit = commit_from_record(_record(tmp_path / "gone" / "c1"))
    assert staged_paths([commit], spool) == [spool / "artifacts" / "c1" / "000001"]


def test_uploaded_contents_stay_safe_from_gc_until_their_commit(tmp_path: Path) -> None:
    """Embedded: a content written now is kept by ``runyard gc`` through its own
    modification time (no store transaction per file: a thousand small files are not a
    thousand commits); a content that was there already, with an old modification
    time, through the store's record of this project holding it."""
    store = SqlStore(f"sqlite:///{tmp_path}/s.db")
    blobs = LocalBlobStore(tmp_path / "blobs")
    store.write_batch(RunBatch(RUN, create={}))
    old_data, new_data = b"another project's content", b"new content"
    old = hashlib.sha256(old_data).hexdigest()
    blobs.put(artifact_key(old), old_data)
    when = os.path.getmtime(blobs.path(artifact_key(old))) - 2 * 86400
    os.utime(blobs.path(artifact_key(old)), (when, when))
    spool = tmp_path / "spool"
    (spool / "artifacts" / "c1").mkdir(parents=True)
    (spool / "artifacts" / "c1" / "000001").write_bytes(old_data)
    (spool / "artifacts" / "c1" / "000002").write_bytes(new_data)
    commit = commit_from_record(
        {
            "client_id": "c1",
            "name": "d",
            "type": "dataset",
            "entries": [
                {"path": "old.bin", "size": 25, "local": "artifacts/c1/000001"},
                {"path": "new.bin", "size": 11, "local": "artifacts/c1/000002"},
            ],
        }
    )
    batch = RunBatch(RUN, artifacts=[commit])
    prepare(batch, spool, blob_target(blobs, store, RUN))
    new = hashlib.sha256(new_data).hexdigest()
    assert [e.digest for e in commit.entries] == [old, new]
    # The staged copy (the artifact's own) became the blob: no second copy of it.
    staged_new = spool / "artifacts" / "c1" / "000002"
    assert os.stat(blobs.path(artifact_key(new))).st_ino == os.stat(staged_new).st_ino
    assert blobs.get(artifact_key(old)) == old_data
    # gc's cutoff an hour before the new blob was written (its mtime, not the clock)
    cutoff = os.path.getmtime(blobs.path(artifact_key(new))) - 3600
    assert store.artifact_blobs_to_keep([old, new], cutoff) == {old}
    assert collect(store, blobs).contents == []  # both kept before the commit
    store.write_batch(batch)
    assert collect(store, blobs).contents == []


def test_a_staging_folder_without_staged_entries_goes_with_the_spool(tmp_path: Path) -> None:
    """Files staged then removed from the artifact: no entry names them, but the
    folder moves into the spool all the same (removed with it), not left behind."""
    staging = tmp_path / "staging" / "c2"
    staging.mkdir(parents=True)
    (staging / "000001").write_text("removed from the artifact")
    spool = tmp_path / "run.journal.spool"
    commit = commit_from_record(
        {"client_id": "c2", "name": "d", "type": "dataset", "staging": str(staging), "entries": []}
    )
    assert staged_paths([commit], spool) == []
    assert not staging.exists()
    assert (spool / "artifacts" / "c2" / "000001").is_file()
