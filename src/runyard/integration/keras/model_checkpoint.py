"""`WandbModelCheckpoint`: Keras' ``ModelCheckpoint`` that also stores each checkpoint with the run.

Keras does the saving (so every ``ModelCheckpoint`` option works, with Keras 3's
``.keras`` and ``.weights.h5`` formats); after each save the file is stored as a
run file under its own name, ``run.file("model-03.keras")``. wandb logged it as
a ``run_<id>_model`` artifact version with aliases ``latest`` and ``epoch_<n>``;
Runyard has no artifacts yet, so a file name without ``{epoch}`` is overwritten
by later saves, as on disk.

The saved file is found by formatting ``filepath`` as Keras does and checking
whether it changed, not through Keras' private methods, which change between
versions.
"""

from __future__ import annotations

import os
from typing import Any

import keras  # type: ignore[import-untyped]

from runyard.integration.keras.active_run import current_run, require_run, warn_once

__all__ = ["WandbModelCheckpoint"]


class WandbModelCheckpoint(keras.callbacks.ModelCheckpoint):  # type: ignore[misc]
    """Save checkpoints as Keras' ``ModelCheckpoint`` does and store them with the run.

    The arguments are ``keras.callbacks.ModelCheckpoint``'s.

    Raises:
        runyard.Error: ``You must call `wandb.init()` before `WandbModelCheckpoint()```.

    Example:
        >>> cb = WandbModelCheckpoint("models/model-{epoch:02d}.keras")  # doctest: +SKIP
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        self._run = require_run("You must call `wandb.init()` before `WandbModelCheckpoint()`")
        super().__init__(
            filepath=os.fspath(filepath),
            monitor=monitor,
            verbose=verbose,
            save_best_only=save_best_only,
            save_weights_only=save_weights_only,
            mode=mode,
            save_freq=save_freq,
            initial_value_threshold=initial_value_threshold,
        )
        if save_best_only and "{" not in self.filepath:
            warn_once(
                "checkpoint-placeholders",
                "When using `save_best_only`, ensure that the `filepath` argument contains "
                "formatting placeholders like `{epoch:02d}` or `{batch:02d}`. This ensures "
                "correct interpretation of the logged artifacts.",
            )
        self._epoch = 0
        self._stamps: dict[str, tuple[int, int]] = {}

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        super().on_epoch_begin(epoch, logs)
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        super().on_train_batch_end(batch, logs)
        if self.save_freq != "epoch":
            self._store(dict(logs or {}), batch)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        if self.save_freq == "epoch":
            self._epoch = epoch
            self._store(dict(logs or {}), None)

    def _store(self, logs: dict[str, Any], batch: int | None) -> None:
        try:
            if batch is None or "batch" in logs:
                path = self.filepath.format(epoch=self._epoch + 1, **logs)
            else:
                path = self.filepath.format(epoch=self._epoch + 1, batch=batch + 1, **logs)
            if not os.path.isfile(path):
                return
            stat = os.stat(path)
            stamp = (stat.st_mtime_ns, stat.st_size)
            if self._stamps.get(path) == stamp:
                return
            self._stamps[path] = stamp
            current_run(self._run).save(path, base_path=os.path.dirname(path) or ".", policy="now")
        except Exception as exc:  # the training loop must go on
            warn_once(
                "checkpoint-store", f"WandbModelCheckpoint could not store a checkpoint: {exc}"
            )
