"""Gradients of a compiled model's loss, computed with the backend Keras runs on.

Keras 3 has no backend-neutral gradient op, so this is the one place with a
branch per backend, each importing only its own library: ``jax.grad`` over
``model.stateless_call``/``stateless_compute_loss``, ``torch.autograd.grad``
(which leaves every ``.grad`` untouched) and ``tf.GradientTape``. All use public
Keras APIs only. The JAX function is jitted once per model (as Keras' own JAX
trainer does), so later epochs reuse the compiled gradient.

The model runs in inference mode (``training=False``): dropout is off and
batch-normalisation statistics are not updated, so logging gradients never
changes the model being trained. The data is taken in batches of
:data:`BATCH_SIZE` and the gradient of the mean loss over all of it returned.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import keras  # type: ignore[import-untyped]
import numpy as np

__all__ = ["BATCH_SIZE", "loss_gradients"]

BATCH_SIZE = 256


def loss_gradients(model: Any, x: Any, y: Any) -> list[Any]:
    """One gradient per ``model.trainable_variables`` entry (numpy arrays; None if unused)."""
    backend = keras.backend.backend()
    compute = _BACKENDS.get(backend)
    if compute is None:
        raise ValueError(f"gradient logging does not support the Keras backend {backend!r}")
    n = _length(x)
    total: list[Any] = [None] * len(model.trainable_variables)
    for start in range(0, n, BATCH_SIZE):
        bx, by = _slice(x, start), _slice(y, start)
        weight = (min(n, start + BATCH_SIZE) - start) / n
        for i, grad in enumerate(compute(model, bx, by)):
            if grad is None:
                continue
            part = keras.ops.convert_to_numpy(grad) * weight
            total[i] = part if total[i] is None else total[i] + part
    return total


def _length(x: Any) -> int:
    if isinstance(x, dict):
        return _length(next(iter(x.values())))
    if isinstance(x, (list, tuple)):
        return _length(x[0])
    return int(np.shape(x)[0])


def _slice(data: Any, start: int) -> Any:
    if isinstance(data, dict):
        return {k: _slice(v, start) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_slice(v, start) for v in data)
    return keras.ops.convert_to_tensor(np.asarray(data)[start : start + BATCH_SIZE])


def _jax(model: Any, x: Any, y: Any) -> list[Any]:
    grad = _jax_grads.get(model)
    if grad is None:
        grad = _jax_grad(model)
        _jax_grads[model] = grad
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    metrics = [v.value for v in model.metrics_variables]
    return list(grad(trainable, non_trainable, metrics, x, y))


def _jax_grad(model: Any) -> Callable[..., Any]:
    """The jitted gradient function of ``model``'s loss, compiled once per model and shape."""
    import jax

    def loss(trainable: Any, non_trainable: Any, metrics: Any, x: Any, y: Any) -> Any:
        y_pred, _ = model.stateless_call(trainable, non_trainable, x, training=False)
        value, _ = model.stateless_compute_loss(
            trainable, non_trainable, metrics, x=x, y=y, y_pred=y_pred, training=False
        )
        return value

    return jax.jit(jax.grad(loss))


_jax_grads: weakref.WeakKeyDictionary[Any, Callable[..., Any]] = weakref.WeakKeyDictionary()


def _torch(model: Any, x: Any, y: Any) -> list[Any]:
    import torch

    y_pred = model(x, training=False)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
    values = [v.value for v in model.trainable_variables]
    return list(torch.autograd.grad(loss, values, allow_unused=True))


def _tensorflow(model: Any, x: Any, y: Any) -> list[Any]:
    import tensorflow as tf  # type: ignore[import-untyped,import-not-found,unused-ignore]

    with tf.GradientTape() as tape:
        y_pred = model(x, training=False)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
    return list(tape.gradient(loss, model.trainable_variables))


_BACKENDS: dict[str, Callable[[Any, Any, Any], list[Any]]] = {
    "jax": _jax,
    "torch": _torch,
    "tensorflow": _tensorflow,
}
