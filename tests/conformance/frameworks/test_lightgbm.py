"""LightGBM through ``wandb.integration.lightgbm`` (the shim) and natively.

The same tiny training runs as a user's script in a fresh interpreter, once with wandb's
import line unchanged in a venv with ``runyard wandb-shim install`` done, once with
``runyard.integration.lightgbm``; what arrived is read through ``runyard.Api()``: config
from the params, history per eval metric, best-value summaries, ``log_summary``'s best
iteration and score, the feature importance chart and its table, the best model artifact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runyard
from tests.conformance.frameworks.conftest import Python

pytest.importorskip("lightgbm")
pytest.importorskip("sklearn")

TRAIN = """
import json
import lightgbm
from sklearn.datasets import make_regression
{imports}

x, y = make_regression(n_samples=240, n_features=5, noise=10.0, random_state=0)
params = {{"objective": "regression", "metric": ["l2", "l1"], "num_leaves": 4,
          "learning_rate": 0.2, "verbose": -1, "num_threads": 1, "seed": 0}}
run = {tracker}.init(project="lgb-conf")
train = lightgbm.Dataset(x[:180], y[:180])
valid = lightgbm.Dataset(x[180:], y[180:], reference=train)
record = {{}}
booster = lightgbm.train(
    params, train, num_boost_round=60, valid_sets=[valid], valid_names=["valid"],
    callbacks=[wandb_callback(), lightgbm.record_evaluation(record),
               lightgbm.early_stopping(3, verbose=False)],
)
log_summary(booster, save_model_checkpoint=True)
run.finish()
print(json.dumps({{
    "run": run.id,
    "same": wandb_callback is runyard.integration.lightgbm.wandb_callback
    and log_summary is runyard.integration.lightgbm.log_summary,
    "record": record,
    "best_iteration": booster.best_iteration,
    "best_score": booster.best_score,
    "names": booster.feature_name(),
    "importance": booster.feature_importance().tolist(),
}}))
"""

SHIM = TRAIN.format(
    imports="import wandb, runyard.integration.lightgbm\n"
    "from wandb.integration.lightgbm import log_summary, wandb_callback",
    tracker="wandb",
)
NATIVE = TRAIN.format(
    imports="import runyard, runyard.integration.lightgbm\n"
    "from runyard.integration.lightgbm import log_summary, wandb_callback",
    tracker="runyard",
)


def _check(out: str, root: Path) -> None:
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert result["same"] is True
    api = runyard.Api()
    stored = api.run(f"lgb-conf/{result['run']}")
    assert stored.config["objective"] == "regression" and stored.config["num_leaves"] == 4

    record = result["record"]["valid"]
    rows = [r for r in stored.scan_history() if "iteration" in r]
    assert [r["iteration"] for r in rows] == list(range(len(record["l2"])))
    for metric in ("l2", "l1"):
        assert [r[f"valid_{metric}"] for r in rows] == pytest.approx(record[metric])
        assert stored.summary[f"valid_{metric}"] == {"min": pytest.approx(min(record[metric]))}
    best = result["best_iteration"]
    assert 0 < best < len(record["l2"])  # early stopping stopped it
    assert stored.summary["best_iteration"] == best
    assert stored.summary["best_score"] == {"valid": pytest.approx(result["best_score"]["valid"])}

    chart = stored.config["_wandb"]["visualize"]["Feature Importance"]["panel_config"]
    assert chart["panelDefId"] == "wandb/bar/v0"
    assert chart["fieldSettings"] == {"label": "Feature", "value": "Importance"}
    table = json.loads(stored.file(stored.summary["Feature Importance_table"]["path"]).read())
    assert table["columns"] == ["Feature", "Importance"]
    assert table["data"] == [
        list(p) for p in zip(result["names"], result["importance"], strict=True)
    ]

    artifact = api.artifact(f"lgb-conf/model_{result['run']}:best", type="model")
    assert set(artifact.aliases) >= {"best", "latest"}
    name = f"model_ckpt_{best}.txt"
    assert [f.name for f in artifact.files()] == [name]
    saved = Path(artifact.download(root=str(root / "model"))) / name
    assert saved.read_text().count("Tree=") == best


def test_through_the_wandb_shim(shim_python: Python, workdir: Path) -> None:
    done = shim_python.script(SHIM, workdir)
    _check(done.stdout, workdir)


def test_natively(native_python: Python, workdir: Path) -> None:
    done = native_python.script(NATIVE, workdir)
    _check(done.stdout, workdir)
