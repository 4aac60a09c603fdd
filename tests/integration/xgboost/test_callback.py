"""``RunyardCallback`` (wandb's ``WandbCallback``): a real XGBoost training, read back through ``Api``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runyard

xgboost = pytest.importorskip("xgboost")
datasets = pytest.importorskip("sklearn.datasets")

from runyard.integration.xgboost.callback import (  # noqa: E402  (after importorskip)
    RunyardCallback,
    WandbCallback,
    metric_goal,
    wandb_callback,
)


def _data() -> tuple[Any, Any, Any, Any]:
    x, y = datasets.make_classification(n_samples=160, n_features=6, random_state=0)
    return x[:120], y[:120], x[120:], y[120:]


def _chart_table(stored: Any, key: str) -> dict[str, Any]:
    ref = stored.summary[f"{key}_table"]
    assert ref["_type"] == "table-file"
    table: dict[str, Any] = json.loads(stored.file(ref["path"]).read())
    return table


def test_metric_goal_follows_wandb_lists() -> None:
    assert metric_goal("rmse") == metric_goal("logloss") == metric_goal("mlogloss") == "min"
    assert metric_goal("error@0.7") == "min"
    assert metric_goal("auc") == metric_goal("ndcg@5") == metric_goal("MAP") == "max"
    assert metric_goal("my_custom") is None


def test_it_needs_a_run_and_a_known_importance_type(ry_dir: Path) -> None:
    with pytest.raises(runyard.Error, match=r"wandb\.init\(\) before WandbCallback\(\)"):
        RunyardCallback()
    run = runyard.init(project="xgb")
    with pytest.raises(ValueError, match="invalid importance_type 'gains'; expected one of"):
        RunyardCallback(importance_type="gains")
    assert WandbCallback is RunyardCallback
    run.finish()


def test_a_classifier_logs_config_metrics_best_summary_chart_and_model(ry_dir: Path) -> None:
    x, y, xv, yv = _data()
    run = runyard.init(project="xgb")
    model = xgboost.XGBClassifier(
        n_estimators=30,
        max_depth=3,
        learning_rate=0.3,
        eval_metric=["logloss", "auc"],
        early_stopping_rounds=3,
        callbacks=[RunyardCallback(log_model=True, importance_type="weight")],
    )
    model.fit(x, y, eval_set=[(x, y), (xv, yv)], verbose=False)
    run.finish()

    stored = runyard.Api().run(f"xgb/{run.id}")
    booster = model.get_booster()
    rounds = booster.num_boosted_rounds()
    assert stored.config["learner"]["objective"]["name"] == "binary:logistic"
    history = list(stored.scan_history())
    per_iteration = [r for r in history if "epoch" in r]
    assert [r["epoch"] for r in per_iteration] == list(range(rounds))
    evals = model.evals_result()
    for data in ("validation_0", "validation_1"):
        for metric in ("logloss", "auc"):
            assert [r[f"{data}-{metric}"] for r in per_iteration] == pytest.approx(
                evals[data][metric]
            )
    summary = stored.summary
    assert summary["validation_1-logloss"] == {
        "min": pytest.approx(min(evals["validation_1"]["logloss"]))
    }
    assert summary["validation_1-auc"] == {"max": pytest.approx(max(evals["validation_1"]["auc"]))}
    assert summary["best_iteration"] == model.best_iteration
    assert summary["best_score"] == pytest.approx(model.best_score)

    visualize = stored.config["_wandb"]["visualize"]["Feature Importance"]["panel_config"]
    assert visualize["panelDefId"] == "wandb/bar/v0"
    assert visualize["fieldSettings"] == {"label": "Feature", "value": "Importance"}
    table = _chart_table(stored, "Feature Importance")
    assert table["columns"] == ["Feature", "Importance"]
    weights = booster.get_score(importance_type="weight")
    assert {row[0]: row[1] for row in table["data"]} == pytest.approx(weights)

    artifact = runyard.Api().artifact(f"xgb/{run.id}_model.json:latest", type="model")
    assert [f.name for f in artifact.files()] == [f"{run.id}_model.json"]
    saved = Path(artifact.download(root=str(ry_dir.parent / "model"))) / f"{run.id}_model.json"
    restored = xgboost.XGBClassifier()
    restored.load_model(str(saved))
    assert np.array_equal(restored.predict(xv), model.predict(xv))


def test_without_define_metric_the_summary_keeps_the_last_value(ry_dir: Path) -> None:
    x, y, xv, yv = _data()
    run = runyard.init(project="xgb")
    train = xgboost.DMatrix(x, y)
    valid = xgboost.DMatrix(xv, yv)
    callback = RunyardCallback(define_metric=False, log_feature_importance=False)
    result: dict[str, Any] = {}
    xgboost.train(
        {"objective": "reg:squarederror", "max_depth": 2},
        train,
        num_boost_round=5,
        evals=[(valid, "valid")],
        evals_result=result,
        callbacks=[callback],
        verbose_eval=False,
    )
    run.finish()
    summary = runyard.Api().run(f"xgb/{run.id}").summary
    assert summary["valid-rmse"] == pytest.approx(result["valid"]["rmse"][-1])
    assert "best_score" not in summary and "Feature Importance_table" not in summary


def test_cross_validation_logs_mean_and_stdv(ry_dir: Path) -> None:
    x, y, _, _ = _data()
    run = runyard.init(project="xgb")
    result = xgboost.cv(
        {"objective": "binary:logistic", "max_depth": 2, "eval_metric": "logloss"},
        xgboost.DMatrix(x, y),
        num_boost_round=4,
        nfold=2,
        callbacks=[RunyardCallback()],
    )
    run.finish()
    rows = [r for r in runyard.Api().run(f"xgb/{run.id}").scan_history() if "epoch" in r]
    assert [r["test-logloss"] for r in rows] == pytest.approx(list(result["test-logloss-mean"]))
    assert [r["test-logloss-stdv"] for r in rows] == pytest.approx(list(result["test-logloss-std"]))


def test_a_finished_run_warns_once_per_kind_and_training_goes_on(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x, y, _, _ = _data()
    run = runyard.init(project="xgb")
    callback = RunyardCallback()
    run.finish()
    capsys.readouterr()
    model = xgboost.XGBClassifier(n_estimators=4, callbacks=[callback])
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    assert model.get_booster().num_boosted_rounds() == 4
    err = capsys.readouterr().err
    assert err.count("WandbCallback could not log the evaluation metrics") == 1
    assert "WandbCallback could not log the booster's config" in err
    assert "WandbCallback could not log the feature importance" in err


def test_the_deprecated_function_callback_logs_metrics_only(ry_dir: Path) -> None:
    x, y, _, _ = _data()
    run = runyard.init(project="xgb")
    with pytest.warns(UserWarning, match="wandb_callback will be deprecated"):
        callback = wandb_callback()
    model = xgboost.XGBClassifier(n_estimators=3, callbacks=[callback])
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    run.finish()
    summary = runyard.Api().run(f"xgb/{run.id}").summary
    assert isinstance(summary["validation_0-logloss"], float)
    assert "Feature Importance_table" not in summary
