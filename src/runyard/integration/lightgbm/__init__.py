"""LightGBM logging with wandb's behaviour: ``wandb_callback()`` and ``log_summary()``.

Example:
    >>> import runyard  # doctest: +SKIP
    >>> from runyard.integration.lightgbm import log_summary, wandb_callback  # doctest: +SKIP
    >>> runyard.init(project="boost")  # doctest: +SKIP
    >>> callbacks = [wandb_callback()]  # doctest: +SKIP
    >>> booster = lightgbm.train(params, train, callbacks=callbacks)  # doctest: +SKIP
    >>> log_summary(booster, save_model_checkpoint=True)  # doctest: +SKIP

Importing this package imports nothing from LightGBM; its module is imported when a
name is first looked up here. ``wandb.integration.lightgbm`` of the ``wandb`` shim
re-exports these same objects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runyard.integration.lightgbm.callback import (
        RunyardCallback,
        log_summary,
        wandb_callback,
    )

__all__ = ["RunyardCallback", "log_summary", "wandb_callback"]

_MODULE = "runyard.integration.lightgbm.callback"


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'runyard.integration.lightgbm' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
