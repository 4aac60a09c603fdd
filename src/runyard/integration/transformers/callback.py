"""``RunyardCallback``: transformers' ``WandbCallback``, logging to Runyard without wandb.

Same keys, same moments, same environment variables as ``report_to="wandb"``, so a
run logged either way reads the same:

- on ``on_train_begin`` (or the first log): ``init`` (project ``WANDB_PROJECT``, default
  ``huggingface``; name ``args.run_name``) unless a run is active, the model config
  and ``TrainingArguments`` as config (``model/num_parameters`` too),
  ``train/global_step`` as every key's x-axis, ``watch(model)`` per ``WANDB_WATCH``
  (``gradients`` | ``parameters`` | ``all`` | ``false``; every ``max(100, logging_steps)``
  steps), and with ``WANDB_LOG_MODEL`` the architecture as a ``model`` artifact
  (alias ``base_model``);
- each log: ``train/…``, ``eval/…``, ``test/…`` keys with ``train/global_step``; the
  one-off totals (``train_runtime``, ``train_loss``, ``total_flos`` …) go to the summary;
- ``WANDB_LOG_MODEL=checkpoint``: each saved checkpoint directory as a version of
  ``model-<run>`` (aliases ``epoch_<e>``, ``checkpoint_global_step_<n>``); ``end``: the
  trained model (``save_model`` output + architecture) with alias ``final_model``;
- ``predict``: its metrics as ``test/…``.

``RUNYARD_LOG_MODEL`` / ``RUNYARD_WATCH`` are read before the ``WANDB_`` names, and the
constructor's arguments before both. The run stays open after training (evaluate and
predict log into it), as with wandb: it finishes at exit or on ``runyard.finish()``.
Differences from wandb: artifact names are cleaned to wandb's allowed characters
(``model-my-run`` for a run named ``my run``) instead of failing, and nothing the
callback does after ``init`` raises into training (failures are warned once).
"""

from __future__ import annotations

import copy
import numbers
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

import runyard

__all__ = ["LOG_MODEL_CHOICES", "WATCH_CHOICES", "RunyardCallback", "rewrite_logs"]

LOG_MODEL_CHOICES = ("end", "checkpoint", "false")
WATCH_CHOICES = ("gradients", "parameters", "all", "false")
DEFAULT_PROJECT = "huggingface"
#: Trainer totals logged once at the end of training: summary values, not history.
SINGLE_VALUE_SCALARS = frozenset(
    {
        "train_runtime",
        "train_samples_per_second",
        "train_steps_per_second",
        "train_loss",
        "total_flos",
    }
)
_NOT_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def rewrite_logs(logs: Mapping[str, Any]) -> dict[str, Any]:
    """Trainer's ``eval_x`` / ``test_x`` / ``x`` as ``eval/x`` / ``test/x`` / ``train/x``."""
    out: dict[str, Any] = {}
    for key, value in logs.items():
        if key.startswith("eval_"):
            out["eval/" + key[5:]] = value
        elif key.startswith("test_"):
            out["test/" + key[5:]] = value
        else:
            out["train/" + key] = value
    return out


def _warn(message: str) -> None:
    runyard.termwarn(message, repeat=False)


def _env_choice(name: str, choices: tuple[str, ...]) -> str:
    """``RUNYARD_<name>`` or ``WANDB_<name>``; an unknown value warns and means ``false``
    (transformers' rule for ``WANDB_LOG_MODEL``)."""
    for var in (f"RUNYARD_{name}", f"WANDB_{name}"):
        value = os.environ.get(var)
        if value is not None:
            if value.lower() in choices:
                return value.lower()
            _warn(f"unrecognized {var}={value!r} (expected one of {', '.join(choices)}): off")
            return "false"
    return "false"


def _choice(name: str, value: str | bool | None, choices: tuple[str, ...]) -> str:
    if value is None:
        return _env_choice(name.upper(), choices)
    if value is False:
        return "false"
    if isinstance(value, str) and value.lower() in choices:
        return value.lower()
    raise ValueError(f"invalid value for {name} {value!r}: expected one of {', '.join(choices)}")


def _model_config(model: Any) -> dict[str, Any] | None:
    config = getattr(model, "config", None)
    if config is None:
        return None
    return dict(config) if isinstance(config, dict) else dict(config.to_dict())


def _save_architecture(model: Any, directory: str) -> None:
    """transformers' ``model_architecture.txt``: the model's repr."""
    if hasattr(model, "base_model") or hasattr(model, "config"):
        Path(directory, "model_architecture.txt").write_text(f"{model}\n", encoding="utf-8")


class RunyardCallback(TrainerCallback):
    """Log a ``Trainer``'s metrics, config, gradients and models to Runyard.

    Args:
        project: the project of the run it starts; default ``WANDB_PROJECT`` (or
            ``RUNYARD_PROJECT``), else ``huggingface``.
        log_model: ``"end"``, ``"checkpoint"`` or ``"false"``; default ``WANDB_LOG_MODEL``.
        watch: ``"gradients"``, ``"parameters"``, ``"all"`` or ``"false"``; default
            ``WANDB_WATCH``.

    Raises:
        ValueError: ``log_model`` or ``watch`` is not one of its choices.
    """

    def __init__(
        self,
        project: str | None = None,
        log_model: str | bool | None = None,
        watch: str | bool | None = None,
    ) -> None:
        self._project = project
        self._log_model = _choice("log_model", log_model, LOG_MODEL_CHOICES)
        self._watch = _choice("watch", watch, WATCH_CHOICES)
        self._initialized = False

    # -- setup ----------------------------------------------------------------

    def setup(
        self, args: TrainingArguments, state: TrainerState, model: Any, **kwargs: Any
    ) -> None:
        """Start (or join) the run and record config, axes, watch and the base model."""
        self._initialized = True
        if not state.is_world_process_zero:
            return
        combined: dict[str, Any] = dict(args.to_dict())  # type: ignore[no-untyped-call]
        model_config = _model_config(model)
        if model_config is not None:
            combined = {**model_config, **combined}
        peft_config = getattr(model, "peft_config", None)
        if peft_config is not None:
            combined = {"peft_config": peft_config, **combined}
        init_args: dict[str, Any] = {}
        if state.trial_name is not None:
            init_args["name"] = state.trial_name
            init_args["group"] = args.run_name or args.output_dir
        elif args.run_name is not None:
            init_args["name"] = args.run_name
            if args.run_name == args.output_dir:
                _warn(
                    "The `run_name` is currently set to the same value as "
                    "`TrainingArguments.output_dir`. If this was not intended, please specify "
                    "a different run name by setting the `TrainingArguments.run_name` parameter."
                )
        if runyard.run is None:
            runyard.init(project=self._project_name(), **init_args)
        run = runyard.run
        try:
            run.config.update(combined, allow_val_change=True)
            run.define_metric("train/global_step")
            run.define_metric("*", step_metric="train/global_step", step_sync=True)
            if self._watch != "false" and model is not None:
                run.watch(model, log=self._watch, log_freq=max(100, state.logging_steps))
            run._label(code="transformers_trainer")
            if hasattr(model, "num_parameters"):
                run.config["model/num_parameters"] = model.num_parameters()
        except Exception as exc:  # never break training (see module docstring)
            _warn(f"RunyardCallback setup failed partly: {exc!r}")
        if self._log_model != "false":
            self._log_base_model(args, model)

    def _project_name(self) -> str | None:
        if self._project is not None:
            return self._project
        if os.environ.get("RUNYARD_PROJECT") or os.environ.get("WANDB_PROJECT"):
            return None  # init reads them
        return DEFAULT_PROJECT

    def _artifact_name(self, args: TrainingArguments) -> str:
        run = runyard.run
        if args.run_name is None or args.run_name == args.output_dir:
            label = str(run.id)
        else:
            label = str(run.name)
        return ("model-" + _NOT_NAME.sub("-", label))[:128]

    def _log_base_model(self, args: TrainingArguments, model: Any) -> None:
        try:
            config = runyard.run.config
            artifact = runyard.Artifact(
                self._artifact_name(args),
                type="model",
                metadata={
                    "model_config": _model_config(model),
                    "num_parameters": config.get("model/num_parameters"),
                    "initial_model": True,
                },
            )
            with tempfile.TemporaryDirectory() as temp_dir:
                _save_architecture(model, temp_dir)
                artifact.add_dir(temp_dir)
                runyard.run.log_artifact(artifact, aliases=["base_model"])
        except Exception as exc:
            _warn(f"RunyardCallback could not log the base model: {exc!r}")

    # -- Trainer events -------------------------------------------------------

    def on_train_begin(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        model: Any = None,
        **kwargs: Any,
    ) -> None:
        if state.is_hyper_param_search:  # one run per trial, as wandb's callback
            runyard.finish()
            self._initialized = False
            args.run_name = None
        if not self._initialized:
            self.setup(args, state, model, **kwargs)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        model: Any = None,
        logs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not self._initialized:
            self.setup(args, state, model)
        if not state.is_world_process_zero or runyard.run is None:
            return
        logs = logs or {}
        run = runyard.run
        history: dict[str, Any] = {}
        for key, value in logs.items():
            if key in SINGLE_VALUE_SCALARS:
                run.summary[key] = value
            else:
                history[key] = value
        run.log({**rewrite_logs(history), "train/global_step": state.global_step})

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if self._log_model != "checkpoint" or not self._initialized:
            return
        if not state.is_world_process_zero or runyard.run is None:
            return
        try:
            run = runyard.run
            metadata = _numeric_summary(run)
            metadata["model/num_parameters"] = run.config.get("model/num_parameters")
            checkpoint = os.path.join(str(args.output_dir), f"checkpoint-{state.global_step}")
            artifact = runyard.Artifact(self._artifact_name(args), type="model", metadata=metadata)
            artifact.add_dir(checkpoint)
            epoch = round(state.epoch, 2) if state.epoch is not None else 0
            run.log_artifact(
                artifact,
                aliases=[f"epoch_{epoch}", f"checkpoint_global_step_{state.global_step}"],
            )
        except Exception as exc:
            _warn(f"RunyardCallback could not log checkpoint {state.global_step}: {exc!r}")

    def on_train_end(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        model: Any = None,
        processing_class: Any = None,
        **kwargs: Any,
    ) -> None:
        if self._log_model == "false" or not self._initialized:
            return
        if not state.is_world_process_zero or runyard.run is None:
            return
        try:
            self._log_final_model(args, state, model, processing_class)
        except Exception as exc:
            _warn(f"RunyardCallback could not log the trained model: {exc!r}")

    def _log_final_model(
        self, args: TrainingArguments, state: TrainerState, model: Any, processing_class: Any
    ) -> None:
        from transformers import Trainer

        run = runyard.run
        # Trainer.save_model writes what from_pretrained reads (weights, config,
        # tokenizer, training_args.bin), for every kind of model: a throwaway Trainer
        # around the trained model does it, as wandb's callback does.
        fake_args = copy.deepcopy(args)
        fake_args.deepspeed = None
        fake_args.deepspeed_plugin = None
        saver = Trainer(
            args=fake_args, model=model, processing_class=processing_class, eval_dataset=["fake"]
        )
        if args.load_best_model_at_end:
            metadata: dict[str, Any] = {
                f"eval/{args.metric_for_best_model}": state.best_metric,
                "train/total_floss": state.total_flos,
                "model/num_parameters": run.config.get("model/num_parameters"),
            }
        else:
            metadata = _numeric_summary(run)
        metadata["final_model"] = True
        artifact = runyard.Artifact(self._artifact_name(args), type="model", metadata=metadata)
        with tempfile.TemporaryDirectory() as temp_dir:
            saver.save_model(temp_dir)
            _save_architecture(model, temp_dir)
            for path in sorted(Path(temp_dir).iterdir()):
                if path.is_file():
                    artifact.add_file(str(path), name=path.name)
            run.log_artifact(artifact, aliases=["final_model"])

    def on_predict(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: Mapping[str, Any],
        **kwargs: Any,
    ) -> None:
        if not self._initialized:
            self.setup(args, state, kwargs.get("model"))
        if state.is_world_process_zero and runyard.run is not None:
            runyard.run.log(rewrite_logs(metrics))


def _numeric_summary(run: Any) -> dict[str, Any]:
    return {
        key: value
        for key, value in dict(run.summary).items()
        if isinstance(value, numbers.Number) and not key.startswith("_")
    }
