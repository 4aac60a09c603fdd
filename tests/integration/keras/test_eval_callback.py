"""WandbEvalCallback on every backend (scenarios/eval_callback.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.keras.conftest import Scenarios


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["eval_callback"]


def test_error_before_init(result: Any) -> None:
    assert result["before_init"] == [
        "Error",
        "You must call `wandb.init()` first before using this callback.",
    ]


def test_ground_truth_once_and_predictions_every_epoch(result: Any, api: Any) -> None:
    run = api.run(result["path"])
    rows = list(run.scan_history())
    data_rows = [row["val_data"] for row in rows if "val_data" in row]
    pred_rows = [row["eval_data"] for row in rows if "eval_data" in row]
    assert len(data_rows) == 1 and len(pred_rows) == 2
    data = json.loads(run.file(data_rows[0]["path"]).read())
    assert data["columns"] == ["idx", "features", "label"]
    assert [r[2] for r in data["data"]] == result["labels"]
    for epoch, value in enumerate(pred_rows):
        doc = json.loads(run.file(value["path"]).read())
        assert doc["columns"] == ["epoch", "idx", "label", "score"]
        assert [r[0] for r in doc["data"]] == [epoch] * 5
        assert [r[2] for r in doc["data"]] == result["labels"]
        assert [r[3] for r in doc["data"]] == pytest.approx(result["predictions"][epoch])
