"""``RunyardLogger`` call by call, in this process, read back through ``runyard.Api``
(whole trainings, ddp_spawn included: tests/conformance/frameworks/test_lightning.py)."""

from __future__ import annotations

import pickle
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest

import runyard

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

from runyard.integration.lightning import RunyardLogger  # noqa: E402


def _rows(logger: RunyardLogger) -> list[dict[str, Any]]:
    logger.experiment.finish()
    run = runyard.Api().run(f"{logger.name}/{logger.version}")
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in run.scan_history()]


def test_metrics_get_the_trainer_step_and_the_prefix(ry_dir: Path, tmp_path: Path) -> None:
    logger = RunyardLogger(project="lit", save_dir=tmp_path, prefix="fit")
    logger.log_metrics({"loss": 0.5}, step=3)
    logger.log_metrics({"acc": 0.75})
    run_id = logger.version
    assert _rows(logger) == [
        {"fit-loss": 0.5, "trainer/global_step": 3},
        {"fit-acc": 0.75, "trainer/global_step": 3},  # step_sync: the last step, filled in
    ]
    stored = runyard.Api().run(f"lit/{run_id}")
    # WandbLogger's x-axis: every metric against trainer/global_step
    assert {"name": "*", "step_metric": "trainer/global_step", "step_sync": True}.items() <= next(
        m for m in stored.record.metrics if m["name"] == "*"
    ).items()


def test_hyperparameters_go_into_config(ry_dir: Path, tmp_path: Path) -> None:
    logger = RunyardLogger(project="lit", save_dir=tmp_path, config={"seed": 1})
    logger.log_hyperparams(Namespace(lr=0.1, act=torch.nn.ReLU, layers=[4, 2]))
    logger.log_hyperparams({"lr": 0.2})  # allow_val_change, as WandbLogger
    logger.experiment.finish()
    config = runyard.Api().run(f"lit/{logger.version}").config
    assert config["seed"] == 1 and config["lr"] == 0.2 and config["layers"] == [4, 2]
    assert config["act"] == "ReLU"  # callables by name


def test_media_and_tables(ry_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "x.png").parent.mkdir(exist_ok=True)
    Image.new("RGB", (4, 4), "blue").save(tmp_path / "x.png")
    logger = RunyardLogger(project="lit", save_dir=tmp_path)
    images = [torch.rand(3, 4, 4), str(tmp_path / "x.png")]
    logger.log_image("img", images, step=1, caption=["tensor", "path"])
    logger.log_text("notes", columns=["text"], data=[["hello"]], step=2)
    logger.log_audio("tone", [torch.zeros(80).numpy()], sample_rate=[8000])
    logger.log_video("clip", [torch.zeros(2, 3, 4, 4, dtype=torch.uint8).numpy()], fps=[1])
    rows = _rows(logger)
    assert rows[0]["img"]["count"] == 2 and rows[0]["img"]["captions"] == ["tensor", "path"]
    assert rows[0]["trainer/global_step"] == 1
    assert rows[1]["notes"]["_type"] == "table-file" and rows[1]["notes"]["nrows"] == 1
    assert rows[2]["tone"][0]["_type"] == "audio-file"
    assert rows[3]["clip"][0]["_type"] == "video-file"


def test_bad_arguments_name_the_value(ry_dir: Path) -> None:
    with pytest.raises(ValueError, match="invalid value for log_model 'best'"):
        RunyardLogger(log_model="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid value for add_file_policy 'copy'"):
        RunyardLogger(add_file_policy="copy")  # type: ignore[arg-type]
    logger = RunyardLogger(mode="disabled")
    with pytest.raises(TypeError, match='Expected a list as "images"'):
        logger.log_image("img", torch.rand(3, 4, 4))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Expected 2 items but only found 1 for caption"):
        logger.log_image("img", [torch.rand(3, 4, 4)] * 2, caption=["one"])


def test_names_before_and_after_the_run_starts(ry_dir: Path, tmp_path: Path) -> None:
    logger = RunyardLogger(project="lit", id="given1", name="nice", save_dir=tmp_path)
    assert (logger.name, logger.version, logger.save_dir) == ("lit", "given1", str(tmp_path))
    run = logger.experiment
    assert (run.id, run.name, run.project) == ("given1", "nice", "lit")
    assert Path(run.dir).is_relative_to(tmp_path)  # init(dir=save_dir)
    run.finish()
    assert RunyardLogger().name == "lightning_logs"


def test_a_run_in_progress_is_reused_with_a_warning(ry_dir: Path) -> None:
    run = runyard.init(project="mine")
    logger = RunyardLogger(project="lit")
    with pytest.warns(UserWarning, match="already in progress"):
        assert logger.experiment is run
    run.finish()


def test_pickled_logger_attaches_to_the_same_run(ry_dir: Path, tmp_path: Path) -> None:
    """What ddp_spawn does: the run starts before pickling; the copy attaches to it."""
    logger = RunyardLogger(project="lit", save_dir=tmp_path)
    state = pickle.loads(pickle.dumps(logger))
    assert state._experiment is None and state._id == logger.version
    assert state._attach_id == logger.experiment._attach_id
    with pytest.warns(UserWarning, match="already in progress"):  # same process: that run
        assert state.experiment is logger.experiment
    logger.experiment.finish()


def test_offline_journals_only(ry_dir: Path, tmp_path: Path) -> None:
    logger = RunyardLogger(project="lit", offline=True, log_model=True, save_dir=tmp_path)
    assert logger.experiment.offline
    logger.experiment.finish()
    assert list(runyard.Api().runs("lit")) == []  # until `runyard sync`


def _fit(logger: RunyardLogger, root: Path, save_top_k: int, epochs: int = 2) -> Any:
    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.utils.data import DataLoader, TensorDataset

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(2, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("loss", loss)
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = DataLoader(TensorDataset(torch.randn(8, 2), torch.randn(8, 1)), batch_size=4)
    callback = ModelCheckpoint(dirpath=root / "ckpt", monitor="loss", save_top_k=save_top_k)
    trainer = L.Trainer(
        max_epochs=epochs,
        logger=logger,
        callbacks=[callback],
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        devices=1,
    )
    trainer.fit(Tiny(), data)
    return callback


@pytest.mark.filterwarnings("ignore::lightning.fabric.utilities.warnings.PossibleUserWarning")
@pytest.mark.filterwarnings("ignore:.*treespec, LeafSpec:FutureWarning")
def test_log_model_true_with_save_top_k_all_logs_each_checkpoint_when_saved(
    ry_dir: Path, tmp_path: Path
) -> None:
    logger = RunyardLogger(project="lit", save_dir=tmp_path, log_model=True, checkpoint_name="m")
    _fit(logger, tmp_path, save_top_k=-1)
    logger.finalize("success")  # already logged as saved: nothing new
    run = logger.experiment
    run.finish()
    versions = runyard.Api().run(f"lit/{run.id}").logged_artifacts()
    names = sorted((a.version, a.metadata["original_filename"]) for a in versions)
    assert names == [("v0", "epoch=0-step=2.ckpt"), ("v1", "epoch=1-step=4.ckpt")]


def test_log_model_true_logs_the_kept_checkpoints_only_after_a_successful_end(
    ry_dir: Path, tmp_path: Path
) -> None:
    from lightning.pytorch.callbacks import ModelCheckpoint

    (tmp_path / "best.ckpt").write_bytes(b"weights")
    callback = ModelCheckpoint(dirpath=tmp_path, monitor="loss", save_top_k=1)
    callback.best_k_models[str(tmp_path / "best.ckpt")] = torch.tensor(0.5)
    callback.best_model_path = str(tmp_path / "best.ckpt")
    for status, expected in (("failed", 0), ("success", 1)):
        logger = RunyardLogger(project="lit", save_dir=tmp_path, log_model=True)
        run = logger.experiment
        logger.after_save_checkpoint(callback)  # remembered, not logged yet
        logger.finalize(status)
        run.finish()
        artifacts = runyard.Api().run(f"lit/{run.id}").logged_artifacts()
        assert len(artifacts) == expected, status
    (artifact,) = artifacts
    assert artifact.name == f"model-{run.id}:v0" and set(artifact.aliases) == {"latest", "best"}
    assert artifact.metadata["score"] == 0.5
