"""``plot.pr_curve``: interpolated per-class precision, hand-computed."""

from __future__ import annotations

import pytest

from runyard.plot.pr_curve import pr_curve

Y = [0, 0, 1, 1]
PROBAS = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]


def test_small_case_with_labels() -> None:
    chart = pr_curve(Y, PROBAS, labels=["neg", "pos"], interp_size=3)
    assert chart.spec.spec_name == "wandb/area-under-curve/v0"
    assert chart.spec.fields == {"x": "recall", "y": "precision", "class": "class"}
    assert chart.spec.string_fields == {
        "title": "Precision-Recall Curve",
        "x-axis-title": "Recall",
        "y-axis-title": "Precision",
    }
    assert chart.table.columns == ["class", "precision", "recall"]
    # Best precision at recall >= r: 2/3 for r = 1, 1 for r <= 0.5 (both classes alike).
    assert chart.table.data == [
        ["neg", 0.667, 1.0],
        ["neg", 1.0, 0.5],
        ["neg", 1.0, 0.0],
        ["pos", 0.667, 1.0],
        ["pos", 1.0, 0.5],
        ["pos", 1.0, 0.0],
    ]


def test_default_interp_size_and_classes_to_plot() -> None:
    chart = pr_curve(Y, PROBAS, classes_to_plot=[1])
    assert chart.table.nrows == 21
    recalls = chart.table.get_column("recall")
    assert recalls[0] == 1.0 and recalls[-1] == 0.0 and recalls[1] == 0.95
    assert set(chart.table.get_column("class")) == {1}


def test_string_classes_keep_their_names() -> None:
    chart = pr_curve(["a", "b", "b"], [[0.7, 0.3], [0.2, 0.8], [0.4, 0.6]], labels=["x", "y"])
    assert set(chart.table.get_column("class")) == {"a", "b"}


def test_missing_probas_raises_index_error_as_wandb() -> None:
    with pytest.raises(IndexError):
        pr_curve(Y, None)


def test_one_dimensional_scores_as_in_the_documentation() -> None:
    chart = pr_curve([0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8], interp_size=3)
    # Class 1: sorted 0.8(-) 0.4(+) 0.35(+) 0.1(-): precision 2/3 at full recall, 1/2 at 1/2.
    assert [row[1:] for row in chart.table.data if row[0] == 1] == [
        [0.667, 1.0],
        [0.667, 0.5],
        [1.0, 0.0],
    ]
