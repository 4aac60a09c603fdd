"""``RunyardLogger``: a Lightning logger with the behaviour of Lightning's ``WandbLogger``.

Same arguments, same keys (``trainer/global_step`` as the x-axis of every metric, the
``prefix`` joined with ``-``), same artifacts (``model-<run id>`` versions aliased
``latest``/``best``), same hand-over to ``ddp_spawn`` workers (the logger pickles the
run's ``_attach_id``; a worker logs into the parent's run through ``runyard._attach``),
written with ``runyard`` instead of ``wandb`` — no wandb install needed.
"""

from __future__ import annotations

import os
from argparse import Namespace
from collections.abc import Mapping
from typing import Any, Literal

from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.fabric.utilities.logger import (
    _add_prefix,
    _convert_json_serializable,
    _convert_params,
    _sanitize_callable_params,
)
from lightning.pytorch.loggers.logger import Logger
from lightning.pytorch.utilities import rank_zero_only, rank_zero_warn

import runyard
from runyard.integration.lightning.checkpoints import log_checkpoints

__all__ = ["RunyardLogger"]

_LOG_MODEL_CHOICES = (False, True, "all")


def _per_item(kind: str, items: Any, kwargs: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """Each item with its keyword arguments, from WandbLogger's per-item keyword lists
    (``caption=[…]``)."""
    if not isinstance(items, list):
        raise TypeError(f'Expected a list as "{kind}", found {type(items)}')
    n = len(items)
    for key, values in kwargs.items():
        if len(values) != n:
            raise ValueError(f"Expected {n} items but only found {len(values)} for {key}")
    return [(item, {key: kwargs[key][i] for key in kwargs}) for i, item in enumerate(items)]


class RunyardLogger(Logger):
    """Log a Lightning training to Runyard, as Lightning's ``WandbLogger`` logs to W&B.

    Args:
        name: the run's display name.
        save_dir: the parent of the checkpoints directory
            (``<save_dir>/<project>/<run id>/checkpoints``) and of the run's local
            directory; ``dir`` is its older name.
        version: the run id (alias of ``id``); resumed when it exists.
        offline: journal only (``mode="offline"``); ``runyard sync`` sends it later.
        dir: see ``save_dir``.
        id: see ``version``.
        anonymous: accepted for WandbLogger's signature; no effect.
        project: the project (default ``$WANDB_PROJECT``, else ``lightning_logs``).
        log_model: ``True`` logs the checkpoints the ``ModelCheckpoint`` callback keeps
            when training ends (each as it is saved when ``save_top_k == -1``);
            ``"all"`` logs each checkpoint as it is saved; ``False`` none.
        experiment: a run to log into instead of starting one.
        prefix: put before every metric key, joined with ``-``.
        checkpoint_name: the model artifact's name (default ``model-<run id>``).
        add_file_policy: ``"mutable"`` (the artifact keeps a copy of the checkpoint) or
            ``"immutable"``.
        **kwargs: passed to :func:`runyard.init` (``entity``, ``group``, ``tags``,
            ``config``, ``settings`` …).

    Raises:
        ValueError: ``log_model`` not one of False, True, "all".
    """

    LOGGER_JOIN_CHAR = "-"

    def __init__(
        self,
        name: str | None = None,
        save_dir: str | os.PathLike[str] = ".",
        version: str | None = None,
        offline: bool = False,
        dir: str | os.PathLike[str] | None = None,
        id: str | None = None,
        anonymous: bool | None = None,
        project: str | None = None,
        log_model: Literal["all"] | bool = False,
        experiment: Any = None,
        prefix: str = "",
        checkpoint_name: str | None = None,
        add_file_policy: Literal["mutable", "immutable"] = "mutable",
        **kwargs: Any,
    ) -> None:
        if not any(log_model is choice for choice in _LOG_MODEL_CHOICES):
            raise ValueError(
                f"invalid value for log_model {log_model!r}: expected False, True or 'all'"
            )
        if add_file_policy not in ("mutable", "immutable"):
            raise ValueError(
                f"invalid value for add_file_policy {add_file_policy!r}: "
                "expected 'mutable' or 'immutable'"
            )
        super().__init__()
        self._offline = offline
        self._log_model = log_model
        self._prefix = prefix
        self._experiment = experiment
        self._logged_model_time: dict[str, float] = {}
        self._checkpoint_callbacks: dict[int, Any] = {}
        self.add_file_policy = add_file_policy
        folder = save_dir if save_dir is not None else dir
        self._init_args: dict[str, Any] = {
            "name": name,
            "project": project or os.environ.get("WANDB_PROJECT", "lightning_logs"),
            "dir": os.fspath(folder) if folder is not None else None,
            "id": version or id,
            "resume": "allow",
            **({"mode": "offline"} if offline else {}),
            **kwargs,
        }
        self._project: str = self._init_args["project"]
        self._save_dir: str | None = self._init_args["dir"]
        self._name: str | None = self._init_args["name"]
        self._id: str | None = self._init_args["id"]
        self._checkpoint_name = checkpoint_name

    def __getstate__(self) -> dict[str, Any]:
        # ddp_spawn pickles the logger into its workers: start the run here, in the
        # main process, and let the workers attach to it.
        _ = self.experiment
        state = self.__dict__.copy()
        if self._experiment is not None:
            state["_id"] = getattr(self._experiment, "id", None)
            state["_attach_id"] = getattr(self._experiment, "_attach_id", None)
            state["_name"] = self._experiment.name
        state["_experiment"] = None  # a live run does not pickle
        return state

    @property
    @rank_zero_experiment
    def experiment(self) -> Any:
        """The Runyard run (``runyard.init``'s), started on first use; on ranks other
        than 0 a dummy that swallows every call (Lightning's convention)."""
        if self._experiment is None:
            attach_id = getattr(self, "_attach_id", None)
            if runyard.run is not None:
                rank_zero_warn(
                    "There is a Runyard run already in progress and newly created instances"
                    " of `RunyardLogger` will reuse this run. If this is not desired, call"
                    " `runyard.finish()` before instantiating `RunyardLogger`."
                )
                self._experiment = runyard.run
            elif attach_id is not None:
                self._experiment = runyard._attach(attach_id)
            else:
                run = runyard.init(**self._init_args)
                self._experiment = run
                if self._init_args.get("sync_tensorboard"):
                    run.define_metric("*", step_metric="global_step")
                else:
                    run.define_metric("trainer/global_step")
                    run.define_metric("*", step_metric="trainer/global_step", step_sync=True)
        return self._experiment

    def watch(
        self,
        model: Any,
        log: str | None = "gradients",
        log_freq: int = 100,
        log_graph: bool = False,
    ) -> None:
        """Log ``model``'s gradient and/or parameter histograms every ``log_freq``
        steps (``runyard.watch``). ``log_graph`` is off by default: graphs are not
        stored yet."""
        self.experiment.watch(model, log=log, log_freq=log_freq, log_graph=log_graph)

    def unwatch(self, model: Any = None) -> None:
        """Remove the hooks :meth:`watch` added."""
        self.experiment.unwatch(model)

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:
        """The hyperparameters go into the run's config (callables by name, values
        that are not JSON as their ``repr``, as WandbLogger)."""
        params = _convert_params(params)
        params = _sanitize_callable_params(params)
        params = _convert_json_serializable(params)
        self.experiment.config.update(params, allow_val_change=True)

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """One committed row: ``metrics`` (prefixed) with ``trainer/global_step = step``."""
        metrics = _add_prefix(metrics, self._prefix, self.LOGGER_JOIN_CHAR)
        if step is not None and not self._init_args.get("sync_tensorboard"):
            self.experiment.log({**metrics, "trainer/global_step": step})
        else:
            self.experiment.log(dict(metrics))

    @rank_zero_only
    def log_table(
        self,
        key: str,
        columns: list[str] | None = None,
        data: list[list[Any]] | None = None,
        dataframe: Any = None,
        step: int | None = None,
    ) -> None:
        """Log a :class:`runyard.Table` (from ``columns`` + ``data``, or ``dataframe``)."""
        table = runyard.Table(columns=columns, data=data, dataframe=dataframe)
        self.log_metrics({key: table}, step)

    @rank_zero_only
    def log_text(
        self,
        key: str,
        columns: list[str] | None = None,
        data: list[list[str]] | None = None,
        dataframe: Any = None,
        step: int | None = None,
    ) -> None:
        """Log text as a table (as WandbLogger)."""
        self.log_table(key, columns, data, dataframe, step)

    @rank_zero_only
    def log_image(
        self, key: str, images: list[Any], step: int | None = None, **kwargs: Any
    ) -> None:
        """Log images: torch tensors (CHW), numpy arrays, PIL images or file paths.
        Keyword arguments are lists with one value per image (``caption=[…]``)."""
        logged = [runyard.Image(x, **kw) for x, kw in _per_item("images", images, kwargs)]
        self.log_metrics({key: logged}, step)

    @rank_zero_only
    def log_audio(
        self, key: str, audios: list[Any], step: int | None = None, **kwargs: Any
    ) -> None:
        """Log audio: numpy arrays or torch tensors (with ``sample_rate=[…]``) or file
        paths. Keyword arguments are lists with one value per clip."""
        logged = [runyard.Audio(x, **kw) for x, kw in _per_item("audios", audios, kwargs)]
        self.log_metrics({key: logged}, step)

    @rank_zero_only
    def log_video(
        self, key: str, videos: list[Any], step: int | None = None, **kwargs: Any
    ) -> None:
        """Log videos: frames (time, channel, height, width) as numpy or torch, or file
        paths. Keyword arguments are lists with one value per video (``fps=[…]``)."""
        logged = [runyard.Video(x, **kw) for x, kw in _per_item("videos", videos, kwargs)]
        self.log_metrics({key: logged}, step)

    @property
    def save_dir(self) -> str | None:
        """Where the checkpoints directory goes (``<save_dir>/<project>/<run id>``)."""
        return self._save_dir

    @property
    def name(self) -> str:
        """The project (Lightning's "name" of a logger; the run's name is
        ``logger.experiment.name``)."""
        return self._project

    @property
    def version(self) -> str | None:
        """The run id (the one given, until the run starts)."""
        return self._experiment.id if self._experiment else self._id

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        """``log_model="all"`` (or True with ``save_top_k == -1``): log the new
        checkpoints now; True: remember the callback, its checkpoints are logged at
        the end of training."""
        if self._log_model == "all" or (
            self._log_model is True and checkpoint_callback.save_top_k == -1
        ):
            self._log_checkpoints(checkpoint_callback)
        elif self._log_model is True:
            self._checkpoint_callbacks[id(checkpoint_callback)] = checkpoint_callback

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """At the end of a successful training, log the remembered callbacks'
        checkpoints (the run itself stays open for ``test``/``predict``; it finishes
        with the process or with ``runyard.finish()``)."""
        if status != "success" or self._experiment is None:
            return
        for callback in self._checkpoint_callbacks.values():
            self._log_checkpoints(callback)

    def _log_checkpoints(self, callback: Any) -> None:
        run = self.experiment
        if not self._checkpoint_name:
            self._checkpoint_name = f"model-{run.id}"
        log_checkpoints(
            run, callback, self._logged_model_time, self._checkpoint_name, self.add_file_policy
        )

    def use_artifact(self, artifact: str, artifact_type: str | None = None) -> Any:
        """Declare ``artifact`` an input of the run and return it."""
        return self.experiment.use_artifact(artifact, type=artifact_type)

    @staticmethod
    @rank_zero_only
    def download_artifact(
        artifact: str,
        save_dir: str | os.PathLike[str] | None = None,
        artifact_type: str | None = None,
        use_artifact: bool | None = True,
    ) -> str:
        """Download ``artifact`` (``name:alias``, ``project/name:v3`` …) into
        ``save_dir``; used as an input of the current run when there is one."""
        if runyard.run is not None and use_artifact:
            found = runyard.run.use_artifact(artifact)
        else:
            found = runyard.Api().artifact(artifact, type=artifact_type)
        root = None if save_dir is None else os.fspath(save_dir)
        return str(found.download(root=root))
