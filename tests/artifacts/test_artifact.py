"""runyard.Artifact's staging on the training thread (artifacts/artifact.py,
journal/staging.py): what add_dir picks up, and what a mutable entry keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import runyard


def test_add_dir_takes_files_and_links_to_files_not_links_to_folders(
    ry_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "d"
    (root / "b").mkdir(parents=True)
    (root / "b" / "x.txt").write_text("x")
    (root / "a.txt").write_text("a")
    os.symlink(root / "a.txt", root / "link.txt")
    os.symlink(root / "b", root / "folder-link")
    art = runyard.Artifact("d", type="dataset")
    art.add_dir(str(root), name="data")
    assert [e.path for e in art.manifest.entries.values()] == [
        "data/a.txt",
        "data/b/x.txt",
        "data/link.txt",
    ]


def test_a_mutable_entry_keeps_the_content_of_add_time(
    ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleted or replaced after add_file: the artifact stores what was added."""
    monkeypatch.chdir(tmp_path)
    ckpt = tmp_path / "ckpt.pt"
    ckpt.write_bytes(b"epoch 1")
    run = runyard.init(project="stage")
    art = runyard.Artifact("m", type="model")
    art.add_file(str(ckpt))
    ckpt.unlink()
    ckpt.write_bytes(b"epoch 2, another file")
    logged = run.log_artifact(art).wait(30)
    run.finish()
    path = logged.download(str(tmp_path / "out"))
    assert Path(path, "ckpt.pt").read_bytes() == b"epoch 1"


def test_a_mutable_file_rewritten_in_place_keeps_the_content_of_add_time(
    ry_dir: Path, tmp_path: Path
) -> None:
    """As wandb: ``policy="mutable"`` captures the file when it is added. A checkpoint
    rewritten in place (``torch.save`` to ``last.ckpt`` truncates the same file) after
    log_artifact does not reach the logged version."""
    ckpt = tmp_path / "last.ckpt"
    ckpt.write_bytes(b"epoch 1")
    run = runyard.init(project="stage")
    art = runyard.Artifact("m", type="model")
    art.add_file(str(ckpt))
    logged = run.log_artifact(art)
    with open(ckpt, "r+b") as f:  # the same inode, as torch.save(..., "last.ckpt")
        f.truncate(0)
        f.write(b"epoch 2")
    logged.wait(30)
    run.finish()
    path = logged.download(str(tmp_path / "out"))
    assert Path(path, "last.ckpt").read_bytes() == b"epoch 1"
