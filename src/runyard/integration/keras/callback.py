"""`WandbCallback`: wandb's legacy all-in-one Keras callback, on Keras 3 and any backend.

Every argument of the last released wandb ``WandbCallback`` is supported (the
table in docs/keras.md). What it logs, per epoch, in one history row:
``epoch``, every metric in Keras' ``logs`` (each with ``epoch`` as its step
metric), and optionally ``parameters/…`` and ``gradients/…`` histograms,
``examples`` images and a ``validation_predictions`` table. With
``log_batch_frequency=N`` every N-th batch also logs ``batch/<metric>`` rows
against ``batch/batch_step``: separate keys rather than wandb's reuse of the
epoch names, because Keras 3 reports running means within the epoch and mixing
them into the epoch series would corrupt its summaries.

The best epoch by ``monitor``/``mode`` sets ``best_<monitor>`` and
``best_epoch`` in the summary and, with ``save_model``, saves the model in Keras
3's formats (``model-best.keras``, or ``model-best.weights.h5`` with
``save_weights_only``) into the run's directory and stores it as a run file.

Nothing here may stop training once it has started: a failing histogram, image
or table is reported by one warning and left out. Keras-less logic lives in
small modules beside this one (monitor, predictions, processors, evaluation).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras  # type: ignore[import-untyped]
import numpy as np

import runyard
from runyard.integration.keras.active_run import current_run, require_run, warn_once
from runyard.integration.keras.evaluation import EvaluationTable, as_numpy
from runyard.integration.keras.flops import get_flops
from runyard.integration.keras.histograms import gradient_histograms, weight_histograms
from runyard.integration.keras.monitor import Monitor
from runyard.integration.keras.predictions import (
    DATA_TYPES,
    IMAGE_TYPES,
    example_images,
    guess_data_type,
)
from runyard.integration.keras.processors import RowProcessor

__all__ = ["WandbCallback"]

MAX_PREDICTIONS = 100


def _positive_int_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return value


def _data_type(name: str, value: Any) -> str | None:
    if value is not None and value not in DATA_TYPES:
        raise ValueError(f"{name} must be one of {list(DATA_TYPES)} or None, got {value!r}")
    return value  # type: ignore[no-any-return]


class WandbCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Log Keras metrics, the best epoch, the best model and more to the current run.

    Args are wandb's (see docs/keras.md for each one); ``data_type`` is accepted as
    a deprecated alias of ``input_type`` and ``output_row_processor`` of
    ``prediction_row_processor``.

    Raises:
        runyard.Error: ``You must call wandb.init() before WandbCallback()``.
        ValueError: ``log_gradients=True`` without ``training_data``, or an
            invalid argument value (named in the message).
        TypeError: an unknown keyword argument.

    Example:
        >>> wandb.init(project="mnist")  # doctest: +SKIP
        >>> model.fit(x, y, validation_data=(xv, yv), callbacks=[WandbCallback()])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        verbose: int = 0,
        mode: str = "auto",
        save_weights_only: bool = False,
        log_weights: bool = False,
        log_gradients: bool = False,
        save_model: bool = True,
        training_data: Any = None,
        validation_data: Any = None,
        labels: Sequence[Any] | None = None,
        predictions: int = 36,
        generator: Iterator[Any] | None = None,
        input_type: str | None = None,
        output_type: str | None = None,
        log_evaluation: bool = False,
        validation_steps: int | None = None,
        class_colors: Any = None,
        log_batch_frequency: int | None = None,
        log_best_prefix: str | None = "best_",
        save_graph: bool = True,
        validation_indexes: Sequence[Any] | None = None,
        validation_row_processor: RowProcessor | None = None,
        prediction_row_processor: RowProcessor | None = None,
        infer_missing_processors: bool = True,
        log_evaluation_frequency: int = 0,
        compute_flops: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self._run = require_run("You must call wandb.init() before WandbCallback()")
        data_type = kwargs.pop("data_type", None)  # wandb's deprecated alias
        output_row_processor = kwargs.pop("output_row_processor", None)  # the seed's name
        input_type = data_type if input_type is None else input_type
        prediction_row_processor = prediction_row_processor or output_row_processor
        if kwargs:
            raise TypeError(f"WandbCallback got unexpected keyword arguments {sorted(kwargs)}")
        if log_gradients and training_data is None:
            raise ValueError("training_data argument is required for gradient logging.")
        if training_data is not None and (
            not isinstance(training_data, (list, tuple)) or len(training_data) != 2
        ):
            raise ValueError(f"training_data must be a tuple (X, y), got {type(training_data)}")
        if validation_data is not None and (
            not isinstance(validation_data, (list, tuple)) or len(validation_data) < 2
        ):
            raise ValueError(f"validation_data must be a tuple (X, y), got {type(validation_data)}")
        if isinstance(log_evaluation_frequency, bool) or not (
            isinstance(log_evaluation_frequency, int) and log_evaluation_frequency >= 0
        ):
            raise ValueError(
                "log_evaluation_frequency must be an integer >= 0, "
                f"got {log_evaluation_frequency!r}"
            )
        self.monitor = monitor
        self.verbose = verbose
        self.mode = mode
        self.save_weights_only = save_weights_only
        self.log_weights = log_weights
        self.log_gradients = log_gradients
        self.save_model = save_model
        self.training_data: Any = training_data
        self.validation_data = validation_data
        self.labels = list(labels) if labels else []
        self.predictions = min(int(predictions), MAX_PREDICTIONS)
        self.generator = generator
        self.input_type = _data_type("input_type", input_type)
        self.output_type = _data_type("output_type", output_type)
        self.log_evaluation = log_evaluation
        self.validation_steps = _positive_int_or_none("validation_steps", validation_steps)
        self.class_colors = np.asarray(class_colors) if class_colors is not None else None
        self.log_batch_frequency = _positive_int_or_none("log_batch_frequency", log_batch_frequency)
        self.log_best_prefix = log_best_prefix
        self.save_graph = save_graph
        self.validation_indexes = validation_indexes
        self.validation_row_processor = validation_row_processor
        self.prediction_row_processor = prediction_row_processor
        self.infer_missing_processors = infer_missing_processors
        self.log_evaluation_frequency = log_evaluation_frequency
        self.compute_flops = compute_flops

        best = None
        if log_best_prefix:
            best = self._run.summary.get(f"{log_best_prefix}{monitor}")  # resume
        self._monitor = Monitor(monitor, mode, best)
        self.best = self._monitor.best
        name = "model-best.weights.h5" if save_weights_only else "model-best.keras"
        self.filepath = os.path.join(self._run.dir, name)
        self._rng = np.random.default_rng()
        self._evaluation: EvaluationTable | None = None
        self._trained_since_evaluation = False
        self._graph_logged = False
        self._defined: set[str] = set()
        self._batch_step = 0

    # -- Keras hooks ------------------------------------------------------------
    def set_model(self, model: Any) -> None:
        super().set_model(model)
        try:
            inputs, outputs = model.inputs, model.outputs
        except (AttributeError, ValueError):  # a subclassed model before it is built
            return
        if self.input_type == "auto" and inputs and len(inputs) == 1:
            self.input_type = guess_data_type(tuple(inputs[0].shape), risky=True)
        if self.input_type and self.output_type is None and outputs and len(outputs) == 1:
            self.output_type = guess_data_type(tuple(outputs[0].shape))

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        run = current_run(self._run)
        if self.log_batch_frequency:
            self._guard("define-batch", lambda: self._define_batch_metrics(run))
        if self.log_evaluation and self._evaluation is None:
            self._guard("evaluation-setup", self._setup_evaluation)
        if self.compute_flops:

            def flops() -> None:
                run.summary["GFLOPs"] = self.get_flops()

            self._guard("flops", flops, "Unable to compute FLOPs for this model")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._trained_since_evaluation = True
        run = current_run(self._run)
        if self.save_graph and not self._graph_logged:
            self._graph_logged = True
            self._guard("graph", lambda: self._log_graph(run))
        if self.log_batch_frequency and batch % self.log_batch_frequency == 0:
            row = {f"batch/{k}": v for k, v in (logs or {}).items()}
            row["batch/batch_step"] = self._batch_step
            self._guard("log", lambda: run.log(row))
        self._batch_step += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = dict(logs or {})
        run = current_run(self._run)
        row: dict[str, Any] = {}
        if self.log_weights:
            self._guard("weights", lambda: row.update(weight_histograms(self.model)))
        if self.log_gradients:
            x, y = self.training_data
            self._guard("gradients", lambda: row.update(gradient_histograms(self.model, x, y)))
        if self.input_type in IMAGE_TYPES or self.output_type in IMAGE_TYPES:
            self._guard("examples", lambda: self._add_examples(row))
        if (
            self.log_evaluation
            and self.log_evaluation_frequency > 0
            and epoch % self.log_evaluation_frequency == 0
        ):
            self._guard("evaluation", lambda: self._add_evaluation(row))
        row["epoch"] = epoch
        row.update(logs)
        self._guard("define", lambda: self._define_epoch_metrics(run, logs))
        self._guard("log", lambda: run.log(row))
        value = logs.get(self.monitor)
        if value is None:
            warn_once(
                f"monitor-{self.monitor}",
                f"WandbCallback: the monitored metric {self.monitor!r} is not in the logs of "
                f"epoch {epoch} (available: {sorted(logs)}); epochs without it cannot be the "
                "best, so no best epoch or best model is recorded for them",
            )
        elif self._monitor.update(value):
            self._on_improvement(run, epoch, float(value))

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.log_evaluation and self._trained_since_evaluation:
            run = current_run(self._run)
            row: dict[str, Any] = {}
            self._guard("evaluation", lambda: self._add_evaluation(row))
            if row:
                self._guard("log", lambda: run.log(row))

    # -- public helpers -----------------------------------------------------------
    def get_flops(self) -> float:
        """GFLOPs of one inference on one sample (TF profiler on TensorFlow, else counted).

        See :mod:`runyard.integration.keras.flops` for what is counted.
        """
        if self.model is None:
            raise runyard.Error("self.model must be set before using this method.")
        return get_flops(self.model)

    # -- pieces -----------------------------------------------------------------
    def _guard(self, what: str, fn: Callable[[], Any], message: str | None = None) -> None:
        """Run ``fn``; a failure is warned about once and training goes on."""
        try:
            fn()
        except Exception as exc:  # never break the user's training
            warn_once(
                f"WandbCallback-{what}",
                f"{message or f'WandbCallback could not log {what}'}: {type(exc).__name__}: {exc}",
            )

    def _define_epoch_metrics(self, run: Any, logs: dict[str, Any]) -> None:
        for key in logs:
            if key not in self._defined:
                self._defined.add(key)
                run.define_metric(key, step_metric="epoch")

    def _define_batch_metrics(self, run: Any) -> None:
        run.define_metric("batch/batch_step")
        run.define_metric("batch/*", step_metric="batch/batch_step")

    def _on_improvement(self, run: Any, epoch: int, value: float) -> None:
        previous, self.best = self.best, value
        if self.log_best_prefix:

            def summary() -> None:
                run.summary[f"{self.log_best_prefix}{self.monitor}"] = value
                run.summary[f"{self.log_best_prefix}epoch"] = epoch

            self._guard("summary", summary)
        if not self.save_model:
            return
        if self.verbose > 0:
            print(
                f"Epoch {epoch + 1:05d}: {self.monitor} improved from {previous:0.5f} to "
                f"{value:0.5f}, saving model to {self.filepath}"
            )
        self._guard("model", lambda: self._save_model(run))

    def _save_model(self, run: Any) -> None:
        if getattr(run, "disabled", False):
            return  # mode="disabled": nothing is tracked, so no copy of the model either
        os.makedirs(os.path.dirname(self.filepath), exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(self.filepath, overwrite=True)
        else:
            self.model.save(self.filepath, overwrite=True)
        run.save(self.filepath, base_path=os.path.dirname(self.filepath), policy="now")

    def _log_graph(self, run: Any) -> None:
        lines: list[str] = []
        self.model.summary(print_fn=lambda text, line_break=True: lines.append(text))
        text = "\n".join(lines)
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        run.summary["graph"] = runyard.Html(f"<pre>{escaped}</pre>", inject=False)

    def _validation_batch(self) -> Any:
        if self.generator is not None:
            return next(self.generator)
        return self.validation_data

    def _add_examples(self, row: dict[str, Any]) -> None:
        data = self._validation_batch()
        if data is None:
            warn_once(
                "WandbCallback-no-validation",
                "No validation_data set, pass a generator to the callback.",
            )
            return
        row["examples"] = example_images(
            lambda x: self.model.predict(x, verbose=0),
            data[0],
            data[1],
            self.predictions,
            self.input_type,
            self.output_type,
            self.labels,
            self.class_colors,
            self._rng,
        )

    def _setup_evaluation(self) -> None:
        data = self.validation_data
        if data is None and self.generator is not None:
            if not self.validation_steps:
                warn_once(
                    "WandbCallback-validation-steps",
                    "WandbCallback is unable to log validation data. When using a generator "
                    "for validation_data, you must pass validation_steps",
                )
                return
            batches = [next(self.generator) for _ in range(self.validation_steps)]
            data = (
                np.concatenate([np.asarray(b[0]) for b in batches]),
                np.concatenate([np.asarray(b[1]) for b in batches]),
            )
        if data is None:
            warn_once(
                "WandbCallback-evaluation-data",
                "WandbCallback(log_evaluation=True) needs validation_data= or generator= "
                "(Runyard does not read model.fit's arguments); no evaluation table is logged",
            )
            return
        self._evaluation = EvaluationTable(
            inputs=as_numpy(data[0]),
            targets=as_numpy(data[1]),
            indexes=self.validation_indexes,
            validation_row_processor=self.validation_row_processor,
            prediction_row_processor=self.prediction_row_processor,
            class_labels=self.labels,
            infer_missing_processors=self.infer_missing_processors,
        )

    def _add_evaluation(self, row: dict[str, Any]) -> None:
        if self._evaluation is None:
            return
        predictions = self.model.predict(self._evaluation.inputs, verbose=0)
        row["validation_predictions"] = self._evaluation.predictions_table(as_numpy(predictions))
        self._trained_since_evaluation = False
