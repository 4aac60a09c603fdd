"""Example images: pure helpers in-process, then real Keras models per backend."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from runyard.integration.keras.predictions import (
    class_colors,
    example_images,
    guess_data_type,
    logits_to_captions,
    masks_to_pixels,
)
from tests.integration.keras.conftest import Scenarios


def test_guess_data_type_from_batch_shapes() -> None:
    assert guess_data_type((None,)) == "label"
    assert guess_data_type((None, 10)) == "label"
    assert guess_data_type((None, 28, 28)) is None
    assert guess_data_type((None, 28, 28), risky=True) == "image"
    assert guess_data_type((None, 28, 28, 3)) == "image"
    assert guess_data_type((None, 28, 28, 7)) == "segmentation_mask"
    assert guess_data_type((None, 2, 3, 4, 5)) is None


def test_captions() -> None:
    # One output: thresholded at 0.5 with two labels (wandb compared only the first row).
    assert logits_to_captions(np.array([[0.9], [0.1]]), ["no", "yes"]) == ["yes", "no"]
    assert logits_to_captions(np.array([[0.25]]), []) == [0.25]
    assert logits_to_captions(np.array([[0.1, 0.7, 0.2]]), ["a", "b", "c"]) == ["b"]
    assert logits_to_captions(np.array([[0.1, 0.2, 0.7]]), ["a", "b"]) == [2]


def test_class_colors_and_masks() -> None:
    colors = class_colors(3)
    assert colors.tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 1]]
    masks = np.zeros((1, 2, 2, 3))
    masks[0, 0, 0, 2] = masks[0, 0, 1, 1] = masks[0, 1, :, 0] = 1
    pixels = masks_to_pixels(masks)
    assert pixels[0, 0, 0].tolist() == [0, 1, 1] and pixels[0, 0, 1].tolist() == [1, 0, 0]
    assert pixels[0, 1].tolist() == [[0, 0, 0], [0, 0, 0]]
    binary = np.ones((1, 2, 2, 1))
    assert masks_to_pixels(binary) is binary


def test_examples_are_drawn_without_touching_numpy_global_state() -> None:
    np.random.seed(7)
    expected = np.random.random()
    np.random.seed(7)
    x, y = np.random.default_rng(1).random((10, 4, 4)), np.eye(2)[[0, 1] * 5]
    seen: list[Any] = []

    def predict(batch: Any) -> Any:
        seen.append(batch)
        return np.tile([0.2, 0.8], (len(batch), 1))

    images = example_images(
        predict, x, y, 3, "image", "label", ["a", "b"], None, np.random.default_rng(0)
    )
    assert np.random.random() == expected
    assert len(images) == 3 and len(seen[0]) == 3
    assert [image.caption for image in images] == ["b", "b", "b"]


def test_image_to_image_interleaves_input_output_truth() -> None:
    x = np.zeros((2, 3, 3))
    images = example_images(
        lambda b: b + 0.5, x, x + 1.0, 5, "image", "image", [], None, np.random.default_rng(0)
    )
    assert len(images) == 6
    assert images[0]._grouping == 3


@pytest.fixture
def result(scenarios: Scenarios) -> Any:
    return scenarios["predictions"]


def image(run: Any, name: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(run.file(name).read())).convert("RGB"))


def test_label_output_is_guessed_and_captioned(result: Any, api: Any) -> None:
    assert result["types"] == ["image", "label"]
    run = api.run(result["labels_path"])
    [row] = [row for row in run.scan_history() if "examples" in row]
    examples = row["examples"]  # a list of images is stored as wandb's images/separated
    assert examples["_type"] == "images/separated" and examples["count"] == 3
    assert (examples["width"], examples["height"]) == (6, 6)
    assert set(examples["captions"]) <= {"dark", "light"} and len(examples["captions"]) == 3


def test_segmentation_masks_in_class_colors(result: Any, api: Any) -> None:
    run = api.run(result["masks_path"])
    rows = [row for row in run.scan_history() if "examples" in row]
    assert len(rows) == 2
    examples = rows[-1]["examples"]
    assert examples["count"] == 6  # (input, prediction, truth) for 2 examples
    palette = {tuple(int(c * 255) for c in color) for color in result["colors"]}
    for name in examples["filenames"][1:3]:  # the first example's prediction and truth
        pixels = {tuple(p) for p in image(run, name).reshape(-1, 3).tolist()}
        assert pixels <= palette
    # The input image is the grey input, not a mask.
    grey = image(run, examples["filenames"][0])
    assert (grey[..., 0] == grey[..., 1]).all() and len(np.unique(grey)) > 4
