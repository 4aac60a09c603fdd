"""Inferred row processors (pure; wandb's rules)."""

from __future__ import annotations

import numpy as np

import runyard
from runyard.integration.keras.processors import infer_row_processor


def test_logits_with_labels_give_class_and_scores() -> None:
    p = infer_row_processor({"output": np.array([0.1, 0.7, 0.2])}, ["a", "b", "c"])
    assert p is not None
    out = p(0, {"output": np.array([0.6, 0.3, 0.1])})
    assert out["output:max_class"] == "a"
    assert out["output:score"] == {"a": 0.6, "b": 0.3, "c": 0.1}


def test_one_hot_targets_have_no_scores() -> None:
    p = infer_row_processor({"target": np.array([0.0, 1.0])}, ["no", "yes"])
    assert p is not None
    assert p(0, {"target": np.array([0.0, 1.0])}) == {"target:max_class": "yes"}


def test_integer_classes() -> None:
    labelled = infer_row_processor({"target": np.array([1])}, ["cat", "dog"])
    plain = infer_row_processor({"target": np.array([1])}, None)
    assert labelled is not None and plain is not None
    assert labelled(0, {"target": np.array([1])}) == {"target:class": "dog"}
    assert labelled(0, {"target": np.array([5])}) == {"target:class": 5}
    assert plain(0, {"target": np.array([3])}) == {"target:val": 3}


def test_other_vectors_fan_out_small_ones() -> None:
    p = infer_row_processor({"input": np.arange(4.0)}, None)
    assert p is not None
    assert p(0, {"input": np.array([3.0, 1.0, 4.0, 1.5])}) == {
        "input:node": [3.0, 1.0, 4.0, 1.5],
        "input:argmax": 2,
        "input:argmin": 1,
    }
    big = infer_row_processor({"input": np.arange(20.0)}, None)
    assert big is not None and set(big(0, {"input": np.arange(20.0)})) == {
        "input:argmax",
        "input:argmin",
    }


def test_images_and_unknown_shapes() -> None:
    p = infer_row_processor({"input": np.zeros((4, 4)), "video": np.zeros((2, 2, 2, 2))}, None)
    assert p is not None
    out = p(0, {"input": np.zeros((4, 4)), "video": np.zeros((2, 2, 2, 2))})
    assert list(out) == ["input:image"] and isinstance(out["input:image"], runyard.Image)
    assert infer_row_processor({"video": np.zeros((2, 2, 2, 2))}, None) is None
