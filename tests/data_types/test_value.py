"""Tests for runyard.data_types.value: wandb's value normalisation."""

from __future__ import annotations

import datetime
import enum
import functools
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runyard.data_types.value as value_module
from runyard.data_types.histogram import Histogram
from runyard.data_types.value import normalize, normalize_summary_tensor
from runyard.metrics.values import MAX_DEPTH


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):
    TRAIN = "train"


class DataFrame:
    __module__ = "pandas.core.frame"

    def to_json(self) -> str:
        return "{}"


class Media:
    def to_json(self, run: object = None) -> dict[str, Any]:
        return {"_type": "media"}


def helper() -> None:
    """A module-level function."""


def assert_same(actual: Any, expected: Any) -> None:
    """Equal, with the same Python types all the way down."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_same(a, e)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == expected


# --- scalars ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (3, 3),
        (1.5, 1.5),
        ("s", "s"),
        (np.float32(0.5), 0.5),
        (np.float16(0.25), 0.25),
        (np.float64(2.0), 2.0),
        (np.int64(7), 7),
        (np.int8(-3), -3),
        (np.uint8(200), 200),
        (np.bool_(True), True),
        (np.bool_(False), False),
        (np.str_("abc"), "abc"),
        (np.bytes_(b"ab"), "ab"),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        (2**63, 9.223372036854776e18),
        (2**70, 1.1805916207174113e21),
        (np.uint64(2**64 - 1), 1.8446744073709552e19),
        (10**400, math.inf),
        (-(10**400), -math.inf),
    ],
)
def test_scalars(value: object, expected: object) -> None:
    assert_same(normalize(value), expected)


def test_nonfinite_floats_are_kept() -> None:
    assert math.isnan(normalize(np.float32("nan")))
    assert type(normalize(np.float32("nan"))) is float
    assert normalize(np.float64("inf")) == math.inf
    assert normalize(float("-inf")) == -math.inf


def test_bytes_datetime_and_enum() -> None:
    assert normalize(b"hi") == "hi"
    assert normalize(b"a\xffb") == "a\ufffdb"
    assert normalize(datetime.datetime(2024, 5, 6, 7, 8, 9)) == "2024-05-06T07:08:09"
    assert normalize(datetime.date(2024, 5, 6)) == "2024-05-06"
    assert normalize(datetime.time(7, 8)) == "07:08:00"
    assert normalize(Color.RED) == "RED"
    assert_same(normalize(Level.HIGH), 3)
    assert_same(normalize(Mode.TRAIN), "train")


def test_callables() -> None:
    assert normalize(helper) == f"{__name__}.helper"
    assert normalize(Color) == f"{__name__}.Color"
    assert normalize(len) == "builtins.len"
    assert normalize(np.mean) == "numpy.mean"
    assert normalize(lambda: 0) == f"{__name__}.test_callables.<locals>.<lambda>"
    assert normalize(functools.partial(helper)) == "functools.partial"


def test_complex_is_rejected() -> None:
    with pytest.raises(TypeError, match="complex"):
        normalize(np.complex64(1 + 2j))
    with pytest.raises(TypeError, match=r"builtins\.complex"):
        normalize(1j)


# --- containers ---------------------------------------------------------------------


def test_lists_and_tuples_are_never_histograms() -> None:
    long_list = [float(i) for i in range(100)]
    assert normalize(long_list) == long_list
    assert_same(normalize(tuple(range(50))), list(range(50)))
    assert_same(normalize([np.float32(1.0), (np.int64(2), [np.bool_(False)])]), [1.0, [2, [False]]])


def test_sets() -> None:
    assert_same(normalize({3, 1, 2}), [1, 2, 3])
    assert_same(normalize(frozenset({"b", "a"})), ["a", "b"])
    mixed = normalize({1, "a"})
    assert sorted(mixed, key=str) == [1, "a"]


def test_dicts_nested() -> None:
    value = {"a": {"b": np.float32(1.0), "c": [np.int64(2)]}, "d": np.arange(3)}
    assert_same(normalize(value), {"a": {"b": 1.0, "c": [2]}, "d": [0, 1, 2]})


def test_dict_keys_that_are_not_strings_become_strings_as_in_wandb() -> None:
    assert normalize({1: 2}) == {"1": 2}
    assert normalize({"ok": {("a",): 1, None: [{2.5: 3}]}}) == {
        "ok": {"('a',)": 1, "None": [{"2.5": 3}]}
    }


def test_values_nested_too_deep_are_refused() -> None:
    value: Any = 1
    for _ in range(MAX_DEPTH):
        value = [value]
    assert normalize(value) is not None
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_DEPTH} levels"):
        normalize([value])


def test_self_containing_values() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        normalize(loop)
    shared = [1, 2]
    assert normalize({"a": shared, "b": shared}) == {"a": [1, 2], "b": [1, 2]}


# --- arrays and tensors -------------------------------------------------------------


def test_numpy_arrays() -> None:
    assert_same(normalize(np.array([[3.0]])), 3.0)
    assert_same(normalize(np.array(5)), 5)
    assert_same(normalize(np.arange(4).reshape(2, 2)), [[0, 1], [2, 3]])
    assert_same(normalize(np.array(["a", "b"])), ["a", "b"])
    assert_same(normalize(np.array([b"x"])), "x")
    big = normalize(np.arange(100.0))
    assert big["_type"] == "histogram"
    assert len(big["values"]) == 32
    assert len(big["bins"]) == 33


def test_numpy_array_with_nan_does_not_raise() -> None:
    value = normalize({"w": np.concatenate([np.ones(40), [np.nan]])})
    assert value["w"]["nonfinite"] == {"nan": 1}


def test_to_json_objects_are_returned_unchanged() -> None:
    h = Histogram([1, 2, 3])
    media = Media()
    assert normalize(h) is h
    result = normalize({"h": h, "m": [media]})
    assert result["h"] is h
    assert result["m"][0] is media
    assert normalize(Histogram) == "runyard.data_types.histogram.Histogram"


def test_pandas_frames_are_refused() -> None:
    with pytest.raises(TypeError, match="Table"):
        normalize(DataFrame())


def test_unknown_type_error_names_type_and_trims_repr() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "O" * 200

    with pytest.raises(TypeError) as info:
        normalize({"x": Opaque()})
    message = str(info.value)
    assert "Opaque" in message
    assert "O" * 77 + "..." in message
    assert "O" * 78 not in message
    with pytest.raises(TypeError, match=r"builtins\.range"):
        normalize(range(3))


def test_torch_tensors(torch: Any) -> None:
    assert_same(normalize(torch.tensor(2.5)), 2.5)
    assert_same(normalize(torch.tensor(3)), 3)
    assert_same(normalize(torch.tensor(True)), True)
    assert_same(normalize(torch.tensor([1.0, 2.0], requires_grad=True)), [1.0, 2.0])
    assert_same(normalize(torch.tensor(0.5, dtype=torch.bfloat16)), 0.5)
    assert_same(normalize(torch.tensor([[1.5, 2.0]], dtype=torch.bfloat16)), [[1.5, 2.0]])
    big = normalize({"w": torch.nn.Parameter(torch.randn(10, 10))})
    assert big["w"]["_type"] == "histogram"
    assert len(big["w"]["values"]) == 32
    assert sum(big["w"]["values"]) == 100


# --- normalize_summary_tensor -------------------------------------------------------


def test_summary_tensor_numpy() -> None:
    arr = np.zeros((4, 10))
    result = normalize_summary_tensor(arr)
    assert result is not None
    out, name = result
    assert out is arr
    assert name == "numpy.ndarray"


@pytest.mark.parametrize("value", [np.zeros(32), np.float64(1.0), list(range(100)), 5, "x", None])
def test_summary_tensor_none_for_small_or_other(value: object) -> None:
    assert normalize_summary_tensor(value) is None


def test_summary_tensor_torch(torch: Any) -> None:
    result = normalize_summary_tensor(torch.ones(33, requires_grad=True, dtype=torch.bfloat16))
    assert result is not None
    arr, name = result
    assert name == "torch.Tensor"
    assert isinstance(arr, np.ndarray)
    assert arr.dtype == np.float32
    assert normalize_summary_tensor(torch.ones(32)) is None


# --- lightness ----------------------------------------------------------------------


def test_normalizing_numpy_does_not_import_torch() -> None:
    src = Path(value_module.__file__).resolve().parents[2]
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import runyard.data_types.value as value
        value.normalize({"a": np.float32(1), "b": np.arange(100.0), "c": np.arange(3)})
        value.normalize_summary_tensor(np.zeros(100))
        value.normalize([np.int64(1), {"d": np.bool_(True)}])
        heavy = [m for m in ("torch", "tensorflow", "jax", "pandas") if m in sys.modules]
        assert not heavy, heavy
        """
    )
    paths = [str(src), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
