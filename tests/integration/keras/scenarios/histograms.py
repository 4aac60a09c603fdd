"""Weight and gradient histograms of a linear model, whose gradients are known in closed form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

import runyard as wandb
from tests.integration.keras.scenarios import data


class Weights(keras.callbacks.Callback):
    """Placed after WandbCallback: the weights the histograms were computed from."""

    def __init__(self, x: Any) -> None:
        super().__init__()
        self.x = x
        self.kernels: list[Any] = []
        self.biases: list[Any] = []
        self.inputs: list[Any] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        # What the dense layer sees in inference mode (batch-normalised with moving stats).
        self.inputs.append(keras.ops.convert_to_numpy(self.model.layers[0](self.x, training=False)))
        dense = self.model.layers[-1]
        self.kernels.append(keras.ops.convert_to_numpy(dense.kernel))
        self.biases.append(keras.ops.convert_to_numpy(dense.bias))


def model_and_data() -> tuple[Any, Any, Any]:
    keras.utils.set_random_seed(0)
    x, _ = data(300, features=6)  # more than one gradient batch (256)
    y = (x @ np.arange(6, dtype="float32")[:, None] * 0.1).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.BatchNormalization(name="batch_normalization"),
            keras.layers.Dropout(0.5, seed=1),
            keras.layers.Dense(1, name="dense"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model, x, y


def run(where: Path) -> dict[str, Any]:
    from runyard.integration.keras import WandbCallback
    from runyard.integration.keras.histograms import histogram

    model, x, y = model_and_data()
    run = wandb.init(project="keras", name="histograms")
    weights = Weights(x)
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=100,
        verbose=0,
        callbacks=[
            WandbCallback(
                log_weights=True,
                log_gradients=True,
                training_data=(x, y),
                save_model=False,
                monitor="loss",
            ),
            weights,
        ],
    )
    run.finish()
    # The same training without the callback ends with the same weights.
    untouched, x, y = model_and_data()
    untouched.fit(x, y, epochs=2, batch_size=100, verbose=0)
    nan = histogram(np.array([1.0, np.nan, 3.0, np.inf], dtype="float32")).to_json()
    return {
        "path": run.path,
        "inputs": weights.inputs,
        "y": y,
        "kernels": weights.kernels,
        "biases": weights.biases,
        "weights": [keras.ops.convert_to_numpy(v) for v in model.weights],
        "untouched": [keras.ops.convert_to_numpy(v) for v in untouched.weights],
        "nan": nan,
    }
