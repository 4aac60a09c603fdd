"""Tests for runyard.data_types.histogram.Histogram (wandb.Histogram's behaviour)."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

from runyard.data_types.histogram import Histogram

EXPECTED_PAIR = (
    "Expected np_histogram to be a tuple of (values, bin_edges) or sequence to be specified"
)


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def test_class_constants() -> None:
    assert Histogram.MAX_LENGTH == 512
    assert Histogram._log_type == "histogram"


def test_sequence_is_binned_with_64_bins_by_default() -> None:
    h = Histogram(list(range(128)))
    assert len(h.histogram) == 64
    assert len(h.bins) == 65
    assert h.histogram == [2] * 64
    assert isinstance(h.histogram, list)
    assert isinstance(h.bins, list)
    assert all(type(c) is int for c in h.histogram)
    assert all(type(b) is float for b in h.bins)


def test_matches_np_histogram() -> None:
    data = np.random.default_rng(0).normal(size=(10, 20))
    counts, edges = np.histogram(data, bins=10)
    h = Histogram(data, num_bins=10)
    assert h.histogram == counts.tolist()
    assert h.bins == edges.tolist()


def test_to_json() -> None:
    h = Histogram([1, 2, 2, 3], num_bins=2)
    assert h.to_json() == {"_type": "histogram", "values": [1, 3], "bins": [1.0, 2.0, 3.0]}
    assert h.to_json(run=object()) == h.to_json()


def test_empty_sequence_gives_64_zeros_over_0_1() -> None:
    h = Histogram([])
    assert h.histogram == [0] * 64
    assert h.bins == np.linspace(0, 1, 65).tolist()
    assert h.bins[0] == 0.0
    assert h.bins[-1] == 1.0


def test_max_length_is_checked_after_binning() -> None:
    assert len(Histogram(np.arange(1000), num_bins=512).histogram) == 512
    with pytest.raises(ValueError, match=r"^The maximum length of a histogram is 512$"):
        Histogram(np.arange(1000), num_bins=513)


def test_np_histogram_used_verbatim() -> None:
    counts, edges = np.histogram([1.0, 2.0, 3.0], bins=3)
    h = Histogram(np_histogram=(counts, edges))
    assert h.histogram == [1, 1, 1]
    assert h.bins == edges.tolist()
    h = Histogram(np_histogram=([0.5, 1.5], [0, 1, 2]))
    assert h.histogram == [0.5, 1.5]
    assert h.bins == [0, 1, 2]


def test_np_histogram_takes_precedence_over_sequence() -> None:
    h = Histogram([1, 2, 3], np_histogram=([4], [0.0, 1.0]))
    assert h.histogram == [4]


@pytest.mark.parametrize("bad", [([1, 2],), ([1], [0, 1], [2]), ()])
def test_np_histogram_must_be_a_pair(bad: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(EXPECTED_PAIR)}$"):
        Histogram(np_histogram=bad)


def test_nothing_given() -> None:
    with pytest.raises(ValueError, match=re.escape(EXPECTED_PAIR)):
        Histogram()


@pytest.mark.parametrize("edges", [[0.0, 1.0], [0.0, 1.0, 2.0, 3.0, 4.0]])
def test_edges_must_be_one_more_than_counts(edges: list[float]) -> None:
    with pytest.raises(ValueError, match=re.escape("len(bins) must be len(histogram) + 1")):
        Histogram(np_histogram=([1, 2, 3], edges))


def test_np_histogram_too_long() -> None:
    with pytest.raises(ValueError, match="The maximum length of a histogram is 512"):
        Histogram(np_histogram=([0] * 513, list(range(514))))


def test_nan_raises_numpy_value_error_like_wandb() -> None:
    with pytest.raises(ValueError, match="not finite"):
        Histogram([1.0, float("nan")])
    with pytest.raises(ValueError, match="not finite"):
        Histogram(np.array([1.0, np.inf]))


def test_bool_sequence_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = Histogram([True, False, True], num_bins=2)
    assert h.histogram == [1, 2]


def test_torch_sequence(torch: Any) -> None:
    t = torch.arange(10.0, requires_grad=True).reshape(2, 5)
    h = Histogram(t, num_bins=5)
    assert h.histogram == [2, 2, 2, 2, 2]
    assert h.bins[-1] == 9.0
    h = Histogram(torch.ones(4, dtype=torch.bfloat16), num_bins=1)
    assert h.histogram == [4]


def test_torch_np_histogram(torch: Any) -> None:
    h = Histogram(np_histogram=(torch.tensor([1, 2]), torch.tensor([0.0, 0.5, 1.0])))
    assert h.histogram == [1, 2]
    assert h.bins == [0.0, 0.5, 1.0]
