"""Keras 3 callbacks with wandb's names, on every Keras backend (jax, torch, tensorflow).

Example:
    >>> import runyard as wandb  # doctest: +SKIP
    >>> from runyard.integration.keras import WandbCallback  # doctest: +SKIP
    >>> wandb.init(project="mnist")  # doctest: +SKIP
    >>> model.fit(x, y, validation_data=(xv, yv), callbacks=[WandbCallback()])  # doctest: +SKIP

Importing this package imports nothing from Keras: the callback classes subclass
Keras' own, so their modules import ``keras`` (and with it the backend chosen by
``KERAS_BACKEND``) when a name is first looked up here. Backend libraries
(jax, torch, tensorflow) are only imported by the code paths that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runyard.integration.lazy import lazy_names

if TYPE_CHECKING:
    from runyard.integration.keras.callback import WandbCallback
    from runyard.integration.keras.eval_callback import WandbEvalCallback
    from runyard.integration.keras.metrics_logger import WandbMetricsLogger
    from runyard.integration.keras.model_checkpoint import WandbModelCheckpoint

__all__ = ["WandbCallback", "WandbEvalCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]

__getattr__, __dir__ = lazy_names(
    __name__,
    {
        "WandbCallback": "runyard.integration.keras.callback",
        "WandbEvalCallback": "runyard.integration.keras.eval_callback",
        "WandbMetricsLogger": "runyard.integration.keras.metrics_logger",
        "WandbModelCheckpoint": "runyard.integration.keras.model_checkpoint",
    },
)
