"""``init(dir=…)``: where the run's local files go, as wandb's ``dir`` (a parent).

wandb makes its own folder inside ``dir`` (``<dir>/wandb/run-…/files``); frameworks
pass their working directory (Lightning's ``WandbLogger`` passes ``save_dir="."``), so
``dir`` itself must never become ``run.dir``, whose every file is stored at finish.
"""

from __future__ import annotations

from pathlib import Path

import runyard


def test_dir_is_the_parent_of_the_runs_directory_not_the_run_directory(
    ry_dir: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "big.bin").write_bytes(b"not the run's")
    run = runyard.init(project="dirs", dir=str(work))
    run_dir = Path(run.dir)
    assert run_dir.is_relative_to(work / "runyard") and run.id in run_dir.name
    (run_dir / "notes.txt").write_text("the run's own")
    run.finish()
    names = {f.name for f in runyard.Api().run(f"dirs/{run.id}").files()}
    assert "notes.txt" in names
    assert not any(name.startswith("data/") or name.endswith("big.bin") for name in names), names
