"""wandb's LightGBM integration: ``wandb_callback()`` per iteration, ``log_summary()`` after.

As wandb's, the callback logs ``lightgbm.train``'s params as the run config and each
evaluation result per iteration as ``<data>_<metric>`` (``valid_0_l2``; ``xgboost``
uses ``-``) with the ``iteration``, one step per iteration; ``lightgbm.cv`` results as
``<data>_<metric>-mean`` and ``-stdv``. ``log_summary`` puts ``best_iteration`` and
``best_score`` in the summary, logs a ``Feature Importance`` bar chart
(``wandb.plot.bar`` over a ``Feature``/``Importance`` table) and, with
``save_model_checkpoint=True``, stores the model at its best iteration as a
``model_<run id>`` artifact aliased ``best``.

Where wandb's differs: the summary of each metric follows LightGBM's own
"higher is better" flag (wandb kept a list of names and left other metrics at their
last value), only the ``-mean`` of a cross-validated metric gets one, and the
``cv`` results of LightGBM 4.7 (``EvalResult("valid", "l2", …)``, where wandb's split
of ``"valid l2"`` fails) are read as well as the older tuples. Once training has
started, a logging failure is one warning, never an exception in the training loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightgbm
from lightgbm.callback import CallbackEnv

import runyard

__all__ = ["RunyardCallback", "log_summary", "wandb_callback"]


def result_keys(item: Sequence[Any]) -> tuple[str, str | None]:
    """The logged key of one evaluation result, and of its standard deviation (``cv``).

    >>> result_keys(("valid_0", "l2", 0.5, False))
    ('valid_0_l2', None)
    >>> result_keys(("cv_agg", "valid l2", 0.5, False, 0.1))
    ('valid_l2-mean', 'valid_l2-stdv')
    """
    data, metric = str(item[0]), str(item[1])
    if len(item) < 5 or item[4] is None:
        return f"{data}_{metric}", None
    if " " in metric:  # LightGBM < 4.7: ("cv_agg", "valid l2", mean, higher_better, std)
        data, metric = metric.split(" ", 1)
    return f"{data}_{metric}-mean", f"{data}_{metric}-stdv"


class RunyardCallback:
    """LightGBM callback logging each iteration's evaluation results (``wandb_callback()``).

    LightGBM calls it after each iteration (``order`` 20, as LightGBM's own
    ``record_evaluation``).
    """

    order = 20
    before_iteration = False

    def __init__(self, log_params: bool = True, define_metric: bool = True) -> None:
        self.log_params = log_params
        self.define_metric_bool = define_metric
        self._run: Any = runyard.run
        self._warned: set[str] = set()

    def __call__(self, env: CallbackEnv) -> None:
        run = runyard.run if runyard.run is not None else self._run
        if run is None:
            raise runyard.Error("You must call wandb.init() before training with wandb_callback()")
        self._run = run
        results = env.evaluation_result_list or []
        if env.iteration == env.begin_iteration:
            self._first(run, env.params, results)
        try:
            row: dict[str, Any] = {}
            for item in results:
                values: Sequence[Any] = item
                key, stdv_key = result_keys(values)
                row[key] = float(values[2])
                if stdv_key is not None:
                    row[stdv_key] = float(values[4])
            row["iteration"] = env.iteration
            run.log(row)
        except Exception as exc:  # never break the training loop
            self._warn("log the evaluation results", exc)

    def _first(self, run: Any, params: dict[str, Any], results: Sequence[Any]) -> None:
        if self.log_params:
            try:
                run.config.update(params, allow_val_change=True)
            except Exception as exc:
                self._warn("log the params as config", exc)
        if self.define_metric_bool:
            try:
                for item in results:
                    run.define_metric(result_keys(item)[0], summary="max" if item[3] else "min")
            except Exception as exc:
                self._warn("define the metrics' summaries", exc)

    def _warn(self, what: str, exc: Exception) -> None:
        """One warning per kind of failure: the training goes on."""
        if what not in self._warned:
            self._warned.add(what)
            runyard.termwarn(
                f"wandb_callback could not {what} ({type(exc).__name__}: {exc}); training goes on"
            )


def wandb_callback(log_params: bool = True, define_metric: bool = True) -> RunyardCallback:
    """A LightGBM callback logging params, evaluation metrics and best-value summaries.

    Args:
        log_params: log the params given to ``lightgbm.train`` as the run config.
        define_metric: summarise each metric by its best value, not its last.

    Example:
        >>> runyard.init(project="boost")  # doctest: +SKIP
        >>> callbacks = [wandb_callback()]  # doctest: +SKIP
        >>> lightgbm.train(params, train, valid_sets=[valid], callbacks=callbacks)  # doctest: +SKIP
    """
    return RunyardCallback(log_params, define_metric)


def log_summary(
    model: lightgbm.Booster, feature_importance: bool = True, save_model_checkpoint: bool = False
) -> None:
    """Log a trained booster's best iteration and score, feature importance and model.

    Args:
        model: the ``lightgbm.Booster`` (``lightgbm.train``'s result; ``.booster_`` of
            a scikit-learn estimator).
        feature_importance: log a ``Feature Importance`` bar chart (split counts).
        save_model_checkpoint: store the model at its best iteration as a ``model``
            artifact (``model_<run id>:best``).

    Raises:
        runyard.Error: there is no run, or ``model`` is not a ``lightgbm.Booster``.
    """
    run = runyard.run
    if run is None:
        raise runyard.Error("You must call wandb.init() before log_summary()")
    if not isinstance(model, lightgbm.Booster):
        raise runyard.Error(
            "Model should be an instance of lightgbm.basic.Booster, got "
            f"{type(model).__module__}.{type(model).__qualname__} "
            "(a scikit-learn estimator's booster is its .booster_)"
        )
    run.summary["best_iteration"] = int(model.best_iteration)
    run.summary["best_score"] = {
        data: {metric: float(value) for metric, value in scores.items()}
        for data, scores in model.best_score.items()
    }
    if feature_importance:
        names = model.feature_name()
        importances = model.feature_importance()
        table = runyard.Table(
            data=[[name, float(value)] for name, value in zip(names, importances, strict=True)],
            columns=["Feature", "Importance"],
        )
        chart = runyard.plot.bar(table, "Feature", "Importance", title="Feature Importance")
        run.log({"Feature Importance": chart}, commit=False)
    if save_model_checkpoint:
        iteration = int(model.best_iteration)
        path = Path(run.dir) / f"model_ckpt_{iteration}.txt"
        model.save_model(path, num_iteration=iteration)
        artifact = runyard.Artifact(name=f"model_{run.id}", type="model")
        artifact.add_file(str(path))
        run.log_artifact(artifact, aliases=["best"])
