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

from typing import TYPE_CHECKING

from runyard.integration.lazy import lazy_names

if TYPE_CHECKING:
    from runyard.integration.transformers.callback import RunyardCallback

__all__ = ["RunyardCallback"]

__getattr__, __dir__ = lazy_names(
    __name__,
    {"RunyardCallback": "runyard.integration.transformers.callback"},
)
