"""Transformers' ``Trainer`` logging to Runyard, both routes (issue 15).

- shim: ``report_to="wandb"`` unchanged, in a venv with ``runyard wandb-shim install``
  (transformers' own ``WandbCallback`` imports Runyard as ``wandb``);
- native: ``report_to="none"`` and ``callbacks=[RunyardCallback()]``, no wandb anywhere.

A tiny BERT built from a config (no downloads: random token ids) trains 100 steps,
the fewest at which ``WANDB_WATCH=all`` logs (transformers watches with
``log_freq=max(100, logging_steps)``), then evaluates and predicts. What arrived is read
through ``runyard.Api()``: history keys, config, summary, gradients and the model
artifact, downloaded and loaded back with ``from_pretrained``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runyard
from tests.conformance.frameworks.conftest import Python

TRAIN = """
import sys
import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

ROUTE, OUTPUT_DIR, RUN_NAME, MAX_STEPS = sys.argv[1:] if len(sys.argv) > 1 else ({args})
torch.manual_seed(0)
torch.set_num_threads(1)
config = BertConfig(
    vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
    intermediate_size=16, max_position_embeddings=16, num_labels=2,
    id2label={{0: "neg", 1: "pos"}}, label2id={{"neg": 0, "pos": 1}},
)
model = BertForSequenceClassification(config)


class Tokens(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 32, (n, 8), generator=g)
        self.labels = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {{"input_ids": self.ids[i], "labels": self.labels[i]}}


callbacks = []
if ROUTE == "native":
    from runyard.integration.transformers import RunyardCallback
    callbacks.append(RunyardCallback())
args = TrainingArguments(
    output_dir=OUTPUT_DIR, run_name=RUN_NAME or None,
    report_to="wandb" if ROUTE == "shim" else "none",
    max_steps=int(MAX_STEPS), per_device_train_batch_size=4, logging_steps=25,
    eval_strategy="steps", eval_steps=50, save_strategy="no", use_cpu=True,
    disable_tqdm=True, dataloader_num_workers=0,
)
trainer = Trainer(
    model=model, args=args, train_dataset=Tokens(16, 1), eval_dataset=Tokens(8, 2),
    callbacks=callbacks,
)
trainer.train()
trainer.evaluate()
trainer.predict(Tokens(8, 3))
"""

ENV = {"WANDB_LOG_MODEL": "end", "WANDB_WATCH": "all", "WANDB_PROJECT": "hf"}
ROUTES = ["shim", "native"]


def _train(
    python: Python, workdir: Path, route: str, run_name: str, max_steps: int
) -> tuple[str, str]:
    output_dir = str(workdir / "out")
    name = output_dir if run_name == "=output_dir" else run_name
    code = TRAIN.format(args=repr((route, output_dir, name, str(max_steps))))
    done = python.script(code, workdir, **ENV)
    return done.stdout, done.stderr


def _python(route: str, request: pytest.FixtureRequest) -> Python:
    python: Python = request.getfixturevalue(f"{route}_python")
    return python


def _only_run(api: Any) -> Any:
    runs = list(api.runs("hf"))
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]


@pytest.mark.parametrize("route", ROUTES)
def test_trainer_logs_metrics_config_gradients_and_the_model(
    route: str, request: pytest.FixtureRequest, workdir: Path, tmp_path: Path
) -> None:
    _train(_python(route, request), workdir, route, "tiny-bert", max_steps=100)
    api = runyard.Api()
    run = _only_run(api)
    assert (run.name, run.state) == ("tiny-bert", "finished")

    rows = list(run.scan_history())
    keys = set().union(*rows)
    for key in ("train/loss", "train/learning_rate", "train/grad_norm", "train/epoch"):
        assert key in keys
    for key in ("eval/loss", "eval/runtime", "test/loss", "test/runtime"):
        assert key in keys
    # every row carries the x-axis the callback defined; evals sit at their step
    train_steps = [r["train/global_step"] for r in rows if "train/loss" in r]
    assert train_steps == [25, 50, 75, 100]
    eval_steps = [r["train/global_step"] for r in rows if "eval/loss" in r]
    assert eval_steps == [50, 100, 100]  # two during training, one from evaluate()
    # WANDB_WATCH=all: gradient and parameter histograms of every weight, once (step 100)
    gradient = "gradients/bert.embeddings.word_embeddings.weight"
    parameter = "parameters/bert.embeddings.word_embeddings.weight"
    assert gradient in keys and parameter in keys
    assert "gradients/classifier.weight" in keys
    histograms = [r[gradient] for r in rows if gradient in r]
    assert len(histograms) == 1 and histograms[0]["_type"] == "histogram"
    assert sum(histograms[0]["values"]) == 32 * 8  # every element of the embedding

    config = run.config
    assert config["id2label"] == {"0": "neg", "1": "pos"}  # int keys, as wandb stores them
    assert config["label2id"] == {"neg": 0, "pos": 1}
    assert config["model_type"] == "bert" and config["hidden_size"] == 8
    assert config["max_steps"] == 100 and config["learning_rate"] == 5e-5
    assert config["model/num_parameters"] > 0

    summary = run.summary
    for key in ("train_loss", "train_runtime", "total_flos", "eval/loss", "test/loss"):
        assert isinstance(summary[key], float), key
    assert summary["train/global_step"] == 100
    assert "train_loss" not in keys  # one-off totals are summary, not history

    artifacts = {a.version: a for a in run.logged_artifacts()}
    base, final = artifacts["v0"], artifacts["v1"]
    assert base.name == "model-tiny-bert:v0" and base.type == "model"
    assert "base_model" in base.aliases and base.metadata["initial_model"] is True
    assert [f.name for f in base.files()] == ["model_architecture.txt"]
    assert base.metadata["model_config"]["id2label"] == {"0": "neg", "1": "pos"}
    assert {"final_model", "latest"} <= set(final.aliases)
    assert final.metadata["final_model"] is True
    assert final.metadata["train/global_step"] == 100
    names = {f.name for f in final.files()}
    assert {"config.json", "model.safetensors", "training_args.bin"} <= names
    assert "model_architecture.txt" in names

    stored = api.artifact("hf/model-tiny-bert:final_model", type="model")
    root = Path(stored.download(root=str(tmp_path / "model")))
    saved = json.loads((root / "config.json").read_text())
    assert saved["id2label"] == {"0": "neg", "1": "pos"}
    assert "BertForSequenceClassification" in (root / "model_architecture.txt").read_text()
    from transformers import BertForSequenceClassification

    loaded = BertForSequenceClassification.from_pretrained(str(root))
    assert loaded.num_parameters() == config["model/num_parameters"]


@pytest.mark.parametrize("route", ROUTES)
def test_run_name_equal_to_output_dir_warns_and_trains(
    route: str, request: pytest.FixtureRequest, workdir: Path
) -> None:
    _, stderr = _train(_python(route, request), workdir, route, "=output_dir", max_steps=4)
    assert "The `run_name` is currently set to the same value as" in stderr
    assert stderr.count("The `run_name` is currently set") == 1
    run = _only_run(runyard.Api())
    assert run.name == str(workdir / "out") and run.state == "finished"
    # the artifact is named for the run id then (a path is no artifact name)
    final = [a for a in run.logged_artifacts() if "final_model" in a.aliases]
    assert [a.name for a in final] == [f"model-{run.id}:v1"]
