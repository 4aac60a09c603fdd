"""``plot.roc_curve``: per-class ROC points, hand-computed."""

from __future__ import annotations

import pytest

from runyard.plot.roc_curve import roc_curve


def test_small_case() -> None:
    chart = roc_curve([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    assert chart.spec.spec_name == "wandb/area-under-curve/v0"
    assert chart.spec.fields == {"x": "fpr", "y": "tpr", "class": "class"}
    assert chart.spec.string_fields == {
        "title": "ROC Curve",
        "x-axis-title": "False positive rate",
        "y-axis-title": "True positive rate",
    }
    assert chart.table.columns == ["class", "fpr", "tpr"]
    pos = [row[1:] for row in chart.table.data if row[0] == 1]
    assert pos == [[0.0, 0.0], [0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [1.0, 1.0]]
    assert {row[0] for row in chart.table.data} == {0, 1}


def test_labels_classes_to_plot_and_rounding() -> None:
    chart = roc_curve(
        [1, 1, 1, 0],
        [[0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.9, 0.1]],
        labels=["neg", "pos"],
        classes_to_plot=[1],
    )
    assert chart.table.data == [
        ["pos", 0.0, 0.0],
        ["pos", 0.0, 0.333],
        ["pos", 0.0, 1.0],
        ["pos", 1.0, 1.0],
    ]


def test_missing_probas_raises_index_error_as_wandb() -> None:
    with pytest.raises(IndexError):
        roc_curve([0, 1], None)


def test_one_dimensional_scores_as_in_the_documentation() -> None:
    chart = roc_curve([0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8])
    pos = [row[1:] for row in chart.table.data if row[0] == 1]
    # Sorted 0.8(-) 0.4(+) 0.35(+) 0.1(-); the collinear middle point is dropped.
    assert pos == [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [1.0, 1.0]]
