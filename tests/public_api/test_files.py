"""`File` of the public API: reading and downloading a run's files, as wandb's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import runyard


def saved_run(tmp_path: Path, name: str, data: bytes) -> str:
    source = tmp_path / "src" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    run = runyard.init(project="files", id="r1")
    run.save(str(source), base_path=str(tmp_path / "src"), policy="now")
    run.finish()
    return f"{run.entity}/files/r1"


def test_download_returns_the_file_open_in_text_mode_as_wandb(ry_dir: Path, tmp_path: Path) -> None:
    """wandb's ``File.download`` returns ``open(path)``: text, not bytes."""
    path = saved_run(tmp_path, "conf/config.yaml", b"lr: 0.1\nopt: adam\n")
    file = runyard.Api().run(path).file("conf/config.yaml")
    with file.download(root=tmp_path / "dl") as handle:
        assert isinstance(handle, io.TextIOWrapper)
        assert handle.read() == "lr: 0.1\nopt: adam\n"
        assert Path(handle.name) == tmp_path / "dl" / "conf" / "config.yaml"
    assert file.read() == b"lr: 0.1\nopt: adam\n"  # the bytes, without a download


def test_download_keeps_or_replaces_an_existing_file(ry_dir: Path, tmp_path: Path) -> None:
    path = saved_run(tmp_path, "notes.txt", b"stored")
    file = runyard.Api().run(path).file("notes.txt")
    local = tmp_path / "dl" / "notes.txt"
    local.parent.mkdir()
    local.write_text("local edit")
    with pytest.raises(ValueError, match="File already exists, pass replace=True"):
        file.download(root=tmp_path / "dl")
    with file.download(root=tmp_path / "dl", exist_ok=True) as handle:
        assert handle.read() == "local edit"  # kept
    with file.download(root=tmp_path / "dl", replace=True, api=runyard.Api()) as handle:
        assert handle.read() == "stored"
