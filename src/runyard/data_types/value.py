"""Turn logged values into JSON-ready Python values, with wandb's conversions.

The SDK sends plain JSON scalars (``str``, ``int``, ``float``, ``bool``,
``None``) straight through and calls :func:`normalize` on everything else.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from runyard.data_types.tensor import (
    MAX_LIST_SIZE,
    history_value,
    tensor_type_name,
    to_numpy,
)
from runyard.metrics.values import INT64_MAX, INT64_MIN, MAX_DEPTH, wide_int_float

__all__ = ["normalize", "normalize_summary_tensor"]

_REPR_LIMIT = 80
_PLAIN = (str, float, bool, type(None))
# Have a to_json() that returns a str, which would be logged as text; wandb refuses them too.
_PANDAS_TABLES = frozenset({"DataFrame", "Series"})


def _short_repr(v: object) -> str:
    try:
        text = repr(v)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(v).__qualname__} object>"
    if len(text) > _REPR_LIMIT:
        text = text[: _REPR_LIMIT - 3] + "..."
    return text


def _type_path(obj: object) -> str:
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', None)}"


def _int(v: int) -> int | float:
    """Keep an int that fits int64; wider ones become floats, as in wandb."""
    if INT64_MIN <= v <= INT64_MAX:
        return v
    return wide_int_float(v)


def _numpy_scalar(v: np.generic) -> Any:
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return _int(int(v))
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.complexfloating):
        raise TypeError(f"cannot log a complex number: {_short_repr(v)}")
    item = v.item()  # str_, bytes_, datetime64, and ml_dtypes scalars
    if isinstance(item, np.generic):
        try:
            return float(item)
        except (TypeError, ValueError):
            raise TypeError(
                f"cannot log a value of type {_type_path(type(v))}: {_short_repr(v)}"
            ) from None
    return item


def normalize(v: object) -> Any:
    """Convert a logged value to plain JSON-ready Python values, recursively.

    The conversions are wandb's:

    * numpy scalars become Python scalars (``np.float32`` → ``float``,
      ``np.int64`` → ``int``, ``np.bool_`` → ``bool``);
    * numpy arrays and torch/tensorflow/jax tensors become a scalar (one
      element), a nested list (up to 32) or a 32-bin histogram dict (more), see
      :func:`runyard.data_types.tensor.history_value`;
    * ``list`` and ``tuple`` become lists of normalised items, whatever their
      length (never a histogram); ``set``/``frozenset`` become lists (sorted
      when the items allow it, so the result is stable);
    * ``int`` outside int64 becomes ``float``; ``float('nan')``/``inf`` are
      kept (they are written as ``NaN``/``Infinity``);
    * ``bytes`` is decoded as UTF-8 (undecodable bytes become U+FFFD);
      ``datetime``/``date``/``time`` become ``isoformat()``;
    * an ``Enum`` member becomes its ``.name``, except ``int``/``str`` enums
      (``IntEnum``, ``StrEnum``), which are written as their value, as wandb's
      JSON encoder does;
    * a callable (function, class) becomes ``"module.qualname"``;
    * objects with a ``to_json()`` method (``Histogram``, media) are returned
      unchanged for the SDK to serialise;
    * a dict becomes a dict with normalised values; a key that is not a string
      becomes ``str(key)``, as wandb stores it (the SDK refuses such keys at the top
      level of a logged row, with wandb's ``TypeError``);
    * containers nested deeper than
      :data:`~runyard.metrics.values.MAX_DEPTH` are refused (``ValueError``).

    Args:
        v: The value to convert.

    Returns:
        ``None``, ``bool``, ``int``, ``float``, ``str``, a list or dict of those,
        or an object with ``to_json()``.

    Raises:
        TypeError: The value cannot be logged (the message names its type and
            shows its repr, trimmed to 80 characters).
        ValueError: A dict or list contains itself, or is nested too deep.

    Example:
        >>> import numpy as np
        >>> normalize({"lr": np.float32(0.5), "ids": (np.int64(1), 2), "ok": np.bool_(True)})
        {'lr': 0.5, 'ids': [1, 2], 'ok': True}
        >>> normalize(2**70)
        1.1805916207174113e+21
        >>> normalize(np.arange(40.0))["_type"]
        'histogram'
    """
    return _normalize(v, set())


def _normalize(v: object, active: set[int]) -> Any:
    """Do :func:`normalize`; ``active`` holds the ids of the containers being walked."""
    if type(v) in _PLAIN:
        return v
    if type(v) is int:
        return _int(v)
    if isinstance(v, np.generic):
        return _normalize(_numpy_scalar(v), active)
    if tensor_type_name(v) is not None:
        value = history_value(to_numpy(v))
        # Lists and scalars may hold objects (object, str or datetime arrays).
        return value if isinstance(value, dict) else _normalize(value, active)
    if isinstance(v, Mapping | list | tuple | set | frozenset):
        if id(v) in active:
            raise ValueError(f"cannot log a value that contains itself: {_short_repr(v)}")
        if len(active) >= MAX_DEPTH:  # `active` holds the containers around `v`
            raise ValueError(
                f"cannot log a value nested deeper than {MAX_DEPTH} levels of dicts and "
                f"lists: {_short_repr(v)}"
            )
        active.add(id(v))
        try:
            return _normalize_container(v, active)
        finally:
            active.discard(id(v))
    # Subclasses of plain types, IntEnum and StrEnum included: their plain value.
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return _int(int(v))
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, datetime.date | datetime.time):
        return v.isoformat()
    if isinstance(v, enum.Enum):
        return v.name
    if type(v).__module__.split(".")[0] == "pandas" and type(v).__qualname__ in _PANDAS_TABLES:
        raise TypeError(
            f"cannot log a pandas {type(v).__qualname__} directly; "
            f"log a Table(dataframe=...) instead: {_short_repr(v)}"
        )
    if not isinstance(v, type) and callable(getattr(v, "to_json", None)):
        return v
    if callable(v):
        if hasattr(v, "__qualname__") and hasattr(v, "__module__"):
            return _type_path(v)
        return _type_path(type(v))  # functools.partial, callable instances
    raise TypeError(f"cannot log a value of type {_type_path(type(v))}: {_short_repr(v)}")


def _normalize_container(
    v: Mapping[Any, Any] | list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any],
    active: set[int],
) -> dict[str, Any] | list[Any]:
    if isinstance(v, Mapping):
        result: dict[str, Any] = {}
        for key, item in v.items():
            # wandb stores keys that are not strings as str(key) (id2label = {0: "neg"}).
            name = str.__str__(key) if isinstance(key, str) else str(key)
            result[name] = _normalize(item, active)
        return result
    items = [_normalize(item, active) for item in v]
    if isinstance(v, set | frozenset):
        try:
            return sorted(items)
        except TypeError:  # mixed types: keep iteration order
            return items
    return items


def normalize_summary_tensor(v: object) -> tuple[npt.NDArray[Any], str] | None:
    """Return ``(array, type_name)`` for an array or tensor the summary stores whole.

    ``run.summary[k] = v`` keeps a numpy array or torch/tensorflow/jax tensor of
    more than 32 elements as a file plus the description from
    :func:`runyard.data_types.tensor.summary_stats`; smaller arrays and all other
    values go through :func:`normalize` instead.

    Args:
        v: The value set into the summary.

    Returns:
        The value as a numpy array and its ``"_type"`` name (``"numpy.ndarray"``,
        ``"torch.Tensor"``, ...), or None when ``v`` is not an array with more
        than 32 elements.

    Example:
        >>> import numpy as np
        >>> arr, name = normalize_summary_tensor(np.zeros((4, 10)))
        >>> arr.shape, name
        ((4, 10), 'numpy.ndarray')
        >>> normalize_summary_tensor(np.zeros(32)) is None
        True
    """
    type_name = tensor_type_name(v)
    if type_name is None:
        return None
    arr = to_numpy(v)
    if arr.size <= MAX_LIST_SIZE:
        return None
    return arr, type_name
