"""``roc_curve``: per-class ROC curves (``wandb/area-under-curve/v0``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table
from runyard.plot.threshold_counts import as_probas, class_label, roc

__all__ = ["roc_curve"]


def roc_curve(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[Any] | None = None,
    classes_to_plot: Sequence[Any] | None = None,
    title: str = "ROC Curve",
    split_table: bool = False,
) -> CustomChart:
    """True against false positive rate for each class (as ``wandb.plot.roc_curve``, numpy only).

    Every point of scikit-learn's ``roc_curve`` (intermediate collinear points
    dropped) for each class, as rows ``class, fpr, tpr`` rounded to 3 places;
    ``y_probas[..., i]`` scores the ``i``-th class of ``np.unique(y_true)``.
    Unlike wandb, large inputs are not resampled to 10,000 points.
    """
    truth = np.array(y_true)
    probas = as_probas(y_probas)
    classes = np.unique(truth)
    wanted = classes if classes_to_plot is None else classes_to_plot
    data: list[list[Any]] = []
    for i in range(len(classes)):
        if classes[i] not in wanted:
            continue
        label = class_label(classes, i, labels)
        fpr, tpr = roc(truth, probas[..., i], classes[i])
        for f, t in zip(fpr.round(3), tpr.round(3), strict=True):
            data.append([label, float(f), float(t)])
    table = Table(columns=["class", "fpr", "tpr"], data=data)
    return plot_table(
        "wandb/area-under-curve/v0",
        table,
        {"x": "fpr", "y": "tpr", "class": "class"},
        {
            "title": title,
            "x-axis-title": "False positive rate",
            "y-axis-title": "True positive rate",
        },
        split_table=split_table,
    )
