"""TensorFlow's writers mirrored live (``runyard.tensorboard_watch``): a live
``sync_tensorboard=True`` run equals ``runyard import tensorboard`` of its log
directories, Keras's ``TensorBoard`` callback reaches the run, events wait for the other
files and come in step order, the watcher stops at ``finish``, and a damaged event file
never reaches the training loop. Real TensorFlow throughout."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

# Before anything reads event files here: TensorBoard settles once per process whether
# it has TensorFlow or its stub (the import test reads files in this process).
import tensorflow as tf  # type: ignore[import-untyped]

import runyard
from runyard import tensorboard_watch
from runyard.cli.main import main
from tests.helpers import run_script
from tests.importers.tb_writers import HPARAMS

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = f"""
import os, sys, json, time
sys.path.insert(0, {str(ROOT)!r})
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import runyard
"""

# Two writers, as Keras makes them: train (created first: its tags as they are) and
# validation (its tags under "validation/"). Every kind the importer reads, in both;
# a flush and a pause half way, so the watcher thread reads a part while the run lives.
TWO_DIRS = (
    PRELUDE
    + """
from tests.importers.tb_writers import *
runyard.init(project="live", id=sys.argv[2], sync_tensorboard=True)
import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hp

root = sys.argv[1]
train = tf.summary.create_file_writer(os.path.join(root, "train"))
val = tf.summary.create_file_writer(os.path.join(root, "validation"))
with train.as_default():
    hp.hparams(HPARAMS)
for s in STEPS:
    with train.as_default():
        tf.summary.scalar("loss", loss(s), step=s)
        if s % 2 == 0:
            tf.summary.scalar("acc", acc(s), step=s)
        if s in (0, 5):
            tf.summary.histogram("weights", weights() * (s + 1), step=s)
        if s == 3:
            tf.summary.image("sample", picture()[None], step=s)
        if s == 2:
            tf.summary.text("notes", TEXT, step=s)
    with val.as_default():
        if s % 3 == 0:
            tf.summary.scalar("loss", val_loss(s), step=s)
        if s == 4:
            tf.summary.text("notes", "validation " + TEXT, step=s)
            tf.summary.image("sample", picture()[None, ::-1], step=s)
        if s == 7:
            tf.summary.histogram("weights", weights(), step=s)
    if s == 5:
        train.flush()
        val.flush()
        time.sleep(2.5)  # the watcher looks every second
train.close()
# validation is left open: finish flushes it
runyard.finish()
"""
)


def rows(run: Any) -> dict[str, dict[int, Any]]:
    out: dict[str, dict[int, Any]] = {}
    for row in run.scan_history():
        for key, value in row.items():
            if key != "_runtime":  # the live run's is the process's, not the events'
                out.setdefault(key, {})[row["_step"]] = value
    return out


def test_live_tensorflow_run_in_two_log_dirs_equals_the_imported_ones(
    ry_dir: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    result = run_script(TWO_DIRS, ry_dir, str(logs), "tflive", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "runyard: WARNING" not in result.stderr, result.stderr[-3000:]
    assert main(["import", "tensorboard", str(logs), "--project", "imported"]) == 0
    api = runyard.Api()
    live = rows(api.run("live/tflive"))
    imported = {run.name: run for run in api.runs("imported")}
    train, val = rows(imported["logs/train"]), rows(imported["logs/validation"])
    want: dict[str, dict[int, Any]] = {}
    for prefix, got in (("", train), ("validation/", val)):
        for key, points in got.items():
            if key not in ("_step", "_timestamp"):
                want[prefix + key] = points
    # A step's wall time is its first event's, whichever directory it came from.
    stamps: dict[int, float] = {}
    for got in (train, val):
        for step, stamp in got["_timestamp"].items():
            stamps[step] = min(stamp, stamps.get(step, stamp))
    want["_timestamp"] = stamps
    want["_step"] = {s: s for s in stamps}
    assert live == want
    assert set(live) == {
        *("_step", "_timestamp", "loss", "acc", "weights", "sample", "notes"),
        *("validation/loss", "validation/notes", "validation/sample", "validation/weights"),
    }
    assert set(live["validation/loss"]) == {0, 3, 6, 9}
    assert api.run("live/tflive").config == imported["logs/train"].config == HPARAMS
    run, source = api.run("live/tflive"), imported["logs/validation"]
    image = live["validation/sample"][4]
    assert run.file(image["path"]).read() == source.file(val["sample"][4]["path"]).read()


KERAS = (
    PRELUDE
    + """
runyard.init(project="keras", id=sys.argv[2], sync_tensorboard=True)
import numpy as np
import keras

rng = np.random.default_rng(0)
x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
history = model.fit(
    x, y, validation_split=0.25, epochs=3, batch_size=16, verbose=0,
    callbacks=[keras.callbacks.TensorBoard(log_dir=sys.argv[1])],
)
runyard.finish()
print(json.dumps(history.history))
"""
)


def test_keras_tensorboard_callback_epoch_metrics_reach_the_run(
    ry_dir: Path, tmp_path: Path
) -> None:
    result = run_script(KERAS, ry_dir, str(tmp_path / "logs"), "kfit", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "runyard: WARNING" not in result.stderr, result.stderr[-3000:]
    assert "NOT_FOUND" not in result.stderr  # finish flushed no writer Keras had closed
    history = json.loads(result.stdout.strip().splitlines()[-1])
    got = rows(runyard.Api().run("keras/kfit"))
    assert got["epoch_loss"] == pytest.approx(dict(enumerate(history["loss"])), rel=1e-6)
    assert got["validation/epoch_loss"] == pytest.approx(
        dict(enumerate(history["val_loss"])), rel=1e-6
    )


def _watcher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "runyard-tb-watch" and t.is_alive()]


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``patch()`` with a watcher that never looks by itself (the test looks) and a
    clock the test moves."""
    monkeypatch.setattr(tensorboard_watch, "INTERVAL", 3600.0)
    runyard.tensorboard.patch()
    now = [1000.0]
    watcher = runyard.tensorboard._watcher
    assert watcher is not None
    watcher.clock = lambda: now[0]
    try:
        yield watcher, now
    finally:
        runyard.tensorboard.unpatch()


def test_events_wait_for_the_other_files_then_come_in_step_order(
    ry_dir: Path, tmp_path: Path, patched: Any
) -> None:
    watcher, now = patched
    run = runyard.init(project="order")
    train = tf.summary.create_file_writer(str(tmp_path / "train"))
    val = tf.summary.create_file_writer(str(tmp_path / "validation"))
    assert len(_watcher_threads()) == 1

    def scalars(writer: Any, steps: range, value: float) -> None:
        with writer.as_default():
            for s in steps:
                tf.summary.scalar("loss", value + s, step=s)
        writer.flush()

    scalars(train, range(3), 0.0)
    watcher.look(final=False)
    assert len(watcher._pending) == 3  # validation has not reached step 0 yet
    scalars(val, range(2), 10.0)
    watcher.look(final=False)  # steps 0 and 1 of both: in the run
    assert run.step == 1 and len(watcher._pending) == 1
    now[0] += tensorboard_watch.HOLD  # held long enough: in, without validation's
    watcher.look(final=False)
    assert run.step == 2 and not watcher._pending
    scalars(val, range(2, 3), 10.0)  # late, but the run's step 2 is still open
    with train.as_default():
        tf.summary.scalar("loss", 3.0, step=3)  # not flushed: finish flushes it
    run.finish()
    assert _watcher_threads() == [] and not watcher.running
    history = [
        {k: v for k, v in r.items() if k not in ("_runtime", "_timestamp")}
        for r in runyard.Api().run(f"order/{run.id}").scan_history()
    ]
    assert history == [
        {"_step": 0, "loss": 0.0, "validation/loss": 10.0},
        {"_step": 1, "loss": 1.0, "validation/loss": 11.0},
        {"_step": 2, "loss": 2.0, "validation/loss": 12.0},
        {"_step": 3, "loss": 3.0},
    ]


def test_a_damaged_event_file_never_reaches_the_training_loop(
    ry_dir: Path, tmp_path: Path, patched: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    from tensorboard.summary.writer.record_writer import RecordWriter

    watcher, _now = patched
    run = runyard.init(project="damaged")
    writer = tf.summary.create_file_writer(str(tmp_path / "train"))
    with (tmp_path / "train" / "events.out.tfevents.1.damaged").open("wb") as f:
        RecordWriter(f).write(b"\xff\xfe not an Event proto")  # framed right, bad content
    with writer.as_default():
        tf.summary.scalar("loss", 0.5, step=0)
    writer.flush()
    watcher.look(final=False)  # the damaged file is given up, the good one read
    runyard.log({"mine": 1.0}, step=1)  # the training loop goes on
    with writer.as_default():
        tf.summary.scalar("loss", 0.25, step=2)
    run.finish()
    assert not watcher.running
    err = capfd.readouterr().err
    assert "events.out.tfevents.1.damaged is no longer mirrored" in err
    history = [
        {k: v for k, v in r.items() if k not in ("_runtime", "_timestamp")}
        for r in runyard.Api().run(f"damaged/{run.id}").scan_history()
    ]
    assert history == [
        {"_step": 0, "loss": 0.5},
        {"_step": 1, "mine": 1.0},
        {"_step": 2, "loss": 0.25},
    ]


def test_patch_does_not_import_tensorflow_and_wraps_it_when_imported(ry_dir: Path) -> None:
    code = (
        PRELUDE
        + """
runyard.tensorboard.patch()
assert "tensorflow" not in sys.modules
import tensorflow as tf
from tensorflow.python.ops import gen_summary_ops
assert gen_summary_ops.create_summary_file_writer.__name__ == "create_summary_file_writer"
assert gen_summary_ops.create_summary_file_writer.__wrapped__ is not None
runyard.tensorboard.unpatch()
assert not hasattr(gen_summary_ops.create_summary_file_writer, "__wrapped__")
print("ok")
"""
    )
    result = run_script(code, ry_dir, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_the_watcher_thread_logs_while_the_run_lives(
    ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setattr(tensorboard_watch, "INTERVAL", 0.05)
    runyard.tensorboard.patch()
    try:
        run = runyard.init(project="thread")
        writer = tf.summary.create_file_writer(str(tmp_path / "train"))
        with writer.as_default():
            for s in range(3):
                tf.summary.scalar("loss", float(s), step=s)
        writer.flush()
        deadline = time.monotonic() + 60  # a bound on a loaded machine, not a timing
        while run.step < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert run.step == 2  # logged by the thread, before finish
        run.finish()
    finally:
        runyard.tensorboard.unpatch()
    assert _watcher_threads() == []
    history = runyard.Api().run(f"thread/{run.id}").history(pandas=False)
    assert [r["loss"] for r in history] == [0.0, 1.0, 2.0]
