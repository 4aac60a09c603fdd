"""``confusion_matrix``: actual against predicted class (``wandb/confusion_matrix/v1``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table

__all__ = ["confusion_matrix"]


def confusion_matrix(
    probs: Any = None,
    y_true: Any = None,
    preds: Any = None,
    class_names: Sequence[str] | None = None,
    title: str = "Confusion Matrix Curve",
    split_table: bool = False,
) -> CustomChart:
    """Counts of every (actual, predicted) pair, as ``wandb.plot.confusion_matrix``.

    ``probs`` is reduced with argmax over axis 1. With ``class_names`` the labels
    must be int indices ``0..n-1``; without, the classes are the sorted union of
    ``y_true`` and the predictions, named ``Class_1..Class_n``. Counts are floats.

    Raises:
        ValueError: ``Only one of `probs` or `preds` should be provided, not both.``,
            ``The number of predictions and true labels must be equal.``,
            ``The number of unique predicted classes exceeds the number of class names.``,
            ``The number of unique true labels exceeds the number of class names.``
        TypeError: neither ``probs`` nor ``preds`` (``object of type 'NoneType' has no len()``).
        KeyError: a label that is not a class index when ``class_names`` is given.
    """
    if probs is not None and preds is not None:
        raise ValueError("Only one of `probs` or `preds` should be provided, not both.")
    if probs is not None:
        preds = np.argmax(np.asarray(probs), axis=1).tolist()
    preds = _as_list(preds)
    truth = _as_list(y_true)
    if len(preds) != len(truth):  # len(None) is wandb's TypeError
        raise ValueError("The number of predictions and true labels must be equal.")
    names: list[str]
    if class_names is not None:
        names = list(class_names)
        n_classes = len(names)
        class_idx: Any = list(range(n_classes))
        if len(set(preds)) > n_classes:
            raise ValueError(
                "The number of unique predicted classes exceeds the number of class names."
            )
        if len(set(truth)) > n_classes:
            raise ValueError("The number of unique true labels exceeds the number of class names.")
    else:
        class_idx = set(preds).union(set(truth))
        n_classes = len(class_idx)
        names = [f"Class_{i + 1}" for i in range(n_classes)]
    mapping = {value: i for i, value in enumerate(sorted(class_idx))}
    counts = np.zeros((n_classes, n_classes))
    for actual, predicted in zip(truth, preds, strict=True):
        counts[mapping[actual], mapping[predicted]] += 1
    data = [
        [names[i], names[j], float(counts[i, j])]
        for i in range(n_classes)
        for j in range(n_classes)
    ]
    table = Table(columns=["Actual", "Predicted", "nPredictions"], data=data)
    return plot_table(
        "wandb/confusion_matrix/v1",
        table,
        {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
        {"title": title},
        split_table=split_table,
    )


def _as_list(values: Any) -> Any:
    """Python values (``tolist`` for arrays); ``None`` stays ``None``."""
    if values is None:
        return None
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)
