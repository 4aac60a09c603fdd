"""wandb's artifact walkthroughs as tests, on every SDK backend (embedded SQLite,
PostgreSQL, a real server)."""

from __future__ import annotations

from pathlib import Path

import pytest

import runyard


def test_dataset_logged_then_downloaded_in_another_run(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x,y\n1,2\n")
    (data / "sub").mkdir()
    (data / "sub" / "b.csv").write_text("x\n3\n")
    run = runyard.init(project="p")
    art = runyard.Artifact("ds", type="dataset", metadata={"rows": 2})
    art.add_dir(str(data))
    with art.new_file("notes.txt") as f:
        f.write("v0")
    logged = run.log_artifact(art)
    logged.wait(30)
    assert logged.version == "v0"
    run.finish()
    run2 = runyard.init(project="p")
    used = run2.use_artifact("ds:latest")
    path = used.download()
    assert sorted(p.relative_to(path).as_posix() for p in Path(path).rglob("*") if p.is_file()) == [
        "a.csv",
        "notes.txt",
        "sub/b.csv",
    ]
    used.verify(path)
    run2.finish()
