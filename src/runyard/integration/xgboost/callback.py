"""``RunyardCallback``: wandb's XGBoost ``WandbCallback``, logging to the current run.

As wandb's, it logs the booster's configuration as the run config, each evaluation
metric per iteration (``<data>-<metric>``, e.g. ``validation_0-logloss``, with the
``epoch``), ``define_metric`` summaries so the summary holds the best value of
metrics XGBoost minimises or maximises, ``best_score`` / ``best_iteration`` when
early stopping set them, a ``Feature Importance`` bar chart (``wandb.plot.bar`` over
a ``Feature``/``Importance`` table) and, with ``log_model=True``, the model as a
``<run id>_model.json`` artifact of type ``model``.

Where wandb's would fail, this one does not: a cross-validation result (a
``(mean, std)`` pair from ``xgboost.cv``) is logged as ``<key>`` and
``<key>-stdv``; ranked metrics with a cut-off (``ndcg@5``, ``error@0.7``) get
their base metric's summary; multi-output importances get one bar per output
(``f0[1]``). Once training has started, a logging failure is one warning
(``runyard: WARNING …``), never an exception in the training loop.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xgboost
import xgboost.callback

import runyard

__all__ = ["IMPORTANCE_TYPES", "RunyardCallback", "WandbCallback", "metric_goal", "wandb_callback"]

#: XGBoost metrics whose best value is the lowest (wandb's list, without cut-offs).
MINIMIZE_METRICS = frozenset({"rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror"})
#: XGBoost metrics whose best value is the highest.
MAXIMIZE_METRICS = frozenset({"auc", "aucpr", "ndcg", "map"})
#: The ``importance_type`` values ``Booster.get_score`` accepts.
IMPORTANCE_TYPES = ("weight", "gain", "cover", "total_gain", "total_cover")


def metric_goal(metric: str) -> str | None:
    """``"min"``, ``"max"`` or None (unknown): the summary wandb defines for ``metric``.

    >>> metric_goal("logloss"), metric_goal("ndcg@5"), metric_goal("my_custom")
    ('min', 'max', None)
    """
    name = metric.lower()
    base = name.split("@", 1)[0]
    if "loss" in name or base in MINIMIZE_METRICS:
        return "min"
    if base in MAXIMIZE_METRICS:
        return "max"
    return None


class RunyardCallback(xgboost.callback.TrainingCallback):
    """Log an XGBoost training to the current run (wandb's ``WandbCallback``).

    Args:
        log_model: store the trained model as a ``model`` artifact.
        log_feature_importance: log a ``Feature Importance`` bar chart after training.
        importance_type: one of ``weight``, ``gain``, ``cover``, ``total_gain``,
            ``total_cover`` (``Booster.get_score``; ``weight`` for linear boosters).
        define_metric: summarise known metrics by their best value, not their last.

    Raises:
        runyard.Error: there is no run (``wandb.init()`` first, as wandb requires).
        ValueError: ``importance_type`` is not one XGBoost knows.

    Example:
        >>> runyard.init(project="boost")  # doctest: +SKIP
        >>> callback = RunyardCallback(log_model=True)  # doctest: +SKIP
        >>> clf = xgboost.XGBClassifier(callbacks=[callback])  # doctest: +SKIP
        >>> clf.fit(x, y, eval_set=[(xv, yv)])  # doctest: +SKIP
    """

    def __init__(
        self,
        log_model: bool = False,
        log_feature_importance: bool = True,
        importance_type: str = "gain",
        define_metric: bool = True,
    ) -> None:
        if importance_type not in IMPORTANCE_TYPES:
            raise ValueError(
                f"invalid importance_type {importance_type!r}; expected one of "
                + ", ".join(IMPORTANCE_TYPES)
            )
        super().__init__()
        self.log_model = log_model
        self.log_feature_importance = log_feature_importance
        self.importance_type = importance_type
        self.define_metric = define_metric
        run = runyard.run
        if run is None:
            raise runyard.Error("You must call wandb.init() before WandbCallback()")
        self._run: Any = run
        self._defined: set[str] = set()
        self._warned: set[str] = set()

    def before_training(self, model: Any) -> Any:
        """Log the booster's configuration (``Booster.save_config``) as the run config."""
        if not hasattr(model, "save_config"):  # xgboost.cv's booster of the folds
            return model
        with self._guard("log the booster's config"):
            self._current().config.update(json.loads(model.save_config()), allow_val_change=True)
        return model

    def after_iteration(
        self, model: Any, epoch: int, evals_log: Mapping[str, Mapping[str, Sequence[Any]]]
    ) -> bool:
        """Log this iteration's evaluation metrics in one step; never stops training."""
        with self._guard("log the evaluation metrics"):
            run = self._current()
            row: dict[str, Any] = {}
            for data, metrics in evals_log.items():
                for metric, scores in metrics.items():
                    key = f"{data}-{metric}"
                    if self.define_metric and key not in self._defined:
                        self._defined.add(key)
                        goal = metric_goal(metric)
                        if goal is not None:
                            run.define_metric(key, summary=goal)
                    last = scores[-1]
                    if isinstance(last, tuple):  # xgboost.cv: (mean, std) over the folds
                        row[key], row[f"{key}-stdv"] = float(last[0]), float(last[1])
                    else:
                        row[key] = float(last)
            row["epoch"] = epoch
            run.log(row)
        return False

    def after_training(self, model: Any) -> Any:
        """Log the model artifact, the feature importance and the best score/iteration."""
        single = hasattr(model, "get_score")  # not xgboost.cv's booster of the folds
        if self.log_model and single:
            with self._guard("store the model as an artifact"):
                self._log_model_as_artifact(model)
        if self.log_feature_importance and single:
            with self._guard("log the feature importance"):
                self._log_feature_importance(model)
        with self._guard("log the best score"):
            best_score = model.attr("best_score")
            if best_score is not None:
                self._current().log(
                    {
                        "best_score": float(best_score),
                        "best_iteration": int(model.attr("best_iteration")),
                    }
                )
        return model

    def _log_model_as_artifact(self, model: Any) -> None:
        run = self._current()
        name = f"{run.id}_model.json"
        path = Path(run.dir) / name
        model.save_model(str(path))
        artifact = runyard.Artifact(name=name, type="model")
        artifact.add_file(str(path))
        run.log_artifact(artifact)

    def _log_feature_importance(self, model: Any) -> None:
        scores: dict[str, float | list[float]] = model.get_score(
            importance_type=self.importance_type
        )
        rows: list[list[Any]] = []
        for feature, score in scores.items():
            if isinstance(score, list):  # a linear booster's weights, one per output
                rows.extend([f"{feature}[{i}]", float(s)] for i, s in enumerate(score))
            else:
                rows.append([feature, float(score)])
        table = runyard.Table(data=rows, columns=["Feature", "Importance"])
        chart = runyard.plot.bar(table, "Feature", "Importance", title="Feature Importance")
        self._current().log({"Feature Importance": chart})

    def _current(self) -> Any:
        run = runyard.run
        return run if run is not None else self._run

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn a failure into one warning per kind: the training goes on."""
        try:
            yield
        except Exception as exc:  # never break the training loop
            if what not in self._warned:
                self._warned.add(what)
                runyard.termwarn(
                    f"WandbCallback could not {what} ({type(exc).__name__}: {exc}); "
                    "training goes on"
                )


#: wandb's name for the same class: ``wandb.integration.xgboost.WandbCallback``.
WandbCallback = RunyardCallback


def wandb_callback() -> RunyardCallback:
    """wandb's deprecated function callback: evaluation metrics only.

    wandb's returned a plain function, which XGBoost 2 and later reject; this returns a
    :class:`RunyardCallback` logging the same rows (no feature importance, no summaries).
    """
    warnings.warn(
        "wandb_callback will be deprecated in favor of WandbCallback. "
        "Please use WandbCallback for more features.",
        UserWarning,
        stacklevel=2,
    )
    return RunyardCallback(log_feature_importance=False, define_metric=False)
