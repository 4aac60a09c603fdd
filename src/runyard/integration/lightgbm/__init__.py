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

from typing import TYPE_CHECKING

from runyard.integration.lazy import lazy_names

if TYPE_CHECKING:
    from runyard.integration.lightgbm.callback import (
        RunyardCallback,
        log_summary,
        wandb_callback,
    )

__all__ = ["RunyardCallback", "log_summary", "wandb_callback"]

__getattr__, __dir__ = lazy_names(
    __name__,
    dict.fromkeys(__all__, "runyard.integration.lightgbm.callback"),
)
