"""``plot.confusion_matrix``: counts and wandb's errors."""

from __future__ import annotations

import numpy as np
import pytest

from runyard.plot.confusion_matrix import confusion_matrix


def test_preds_with_class_names() -> None:
    chart = confusion_matrix(y_true=[0, 1, 2, 2], preds=[0, 2, 2, 1], class_names=["a", "b", "c"])
    assert chart.spec.spec_name == "wandb/confusion_matrix/v1"
    assert chart.spec.fields == {
        "Actual": "Actual",
        "Predicted": "Predicted",
        "nPredictions": "nPredictions",
    }
    assert chart.spec.string_fields == {"title": "Confusion Matrix Curve"}
    assert chart.table.columns == ["Actual", "Predicted", "nPredictions"]
    assert chart.table.data == [
        ["a", "a", 1.0],
        ["a", "b", 0.0],
        ["a", "c", 0.0],
        ["b", "a", 0.0],
        ["b", "b", 0.0],
        ["b", "c", 1.0],
        ["c", "a", 0.0],
        ["c", "b", 1.0],
        ["c", "c", 1.0],
    ]
    assert all(type(row[2]) is float for row in chart.table.data)


def test_probs_are_argmaxed() -> None:
    chart = confusion_matrix(
        probs=np.array([[0.9, 0.1], [0.2, 0.8]]), y_true=[0, 0], class_names=["x", "y"]
    )
    assert chart.table.data == [["x", "x", 1.0], ["x", "y", 1.0], ["y", "x", 0.0], ["y", "y", 0.0]]


def test_without_class_names() -> None:
    chart = confusion_matrix(y_true=[3, 5], preds=[5, 5])
    assert chart.table.data == [
        ["Class_1", "Class_1", 0.0],
        ["Class_1", "Class_2", 1.0],
        ["Class_2", "Class_1", 0.0],
        ["Class_2", "Class_2", 1.0],
    ]


def test_errors() -> None:
    with pytest.raises(
        ValueError, match=r"^Only one of `probs` or `preds` should be provided, not both\.$"
    ):
        confusion_matrix(probs=[[1.0]], y_true=[0], preds=[0])
    with pytest.raises(TypeError, match="object of type 'NoneType' has no len"):
        confusion_matrix(y_true=[0])
    with pytest.raises(
        ValueError, match=r"^The number of predictions and true labels must be equal\.$"
    ):
        confusion_matrix(y_true=[0, 1], preds=[0])
    with pytest.raises(
        ValueError, match="unique predicted classes exceeds the number of class names"
    ):
        confusion_matrix(y_true=[0, 0], preds=[0, 1], class_names=["a"])
    with pytest.raises(ValueError, match="unique true labels exceeds the number of class names"):
        confusion_matrix(y_true=[0, 1], preds=[0, 0], class_names=["a"])
    with pytest.raises(KeyError, match="cat"):
        confusion_matrix(y_true=["cat"], preds=["cat"], class_names=["cat"])
