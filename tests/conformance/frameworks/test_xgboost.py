"""XGBoost through ``wandb.integration.xgboost.WandbCallback`` (the shim) and natively.

The same tiny training runs as a user's script in a fresh interpreter, once with wandb's
import line unchanged in a venv with ``runyard wandb-shim install`` done, once with
``runyard.integration.xgboost.RunyardCallback``; what arrived is read through
``runyard.Api()``: config, history per eval metric, best-value summaries, the feature
importance chart and its table, the model artifact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runyard
from tests.conformance.frameworks.conftest import Python

pytest.importorskip("xgboost")
pytest.importorskip("sklearn")

TRAIN = """
import json
import xgboost
from sklearn.datasets import make_classification
{imports}

x, y = make_classification(n_samples=240, n_features=6, random_state=0)
run = {tracker}.init(project="xgb-conf")
model = xgboost.XGBClassifier(
    n_estimators=40, max_depth=3, learning_rate=0.3, eval_metric=["logloss", "auc"],
    early_stopping_rounds=3, n_jobs=1, random_state=0,
    callbacks=[{callback}(log_model=True, importance_type="gain")],
)
model.fit(x[:180], y[:180], eval_set=[(x[:180], y[:180]), (x[180:], y[180:])], verbose=False)
run.finish()
print(json.dumps({{
    "run": run.id,
    "same": {callback} is runyard.integration.xgboost.RunyardCallback,
    "evals": model.evals_result(),
    "best_iteration": model.best_iteration,
    "best_score": model.best_score,
    "importance": model.get_booster().get_score(importance_type="gain"),
}}))
"""

SHIM = TRAIN.format(
    imports="import wandb, runyard.integration.xgboost\n"
    "from wandb.integration.xgboost import WandbCallback",
    tracker="wandb",
    callback="WandbCallback",
)
NATIVE = TRAIN.format(
    imports="import runyard, runyard.integration.xgboost\n"
    "from runyard.integration.xgboost import RunyardCallback",
    tracker="runyard",
    callback="RunyardCallback",
)


def _check(out: str, root: Path) -> None:
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert result["same"] is True
    api = runyard.Api()
    stored = api.run(f"xgb-conf/{result['run']}")
    assert stored.config["learner"]["objective"]["name"] == "binary:logistic"

    evals = result["evals"]
    rows = [r for r in stored.scan_history() if "epoch" in r]
    assert [r["epoch"] for r in rows] == list(range(len(evals["validation_1"]["auc"])))
    for data in ("validation_0", "validation_1"):
        for metric in ("logloss", "auc"):
            assert [r[f"{data}-{metric}"] for r in rows] == pytest.approx(evals[data][metric])
    summary = stored.summary
    for data in ("validation_0", "validation_1"):
        assert summary[f"{data}-logloss"] == {"min": pytest.approx(min(evals[data]["logloss"]))}
        assert summary[f"{data}-auc"] == {"max": pytest.approx(max(evals[data]["auc"]))}
    assert summary["best_iteration"] == result["best_iteration"]
    assert summary["best_score"] == pytest.approx(result["best_score"])

    chart = stored.config["_wandb"]["visualize"]["Feature Importance"]["panel_config"]
    assert chart["panelDefId"] == "wandb/bar/v0"
    assert chart["fieldSettings"] == {"label": "Feature", "value": "Importance"}
    assert chart["stringSettings"] == {"title": "Feature Importance"}
    ref = summary["Feature Importance_table"]
    table = json.loads(stored.file(ref["path"]).read())
    assert table["columns"] == ["Feature", "Importance"]
    assert dict(map(tuple, table["data"])) == pytest.approx(result["importance"])

    name = f"{result['run']}_model.json"
    artifact = api.artifact(f"xgb-conf/{name}:latest", type="model")
    assert [f.name for f in artifact.files()] == [name]
    saved = Path(artifact.download(root=str(root / "model"))) / name
    assert json.loads(saved.read_text())["learner"]["attributes"]["best_iteration"] == str(
        result["best_iteration"]
    )
    assert [a.name for a in stored.logged_artifacts()] == [f"{name}:v0"]


def test_through_the_wandb_shim(shim_python: Python, workdir: Path) -> None:
    done = shim_python.script(SHIM, workdir)
    _check(done.stdout, workdir)


def test_natively(native_python: Python, workdir: Path) -> None:
    done = native_python.script(NATIVE, workdir)
    _check(done.stdout, workdir)
