"""``threshold_counts``: true/false positives at each distinct score, shared by pr and roc curves.

numpy versions of scikit-learn's ``_binary_clf_curve``, ``precision_recall_curve``
and ``roc_curve`` (default arguments), so that the plot helpers need numpy alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["as_probas", "class_label", "precision_recall", "roc", "threshold_counts"]

FloatArray = npt.NDArray[np.float64]


def threshold_counts(
    y_true: npt.NDArray[Any], y_score: npt.NDArray[Any], pos_label: Any
) -> tuple[FloatArray, FloatArray]:
    """``(fps, tps)`` at each distinct score threshold, highest score first."""
    positive = np.asarray(y_true) == pos_label
    score = np.asarray(y_score, dtype=np.float64)
    order = np.argsort(score, kind="mergesort")[::-1]
    score = score[order]
    positive = positive[order]
    distinct = np.where(np.diff(score))[0]
    idx = np.r_[distinct, positive.size - 1]
    tps = np.cumsum(positive, dtype=np.float64)[idx]
    fps = 1.0 + idx - tps
    return fps, tps


def precision_recall(
    y_true: npt.NDArray[Any], y_score: npt.NDArray[Any], pos_label: Any
) -> tuple[FloatArray, FloatArray]:
    """``(precision, recall)`` as scikit-learn's ``precision_recall_curve``: recall decreasing,
    ending at ``(1, 0)``."""
    fps, tps = threshold_counts(y_true, y_score, pos_label)
    predicted = tps + fps
    precision = np.divide(tps, predicted, out=np.zeros_like(tps), where=predicted != 0)
    recall = np.ones_like(tps) if tps[-1] == 0 else tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def roc(
    y_true: npt.NDArray[Any], y_score: npt.NDArray[Any], pos_label: Any
) -> tuple[FloatArray, FloatArray]:
    """``(fpr, tpr)`` as scikit-learn's ``roc_curve`` with ``drop_intermediate=True``.

    A class with no positives (or no negatives) gives NaN rates, as scikit-learn
    does (it also warns).
    """
    fps, tps = threshold_counts(y_true, y_score, pos_label)
    if len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[keep], tps[keep]
    fps = np.r_[0.0, fps]
    tps = np.r_[0.0, tps]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full_like(fps, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)
    return fpr, tpr


def as_probas(y_probas: Any) -> npt.NDArray[Any]:
    """``y_probas`` as an array; a 1-D list of scores is taken as P(second class).

    wandb raises ``IndexError`` for 1-D scores, but the documentation's own pr/roc
    examples pass them, so a binary problem's positive-class scores become the
    two columns ``[1 - p, p]``. ``None`` still fails with ``IndexError`` (as wandb).
    """
    probas = np.array(y_probas)
    if probas.ndim == 1 and probas.dtype != object:
        probas = np.column_stack([1 - probas, probas])
    return probas


def class_label(classes: npt.NDArray[Any], i: int, labels: Any) -> Any:
    """wandb's name of ``classes[i]``: ``labels[class]`` for int classes, else the class."""
    value = classes[i]
    if labels is not None and (isinstance(value, int) or isinstance(classes[0], np.integer)):
        return labels[value]
    return value.item() if isinstance(value, np.generic) else value
