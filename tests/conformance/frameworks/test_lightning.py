"""Lightning drop-in (issue 15): tiny CPU trainings logged to Runyard, read back through
``runyard.Api()``.

Two routes, one training script:

- the shim: Lightning's own ``WandbLogger``, unchanged, in a venv where
  ``runyard wandb-shim install`` put a ``wandb`` distribution that is Runyard;
- native: ``runyard.integration.lightning.RunyardLogger`` in the project's interpreter,
  where no wandb is installed.

Each route runs once in one process and once with ``strategy="ddp_spawn"`` on two CPU
processes, which must give one run (the workers attach to the parent's run). Checked:
config (the module's hyperparameters), history keys and their ``trainer/global_step``,
gradient and parameter histograms from ``watch(log="all")``, images of every kind
WandbLogger takes, a table, audio and video, the summary, and the model checkpoints
logged as artifact versions with WandbLogger's aliases and metadata.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runyard
from tests.conformance.frameworks.conftest import Python

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

SCRIPT = """
import json
import numpy as np
import torch
import lightning as L
from PIL import Image
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset
from {module} import {logger} as Logger

F = torch.nn.functional


class Tiny(L.LightningModule):
    def __init__(self, lr: float = 0.1, hidden: int = 8) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2)
        )

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train/loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val/loss", F.cross_entropy(logits, y))
        self.log("val/acc", (logits.argmax(1) == y).float().mean())

    def on_validation_epoch_end(self):
        if self.trainer.sanity_checking:
            return
        Image.fromarray(np.full((6, 6, 3), 200, np.uint8)).save("square.png")
        images = [torch.rand(3, 8, 8), np.random.rand(8, 8, 3),
                  Image.new("RGB", (8, 8), "red"), "square.png"]
        self.logger.log_image(key="samples", images=images,
                              caption=["torch", "numpy", "pil", "path"])
        self.logger.log_table(key="preds", columns=["epoch", "acc"],
                              data=[[self.current_epoch, 0.5], [self.current_epoch, 0.75]],
                              step=self.global_step)
        if {media}:
            t = np.linspace(0, 1, 800, dtype=np.float32)
            self.logger.log_audio(key="tone", audios=[np.sin(2 * np.pi * 220 * t)],
                                  sample_rate=[8000])
            frames = np.random.randint(0, 255, (3, 3, 8, 8), dtype=np.uint8)
            self.logger.log_video(key="clip", videos=[frames], fps=[2])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def loader(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 4, generator=g)
    return DataLoader(TensorDataset(x, (x[:, 0] > 0).long()), batch_size=16)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = Tiny()
    logger = Logger(project="lit", log_model={log_model!r})
    logger.watch(model, log="all", log_freq=1)
    trainer = L.Trainer(
        max_epochs=2, logger=logger, log_every_n_steps=1, accelerator="cpu",
        devices={devices}, strategy={strategy!r},
        callbacks=[ModelCheckpoint(monitor="val/loss", mode="min", save_top_k=1)],
        enable_progress_bar=False, enable_model_summary=False,
    )
    trainer.fit(model, loader(0), loader(1))
    print(json.dumps({{"id": logger.version}}))
"""

SHIM = {"module": "lightning.pytorch.loggers", "logger": "WandbLogger"}
NATIVE = {"module": "runyard.integration.lightning", "logger": "RunyardLogger"}


def _train(
    python: Python,
    workdir: Path,
    route: dict[str, str],
    devices: int = 1,
    log_model: Any = True,
    media: bool = False,
) -> runyard.Api:
    code = SCRIPT.format(
        **route,
        log_model=log_model,
        devices=devices,
        strategy="ddp_spawn" if devices > 1 else "auto",
        media=media,
    )
    done = python.script(code, workdir)
    run_id = json.loads(done.stdout.strip().splitlines()[-1])["id"]
    api = runyard.Api()
    runs = api.runs("lit")
    assert [r.id for r in runs] == [run_id], "one training, one run"
    return api


def _read_json(run: Any, name: str, root: Path) -> Any:
    with run.file(name).download(str(root), replace=True) as file:
        return json.load(file)


def _check_run(api: runyard.Api, steps_per_epoch: int, root: Path) -> Any:
    """What every route must give; returns the run for route-specific checks."""
    (run,) = api.runs("lit")
    assert run.state == "finished"
    assert run.config["lr"] == 0.1 and run.config["hidden"] == 8
    rows = list(run.scan_history())
    keys = set().union(*rows)
    names = ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
    expected = {"train/loss", "val/loss", "val/acc", "epoch", "trainer/global_step"}
    expected |= {f"{kind}/{n}" for kind in ("gradients", "parameters") for n in names}
    expected |= {"samples", "preds"}
    assert expected <= keys, expected - keys

    train = [r for r in rows if "train/loss" in r]
    assert [r["trainer/global_step"] for r in train] == list(range(2 * steps_per_epoch))
    # watch(log_freq=1): every training step's gradients join the row Lightning commits
    assert all(f"gradients/{n}" in r for r in train for n in names[:1])
    hist = next(r for r in rows if "gradients/net.0.weight" in r)["gradients/net.0.weight"]
    assert hist["_type"] == "histogram" and len(hist["values"]) == 64

    val = [r for r in rows if "val/loss" in r]
    assert [r["trainer/global_step"] for r in val] == [steps_per_epoch - 1, 2 * steps_per_epoch - 1]
    assert run.summary["val/loss"] == pytest.approx(val[-1]["val/loss"])
    assert run.summary["trainer/global_step"] == 2 * steps_per_epoch - 1

    stored = {f.name for f in run.files()}
    images = [r["samples"] for r in rows if "samples" in r]
    assert len(images) == 2  # one per epoch
    assert images[0]["_type"] == "images/separated" and images[0]["count"] == 4
    assert images[0]["captions"] == ["torch", "numpy", "pil", "path"]
    assert set(images[0]["filenames"]) <= stored
    tables = [r for r in rows if "preds" in r]
    assert [r["trainer/global_step"] for r in tables] == [steps_per_epoch, 2 * steps_per_epoch]
    table = _read_json(run, tables[-1]["preds"]["path"], root)
    assert table["columns"] == ["epoch", "acc"] and table["data"] == [[1, 0.5], [1, 0.75]]
    return run


def _versions(run: Any) -> list[Any]:
    return sorted(run.logged_artifacts(), key=lambda a: int(a.version[1:]))


def _check_checkpoint(artifact: Any, run: Any, score: float, root: Path) -> None:
    assert artifact.type == "model" and artifact.name.startswith(f"model-{run.id}:")
    meta = artifact.metadata
    assert meta["score"] == pytest.approx(score)
    assert meta["original_filename"].startswith("epoch=") and meta["original_filename"].endswith(
        ".ckpt"
    )
    assert meta["ModelCheckpoint"]["monitor"] == "val/loss"
    assert meta["ModelCheckpoint"]["save_top_k"] == 1
    assert [f.name for f in artifact.files()] == ["model.ckpt"]
    path = Path(artifact.download(root=str(root / artifact.version))) / "model.ckpt"
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    assert set(checkpoint["state_dict"]) == {
        "net.0.weight",
        "net.0.bias",
        "net.2.weight",
        "net.2.bias",
    }


def _check_model_at_end(run: Any, root: Path) -> None:
    """log_model=True: the kept (best) checkpoint once, at the end of training."""
    (artifact,) = _versions(run)
    assert artifact.version == "v0" and set(artifact.aliases) == {"latest", "best"}
    best = min(r["val/loss"] for r in run.scan_history() if "val/loss" in r)
    _check_checkpoint(artifact, run, best, root)


def test_wandb_logger_through_the_shim(shim_python: Python, workdir: Path) -> None:
    api = _train(shim_python, workdir, SHIM, media=True)
    run = _check_run(api, steps_per_epoch=4, root=workdir / "read")
    _check_model_at_end(run, workdir / "read")
    _check_media(run)


def test_wandb_logger_through_the_shim_with_ddp_spawn(shim_python: Python, workdir: Path) -> None:
    api = _train(shim_python, workdir, SHIM, devices=2)
    run = _check_run(api, steps_per_epoch=2, root=workdir / "read")
    _check_model_at_end(run, workdir / "read")


def test_runyard_logger_logs_every_checkpoint_with_log_model_all(
    native_python: Python, workdir: Path
) -> None:
    api = _train(native_python, workdir, NATIVE, log_model="all", media=True)
    run = _check_run(api, steps_per_epoch=4, root=workdir / "read")
    _check_media(run)
    # one version per saved checkpoint, as it is saved; 'latest' moves, 'best' is the best
    versions = _versions(run)
    assert [a.version for a in versions] == ["v0", "v1"]
    losses = [r["val/loss"] for r in run.scan_history() if "val/loss" in r]
    for artifact, loss in zip(versions, losses, strict=True):
        _check_checkpoint(artifact, run, loss, workdir / "read")
    assert "latest" in versions[1].aliases and "latest" not in versions[0].aliases
    best = 0 if losses[0] < losses[1] else 1
    assert "best" in versions[best].aliases and "best" not in versions[1 - best].aliases


def test_runyard_logger_with_ddp_spawn(native_python: Python, workdir: Path) -> None:
    api = _train(native_python, workdir, NATIVE, devices=2)
    run = _check_run(api, steps_per_epoch=2, root=workdir / "read")
    _check_model_at_end(run, workdir / "read")


def _check_media(run: Any) -> None:
    """log_audio / log_video: one clip each per epoch, stored as WAV and GIF files."""
    rows = list(run.scan_history())
    stored = {f.name for f in run.files()}
    tones = [r["tone"] for r in rows if "tone" in r]
    clips = [r["clip"] for r in rows if "clip" in r]
    assert len(tones) == len(clips) == 2
    (tone,), (clip,) = tones[0], clips[0]
    assert tone["_type"] == "audio-file" and tone["sample_rate"] == 8000
    assert tone["duration"] == pytest.approx(0.1) and tone["path"].endswith(".wav")
    assert clip["_type"] == "video-file" and (clip["width"], clip["height"]) == (8, 8)
    assert clip["path"].endswith(".gif")
    assert {tone["path"], clip["path"]} <= stored
