"""Tests for runyard.data_types.tensor: detection, conversion, history and summary forms."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from runyard.data_types.tensor import history_value, summary_stats, tensor_type_name, to_numpy


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


# Stand-ins for framework types: recognised by module and qualname, like the real ones.
class EagerTensor:
    __module__ = "tensorflow.python.framework.ops"

    def __init__(self, value: Any) -> None:
        self.value = value

    def numpy(self) -> Any:
        arr = np.asarray(self.value)
        return arr[()] if arr.ndim == 0 else arr  # tf gives numpy scalars for 0-d tensors


class ResourceVariable(EagerTensor):
    __module__ = "tensorflow.python.ops.resource_variable_ops"


class ArrayImpl:
    __module__ = "jaxlib._jax"

    def __init__(self, value: Any) -> None:
        self.value = np.asarray(value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> npt.NDArray[Any]:
        return self.value


class Tensor:
    """Same qualname as torch.Tensor, wrong module: not a tensor."""


class SubArray(np.ndarray):
    """An ndarray subclass."""


# --- tensor_type_name ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [np.zeros(3), np.zeros((2, 2)), np.array(1.0), np.array(["a"]), np.zeros(2).view(SubArray)],
)
def test_numpy_arrays_are_named(value: object) -> None:
    assert tensor_type_name(value) == "numpy.ndarray"


@pytest.mark.parametrize(
    "value",
    [np.float32(1.0), np.int64(1), np.bool_(True), 1.0, [1.0, 2.0], (1,), "x", None, Tensor()],
)
def test_scalars_and_others_are_not_arrays(value: object) -> None:
    assert tensor_type_name(value) is None


def test_torch_types_are_named(torch: Any) -> None:
    assert tensor_type_name(torch.zeros(3)) == "torch.Tensor"
    assert tensor_type_name(torch.tensor(1.0)) == "torch.Tensor"
    assert tensor_type_name(torch.zeros(3, requires_grad=True)) == "torch.Tensor"
    assert tensor_type_name(torch.nn.Parameter(torch.zeros(3))) == "torch.Tensor"
    assert tensor_type_name(torch.float32) is None


def test_tensorflow_and_jax_types_are_named() -> None:
    assert tensor_type_name(EagerTensor([1.0])) == "tensorflow.Tensor"
    assert tensor_type_name(ResourceVariable([1.0])) == "tensorflow.Tensor"
    assert tensor_type_name(ArrayImpl([1.0])) == "jax.Array"


# --- to_numpy -----------------------------------------------------------------------


def test_to_numpy_numpy_passthrough() -> None:
    arr = np.arange(4.0)
    assert to_numpy(arr) is arr
    plain = to_numpy(np.arange(3.0).view(SubArray))
    assert type(plain) is np.ndarray


def test_to_numpy_torch_requires_grad(torch: Any) -> None:
    t = torch.arange(4.0, requires_grad=True) * 2
    arr = to_numpy(t)
    assert isinstance(arr, np.ndarray)
    assert arr.tolist() == [0.0, 2.0, 4.0, 6.0]


def test_to_numpy_torch_parameter(torch: Any) -> None:
    arr = to_numpy(torch.nn.Parameter(torch.ones(2, 3)))
    assert arr.shape == (2, 3)
    assert arr.dtype == np.float32


@pytest.mark.parametrize("dtype_name", ["bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_to_numpy_torch_low_precision_becomes_float32(torch: Any, dtype_name: str) -> None:
    t = torch.tensor([1.0, 0.5, -2.0]).to(getattr(torch, dtype_name))
    arr = to_numpy(t)
    assert arr.dtype == np.float32
    assert arr.tolist() == [1.0, 0.5, -2.0]


def test_to_numpy_torch_zero_dim(torch: Any) -> None:
    arr = to_numpy(torch.tensor(3.5, dtype=torch.bfloat16))
    assert arr.shape == ()
    assert arr.item() == 3.5


def test_to_numpy_torch_views_and_layouts(torch: Any) -> None:
    assert to_numpy(torch.eye(2).to_sparse()).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert to_numpy(torch.tensor([1 + 2j]).conj()).tolist() == [1 - 2j]
    assert to_numpy(torch.arange(6.0).reshape(2, 3).T).tolist() == [[0, 3], [1, 4], [2, 5]]


def test_to_numpy_tensorflow_and_jax() -> None:
    assert to_numpy(EagerTensor([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]
    zero_dim = to_numpy(EagerTensor(2.0))
    assert isinstance(zero_dim, np.ndarray)
    assert zero_dim.shape == ()
    assert to_numpy(ArrayImpl([1, 2])).tolist() == [1, 2]


def test_to_numpy_rejects_other_values() -> None:
    with pytest.raises(TypeError, match="list"):
        to_numpy([1, 2])


# --- history_value ------------------------------------------------------------------


def test_history_single_element_is_scalar() -> None:
    value = history_value(np.array([[2.5]]))
    assert value == 2.5
    assert type(value) is float
    assert type(history_value(np.array([7], dtype=np.int32))) is int
    assert history_value(np.array(True)) is True


def test_history_up_to_32_is_nested_list() -> None:
    assert history_value(np.arange(6).reshape(2, 3)) == [[0, 1, 2], [3, 4, 5]]
    assert history_value(np.arange(32.0)) == list(map(float, range(32)))
    assert history_value(np.array([])) == []
    assert history_value(np.array([np.nan, np.inf]))[1] == math.inf


def test_history_above_32_is_32_bin_histogram() -> None:
    value = history_value(np.arange(100.0))
    assert value["_type"] == "histogram"
    assert len(value["values"]) == 32
    assert len(value["bins"]) == 33
    assert sum(value["values"]) == 100
    assert value["bins"][0] == 0.0
    assert value["bins"][1] == 3.09375
    assert value["bins"][-1] == 99.0
    assert "nonfinite" not in value
    assert len(history_value(np.zeros(33))["values"]) == 32


def test_history_multidim_is_flattened() -> None:
    value = history_value(np.ones((3, 4, 5)))
    assert sum(value["values"]) == 60


def test_history_int_and_bool_arrays() -> None:
    assert sum(history_value(np.arange(40))["values"]) == 40
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = history_value(np.array([True, False] * 20))
    assert value["values"][0] == 20
    assert value["values"][-1] == 20


def test_history_nonfinite_are_counted_not_raised() -> None:
    arr = np.concatenate([np.arange(40.0), [np.nan, np.nan, np.inf, -np.inf, -np.inf]])
    value = history_value(arr)
    assert value["nonfinite"] == {"nan": 2, "inf": 1, "-inf": 2}
    assert sum(value["values"]) == 40
    assert value["bins"][0] == 0.0
    assert value["bins"][-1] == 39.0


def test_history_only_nonzero_nonfinite_counts() -> None:
    value = history_value(np.concatenate([np.ones(40, dtype=np.float32), [np.nan]]))
    assert value["nonfinite"] == {"nan": 1}


def test_history_all_nonfinite_is_zero_histogram() -> None:
    value = history_value(np.full(50, np.nan))
    assert value["values"] == [0] * 32
    assert value["bins"] == np.linspace(0, 1, 33).tolist()
    assert value["nonfinite"] == {"nan": 50}


def test_history_large_non_numeric_raises() -> None:
    with pytest.raises(TypeError, match="'complex128'"):
        history_value(np.zeros(40, dtype=complex))
    with pytest.raises(TypeError, match="<U1"):
        history_value(np.array(["a"] * 40))


def test_history_torch_tensors(torch: Any) -> None:
    assert history_value(to_numpy(torch.tensor(2.0, requires_grad=True))) == 2.0
    assert history_value(to_numpy(torch.tensor([0.5, 1.5], dtype=torch.bfloat16))) == [0.5, 1.5]
    assert len(history_value(to_numpy(torch.randn(8, 8)))["values"]) == 32


# --- summary_stats ------------------------------------------------------------------


def test_summary_stats_arange_matches_wandb() -> None:
    stats = summary_stats(np.arange(100.0), "numpy.ndarray")
    assert stats == {
        "_type": "numpy.ndarray",
        "shape": [100],
        "dtype": "float64",
        "size": 100,
        "min": 0.0,
        "max": 99.0,
        "mean": 49.5,
        "var": 833.25,
        "std": math.sqrt(833.25),
        "5%": 4.95,
        "10%": 9.9,
        "25%": 24.75,
        "50%": 49.5,
        "75%": 74.25,
        "90%": 89.10000000000001,
        "95%": 94.05,
    }
    assert list(stats) == [
        "_type", "shape", "dtype", "size", "min", "max", "mean", "var", "std",
        "5%", "10%", "25%", "50%", "75%", "90%", "95%",
    ]  # fmt: skip


def test_summary_stats_types() -> None:
    stats = summary_stats(np.arange(40, dtype=np.int32).reshape(4, 10), "torch.Tensor")
    assert stats["_type"] == "torch.Tensor"
    assert stats["shape"] == [4, 10]
    assert stats["dtype"] == "int32"
    assert type(stats["size"]) is int
    for key in ("min", "max", "mean", "var", "std", "5%", "50%", "95%"):
        assert type(stats[key]) is float, key
    assert stats["max"] == 39.0


def test_summary_stats_bool() -> None:
    stats = summary_stats(np.array([True, False, False, False] * 10), "numpy.ndarray")
    assert stats["mean"] == 0.25
    assert stats["max"] == 1.0


def test_summary_stats_ignores_nan_and_counts_it() -> None:
    arr = np.concatenate([np.arange(100.0), [np.nan] * 3])
    stats = summary_stats(arr, "numpy.ndarray")
    assert stats["nan_count"] == 3
    assert stats["size"] == 103
    assert stats["mean"] == 49.5
    assert stats["90%"] == 89.10000000000001
    assert "nan_count" not in summary_stats(np.arange(100.0), "numpy.ndarray")


def test_summary_stats_infinity_is_a_value() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = summary_stats(np.concatenate([np.arange(40.0), [np.inf]]), "numpy.ndarray")
    assert stats["max"] == math.inf
    assert stats["min"] == 0.0
    assert stats["mean"] == math.inf
    assert math.isnan(stats["var"])
    assert "nan_count" not in stats


@pytest.mark.parametrize("arr", [np.full(40, np.nan), np.zeros(0)])
def test_summary_stats_without_values_is_nan(arr: npt.NDArray[Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = summary_stats(arr, "numpy.ndarray")
    for key in ("min", "max", "mean", "var", "std", "5%", "50%", "95%"):
        assert math.isnan(stats[key]), key
    assert stats.get("nan_count", 0) == arr.size


def test_summary_stats_rejects_complex_with_dtype() -> None:
    with pytest.raises(TypeError, match="complex64"):
        summary_stats(np.zeros(40, dtype=np.complex64), "numpy.ndarray")


def test_summary_stats_torch(torch: Any) -> None:
    arr = to_numpy(torch.arange(100.0, requires_grad=True))
    stats = summary_stats(arr, "torch.Tensor")
    assert stats["dtype"] == "float32"
    assert stats["25%"] == 24.75
    assert stats["var"] == 833.25
