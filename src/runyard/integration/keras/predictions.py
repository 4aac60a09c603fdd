"""Example predictions as images, wandb's ``WandbCallback`` "examples".

Each epoch the callback predicts on ``predictions`` examples drawn from the
validation data and logs them as a list of ``runyard.Image`` under
``examples``. What is drawn depends on ``input_type`` and ``output_type``:

- image input, label output: the input images captioned with the predicted label;
- image input, image output: input, prediction and ground truth, interleaved;
- label input, image output, or unknown input with image output: prediction and
  ground truth, interleaved (captioned with the input label when it is one);
- image input, unknown output: the input images.

Segmentation masks (one channel per class) are drawn in ``class_colors``, an
``[r, g, b]`` per class in 0..1 (default: black for class 0, then equally
spaced hues), as wandb did. Examples are drawn with a private random generator so
that the user's ``numpy.random`` state is not touched.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

import runyard

__all__ = [
    "DATA_TYPES",
    "IMAGE_TYPES",
    "class_colors",
    "example_images",
    "guess_data_type",
    "logits_to_captions",
    "masks_to_pixels",
]

IMAGE_TYPES = ("image", "images", "segmentation_mask")
DATA_TYPES = (*IMAGE_TYPES, "label", "auto")


def guess_data_type(shape: Sequence[Any], risky: bool = False) -> str | None:
    """wandb's guess from a batch shape: ``label``, ``image``, ``segmentation_mask`` or None.

    Example:
        >>> guess_data_type((None, 10)), guess_data_type((None, 28, 28, 1))
        ('label', 'image')
    """
    if len(shape) in (1, 2):
        return "label"
    if risky and len(shape) == 3:  # (batch, height, width): grey images, or a sequence
        return "image"
    if len(shape) == 4:
        return "image" if shape[-1] in (1, 3, 4) else "segmentation_mask"
    return None


def class_colors(count: int) -> np.ndarray:
    """Black for class 0, then ``count - 1`` equally spaced fully saturated hues."""
    hues = [colorsys.hsv_to_rgb(i / max(count - 1, 1), 1.0, 1.0) for i in range(count - 1)]
    return np.array([[0.0, 0.0, 0.0], *hues])


def logits_to_captions(logits: Any, labels: Sequence[Any]) -> list[Any]:
    """A caption per row: the label of the arg-max (or of ``> 0.5`` for one output).

    Example:
        >>> logits_to_captions(np.array([[0.2], [0.9]]), ["cat", "dog"])
        ['cat', 'dog']
    """
    rows = np.asarray(logits)
    if rows.ndim == 1:
        rows = rows[:, None]
    if rows.shape[-1] == 1:
        if len(labels) == 2:
            return [labels[1] if row[0] > 0.5 else labels[0] for row in rows]
        return [row[0].item() for row in rows]
    classes = np.argmax(rows.reshape(len(rows), -1), axis=1)
    return [labels[c] if c < len(labels) else int(c) for c in classes]


def masks_to_pixels(masks: Any, colors: Any = None) -> Any:
    """Per-class masks (``H×W×classes``) as RGB images; binary masks are returned as they are."""
    array = np.asarray(masks)
    if array.ndim == 3 or array.shape[-1] == 1:
        return array
    palette = np.asarray(colors) if colors is not None else class_colors(array.shape[-1])
    return palette[np.argmax(array, axis=-1)]


def example_images(
    predict: Any,
    x: Any,
    y: Any,
    count: int,
    input_type: str | None,
    output_type: str | None,
    labels: Sequence[Any],
    colors: Any,
    rng: np.random.Generator,
) -> list[Any]:
    """Images of ``count`` examples of ``(x, y)`` and their predictions (module doc)."""
    x, y = np.asarray(x), np.asarray(y)
    indices = np.sort(rng.choice(len(x), count, replace=False)) if len(x) > count else None
    if indices is not None:
        x, y = x[indices], y[indices]
    predictions = np.asarray(predict(x))

    def pixels(data: Any, kind: str | None) -> Any:
        return masks_to_pixels(data, colors) if kind == "segmentation_mask" else data

    if input_type == "label" and output_type in IMAGE_TYPES:
        captions = logits_to_captions(x, labels)
        outputs = [
            runyard.Image(d, caption=str(captions[i]), grouping=2)
            for i, d in enumerate(pixels(predictions, output_type))
        ]
        truths = [
            runyard.Image(d, caption=str(captions[i])) for i, d in enumerate(pixels(y, output_type))
        ]
        return list(chain.from_iterable(zip(outputs, truths, strict=True)))
    if input_type in IMAGE_TYPES:
        inputs = pixels(x, input_type)
        if output_type == "label":
            captions = logits_to_captions(predictions, labels)
            return [runyard.Image(d, caption=str(captions[i])) for i, d in enumerate(inputs)]
        if output_type in IMAGE_TYPES:
            triples = zip(
                [runyard.Image(d, grouping=3) for d in inputs],
                [runyard.Image(d) for d in pixels(predictions, output_type)],
                [runyard.Image(d) for d in pixels(y, output_type)],
                strict=True,
            )
            return list(chain.from_iterable(triples))
        return [runyard.Image(d) for d in inputs]
    if output_type in IMAGE_TYPES:
        pairs = zip(
            [runyard.Image(d, grouping=2) for d in pixels(predictions, output_type)],
            [runyard.Image(d) for d in pixels(y, output_type)],
            strict=True,
        )
        return list(chain.from_iterable(pairs))
    return []
