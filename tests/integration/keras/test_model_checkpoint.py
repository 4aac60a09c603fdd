"""WandbModelCheckpoint on every backend (scenarios/model_checkpoint.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.keras.conftest import Scenarios


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["model_checkpoint"]


def test_error_before_init(result: Any) -> None:
    assert result["before_init"] == [
        "Error",
        "You must call `wandb.init()` before `WandbModelCheckpoint()`",
    ]


def test_every_checkpoint_keras_wrote_is_stored_with_the_run(result: Any, api: Any) -> None:
    # Media and the files every run gets (its console output, its environment) aside.
    context = {"output.log", "requirements.txt", "diff.patch"}
    stored = {
        f.name: f
        for f in api.run(result["path"]).files()
        if not f.name.startswith("media/") and f.name not in context
    }
    # 40 samples in batches of 10 = 4 batches per epoch; save_freq=3 saves after batches 3 and 6,
    # that is epoch 1 batch 3 and epoch 2 batch 2.
    assert set(stored) == {
        "every-01.keras",
        "every-02.keras",
        "best.weights.h5",
        "batch-1-3.keras",
        "batch-2-2.keras",
    }
    for name, file in stored.items():
        assert file.read().hex() == result["on_disk"][name], name


def test_save_best_only_without_placeholders_warns(scenarios: Scenarios) -> None:
    assert "ensure that the `filepath` argument contains formatting placeholders" in (
        scenarios.stderr
    )
