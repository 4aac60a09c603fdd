"""Histograms of weights and gradients, binned with ``keras.ops`` on every backend.

Binning runs where the tensor lives (``keras.ops.histogram``), so only the 64
counts and edges come back to the host, never a whole weight matrix. Keys follow
wandb's ``WandbCallback``: ``parameters/<layer>.weights`` and
``parameters/<layer>.bias`` for layers with one or two weight arrays; other
layers (BatchNormalization, attention, …), which wandb skipped, get one key per
weight, ``parameters/<layer>.<weight name>``. Gradients are
``gradients/<layer>/<weight name>.gradient`` (wandb's TF variable names).
Non-finite values are left out of the bins.
"""

from __future__ import annotations

from typing import Any

import keras  # type: ignore[import-untyped]
import numpy as np

import runyard
from runyard.integration.keras.active_run import warn_once
from runyard.integration.keras.gradients import loss_gradients

__all__ = ["gradient_histograms", "histogram", "weight_histograms"]

BINS = 64


def histogram(value: Any) -> Any:
    """A ``runyard.Histogram`` of every finite element of ``value`` (any backend's tensor)."""
    ops = keras.ops
    flat = ops.reshape(ops.cast(ops.convert_to_tensor(value), "float32"), (-1,))
    if not bool(ops.convert_to_numpy(ops.all(ops.isfinite(flat)))):
        array = ops.convert_to_numpy(flat)
        flat = ops.convert_to_tensor(array[np.isfinite(array)])
    if int(flat.shape[0]) == 0:
        return runyard.Histogram(np_histogram=([0] * BINS, np.linspace(0, 1, BINS + 1).tolist()))
    counts, edges = ops.histogram(flat, bins=BINS)
    return runyard.Histogram(
        np_histogram=(
            ops.convert_to_numpy(counts).astype(np.int64),
            ops.convert_to_numpy(edges).astype(np.float64),
        )
    )


def _numeric(weight: Any) -> bool:
    return bool(
        keras.backend.is_float_dtype(weight.dtype) or keras.backend.is_int_dtype(weight.dtype)
    )


def weight_histograms(model: Any) -> dict[str, Any]:
    """``{key: Histogram}`` of every layer's weights (see the module doc for the keys)."""
    out: dict[str, Any] = {}
    for layer in model.layers:
        weights = list(layer.weights)
        if not weights:
            continue
        if not all(_numeric(w) for w in weights):
            warn_once(
                f"non-numeric-{layer.name}",
                f"Non-numeric values found in layer: {layer.name}, layer won't be logged",
            )
            continue
        if len(weights) <= 2:
            names = ["weights", "bias"][: len(weights)]
        else:
            names = [w.name for w in weights]
        for name, weight in zip(names, weights, strict=True):
            out[f"parameters/{layer.name}.{name}"] = histogram(weight.value)
    return out


def weight_label(model: Any, weight: Any) -> str:
    """``dense/kernel`` for the weight whose path is ``<model name>/dense/kernel``."""
    path: str = weight.path
    return path.removeprefix(f"{model.name}/")


def gradient_histograms(model: Any, x: Any, y: Any) -> dict[str, Any]:
    """``{gradients/<weight>.gradient: Histogram}`` of the loss gradients on ``(x, y)``."""
    grads = loss_gradients(model, x, y)
    return {
        f"gradients/{weight_label(model, weight)}.gradient": histogram(grad)
        for weight, grad in zip(model.trainable_variables, grads, strict=True)
        if grad is not None
    }
