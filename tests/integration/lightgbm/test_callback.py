"""wandb's LightGBM ``wandb_callback`` and ``log_summary``: real trainings, read back through ``Api``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runyard

lightgbm = pytest.importorskip("lightgbm")
datasets = pytest.importorskip("sklearn.datasets")

from runyard.integration.lightgbm.callback import (  # noqa: E402  (after importorskip)
    log_summary,
    result_keys,
    wandb_callback,
)

PARAMS = {
    "objective": "binary",
    "metric": ["binary_logloss", "auc"],
    "num_leaves": 4,
    "learning_rate": 0.3,
    "verbose": -1,
    "num_threads": 1,
    "seed": 0,
}


X, Y = datasets.make_classification(n_samples=200, n_features=5, random_state=0)


def _data() -> tuple[Any, Any]:
    train = lightgbm.Dataset(X[:150], Y[:150])
    return train, lightgbm.Dataset(X[150:], Y[150:], reference=train)


def test_result_keys_of_train_and_both_cv_forms() -> None:
    assert result_keys(("valid_0", "l2", 0.5, False)) == ("valid_0_l2", None)
    assert result_keys(("cv_agg", "valid l2", 0.5, False, 0.1)) == (
        "valid_l2-mean",
        "valid_l2-stdv",
    )
    evaluated = lightgbm.EvalResult("valid", "auc", 0.9, True, 0.01)  # LightGBM >= 4.7's cv
    assert result_keys(evaluated) == ("valid_auc-mean", "valid_auc-stdv")
    assert result_keys(lightgbm.EvalResult("train", "auc", 0.9, True)) == ("train_auc", None)


def test_training_logs_params_metrics_and_best_value_summaries(ry_dir: Path) -> None:
    train, valid = _data()
    run = runyard.init(project="lgb")
    record: dict[str, Any] = {}
    booster = lightgbm.train(
        PARAMS,
        train,
        num_boost_round=40,
        valid_sets=[train, valid],
        valid_names=["train", "valid"],
        callbacks=[
            wandb_callback(),
            lightgbm.record_evaluation(record),
            lightgbm.early_stopping(3, verbose=False),
        ],
    )
    log_summary(booster, save_model_checkpoint=True)
    run.finish()

    stored = runyard.Api().run(f"lgb/{run.id}")
    assert stored.config["num_leaves"] == 4 and stored.config["metric"] == PARAMS["metric"]
    rows = [r for r in stored.scan_history() if "iteration" in r]
    assert [r["iteration"] for r in rows] == list(range(len(record["valid"]["auc"])))
    for data in ("train", "valid"):
        for metric in ("binary_logloss", "auc"):
            assert [r[f"{data}_{metric}"] for r in rows] == pytest.approx(record[data][metric])
    summary = stored.summary
    assert summary["valid_binary_logloss"] == {
        "min": pytest.approx(min(record["valid"]["binary_logloss"]))
    }
    assert summary["valid_auc"] == {"max": pytest.approx(max(record["valid"]["auc"]))}
    assert summary["best_iteration"] == booster.best_iteration > 0
    assert summary["best_score"]["valid"]["auc"] == pytest.approx(
        booster.best_score["valid"]["auc"]
    )

    chart = stored.config["_wandb"]["visualize"]["Feature Importance"]["panel_config"]
    assert chart["panelDefId"] == "wandb/bar/v0"
    table = json.loads(stored.file(summary["Feature Importance_table"]["path"]).read())
    assert table["columns"] == ["Feature", "Importance"]
    assert table["data"] == [
        [name, float(value)]
        for name, value in zip(booster.feature_name(), booster.feature_importance(), strict=True)
    ]

    artifact = runyard.Api().artifact(f"lgb/model_{run.id}:best", type="model")
    name = f"model_ckpt_{booster.best_iteration}.txt"
    assert [f.name for f in artifact.files()] == [name]
    saved = Path(artifact.download(root=str(ry_dir.parent / "model"))) / name
    restored = lightgbm.Booster(model_file=str(saved))
    assert restored.num_trees() == booster.best_iteration
    best = booster.predict(X[150:], num_iteration=booster.best_iteration)
    assert np.allclose(restored.predict(X[150:]), best)


def test_cross_validation_logs_mean_and_stdv(ry_dir: Path) -> None:
    train, _ = _data()
    run = runyard.init(project="lgb")
    result = lightgbm.cv(
        {**PARAMS, "metric": "auc"},
        train,
        num_boost_round=4,
        nfold=2,
        stratified=False,
        callbacks=[wandb_callback(log_params=False)],
    )
    run.finish()
    stored = runyard.Api().run(f"lgb/{run.id}")
    rows = [r for r in stored.scan_history() if "iteration" in r]
    assert [r["valid_auc-mean"] for r in rows] == pytest.approx(result["valid auc-mean"])
    assert [r["valid_auc-stdv"] for r in rows] == pytest.approx(result["valid auc-stdv"])
    assert stored.summary["valid_auc-mean"] == {"max": pytest.approx(max(result["valid auc-mean"]))}
    assert "num_leaves" not in stored.config


def test_without_define_metric_the_summary_keeps_the_last_value(ry_dir: Path) -> None:
    train, valid = _data()
    run = runyard.init(project="lgb")
    record: dict[str, Any] = {}
    lightgbm.train(
        PARAMS,
        train,
        num_boost_round=5,
        valid_sets=[valid],
        callbacks=[wandb_callback(define_metric=False), lightgbm.record_evaluation(record)],
    )
    run.finish()
    summary = runyard.Api().run(f"lgb/{run.id}").summary
    assert summary["valid_0_auc"] == pytest.approx(record["valid_0"]["auc"][-1])


def test_errors_name_what_is_missing_or_wrong(ry_dir: Path) -> None:
    train, _ = _data()
    with pytest.raises(runyard.Error, match=r"wandb\.init\(\) before training with wandb_callback"):
        lightgbm.train(PARAMS, train, num_boost_round=2, callbacks=[wandb_callback()])
    booster = lightgbm.train(PARAMS, train, num_boost_round=2)
    with pytest.raises(runyard.Error, match=r"wandb\.init\(\) before log_summary\(\)"):
        log_summary(booster)
    run = runyard.init(project="lgb")
    estimator = lightgbm.LGBMClassifier(n_estimators=2, verbose=-1).fit(*_xy())
    with pytest.raises(runyard.Error, match=r"got lightgbm\.sklearn\.LGBMClassifier .*\.booster_"):
        log_summary(estimator)
    log_summary(estimator.booster_, feature_importance=False)
    run.finish()
    assert runyard.Api().run(f"lgb/{run.id}").summary["best_iteration"] == 0


def _xy() -> tuple[Any, Any]:
    x, y = datasets.make_classification(
        n_samples=60, n_features=3, n_informative=2, n_redundant=0, random_state=1
    )
    return x, y


def test_a_finished_run_warns_once_per_kind_and_training_goes_on(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, valid = _data()
    run = runyard.init(project="lgb")
    callback = wandb_callback()
    run.finish()
    capsys.readouterr()
    booster = lightgbm.train(
        PARAMS, train, num_boost_round=4, valid_sets=[valid], callbacks=[callback]
    )
    assert booster.num_trees() == 4
    err = capsys.readouterr().err
    assert err.count("wandb_callback could not log the evaluation results") == 1
    assert "wandb_callback could not log the params as config" in err
