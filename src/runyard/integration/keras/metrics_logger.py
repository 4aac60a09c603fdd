"""`WandbMetricsLogger`: Keras metrics and the learning rate, per epoch or per batch.

The same keys as wandb's: every epoch ``epoch/<metric>``, ``epoch/epoch`` and
``epoch/learning_rate`` against the step metric ``epoch/epoch``; with
``log_freq="batch"`` (or an integer N) also every N-th batch ``batch/<metric>``,
``batch/batch_step`` (advancing by N) and ``batch/learning_rate`` against
``batch/batch_step``. Unlike wandb's, it needs no TensorFlow: the learning rate
is read through ``keras.ops``, whatever the backend and whether it is a constant
or a schedule.
"""

from __future__ import annotations

from typing import Any

import keras  # type: ignore[import-untyped]

from runyard.integration.keras.active_run import current_run, require_run, warn_once

__all__ = ["WandbMetricsLogger"]


def _log_freq(value: Any) -> int | None:
    if value == "epoch":
        return None
    if value == "batch":
        return 1
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise ValueError(f'log_freq must be "epoch", "batch" or a positive integer, got {value!r}')


class WandbMetricsLogger(keras.callbacks.Callback):  # type: ignore[misc]
    """Log Keras' metrics to the current run (wandb's ``WandbMetricsLogger``).

    Args:
        log_freq: ``"epoch"`` (default), ``"batch"`` or an integer N: also log every
            N-th batch.
        initial_global_step: the step a learning-rate schedule is evaluated at when
            training starts (it then advances by one per batch), for resumed runs.

    Raises:
        runyard.Error: ``You must call `wandb.init()` before WandbMetricsLogger()``.
        ValueError: an invalid ``log_freq``.

    Example:
        >>> model.fit(x, y, callbacks=[WandbMetricsLogger(log_freq=10)])  # doctest: +SKIP
    """

    def __init__(self, log_freq: str | int = "epoch", initial_global_step: int = 0) -> None:
        super().__init__()
        self._run = require_run("You must call `wandb.init()` before WandbMetricsLogger()")
        self.log_freq = _log_freq(log_freq)
        self.logging_batch_wise = self.log_freq is not None
        self.global_batch = 0
        self.global_step = int(initial_global_step)
        self._schedule: Any = None
        if self.logging_batch_wise:
            self._run.define_metric("batch/batch_step")
            self._run.define_metric("batch/*", step_metric="batch/batch_step")
        self._run.define_metric("epoch/epoch")
        self._run.define_metric("epoch/*", step_metric="epoch/epoch")

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # A schedule is evaluated at our global step (which starts at initial_global_step),
        # as wandb did; the optimizer's own step restarts at 0 with a fresh optimizer.
        self._schedule = None
        try:
            config = self.model.optimizer.get_config().get("learning_rate")
            if isinstance(config, dict):
                self._schedule = keras.optimizers.schedules.deserialize(config)
        except Exception as exc:  # the training loop must go on
            warn_once("metrics-logger-schedule", f"Unable to read the learning rate: {exc}")

    def _learning_rate(self) -> float | None:
        try:
            if self._schedule is not None:
                rate = self._schedule(self.global_step)
            else:
                rate = self.model.optimizer.learning_rate
            return float(keras.ops.convert_to_numpy(rate))
        except Exception as exc:  # the training loop must go on
            warn_once("metrics-logger-lr", f"Unable to log learning rate: {exc}")
            return None

    def _log(self, row: dict[str, Any]) -> None:
        try:
            current_run(self._run).log(row)
        except Exception as exc:  # the training loop must go on
            warn_once("metrics-logger-log", f"WandbMetricsLogger could not log: {exc}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {f"epoch/{k}": v for k, v in (logs or {}).items()}
        row["epoch/epoch"] = epoch
        rate = self._learning_rate()
        if rate is not None:
            row["epoch/learning_rate"] = rate
        self._log(row)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.global_step += 1
        if self.log_freq is None or batch % self.log_freq != 0:
            return
        row = {f"batch/{k}": v for k, v in (logs or {}).items()}
        row["batch/batch_step"] = self.global_batch
        rate = self._learning_rate()
        if rate is not None:
            row["batch/learning_rate"] = rate
        self._log(row)
        self.global_batch += self.log_freq
