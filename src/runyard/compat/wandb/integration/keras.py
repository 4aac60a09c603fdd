"""``wandb.integration.keras``: Runyard's Keras callbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import runyard.integration.keras as _keras

if TYPE_CHECKING:
    from runyard.integration.keras import (
        WandbCallback,
        WandbEvalCallback,
        WandbMetricsLogger,
        WandbModelCheckpoint,
    )

__all__ = ["WandbCallback", "WandbEvalCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]


def __getattr__(name: str) -> Any:
    return getattr(_keras, name)  # lazily: the callbacks import keras
