"""``runyard import tensorboard``: event files written by torch.utils.tensorboard,
tensorboardX and TensorFlow (each in a fresh process) → import → the same values,
steps and wall times through ``runyard.Api``; a second import adds nothing."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import runyard
from runyard.cli.main import main
from runyard.importers.tensorboard import run_id_for
from tests.importers import tb_writers
from tests.importers.tb_writers import HPARAMS, STEPS, T0, TEXT, expected_scalars

ROOT = Path(__file__).resolve().parents[2]
WRITERS = ["torch", "tensorboardX", "tensorflow"]
UNSUPPORTED = {"torch": "'pr'", "tensorboardX": "'pr'", "tensorflow": "'sound'"}


def write_log(writer: str, logdir: Path) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, "-c", tb_writers.script(writer, str(ROOT)), str(logdir)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tb")
    for writer in WRITERS:
        write_log(writer, root / writer)
    return {w: root / w for w in WRITERS}


def reference_wall_times(logdir: Path, tag: str) -> dict[int, float]:
    """Wall times of ``tag`` as TensorBoard's own EventAccumulator reads them."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    events = acc.Scalars(tag) if tag in acc.Tags()["scalars"] else acc.Tensors(tag)
    return {e.step: e.wall_time for e in events}


def history(run: Any) -> dict[str, dict[int, Any]]:
    out: dict[str, dict[int, Any]] = {}
    for row in run.scan_history():
        for key, value in row.items():
            out.setdefault(key, {})[row["_step"]] = value
    return out


@pytest.mark.parametrize("writer", WRITERS)
def test_round_trip(
    ry_dir: Path, logs: dict[str, Path], writer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "tensorboard", str(logs[writer]), "--project", "tb"]) == 0
    out = capsys.readouterr()
    assert "imported 1 runs" in out.out
    assert f"tag {UNSUPPORTED[writer]}" in out.out and "not imported" in out.out
    assert f"[1/1] {writer}" in out.err  # progress
    api = runyard.Api()
    (run,) = api.runs("tb")
    assert run.id == run_id_for(logs[writer]) and run.name == writer
    assert run.state == "finished" and run.config == HPARAMS
    got = history(run)
    for key, points in expected_scalars().items():
        assert got[key] == points, key
    # Wall times: what the writer was given (torch, tensorboardX), else what
    # TensorBoard's own reader reads (TensorFlow takes the time itself).
    if writer == "tensorflow":
        wall = reference_wall_times(logs[writer], "loss")
    else:
        wall = {s: T0 + s / 2 for s in STEPS}
    assert got["_timestamp"] == wall
    # (the store keeps _runtime to the microsecond)
    assert got["_runtime"] == {s: pytest.approx(t - wall[0], abs=1e-6) for s, t in wall.items()}
    assert run.created_at == runyard.public_api.run._iso(wall[0])
    summary = run.summary.as_dict()
    assert summary["loss"] == expected_scalars()["loss"][9] and summary["_step"] == 9

    assert sorted(got["weights"]) == [0, 5]
    for step, hist in got["weights"].items():
        data = tb_writers.weights() * (step + 1)
        assert hist["_type"] == "histogram" and sum(hist["values"]) == len(data)
        assert len(hist["bins"]) == len(hist["values"]) + 1
        assert np.all(np.diff(hist["bins"]) >= 0)
        assert hist["bins"][0] <= data.min() and hist["bins"][-1] >= data.max()

    (image,) = got["sample"].values()
    assert list(got["sample"]) == [3]
    assert (image["_type"], image["width"], image["height"]) == ("image-file", 5, 4)
    pixels = np.asarray(PILImage.open(io.BytesIO(run.file(image["path"]).read())))
    assert np.array_equal(pixels, tb_writers.picture())

    (text_key,) = [k for k in got if k.startswith("notes")]
    assert got[text_key] == {2: TEXT}


def test_second_import_adds_nothing_and_grown_dirs_add_only_the_new(
    ry_dir: Path, logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logdir = tmp_path / "copy" / "train"
    shutil.copytree(logs["torch"], logdir)
    assert main(["import", "tensorboard", str(tmp_path / "copy")]) == 0
    api = runyard.Api()
    (run,) = api.runs("tensorboard")
    assert run.name == "copy/train"
    before = list(run.scan_history())
    capsys.readouterr()

    assert main(["import", "tensorboard", str(logdir)]) == 0
    assert "imported 0 runs (0 points), 1 already imported and unchanged" in capsys.readouterr().out
    (again,) = runyard.Api().runs("tensorboard")
    assert list(again.scan_history()) == before

    # More events (a resumed writer): imported again, only the new step is added.
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    extra = EventFileWriter(str(logdir), filename_suffix=".zz")
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.5)])
    extra.add_event(event_pb2.Event(wall_time=T0 + 100, step=10, summary=summary))
    extra.close()
    assert main(["import", "tensorboard", str(logdir)]) == 0
    (grown,) = runyard.Api().runs("tensorboard")
    rows = list(grown.scan_history())
    assert rows[:-1] == before
    assert rows[-1] == {"_step": 10, "loss": 0.5, "_timestamp": T0 + 100, "_runtime": 100.0}
    assert grown.last_history_step == 10


def test_missing_directory_is_named(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "tensorboard", str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["import", "tensorboard", str(tmp_path / "empty")]) == 0
    assert "no TensorBoard event files found" in capsys.readouterr().out
