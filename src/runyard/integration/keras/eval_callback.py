"""`WandbEvalCallback`: the base class for logging a model's predictions as tables.

Subclasses fill two tables, as with wandb: ``add_ground_truth`` fills
``self.data_table`` once when training begins, ``add_model_predictions`` fills
``self.pred_table`` at the end of every epoch (typically reading ground truth
back through ``self.data_table_ref``). wandb stored the tables as artifacts
(``val`` of type ``dataset`` and ``run_<id>_pred`` of type ``evaluation``);
Runyard logs them as tables in the run's history under their table names,
``val_data`` once and ``eval_data`` per epoch, and ``data_table_ref`` is the
data table itself. The artifact names, types and aliases are accepted and
ignored until Runyard has artifacts.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import keras  # type: ignore[import-untyped]

import runyard
from runyard.integration.keras.active_run import current_run, require_run, warn_once

__all__ = ["WandbEvalCallback"]


class WandbEvalCallback(keras.callbacks.Callback, abc.ABC):  # type: ignore[misc]
    """Abstract callback logging a ground-truth table and a predictions table.

    Raises:
        runyard.Error: ``You must call `wandb.init()` first before using this callback.``

    Example:
        >>> class Preds(WandbEvalCallback):  # doctest: +SKIP
        ...     def add_ground_truth(self, logs=None):
        ...         for i, (x, y) in enumerate(zip(xv, yv)):
        ...             self.data_table.add_data(i, x.tolist(), int(y))
        ...     def add_model_predictions(self, epoch, logs=None):
        ...         preds = self.model.predict(xv, verbose=0).argmax(-1)
        ...         for row, p in zip(self.data_table_ref.data, preds):
        ...             self.pred_table.add_data(epoch, row[0], row[2], int(p))
        >>> Preds(["idx", "x", "y"], ["epoch", "idx", "y", "pred"])  # doctest: +SKIP
    """

    def __init__(
        self, data_table_columns: Sequence[str], pred_table_columns: Sequence[str]
    ) -> None:
        super().__init__()
        self._run = require_run("You must call `wandb.init()` first before using this callback.")
        self.data_table_columns = list(data_table_columns)
        self.pred_table_columns = list(pred_table_columns)
        self.data_table: Any = None
        self.data_table_ref: Any = None
        self.pred_table: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.init_data_table(column_names=self.data_table_columns)
        self.add_ground_truth(logs)
        self.log_data_table()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.init_pred_table(column_names=self.pred_table_columns)
        self.add_model_predictions(epoch, logs)
        self.log_pred_table()

    @abc.abstractmethod
    def add_ground_truth(self, logs: dict[str, Any] | None = None) -> None:
        """Add ground-truth rows to ``self.data_table`` (called once, at train begin)."""

    @abc.abstractmethod
    def add_model_predictions(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Add this epoch's prediction rows to ``self.pred_table``."""

    def init_data_table(self, column_names: Sequence[str]) -> None:
        self.data_table = runyard.Table(columns=list(column_names), allow_mixed_types=True)

    def init_pred_table(self, column_names: Sequence[str]) -> None:
        self.pred_table = runyard.Table(columns=list(column_names))

    def log_data_table(
        self, name: str = "val", type: str = "dataset", table_name: str = "val_data"
    ) -> None:
        """Log ``self.data_table`` under ``table_name``; ``data_table_ref`` is then the table."""
        self._log(table_name, self.data_table)
        self.data_table_ref = self.data_table

    def log_pred_table(
        self,
        type: str = "evaluation",
        table_name: str = "eval_data",
        aliases: list[str] | None = None,
    ) -> None:
        """Log ``self.pred_table`` under ``table_name``."""
        self._log(table_name, self.pred_table)

    def _log(self, key: str, table: Any) -> None:
        try:
            current_run(self._run).log({key: table})
        except Exception as exc:  # the training loop must go on
            warn_once(f"eval-callback-{key}", f"WandbEvalCallback could not log {key!r}: {exc}")
