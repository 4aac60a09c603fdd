"""WandbCallback on every backend: the scenarios in scenarios/callback.py, read back from the store."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from tests.integration.keras.conftest import Scenarios


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["callback"]


def epoch_rows(run: Any) -> list[dict[str, Any]]:
    return [row for row in run.scan_history() if "epoch" in row]


def test_errors_are_wandb_shaped(result: Any) -> None:
    errors = result["errors"]
    assert errors["before_init"] == ["Error", "You must call wandb.init() before WandbCallback()"]
    assert errors["gradients"] == [
        "ValueError",
        "training_data argument is required for gradient logging.",
    ]
    assert errors["mode"][0] == "ValueError" and "'minimum'" in errors["mode"][1]
    assert errors["kwarg"][0] == "TypeError" and "colour" in errors["kwarg"][1]
    assert errors["frequency"][0] == "ValueError" and "0" in errors["frequency"][1]
    assert errors["input_type"][0] == "ValueError" and "'video'" in errors["input_type"][1]
    # data_type and output_row_processor are accepted as aliases.
    assert errors["aliases"] == ["image", True]


def test_seed_example_logs_every_metric_each_epoch(result: Any, api: Any) -> None:
    seed = result["seed"]
    history = seed["history"]
    run = api.run(seed["path"])
    rows = epoch_rows(run)
    assert [row["epoch"] for row in rows] == [0, 1, 2, 3]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert [row[key] for row in rows] == pytest.approx(history[key], rel=1e-6)


def test_the_seed_documents_snippet_runs_as_printed(result: Any, api: Any) -> None:
    document = result["seed_document"]
    assert "callbacks=[WandbCallback()]" in document["snippet"]
    run = api.run(document["path"])
    assert [row["epoch"] for row in epoch_rows(run)] == [0]
    assert run.summary["best_val_loss"] == run.summary["val_loss"]
    assert run.summary["best_epoch"] == 0
    assert "model-best.keras" in [f.name for f in run.files()]


def test_epoch_is_the_step_metric_of_epoch_metrics(result: Any, api: Any) -> None:
    run = api.run(result["seed"]["path"])
    step_metrics = {d["name"]: d.get("step_metric") for d in run.record.metrics}
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert step_metrics[key] == "epoch"
    batches = {
        d["name"]: d.get("step_metric") for d in api.run(result["weights"]["path"]).record.metrics
    }
    assert batches["batch/*"] == "batch/batch_step"


def test_best_val_loss_and_epoch_and_the_best_model(result: Any, api: Any) -> None:
    seed = result["seed"]
    val_loss = seed["history"]["val_loss"]
    best = int(np.argmin(val_loss))
    summary = api.run(seed["path"]).summary
    assert summary["best_val_loss"] == pytest.approx(min(val_loss), rel=1e-6)
    assert summary["best_epoch"] == best
    # The stored model is the best epoch's, not the last one's, and reloads as it was.
    np.testing.assert_allclose(seed["reloaded"], seed["predictions"][best], rtol=1e-5, atol=1e-6)


def test_graph_is_the_model_summary(result: Any, api: Any) -> None:
    run = api.run(result["seed"]["path"])
    graph = run.summary["graph"]
    assert graph["_type"] == "html-file"
    text = run.file(graph["path"]).read().decode()
    assert "dense_1" in text and "Total params" in text


def test_zero_can_be_best_and_resume_reads_the_best_back(result: Any, api: Any) -> None:
    resume = result["resume"]
    # Session 1 saw 0.5, 0.0, 0.2: the best is exactly 0, at epoch 1 (wandb skipped 0).
    assert resume["initial"] == 0.0
    # Session 2 saw 0.1 (worse than the stored 0.0) and then -0.5.
    assert resume["best"] == [0.0, -0.5]
    summary = api.run(resume["path"]).summary
    assert summary["best_score"] == -0.5
    assert summary["best_epoch"] == 1
    assert not [f for f in api.run(resume["path"]).files() if "model-best" in f.name]


def test_weights_only_max_mode_batches_and_flops(
    result: Any, api: Any, scenarios: Scenarios
) -> None:
    weights = result["weights"]
    accuracy = weights["history"]["val_accuracy"]
    best = int(np.argmax(accuracy))  # the first maximum: later equal values are no better
    assert weights["goal"] == "max"
    run = api.run(weights["path"])
    assert run.summary["best_val_accuracy"] == pytest.approx(accuracy[best])
    assert run.summary["best_epoch"] == best
    np.testing.assert_allclose(
        weights["reloaded"], weights["predictions"][best], rtol=1e-5, atol=1e-6
    )
    assert "graph" not in run.summary
    assert f"Epoch 00001: val_accuracy improved from -inf to {accuracy[0]:0.5f}" in (
        scenarios.stdout
    )
    # 64 samples in batches of 16: batches 0 and 3 of each of the 3 epochs.
    batch_rows = [row for row in run.scan_history() if "batch/loss" in row]
    assert [row["batch/batch_step"] for row in batch_rows] == [0, 3, 4, 7, 8, 11]
    assert all("loss" not in row for row in batch_rows)
    # Dense(4→8) and Dense(8→1): 2·4·8 + 8 + 2·8·1 + 1 float operations, halved (wandb's GFLOPs).
    assert run.summary["GFLOPs"] == pytest.approx((64 + 8 + 16 + 1) / 2 / 1e9)


def table(run: Any, value: dict[str, Any]) -> dict[str, Any]:
    assert value["_type"] == "table-file"
    doc: dict[str, Any] = json.loads(run.file(value["path"]).read())
    return doc


def test_evaluation_table_at_train_end(result: Any, api: Any) -> None:
    evaluation = result["evaluation"]
    run = api.run(evaluation["path_0"])
    values = [
        row["validation_predictions"] for row in run.scan_history(keys=["validation_predictions"])
    ]
    assert len(values) == 1  # frequency 0: only at the end of training
    doc = table(run, values[0])
    columns = doc["columns"]
    assert columns[:3] == ["val_row", "target", "input"]
    assert "output" in columns
    rows = [dict(zip(columns, row, strict=True)) for row in doc["data"]]
    assert [row["val_row"] for row in rows] == list(range(6))
    outputs = [row["output"] for row in rows]
    np.testing.assert_allclose(outputs, evaluation["final_0"], rtol=1e-5)


def test_evaluation_table_every_other_epoch(result: Any, api: Any) -> None:
    run = api.run(result["evaluation"]["path_2"])
    rows = [row for row in run.scan_history() if "validation_predictions" in row]
    # epochs 0 and 2 (epoch % 2 == 0); nothing trained after epoch 2's table.
    assert [row.get("epoch") for row in rows] == [0, 2]


def test_evaluation_with_validation_indexes_and_a_row_processor(result: Any, api: Any) -> None:
    evaluation = result["evaluation"]
    run = api.run(evaluation["path_indexes"])
    [row] = run.scan_history(keys=["validation_predictions"])
    doc = table(run, row["validation_predictions"])
    assert doc["columns"] == ["val_row", "output", "p"]
    assert [r[0] for r in doc["data"]] == [10, 11, 12, 13, 14, 15]
    final = evaluation["final_indexes"]
    assert [r[2] for r in doc["data"]] == pytest.approx([p[0] for p in final], rel=1e-5)
    assert not any(math.isnan(r[2]) for r in doc["data"])


def test_evaluation_from_a_generator(result: Any, api: Any, scenarios: Scenarios) -> None:
    evaluation = result["evaluation"]
    run = api.run(evaluation["path_generator_2"])
    [row] = run.scan_history(keys=["validation_predictions"])
    doc = table(run, row["validation_predictions"])
    output = doc["columns"].index("output")
    outputs = [r[output] for r in doc["data"]]
    np.testing.assert_allclose(outputs, evaluation["final_generator_2"], rtol=1e-5)
    # Without validation_steps the generator's length is unknown: a warning, no table.
    run = api.run(evaluation["path_generator_None"])
    assert not [r for r in run.scan_history() if "validation_predictions" in r]
    assert "you must pass validation_steps" in scenarios.stderr


def test_a_missing_monitor_is_warned_about(scenarios: Scenarios) -> None:
    # The evaluation scenarios train without validation data, so val_loss never appears.
    assert (
        "WandbCallback: the monitored metric 'val_loss' is not in the logs of epoch 0 "
        "(available: ['accuracy', 'loss'])" in scenarios.stderr
    )
