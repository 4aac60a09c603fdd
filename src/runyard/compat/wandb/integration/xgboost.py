"""``wandb.integration.xgboost``: Runyard's XGBoost callback (the same objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import runyard.integration.xgboost as _xgboost

if TYPE_CHECKING:
    from runyard.integration.xgboost import WandbCallback, wandb_callback

__all__ = ["WandbCallback", "wandb_callback"]


def __getattr__(name: str) -> Any:
    return getattr(_xgboost, name)  # lazily: the callback imports xgboost
