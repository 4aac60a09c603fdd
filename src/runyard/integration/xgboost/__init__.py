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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runyard.integration.xgboost.callback import (
        RunyardCallback,
        WandbCallback,
        wandb_callback,
    )

__all__ = ["RunyardCallback", "WandbCallback", "wandb_callback"]

_MODULE = "runyard.integration.xgboost.callback"


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'runyard.integration.xgboost' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
