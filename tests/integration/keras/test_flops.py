"""FLOPs of known models against hand counts, on every backend (scenarios/flops.py).

Conventions (flops.py): a multiply-add is 2 operations, a bias add 1 per output,
ReLU 0, softmax 5 per element; ``get_flops`` halves the total and gives billions
(wandb's "GFLOPs").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.keras.conftest import Scenarios


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["flops"]


DENSE = (2 * 4 * 8 + 8) + (2 * 8 * 3 + 3 + 5 * 3)  # Dense(4→8, relu), Dropout, Dense(8→3, softmax)


def test_dense_stack(result: Any) -> None:
    assert result["dense"] == DENSE
    assert result["gflops_dense"] == pytest.approx(DENSE / 2 / 1e9)


def test_convolution_normalisation_and_pooling(result: Any) -> None:
    conv = 2 * (8 * 8 * 4) * (3 * 3) * 3 + 8 * 8 * 4  # 3×3 same conv, 3→4 channels, + bias
    batch_norm = 2 * 8 * 8 * 4
    max_pool = (2 * 2) * (4 * 4 * 4)
    depthwise = 2 * (2 * 2 * 4) * (3 * 3)  # valid 3×3 on 4×4×4 → 2×2×4, no bias
    global_pool = 2 * 2 * 4
    dense = 2 * 4 * 2 + 2
    assert result["conv"] == conv + batch_norm + max_pool + depthwise + global_pool + dense


def test_attention(result: Any) -> None:
    t, d, heads, key = 5, 8, 2, 4
    projections = 3 * t * heads * key * (2 * d + 1) + t * d * (2 * heads * key + 1)
    scaling = t * heads * key
    scores = 2 * t * t * heads * key
    softmax = 5 * heads * t * t
    weighted = 2 * t * t * heads * key
    add = t * d
    layer_norm = 7 * t * d
    expected = projections + scaling + scores + softmax + weighted + add + layer_norm
    assert result["attention"] == expected


def test_nested_models_are_counted_layer_by_layer(result: Any) -> None:
    assert result["nested"] == DENSE + 2 * 3 * 2


def test_models_that_cannot_be_counted(result: Any, scenarios: Scenarios) -> None:
    assert result["subclassed"] == [
        "ValueError",
        "FLOPs can only be counted for Sequential and Functional models, not Subclassed",
    ]
    assert result["variable"][0] == "ValueError" and "(None, None, 4)" in result["variable"][1]
    assert result["lstm"] == 0
    assert "FLOPs of LSTM layers are not counted (layer 'lstm')" in scenarios.stderr
