"""The numpy precision-recall and ROC curves, against hand-computed cases."""

from __future__ import annotations

import numpy as np

from runyard.plot.threshold_counts import class_label, precision_recall, roc, threshold_counts

Y = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.4, 0.35, 0.8])  # sorted: 0.8(+) 0.4(-) 0.35(+) 0.1(-)


def test_threshold_counts() -> None:
    fps, tps = threshold_counts(Y, SCORES, 1)
    assert fps.tolist() == [0, 1, 1, 2]
    assert tps.tolist() == [1, 1, 2, 2]


def test_tied_scores_share_a_threshold() -> None:
    fps, tps = threshold_counts(np.array([1, 0, 1]), np.array([0.5, 0.5, 0.2]), 1)
    assert fps.tolist() == [1, 1]
    assert tps.tolist() == [1, 2]


def test_precision_recall() -> None:
    precision, recall = precision_recall(Y, SCORES, 1)
    assert np.allclose(precision, [0.5, 2 / 3, 0.5, 1.0, 1.0])
    assert recall.tolist() == [1.0, 1.0, 0.5, 0.5, 0.0]


def test_roc_keeps_corners() -> None:
    fpr, tpr = roc(Y, SCORES, 1)
    assert fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]


def test_roc_drops_collinear_points() -> None:
    fpr, tpr = roc(np.array([1, 1, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]), 1)
    assert fpr.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert np.allclose(tpr, [0.0, 1 / 3, 1.0, 1.0])


def test_class_label() -> None:
    assert class_label(np.array([0, 1]), 1, ["neg", "pos"]) == "pos"
    assert class_label(np.array([0, 1]), 1, None) == 1
    assert class_label(np.array(["a", "b"]), 0, ["x", "y"]) == "a"


def test_one_dimensional_scores_are_positive_class_probabilities() -> None:
    from runyard.plot.threshold_counts import as_probas

    assert as_probas([0.25, 1.0]).tolist() == [[0.75, 0.25], [0.0, 1.0]]
    assert as_probas([[0.5, 0.5]]).tolist() == [[0.5, 0.5]]
