"""WandbMetricsLogger on every backend (scenarios/metrics_logger.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.keras.conftest import Scenarios


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["metrics_logger"]


def test_errors(result: Any) -> None:
    assert result["before_init"] == [
        "Error",
        "You must call `wandb.init()` before WandbMetricsLogger()",
    ]
    assert result["bad_freq"][0] == "ValueError" and "'sometimes'" in result["bad_freq"][1]


def test_epoch_mode_logs_epoch_keys_and_the_learning_rate(result: Any, api: Any) -> None:
    epoch = result["epoch"]
    rows = list(api.run(epoch["path"]).scan_history())
    assert [row["epoch/epoch"] for row in rows] == [0, 1, 2]
    assert [row["epoch/loss"] for row in rows] == pytest.approx(epoch["history"]["loss"])
    assert [row["epoch/mae"] for row in rows] == pytest.approx(epoch["history"]["mae"])
    assert [row["epoch/learning_rate"] for row in rows] == pytest.approx([0.01] * 3)
    assert not any(key.startswith("batch/") for row in rows for key in row)


def test_batch_mode_every_n_batches_with_a_schedule(result: Any, api: Any) -> None:
    batch = result["batch"]
    rows = list(api.run(batch["path"]).scan_history())
    batch_rows = [row for row in rows if "batch/batch_step" in row]
    # 40 samples in batches of 10: batches 0 and 2 of each of 2 epochs; the step advances by 2.
    assert [row["batch/batch_step"] for row in batch_rows] == [0, 2, 4, 6]
    # The rate after k optimizer steps is 0.1 · 0.5^k (batches 0, 2, 4+0, 4+2 done: k = 1, 3, 5, 7).
    rates = [row["batch/learning_rate"] for row in batch_rows]
    assert rates == pytest.approx([0.1 * 0.5**k for k in (1, 3, 5, 7)])
    epoch_rows = [row for row in rows if "epoch/epoch" in row]
    assert [row["epoch/epoch"] for row in epoch_rows] == [0, 1]
    assert [row["epoch/loss"] for row in epoch_rows] == pytest.approx(batch["history"]["loss"])


def test_initial_global_step_moves_the_schedule(result: Any, api: Any) -> None:
    rows = list(api.run(result["resumed"]["path"]).scan_history())
    rates = [row["batch/learning_rate"] for row in rows if "batch/batch_step" in row]
    assert rates == pytest.approx([0.1 * 0.5**k for k in (11, 13)])
    [epoch] = [row for row in rows if "epoch/epoch" in row]
    assert epoch["epoch/learning_rate"] == pytest.approx(0.1 * 0.5**14)
