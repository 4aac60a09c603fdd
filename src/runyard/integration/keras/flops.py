"""``get_flops``: the cost of one inference on one sample, in wandb's GFLOPs.

wandb's ``WandbCallback.get_flops`` froze the model into a TensorFlow graph and
summed its profiler's float operations, then halved the total ("GFLOPs" =
``total_float_ops / 1e9 / 2``, which for matmul- and convolution-heavy models is
the number of multiply-accumulates). Runyard returns the same quantity:

- on the TensorFlow backend, through TensorFlow's profiler exactly as wandb did
  (this path cannot run in Runyard's CI, which has no TensorFlow);
- on every other backend, by counting the float operations of standard layers
  from their input and output shapes (:func:`count_flops`), using the
  profiler's conventions: a multiply-add is 2 operations, a bias add 1 per
  output element, ReLU/sigmoid/tanh activations 0 and softmax 5 per element.

Per layer, for one sample (``n`` = output elements):

==============================  ====================================================
Dense                           ``2·in·units`` per position, ``+ units`` for the bias
Conv1D/2D/3D                    ``2·n·prod(kernel)·in_channels/groups``, ``+ n``
DepthwiseConv1D/2D              ``2·n·prod(kernel)``, ``+ n``
SeparableConv1D/2D              depthwise, then a pointwise ``1×1`` convolution
Conv1D/2D/3DTranspose           ``2·input_positions·in_channels·prod(kernel)·filters``, ``+ n``
Max/AveragePooling1D/2D/3D      ``prod(pool_size)·n``
GlobalMax/AveragePooling        one per input element
BatchNormalization (inference)  2 per element (scale and shift)
LayerNormalization              5 per element, ``+ 1`` each for ``scale`` and ``center``
GroupNormalization              as LayerNormalization
MultiHeadAttention              the four projections (as Dense), query scaling,
                                ``QKᵀ`` and the weighted sum (``2·Tq·Tk·heads·dim``
                                each) and the softmax
Add, Subtract, Multiply, …      ``(inputs − 1)·n``
Rescaling                       2 per element
==============================  ====================================================

Layers that move data without arithmetic (Flatten, Reshape, Dropout, Embedding,
Concatenate, …) cost 0; nested Sequential/Functional models are counted layer by
layer. Any other layer is counted as 0 and named in a warning, so an undercount
is never silent. Only Sequential and Functional models can be counted (their
layers' shapes are known); dimensions other than the batch must be fixed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras  # type: ignore[import-untyped]

from runyard.integration.keras.active_run import warn_once

__all__ = ["count_flops", "get_flops"]

L = keras.layers
_CONV = (L.Conv1D, L.Conv2D, L.Conv3D)
_DEPTHWISE = (L.DepthwiseConv1D, L.DepthwiseConv2D)
_SEPARABLE = (L.SeparableConv1D, L.SeparableConv2D)
_TRANSPOSE = (L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose)
_POOL = (
    L.MaxPooling1D,
    L.MaxPooling2D,
    L.MaxPooling3D,
    L.AveragePooling1D,
    L.AveragePooling2D,
    L.AveragePooling3D,
)
_GLOBAL_POOL = (
    L.GlobalMaxPooling1D,
    L.GlobalMaxPooling2D,
    L.GlobalMaxPooling3D,
    L.GlobalAveragePooling1D,
    L.GlobalAveragePooling2D,
    L.GlobalAveragePooling3D,
)
_MERGE = (L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum)
_FREE = (
    L.InputLayer,
    L.Flatten,
    L.Reshape,
    L.Permute,
    L.RepeatVector,
    L.Dropout,
    L.SpatialDropout1D,
    L.SpatialDropout2D,
    L.SpatialDropout3D,
    L.GaussianNoise,
    L.GaussianDropout,
    L.AlphaDropout,
    L.Embedding,
    L.Concatenate,
    L.Identity,
    L.ZeroPadding1D,
    L.ZeroPadding2D,
    L.ZeroPadding3D,
    L.Cropping1D,
    L.Cropping2D,
    L.Cropping3D,
    L.UpSampling1D,
    L.UpSampling2D,
    L.UpSampling3D,
)
SOFTMAX_FLOPS = 5


def get_flops(model: Any) -> float:
    """GFLOPs of one inference of ``model`` on one sample (see the module doc)."""
    if keras.backend.backend() == "tensorflow":
        return _profiled_flops(model)
    return count_flops(model) / 1e9 / 2


def _profiled_flops(model: Any) -> float:
    """wandb's method: TensorFlow's profiler over the frozen inference graph."""
    import tensorflow as tf  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from tensorflow.python.framework.convert_to_constants import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        convert_variables_to_constants_v2_as_graph,
    )

    specs = [tf.TensorSpec([1, *inp.shape[1:]], inp.dtype) for inp in model.inputs]
    concrete = tf.function(model).get_concrete_function(specs[0] if len(specs) == 1 else specs)
    frozen, _ = convert_variables_to_constants_v2_as_graph(concrete)
    profiler = tf.compat.v1.profiler
    options = (
        profiler.ProfileOptionBuilder(profiler.ProfileOptionBuilder.float_operation())
        .with_empty_output()
        .build()
    )
    flops = profiler.profile(
        graph=frozen.graph, run_meta=tf.compat.v1.RunMetadata(), cmd="scope", options=options
    )
    return float(flops.total_float_ops) / 1e9 / 2


def count_flops(model: Any) -> int:
    """Float operations of one inference on one sample, layer by layer."""
    if not isinstance(model, keras.Sequential) and not _is_functional(model):
        raise ValueError(
            "FLOPs can only be counted for Sequential and Functional models, "
            f"not {type(model).__name__}"
        )
    return sum(_layer_flops(layer) for layer in model.layers)


def _is_functional(model: Any) -> bool:
    return isinstance(model, keras.Model) and type(model).__name__ == "Functional"


def _shape(tensor: Any, layer: Any) -> tuple[int, ...]:
    """The shape of one sample's tensor with a batch of 1."""
    dims = tuple(tensor.shape)
    if any(d is None for d in dims[1:]):
        raise ValueError(
            f"cannot count the FLOPs of layer {layer.name!r}: its shape {dims} "
            "has unknown dimensions besides the batch"
        )
    return (1, *(int(d) for d in dims[1:]))


def _shapes(value: Any, layer: Any) -> list[tuple[int, ...]]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [_shape(t, layer) for t in value]
    return [_shape(value, layer)]


def _channels_last(layer: Any) -> bool:
    return getattr(layer, "data_format", "channels_last") != "channels_first"


def _split(shape: Sequence[int], layer: Any) -> tuple[int, int]:
    """(spatial positions, channels) of a convolution's input or output."""
    if _channels_last(layer):
        return math.prod(shape[1:-1]), shape[-1]
    return math.prod(shape[2:]), shape[1]


def _activation(layer: Any, n: int) -> int:
    activation = getattr(layer, "activation", None)
    return SOFTMAX_FLOPS * n if getattr(activation, "__name__", "") == "softmax" else 0


def _layer_flops(layer: Any) -> int:
    if isinstance(layer, keras.Model) and (
        isinstance(layer, keras.Sequential) or _is_functional(layer)
    ):
        return count_flops(layer)
    if isinstance(layer, _FREE):
        return 0
    inputs = _shapes(layer.input, layer)
    out = _shapes(layer.output, layer)[0]
    n = math.prod(out)
    bias = n if getattr(layer, "use_bias", False) else 0
    kernel = math.prod(int(k) for k in getattr(layer, "kernel_size", ()) or (1,))
    if isinstance(layer, L.Dense):
        return 2 * (n // out[-1]) * inputs[0][-1] * out[-1] + bias + _activation(layer, n)
    if isinstance(layer, _SEPARABLE):
        positions, in_channels = _split(inputs[0], layer)
        out_positions, _ = _split(out, layer)
        middle = out_positions * in_channels * int(layer.depth_multiplier)
        pointwise = 2 * middle * int(layer.filters)
        return 2 * middle * kernel + pointwise + bias + _activation(layer, n)
    if isinstance(layer, _DEPTHWISE):
        return 2 * n * kernel + bias + _activation(layer, n)
    if isinstance(layer, _TRANSPOSE):
        positions, in_channels = _split(inputs[0], layer)
        return (
            2 * positions * in_channels * kernel * int(layer.filters) + bias + _activation(layer, n)
        )
    if isinstance(layer, _CONV):
        _, in_channels = _split(inputs[0], layer)
        groups = int(getattr(layer, "groups", 1) or 1)
        return 2 * n * kernel * in_channels // groups + bias + _activation(layer, n)
    if isinstance(layer, _POOL):
        return math.prod(int(p) for p in layer.pool_size) * n
    if isinstance(layer, _GLOBAL_POOL):
        return math.prod(inputs[0])
    if isinstance(layer, L.BatchNormalization):
        return 2 * n
    if isinstance(layer, (L.LayerNormalization, L.GroupNormalization)):
        return (5 + int(bool(layer.scale)) + int(bool(layer.center))) * n
    if isinstance(layer, L.MultiHeadAttention):
        return _attention_flops(layer, inputs, out)
    if isinstance(layer, _MERGE):
        return (len(inputs) - 1) * n
    if isinstance(layer, L.Softmax) or (isinstance(layer, L.Activation) and _activation(layer, 1)):
        return SOFTMAX_FLOPS * n
    if isinstance(layer, L.Activation):
        return 0
    if isinstance(layer, L.Rescaling):
        return 2 * n
    warn_once(
        f"flops-{type(layer).__name__}",
        f"FLOPs of {type(layer).__name__} layers are not counted (layer {layer.name!r})",
    )
    return 0


def _attention_flops(layer: Any, inputs: list[tuple[int, ...]], out: tuple[int, ...]) -> int:
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    heads, key_dim, value_dim = int(layer.num_heads), int(layer.key_dim), int(layer.value_dim)
    tq, tk, tv = (math.prod(s[1:-1]) for s in (query, key, value))
    with_bias = 1 if layer.use_bias else 0
    projections = (
        tq * heads * key_dim * (2 * query[-1] + with_bias)
        + tk * heads * key_dim * (2 * key[-1] + with_bias)
        + tv * heads * value_dim * (2 * value[-1] + with_bias)
        + tq * out[-1] * (2 * heads * value_dim + with_bias)
    )
    scaling = tq * heads * key_dim
    scores = 2 * tq * tk * heads * key_dim
    softmax = SOFTMAX_FLOPS * heads * tq * tk
    weighted = 2 * tq * tk * heads * value_dim
    return projections + scaling + scores + softmax + weighted
