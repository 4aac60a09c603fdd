"""XGBoost callbacks with wandb's behaviour: ``RunyardCallback`` (wandb's ``WandbCallback``).

Example:
    >>> import runyard  # doctest: +SKIP
    >>> from runyard.integration.xgboost import RunyardCallback  # doctest: +SKIP
    >>> runyard.init(project="boost")  # doctest: +SKIP
    >>> model = xgboost.XGBClassifier(callbacks=[RunyardCallback()])  # doctest: +SKIP
    >>> model.fit(x, y, eval_set=[(xv, yv)])  # doctest: +SKIP

Importing this package imports nothing from XGBoost: the callback subclasses
``xgboost.callback.TrainingCallback``, so its module imports ``xgboost`` when a name
is first looked up here. ``wandb.integration.xgboost`` of the ``wandb`` shim
re-exports these same objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runyard.integration.lazy import lazy_names

if TYPE_CHECKING:
    from runyard.integration.xgboost.callback import (
        RunyardCallback,
        WandbCallback,
        wandb_callback,
    )

__all__ = ["RunyardCallback", "WandbCallback", "wandb_callback"]

__getattr__, __dir__ = lazy_names(
    __name__,
    dict.fromkeys(__all__, "runyard.integration.xgboost.callback"),
)
