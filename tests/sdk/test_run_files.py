"""``Run.save``: files stored with a run, read back through the public API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import runyard


def test_save_stores_files_by_name_relative_to_base_path(ry_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "model.keras").write_bytes(b"model")
    (out / "sub" / "w.h5").write_bytes(b"weights")
    run = runyard.init(project="p")
    assert run.save(out / "model.keras", base_path=out, policy="now") == ["model.keras"]
    assert run.save(str(out / "**" / "*.h5"), base_path=out, policy="now") == ["sub/w.h5"]
    run.finish()
    stored = runyard.Api().run(run.path)
    assert stored.file("model.keras").read() == b"model"
    assert stored.file("sub/w.h5").read() == b"weights"


def test_absolute_glob_without_base_path_keeps_file_names(ry_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    run = runyard.init(project="p")
    assert run.save(str(tmp_path / "*.txt")) == ["a.txt"]
    run.finish()
    assert runyard.Api().run(run.path).file("a.txt").read() == b"a"


def test_relative_glob_is_relative_to_the_working_directory(
    ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "m.bin").write_bytes(b"m")
    run = runyard.init(project="p")
    assert run.save("ckpt/*.bin") == ["ckpt/m.bin"]
    run.finish()
    assert runyard.Api().run(run.path).file("ckpt/m.bin").read() == b"m"


def test_live_policy_stores_new_and_changed_files_again_at_finish(
    ry_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("first")
    run = runyard.init(project="p")
    run.save(str(tmp_path / "*.txt"), base_path=tmp_path)
    (tmp_path / "a.txt").write_text("second, longer")
    (tmp_path / "b.txt").write_text("later")
    run.finish()
    stored = runyard.Api().run(run.path)
    assert stored.file("a.txt").read() == b"second, longer"
    assert stored.file("b.txt").read() == b"later"


def test_now_policy_stores_once(ry_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("first")
    run = runyard.init(project="p")
    run.save(os.fspath(tmp_path / "a.txt"), base_path=tmp_path, policy="now")
    (tmp_path / "a.txt").write_text("second, longer")
    run.finish()
    assert runyard.Api().run(run.path).file("a.txt").read() == b"first"


def test_bad_policy_and_files_outside_base_path_are_errors(ry_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    run = runyard.init(project="p")
    with pytest.raises(ValueError, match="'sometimes'"):
        run.save(str(tmp_path / "a.txt"), policy="sometimes")
    with pytest.raises(ValueError, match="not inside base_path"):
        run.save(str(tmp_path / "a.txt"), base_path=tmp_path / "elsewhere")
    run.finish()


def test_module_level_save(ry_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(runyard.Error, match=r"wandb.init\(\) before wandb.save\(\)"):
        runyard.save(str(tmp_path / "a.txt"))
    run = runyard.init(project="p")
    assert runyard.save(str(tmp_path / "a.txt"), policy="now") == ["a.txt"]
    run.finish()
    assert runyard.Api().run(run.path).file("a.txt").read() == b"a"
