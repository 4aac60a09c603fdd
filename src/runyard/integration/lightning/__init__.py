"""Lightning logger that writes to Runyard, with the behaviour of Lightning's ``WandbLogger``.

Example:
    >>> from runyard.integration.lightning import RunyardLogger  # doctest: +SKIP
    >>> logger = RunyardLogger(project="mnist", log_model=True)  # doctest: +SKIP
    >>> trainer = lightning.Trainer(logger=logger)  # doctest: +SKIP

Importing this package imports nothing from Lightning: ``RunyardLogger`` subclasses
``lightning.pytorch.loggers.Logger``, so its module imports Lightning (and torch) when
the name is first looked up here. ``WandbLogger`` is the same class under wandb's name,
for code that only changes its import line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runyard.integration.lightning.logger import RunyardLogger

    WandbLogger = RunyardLogger

__all__ = ["RunyardLogger", "WandbLogger"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'runyard.integration.lightning' has no attribute {name!r}")
    value = importlib.import_module("runyard.integration.lightning.logger").RunyardLogger
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
