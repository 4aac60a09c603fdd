"""``init(sync_tensorboard=True)``: a live run mirroring torch.utils.tensorboard or
tensorboardX writers equals the run ``runyard import tensorboard`` makes of the same
log directory afterwards (values, steps, wall times, images, config)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.cli.main import main
from tests.helpers import run_script
from tests.importers import tb_writers
from tests.importers.tb_writers import HPARAMS, T0, expected_scalars

ROOT = Path(__file__).resolve().parents[1]


def live_script(writer: str, how: str) -> str:
    start = {
        "init": "runyard.init(project='live', id=sys.argv[2], sync_tensorboard=True)",
        "patch": "runyard.tensorboard.patch(); runyard.init(project='live', id=sys.argv[2])",
    }[how]
    return (
        f"import sys, runyard\n{start}\n{tb_writers.script(writer, str(ROOT))}\nrunyard.finish()\n"
    )


def rows(run: Any) -> dict[str, dict[int, Any]]:
    out: dict[str, dict[int, Any]] = {}
    for row in run.scan_history():
        for key, value in row.items():
            if key != "_runtime":  # the live run's is the process's, not the events'
                out.setdefault(key, {})[row["_step"]] = value
    return out


@pytest.mark.parametrize(("writer", "how"), [("torch", "init"), ("tensorboardX", "patch")])
def test_live_run_equals_the_imported_one(
    ry_dir: Path, tmp_path: Path, writer: str, how: str
) -> None:
    logdir = tmp_path / "logs" / writer
    result = run_script(live_script(writer, how), ry_dir, str(logdir), "live1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "runyard: WARNING" not in result.stderr, result.stderr
    assert main(["import", "tensorboard", str(logdir), "--project", "imported"]) == 0
    api = runyard.Api()
    live = api.run("live/live1")
    (imported,) = api.runs("imported")
    got, want = rows(live), rows(imported)
    assert got == want
    for key, points in expected_scalars().items():
        assert got[key] == points
    assert got["_timestamp"][9] == T0 + 4.5
    assert live.config == imported.config == HPARAMS
    (image,) = got["sample"].values()
    assert live.file(image["path"]).read() == imported.file(image["path"]).read()


def test_patch_twice_is_refused_and_unpatch_restores(ry_dir: Path) -> None:
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    original = EventFileWriter.add_event
    runyard.tensorboard.patch()
    try:
        assert EventFileWriter.add_event is not original
        with pytest.raises(ValueError, match="already patched"):
            runyard.tensorboard.patch()
    finally:
        runyard.tensorboard.unpatch()
    assert EventFileWriter.add_event is original


def test_a_second_log_directory_is_namespaced_and_steps_merge(ry_dir: Path, tmp_path: Path) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    def scalar(writer: EventFileWriter, tag: str, value: float, step: int) -> None:
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]
        )
        writer.add_event(event_pb2.Event(wall_time=T0 + step, step=step, summary=summary))

    runyard.tensorboard.patch()
    try:
        run = runyard.init(project="ns")
        train = EventFileWriter(str(tmp_path / "train"))
        val = EventFileWriter(str(tmp_path / "validation"))
        scalar(train, "loss", 1.0, 0)
        scalar(val, "loss", 2.0, 0)  # same step, other writer: the same row
        scalar(train, "loss", 0.5, 1)
        scalar(val, "loss", 1.5, 1)
        scalar(train, "loss", 0.25, 3)
        scalar(val, "loss", 9.0, 2)  # the run is past step 2: dropped
        train.close()
        val.close()
        run.finish()
    finally:
        runyard.tensorboard.unpatch()
    history = [
        {k: v for k, v in r.items() if k != "_runtime"}
        for r in runyard.Api().run(f"ns/{run.id}").scan_history()
    ]
    assert history == [
        {"_step": 0, "_timestamp": T0, "loss": 1.0, "validation/loss": 2.0},
        {"_step": 1, "_timestamp": T0 + 1, "loss": 0.5, "validation/loss": 1.5},
        {"_step": 3, "_timestamp": T0 + 3, "loss": 0.25},
    ]
