"""Arrays and tensors from numpy, torch, tensorflow and jax, seen as numpy arrays.

The frameworks are recognised by the module and qualified name of the value's
class (or one of its bases), never by importing them: logging a numpy array
must not pay for ``import torch``. Conversion only calls the value's own
methods.

What ``run.log`` stores for an array follows wandb: one element becomes a
Python scalar, up to 32 elements a nested list, more a 32-bin histogram
(:func:`history_value`). What ``run.summary`` stores for a large array is the
description built by :func:`summary_stats`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "HISTOGRAM_BINS",
    "MAX_LIST_SIZE",
    "history_value",
    "summary_stats",
    "tensor_type_name",
    "to_numpy",
]

MAX_LIST_SIZE = 32
"""Arrays with more elements than this are logged as a histogram (wandb's rule)."""

HISTOGRAM_BINS = 32
"""Number of bins of the histogram that stands for a large logged array."""

# (module prefix, class qualnames) for each framework's concrete array types.
# Bases are matched too, so subclasses (torch.nn.Parameter, torch.nn.Buffer,
# tensor subclasses) are recognised through torch.Tensor.
_TORCH_NAMES = frozenset({"Tensor"})
_TF_NAMES = frozenset(
    {"EagerTensor", "_EagerTensorBase", "ResourceVariable", "BaseResourceVariable"}
)
_JAX_NAMES = frozenset({"ArrayImpl"})

_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)

# torch dtypes that ``Tensor.numpy()`` refuses, widened before conversion.
_TORCH_TO_FLOAT32 = ("torch.bfloat16", "torch.float8")
_TORCH_TO_COMPLEX64 = ("torch.complex32",)


def _framework(v: object) -> str | None:
    """Name the framework whose array type ``v`` is an instance of."""
    for cls in type(v).__mro__:
        module = cls.__module__
        name = cls.__qualname__
        if module == "torch" and name in _TORCH_NAMES:
            return "torch"
        if module.startswith("tensorflow.") and name in _TF_NAMES:
            return "tensorflow"
        if (module.startswith(("jax.", "jaxlib.")) or module in ("jax", "jaxlib")) and (
            name in _JAX_NAMES
        ):
            return "jax"
    return None


def tensor_type_name(v: object) -> str | None:
    """Return the array type name used in summaries, or None if ``v`` is no array.

    Numpy scalar types such as ``np.float32(1.0)`` are scalars, not arrays, and
    give None; a 0-d ``np.ndarray`` is an array. No framework is imported.

    Args:
        v: Any value.

    Returns:
        ``"numpy.ndarray"``, ``"torch.Tensor"``, ``"tensorflow.Tensor"``,
        ``"jax.Array"`` or None.

    Example:
        >>> import numpy as np
        >>> tensor_type_name(np.zeros(3))
        'numpy.ndarray'
        >>> tensor_type_name(np.float32(1.0)) is None
        True
    """
    if isinstance(v, np.ndarray):
        return "numpy.ndarray"
    framework = _framework(v)
    if framework == "torch":
        return "torch.Tensor"
    if framework == "tensorflow":
        return "tensorflow.Tensor"
    if framework == "jax":
        return "jax.Array"
    return None


def _widen_exotic_dtype(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Cast ml_dtypes types (bfloat16, float8, int4 from jax/tensorflow) to plain numpy."""
    scalar_type = arr.dtype.type
    if scalar_type.__module__.split(".")[0] != "ml_dtypes":
        return arr
    if arr.dtype.name.startswith(("int", "uint")):
        return arr.astype(np.int64)
    return arr.astype(np.float32)


def _torch_to_numpy(t: Any) -> npt.NDArray[Any]:
    t = t.detach()
    if str(t.layout) != "torch.strided":  # sparse tensors
        t = t.to_dense()
    if t.is_quantized:
        t = t.dequantize()
    t = t.cpu().resolve_conj().resolve_neg()
    dtype = str(t.dtype)
    if dtype.startswith(_TORCH_TO_FLOAT32):
        t = t.float()
    elif dtype.startswith(_TORCH_TO_COMPLEX64):
        t = t.cfloat()
    return np.asarray(t.numpy())


def to_numpy(v: object) -> npt.NDArray[Any]:
    """Convert a numpy array or a torch, tensorflow or jax tensor to a numpy array.

    torch tensors are detached and moved to the CPU; ``bfloat16`` and
    ``float8`` tensors become ``float32`` (numpy has no such dtypes), as do the
    ``ml_dtypes`` types that jax and tensorflow hand back.

    Args:
        v: A value for which :func:`tensor_type_name` is not None.

    Returns:
        A numpy array (an ``np.ndarray`` subclass becomes a plain ``np.ndarray``).

    Raises:
        TypeError: ``v`` is not an array or tensor of a known framework.

    Example:
        >>> import numpy as np
        >>> to_numpy(np.arange(3)).tolist()
        [0, 1, 2]
    """
    if isinstance(v, np.ndarray):
        return np.asarray(v)
    framework = _framework(v)
    obj: Any = v
    if framework == "torch":
        return _torch_to_numpy(obj)
    if framework == "tensorflow":
        return _widen_exotic_dtype(np.asarray(obj.numpy()))
    if framework == "jax":
        return _widen_exotic_dtype(np.asarray(obj))
    raise TypeError(f"expected a numpy array or a torch/tensorflow/jax tensor, got {type(v)!r}")


def _check_numeric(arr: npt.NDArray[Any], what: str) -> None:
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"cannot compute {what} of an array of dtype {str(arr.dtype)!r}")


def history_value(arr: npt.NDArray[Any]) -> Any:
    """Return what ``run.log`` stores for an array (wandb's rules).

    * ``size == 1``: the Python scalar (``arr.item()``).
    * ``size <= 32``: the nested Python list (``arr.tolist()``).
    * ``size > 32``: ``Histogram(arr, num_bins=32).to_json()``.

    **Deliberate difference from wandb:** wandb lets numpy raise ``ValueError``
    (``autodetected range of [nan, nan] is not finite``) when an array of more
    than 32 elements contains NaN or ±inf, so the whole ``log`` call is lost.
    Here the histogram is built from the finite values and the histogram dict
    gets a ``"nonfinite"`` entry counting what was left out, e.g.
    ``{"nan": 3, "inf": 1}`` (only non-zero counts; ``"-inf"`` for negative
    infinity). If no value is finite, the histogram is 32 zero counts over the
    edges 0..1, as ``Histogram([], num_bins=32)``.

    Args:
        arr: A numpy array (see :func:`to_numpy`).

    Returns:
        A Python scalar, a nested list, or a histogram dict
        ``{"_type": "histogram", "values": [...], "bins": [...]}``.

    Raises:
        TypeError: More than 32 elements of a non-numeric or complex dtype.

    Example:
        >>> import numpy as np
        >>> history_value(np.array([[1.5]]))
        1.5
        >>> history_value(np.arange(3))
        [0, 1, 2]
        >>> h = history_value(np.array([np.nan] + [1.0] * 40))
        >>> sum(h["values"]), h["nonfinite"]
        (40, {'nan': 1})
    """
    # Imported here: histogram.py uses this module to read tensors.
    from runyard.data_types.histogram import Histogram

    arr = np.asarray(arr)
    if arr.size == 1:
        return arr.item()
    if arr.size <= MAX_LIST_SIZE:
        return arr.tolist()
    _check_numeric(arr, "a histogram")
    if arr.dtype.kind != "f":
        return Histogram(arr, num_bins=HISTOGRAM_BINS).to_json()
    finite = np.isfinite(arr)
    if finite.all():
        return Histogram(arr, num_bins=HISTOGRAM_BINS).to_json()
    counts = {
        "nan": int(np.count_nonzero(np.isnan(arr))),
        "inf": int(np.count_nonzero(np.isposinf(arr))),
        "-inf": int(np.count_nonzero(np.isneginf(arr))),
    }
    result = Histogram(arr[finite], num_bins=HISTOGRAM_BINS).to_json()
    result["nonfinite"] = {k: n for k, n in counts.items() if n}
    return result


def summary_stats(arr: npt.NDArray[Any], type_name: str) -> dict[str, Any]:
    """Describe a large array for the run summary (SPEC §3).

    All statistics are Python floats computed in float64; percentiles use
    numpy's default linear method, so ``np.arange(100.)`` gives
    ``"10%": 9.9, "90%": 89.10000000000001`` as wandb does. Bool arrays count
    as 0/1.

    **NaN handling (a choice of ours; wandb lets one NaN turn every statistic
    into NaN):** NaN values are ignored, as by ``np.nanmean`` and friends, and
    a ``"nan_count"`` key is added when there are any. Infinities are values:
    they show in ``min``/``max`` and make ``mean`` infinite and ``var`` NaN.
    With no non-NaN value at all (or an empty array) every statistic is NaN.
    The caller adds ``"path"`` (where the array itself is stored).

    Args:
        arr: A numpy array (see :func:`to_numpy`).
        type_name: The ``"_type"`` to record, from :func:`tensor_type_name`.

    Returns:
        ``{"_type", "shape", "dtype", "size", "min", "max", "mean", "var",
        "std", "5%", "10%", "25%", "50%", "75%", "90%", "95%"}`` plus
        ``"nan_count"`` when positive.

    Raises:
        TypeError: The dtype is not bool, integer or float (complex, strings,
            objects, datetimes); the message names the dtype.

    Example:
        >>> import numpy as np
        >>> s = summary_stats(np.arange(100.0), "numpy.ndarray")
        >>> s["mean"], s["var"], s["25%"], s["shape"]
        (49.5, 833.25, 24.75, [100])
    """
    arr = np.asarray(arr)
    _check_numeric(arr, "summary statistics")
    flat = arr.reshape(-1).astype(np.float64)
    nan = np.isnan(flat)
    nan_count = int(np.count_nonzero(nan))
    valid = flat[~nan] if nan_count else flat

    stats: dict[str, Any] = {
        "_type": type_name,
        "shape": [int(n) for n in arr.shape],
        "dtype": arr.dtype.name,
        "size": int(arr.size),
    }
    names = ["min", "max", "mean", "var", "std", *(f"{p}%" for p in _PERCENTILES)]
    if valid.size == 0:
        stats.update(dict.fromkeys(names, float("nan")))
    else:
        # Infinities give inf - inf = nan in var/percentiles; that is the answer, not a warning.
        with np.errstate(invalid="ignore", over="ignore"):
            values = [
                float(np.min(valid)),
                float(np.max(valid)),
                float(np.mean(valid)),
                float(np.var(valid)),
                float(np.std(valid)),
                *(float(q) for q in np.percentile(valid, _PERCENTILES)),
            ]
        stats.update(zip(names, values, strict=True))
    if nan_count:
        stats["nan_count"] = nan_count
    return stats
