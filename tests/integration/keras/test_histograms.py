"""Weight and gradient histograms on every backend (scenarios/histograms.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.integration.keras.conftest import Scenarios


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["histograms"]


def test_keys_follow_wandb_and_name_every_weight_of_larger_layers(result: Any, api: Any) -> None:
    rows = [row for row in api.run(result["path"]).scan_history() if "epoch" in row]
    assert len(rows) == 2
    keys = {k for k in rows[-1] if k.startswith(("parameters/", "gradients/"))}
    assert keys == {
        "parameters/dense.weights",
        "parameters/dense.bias",
        "parameters/batch_normalization.gamma",
        "parameters/batch_normalization.beta",
        "parameters/batch_normalization.moving_mean",
        "parameters/batch_normalization.moving_variance",
        "gradients/dense/kernel.gradient",
        "gradients/dense/bias.gradient",
        "gradients/batch_normalization/gamma.gradient",
        "gradients/batch_normalization/beta.gradient",
    }


def test_weight_histograms_cover_the_weights(result: Any, api: Any) -> None:
    row = [row for row in api.run(result["path"]).scan_history() if "epoch" in row][-1]
    kernel = np.asarray(result["kernels"][-1])
    hist = row["parameters/dense.weights"]
    assert hist["_type"] == "histogram"
    assert len(hist["values"]) == 64 and sum(hist["values"]) == kernel.size
    assert hist["bins"][0] == pytest.approx(kernel.min(), abs=1e-6)
    assert hist["bins"][-1] == pytest.approx(kernel.max(), abs=1e-6)


def test_gradients_are_the_mean_squared_error_gradients(result: Any, api: Any) -> None:
    """For y' = x·w + b under MSE: ∂L/∂w = 2/N · xᵀ(y' − y), over all the training data."""
    y = np.asarray(result["y"])
    rows = [row for row in api.run(result["path"]).scan_history() if "epoch" in row]
    recorded = zip(rows, result["inputs"], result["kernels"], result["biases"], strict=True)
    for row, inputs, kernel, bias in recorded:
        x = np.asarray(inputs)
        error = x @ np.asarray(kernel) + np.asarray(bias) - y
        expected = 2 / len(x) * x.T @ error
        hist = row["gradients/dense/kernel.gradient"]
        assert sum(hist["values"]) == expected.size
        assert hist["bins"][0] == pytest.approx(expected.min(), rel=1e-3, abs=1e-5)
        assert hist["bins"][-1] == pytest.approx(expected.max(), rel=1e-3, abs=1e-5)
        bias_hist = row["gradients/dense/bias.gradient"]
        assert (bias_hist["bins"][0] + bias_hist["bins"][-1]) / 2 == pytest.approx(
            2 * error.mean(), rel=1e-2, abs=1e-3
        )


def test_non_finite_values_are_left_out(result: Any) -> None:
    nan = result["nan"]
    assert sum(nan["values"]) == 2
    assert nan["bins"][0] == 1.0 and nan["bins"][-1] == 3.0


def test_logging_gradients_does_not_change_training(result: Any) -> None:
    """Gradients run in inference mode: no dropout draws, no batch-norm statistics updates."""
    for logged, untouched in zip(result["weights"], result["untouched"], strict=True):
        np.testing.assert_array_equal(np.asarray(logged), np.asarray(untouched))
