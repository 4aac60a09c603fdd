"""Scripts writing the same TensorBoard log with each writer, run in fresh processes.

Each writes into ``sys.argv[1]``: scalars ``loss`` (every step 0..9), ``acc`` (even
steps) and ``val/loss`` (steps 4 and 9), a histogram ``weights`` (steps 0 and 5), an
RGB image ``sample`` (step 3), text ``notes`` (step 2), a PR curve ``pr`` (torch,
tensorboardX) or audio ``sound`` (TensorFlow) at step 1, which are not imported, and hparams ``lr``, ``opt``, ``bs``. torch and tensorboardX are given
explicit wall times (``T0 + step / 2``); TensorFlow takes its own.
"""

from __future__ import annotations

import numpy as np

T0 = 1_700_000_000.0
STEPS = range(10)
HPARAMS = {"lr": 0.01, "opt": "adam", "bs": 32}
TEXT = "hello *world*"


def loss(step: int) -> float:
    return 1.0 / (step + 1)


def acc(step: int) -> float:
    return step / 10


def val_loss(step: int) -> float:
    return 2.0 / (step + 1)


def weights() -> np.ndarray:
    return np.linspace(-1.0, 1.0, 50)


def picture() -> np.ndarray:
    """A 4×5 RGB picture (height × width × channels)."""
    return (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 4).astype(np.uint8)


def expected_scalars() -> dict[str, dict[int, float]]:
    f32 = lambda v: float(np.float32(v))  # noqa: E731  (TensorBoard stores float32)
    return {
        "loss": {s: f32(loss(s)) for s in STEPS},
        "acc": {s: f32(acc(s)) for s in STEPS if s % 2 == 0},
        "val/loss": {s: f32(val_loss(s)) for s in (4, 9)},
    }


# torch.utils.tensorboard and tensorboardX share the SummaryWriter API.
SUMMARY_WRITER = """
import sys
import numpy as np
sys.path.insert(0, {root!r})
from tests.importers.tb_writers import *
from {module} import SummaryWriter

w = SummaryWriter({logdir_arg}=sys.argv[1])
for s in STEPS:
    t = T0 + s / 2
    w.add_scalar("loss", loss(s), s, walltime=t)
    if s % 2 == 0:
        w.add_scalar("acc", acc(s), s, walltime=t)
    if s in (4, 9):
        w.add_scalar("val/loss", val_loss(s), s, walltime=t)
    if s in (0, 5):
        w.add_histogram("weights", weights() * (s + 1), s, walltime=t)
    if s == 3:
        w.add_image("sample", picture(), s, walltime=t, dataformats="HWC")
    if s == 2:
        w.add_text("notes", TEXT, s, walltime=t)
    if s == 1:
        w.add_pr_curve("pr", np.array([1, 0, 1]), np.array([0.9, 0.1, 0.8]), s, walltime=t)
# add_hparams would write into a new directory (another run, as TensorBoard shows it):
# the same summaries, into this writer's file.
from {summary_module} import hparams
for summary in hparams(HPARAMS, {{}}):
    w.{file_writer}.add_summary(summary)
w.close()
"""

TENSORFLOW = """
import sys, os
sys.path.insert(0, {root!r})
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
from tensorboard.plugins.hparams import api as hp
from tests.importers.tb_writers import *

w = tf.summary.create_file_writer(sys.argv[1])
with w.as_default():
    hp.hparams(HPARAMS)
    for s in STEPS:
        tf.summary.scalar("loss", loss(s), step=s)
        if s % 2 == 0:
            tf.summary.scalar("acc", acc(s), step=s)
        if s in (4, 9):
            tf.summary.scalar("val/loss", val_loss(s), step=s)
        if s in (0, 5):
            tf.summary.histogram("weights", weights() * (s + 1), step=s)
        if s == 3:
            tf.summary.image("sample", picture()[None], step=s)
        if s == 2:
            tf.summary.text("notes", TEXT, step=s)
        if s == 1:
            tf.summary.audio("sound", tf.zeros([1, 800, 1]), 8000, step=s)
w.close()
"""


def script(writer: str, root: str) -> str:
    if writer == "tensorflow":
        return TENSORFLOW.format(root=root)
    module = {"torch": "torch.utils.tensorboard", "tensorboardX": "tensorboardX"}[writer]
    logdir_arg = "log_dir" if writer == "torch" else "logdir"
    summary_module = f"{module}.summary"
    file_writer = "_get_file_writer()" if writer == "torch" else "file_writer"
    return SUMMARY_WRITER.format(
        root=root,
        module=module,
        logdir_arg=logdir_arg,
        summary_module=summary_module,
        file_writer=file_writer,
    )
