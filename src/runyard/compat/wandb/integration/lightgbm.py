"""``wandb.integration.lightgbm``: Runyard's LightGBM callback and summary (the same objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import runyard.integration.lightgbm as _lightgbm

if TYPE_CHECKING:
    from runyard.integration.lightgbm import log_summary, wandb_callback

__all__ = ["log_summary", "wandb_callback"]


def __getattr__(name: str) -> Any:
    return getattr(_lightgbm, name)  # lazily: the callbacks import lightgbm
