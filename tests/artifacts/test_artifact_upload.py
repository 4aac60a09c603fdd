"""journal/artifact_upload.py: a logged artifact's staging folder is adopted into the
run's spool by whoever takes the batch first (writer thread or replay)."""

from __future__ import annotations

from pathlib import Path

from runyard.journal.artifact_upload import commit_from_record, staged_paths


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
