"""Transformers ``Trainer`` logging to Runyard: :class:`RunyardCallback`.

Example:
    >>> from transformers import Trainer, TrainingArguments  # doctest: +SKIP
    >>> from runyard.integration.transformers import RunyardCallback  # doctest: +SKIP
    >>> args = TrainingArguments("out", report_to="none", logging_steps=10)  # doctest: +SKIP
    >>> callbacks = [RunyardCallback()]  # doctest: +SKIP
    >>> trainer = Trainer(model, args, train_dataset=ds, callbacks=callbacks)  # doctest: +SKIP
    >>> trainer.train()  # doctest: +SKIP

Importing this package imports nothing from Transformers: the callback subclasses
``transformers.TrainerCallback``, so its module imports ``transformers`` when the name
is first looked up here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runyard.integration.transformers.callback import RunyardCallback

__all__ = ["RunyardCallback"]


def __getattr__(name: str) -> Any:
    if name != "RunyardCallback":
        raise AttributeError(f"module 'runyard.integration.transformers' has no attribute {name!r}")
    value = importlib.import_module("runyard.integration.transformers.callback").RunyardCallback
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
