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

from typing import TYPE_CHECKING

from runyard.integration.lazy import lazy_names

if TYPE_CHECKING:
    from runyard.integration.lightning.logger import RunyardLogger

    WandbLogger = RunyardLogger

__all__ = ["RunyardLogger", "WandbLogger"]

__getattr__, __dir__ = lazy_names(
    __name__,
    {
        "RunyardLogger": "runyard.integration.lightning.logger",
        "WandbLogger": "runyard.integration.lightning.logger:RunyardLogger",
    },
)
