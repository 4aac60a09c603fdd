"""Training scenarios run in a fresh process per Keras backend.

Keras fixes its backend when it is first imported (``KERAS_BACKEND``), so every
backend gets its own process. To keep the cost of importing Keras and the backend
to once per backend, one process runs every scenario module here (one per
module under test, named after it) and writes a JSON file with each
scenario's results or its traceback; the test modules read their part.

Run as ``python -c "from tests.integration.keras.scenarios import main; main(out)"``.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np

NAMES = [
    "callback",
    "eval_callback",
    "flops",
    "histograms",
    "metrics_logger",
    "model_checkpoint",
    "predictions",
]


def data(n: int, features: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A learnable binary task: y = (first feature > 0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def small_model(features: int = 4) -> Any:
    import keras

    model = keras.Sequential(
        [
            keras.Input((features,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def error_of(fn: Any) -> list[str] | None:
    """``[exception type, message]`` of calling ``fn``, or None when it returns."""
    try:
        fn()
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
    return None


def main(out: str) -> None:
    import keras

    workdir = Path(out).parent
    results: dict[str, Any] = {"backend": keras.backend.backend()}
    for name in NAMES:
        keras.backend.clear_session()  # fresh layer names in every scenario
        keras.utils.set_random_seed(0)
        try:
            module = importlib.import_module(f"tests.integration.keras.scenarios.{name}")
            place = workdir / name
            place.mkdir(parents=True, exist_ok=True)
            results[name] = {"ok": module.run(place)}
        except BaseException:
            results[name] = {"error": traceback.format_exc()}
        import runyard

        runyard.finish()
    Path(out).write_text(json.dumps(results, default=_plain))
    sys.stdout.flush()


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {value!r}")
