"""``pr_curve``: per-class precision-recall curves (``wandb/area-under-curve/v0``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table
from runyard.plot.threshold_counts import as_probas, class_label, precision_recall

__all__ = ["pr_curve"]


def pr_curve(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[Any] | None = None,
    classes_to_plot: Sequence[Any] | None = None,
    interp_size: int = 21,
    title: str = "Precision-Recall Curve",
    split_table: bool = False,
) -> CustomChart:
    """Precision against recall for each class (as ``wandb.plot.pr_curve``, numpy only).

    For each class in ``np.unique(y_true)`` (restricted to ``classes_to_plot``),
    ``y_probas[:, i]`` scores the ``i``-th class. Precision is made monotone (the
    best precision at any higher recall) and sampled at ``interp_size`` recall
    points from 1.0 down to 0.0, so each class gives ``interp_size`` rows of
    ``class, precision, recall`` rounded to 3 places. ``labels[c]`` names int
    classes. Unlike wandb, large inputs are not resampled to 10,000 points.
    """
    truth = np.array(y_true)
    probas = as_probas(y_probas)
    classes = np.unique(truth)
    wanted = classes if classes_to_plot is None else classes_to_plot
    recall_points = np.linspace(0, 1, interp_size)[::-1]
    data: list[list[Any]] = []
    for i in range(len(classes)):
        if classes[i] not in wanted:
            continue
        label = class_label(classes, i, labels)
        precision, recall = precision_recall(truth, probas[:, i], classes[i])
        precision = np.maximum.accumulate(precision)
        ascending_recall = recall[::-1]
        ascending_precision = precision[::-1]
        idx = np.searchsorted(ascending_recall, recall_points, side="left")
        idx = np.minimum(idx, len(ascending_precision) - 1)
        for p, r in zip(ascending_precision[idx].round(3), recall_points.round(3), strict=True):
            data.append([label, float(p), float(r)])
    table = Table(columns=["class", "precision", "recall"], data=data)
    return plot_table(
        "wandb/area-under-curve/v0",
        table,
        {"x": "recall", "y": "precision", "class": "class"},
        {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"},
        split_table=split_table,
    )
