"""``RunyardCallback`` in-process: the choices and paths the conformance suite does not
take (checkpoint artifacts, environment precedence, joining a run, predict first,
artifact names, failures kept out of training). Real Trainer, tiny BERT, real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    Trainer,
    TrainerControl,
    TrainerState,
    TrainingArguments,
)

import runyard
from runyard.integration.transformers import RunyardCallback


class Tokens(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    def __init__(self, n: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 32, (n, 8), generator=generator)
        self.labels = torch.randint(0, 2, (n,), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "labels": self.labels[i]}


def _trainer(tmp_path: Path, callback: RunyardCallback, **overrides: Any) -> Trainer:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=16, num_labels=2,
    )  # fmt: skip
    options: dict[str, Any] = {
        "output_dir": str(tmp_path / "out"),
        "report_to": "none",
        "max_steps": 4,
        "per_device_train_batch_size": 4,
        "logging_steps": 2,
        "save_strategy": "no",
        "use_cpu": True,
        "disable_tqdm": True,
        **overrides,
    }
    return Trainer(
        model=BertForSequenceClassification(config),
        args=TrainingArguments(**options),
        train_dataset=Tokens(16, 1),
        eval_dataset=Tokens(8, 2),
        callbacks=[callback],
    )


def _stored(project: str) -> Any:
    runs = list(runyard.Api().runs(project))
    assert len(runs) == 1
    return runs[0]


def test_checkpoint_mode_logs_each_saved_checkpoint(ry_dir: Path, tmp_path: Path) -> None:
    callback = RunyardCallback(project="ckpt", log_model="checkpoint")
    trainer = _trainer(tmp_path, callback, run_name="ck", save_strategy="steps", save_steps=2)
    trainer.train()
    runyard.finish()
    run = _stored("ckpt")
    by_version = {a.version: a for a in run.logged_artifacts()}
    assert sorted(by_version) == ["v0", "v1", "v2", "v3"]
    assert "base_model" in by_version["v0"].aliases
    for version, step, epoch in (("v1", 2, 0.5), ("v2", 4, 1.0)):
        artifact = by_version[version]
        assert artifact.name == f"model-ck:{version}"
        assert {f"checkpoint_global_step_{step}", f"epoch_{epoch}"} <= set(artifact.aliases)
        names = {f.name for f in artifact.files()}
        assert {"model.safetensors", "config.json", "trainer_state.json"} <= names
        assert artifact.metadata["model/num_parameters"] > 0
    # and the trained model at the end too (transformers' rule for both modes)
    assert "final_model" in by_version["v3"].aliases


def test_runyard_variables_come_before_wandb_ones(
    ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_LOG_MODEL", "end")
    monkeypatch.setenv("RUNYARD_LOG_MODEL", "false")
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    _trainer(tmp_path, RunyardCallback()).train()
    runyard.finish()
    run = _stored("from-env")
    assert "train/loss" in run.summary
    assert list(run.logged_artifacts()) == []


def test_an_unknown_log_model_value_warns_and_logs_no_model(
    ry_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WANDB_LOG_MODEL", "sometimes")
    callback = RunyardCallback(project="odd")
    assert "unrecognized WANDB_LOG_MODEL='sometimes'" in capsys.readouterr().err
    _trainer(tmp_path, callback).train()
    runyard.finish()
    assert list(_stored("odd").logged_artifacts()) == []


@pytest.mark.parametrize(
    ("argument", "value"), [("log_model", "always"), ("watch", "weights"), ("watch", 1)]
)
def test_a_bad_argument_is_an_error_naming_it(argument: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"invalid value for {argument} {value!r}"):
        RunyardCallback(**{argument: value})


def test_the_default_project_and_joining_an_active_run(ry_dir: Path, tmp_path: Path) -> None:
    _trainer(tmp_path / "a", RunyardCallback()).train()
    runyard.finish()
    assert _stored("huggingface").config["model_type"] == "bert"

    mine = runyard.init(project="mine", config={"note": "mine"})
    _trainer(tmp_path / "b", RunyardCallback(project="ignored")).train()
    assert runyard.run is mine  # the callback joined it and left it open
    mine.finish()
    run = _stored("mine")
    assert run.config["note"] == "mine" and run.config["max_steps"] == 4
    assert [
        r["train/global_step"] for r in run.scan_history(keys=["train/loss", "train/global_step"])
    ] == [2, 4]
    assert list(runyard.Api().runs("ignored")) == []


def test_predict_before_train_starts_the_run(ry_dir: Path, tmp_path: Path) -> None:
    trainer = _trainer(tmp_path, RunyardCallback(project="pred"))
    trainer.predict(Tokens(8, 3))
    runyard.finish()
    run = _stored("pred")
    assert "test/loss" in run.summary and "train/loss" not in run.summary


def test_artifact_names_are_cleaned_from_the_run_name(ry_dir: Path, tmp_path: Path) -> None:
    callback = RunyardCallback(project="names", log_model="end")
    _trainer(tmp_path, callback, run_name="my run/1").train()
    runyard.finish()
    run = _stored("names")
    assert run.name == "my run/1"
    assert {a.name for a in run.logged_artifacts()} == {"model-my-run-1:v0", "model-my-run-1:v1"}


def test_watch_gradients_logs_no_parameters(ry_dir: Path, tmp_path: Path) -> None:
    callback = RunyardCallback(project="grads", watch="gradients")
    _trainer(tmp_path, callback, max_steps=100, logging_steps=50).train()
    runyard.finish()
    keys = set().union(*_stored("grads").scan_history())
    assert "gradients/classifier.weight" in keys
    assert not any(key.startswith("parameters/") for key in keys)


def test_a_missing_checkpoint_warns_instead_of_raising(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    callback = RunyardCallback(project="gone", log_model="checkpoint")
    trainer = _trainer(tmp_path, callback)
    trainer.train()
    state = TrainerState(global_step=7, epoch=1.0)
    callback.on_save(trainer.args, state, TrainerControl())
    runyard.finish()
    assert "RunyardCallback could not log checkpoint 7" in capsys.readouterr().err
