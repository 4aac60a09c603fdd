"""Example predictions as images: labels guessed from shapes, and segmentation masks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

import runyard as wandb

COLORS = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def run(where: Path) -> dict[str, Any]:
    from runyard.integration.keras import WandbCallback

    rng = np.random.default_rng(0)
    images = rng.random((12, 6, 6, 1)).astype("float32")
    labels = keras.utils.to_categorical(images.mean(axis=(1, 2, 3)) > 0.5, 2)
    classifier = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(2, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    classifier.compile(optimizer="adam", loss="categorical_crossentropy")
    run = wandb.init(project="keras", name="examples-labels")
    callback = WandbCallback(
        validation_data=(images, labels),
        input_type="auto",
        labels=["dark", "light"],
        predictions=3,
        save_model=False,
        monitor="loss",
    )
    classifier.fit(images, labels, epochs=1, verbose=0, callbacks=[callback])
    out: dict[str, Any] = {
        "labels_path": run.path,
        "types": [callback.input_type, callback.output_type],
    }
    run.finish()
    masks = keras.utils.to_categorical(np.floor(images[..., 0] * 4).clip(0, 3), 4)
    segmenter = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3, padding="same", activation="softmax")]
    )
    segmenter.compile(optimizer="adam", loss="categorical_crossentropy")
    run = wandb.init(project="keras", name="examples-masks")

    def batches() -> Any:
        while True:
            yield images[:4], masks[:4]

    callback = WandbCallback(
        generator=batches(),
        input_type="image",
        output_type="segmentation_mask",
        class_colors=COLORS,
        predictions=2,
        save_model=False,
        monitor="loss",
    )
    segmenter.fit(images, masks, epochs=2, verbose=0, callbacks=[callback])
    out["masks_path"] = run.path
    out["colors"] = COLORS
    run.finish()
    return out
