"""A group's line from its runs' lines: alignment, aggregates and bands against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from runyard.metrics import grouping
from runyard.metrics.grouping import AGGREGATES, BANDS, aggregate, align, reduce_band


def test_exact_alignment_on_the_union_of_steps() -> None:
    grid, m = align(
        [
            (np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0])),
            (np.array([0, 2, 2, 4]), np.array([5.0, 6.0, 7.0, 8.0])),  # repeated step: last wins
            (np.array([], dtype=np.int64), np.array([])),
        ],
        exact=True,
    )
    assert grid.tolist() == [0, 1, 2, 4]
    assert np.array_equal(
        m,
        [[1, 2, 3, np.nan], [5, np.nan, 7, 8], [np.nan] * 4],
        equal_nan=True,
    )


def test_identical_steps_stack_directly() -> None:
    steps = np.arange(5)
    grid, m = align([(steps, steps * 1.0), (steps, steps * 2.0)], exact=True)
    assert grid.tolist() == [0, 1, 2, 3, 4] and m[1].tolist() == [0, 2, 4, 6, 8]


def test_interpolated_alignment_stays_inside_each_run() -> None:
    grid, m = align(
        [
            (np.array([0.0, 2.0]), np.array([0.0, 2.0])),
            (np.array([1.0, 3.0]), np.array([10.0, 30.0])),
            (np.array([0.0, 1.0, 3.0]), np.array([1.0, np.nan, 3.0])),  # NaN is skipped over
        ],
        exact=False,
    )
    assert grid.tolist() == [0, 1, 2, 3]
    assert np.array_equal(m[0], [0, 1, 2, np.nan], equal_nan=True)
    assert np.array_equal(m[1], [np.nan, 10, 20, 30], equal_nan=True)
    assert np.allclose(m[2], [1, 5 / 3, 7 / 3, 3])


def test_aggregates_and_bands_against_numpy() -> None:
    rng = np.random.default_rng(3)
    m = rng.normal(size=(7, 50))
    m[2, 5:9] = np.nan
    m[:, 40] = np.nan  # no run there
    n = (~np.isnan(m)).sum(axis=0)
    ok = n > 0
    for agg, ref in (
        ("mean", np.nanmean),
        ("median", np.nanmedian),
        ("min", np.nanmin),
        ("max", np.nanmax),
    ):
        y, lo, hi, count = aggregate(m, agg, "minmax")
        assert np.allclose(y[ok], ref(m[:, ok], axis=0)) and np.isnan(y[40])
        assert np.allclose(lo[ok], np.nanmin(m[:, ok], axis=0))
        assert np.allclose(hi[ok], np.nanmax(m[:, ok], axis=0))
        assert count.tolist() == n.tolist()
    y, lo, hi, _ = aggregate(m, "mean", "stderr")
    spread = np.nanstd(m[:, ok], axis=0) / np.sqrt(n[ok])
    assert np.allclose(hi[ok] - y[ok], spread) and np.allclose(y[ok] - lo[ok], spread)
    y, lo, hi, _ = aggregate(m, "median", "none")
    assert np.array_equal(lo, y, equal_nan=True) and np.array_equal(hi, y, equal_nan=True)


def test_bad_names_are_named() -> None:
    with pytest.raises(ValueError, match="'mode'"):
        aggregate(np.zeros((1, 1)), "mode", "std")
    with pytest.raises(ValueError, match="'iqr'"):
        aggregate(np.zeros((1, 1)), "mean", "iqr")


def test_reduction_keeps_spikes_of_the_line_and_the_band() -> None:
    x = np.arange(10_000, dtype=np.float64)
    y = np.zeros_like(x)
    y[6_543] = 9.0
    lo, hi = y - 1, y + 1
    lo[1_234] = -50.0
    hi[8_765] = 70.0
    bx, _by, _bmin, bmax, blo, bhi, reduced = reduce_band(x, y, lo, hi, 100)
    assert reduced and bx.size <= 100
    assert bmax.max() == 9.0 and blo.min() == -50.0 and bhi.max() == 70.0
    assert reduce_band(x[:50], y[:50], lo[:50], hi[:50], 100)[-1] is False


@pytest.mark.parametrize("agg", AGGREGATES)
@pytest.mark.parametrize("band", BANDS)
def test_aggregate_of_complete_runs_equals_the_nan_aware_path(agg: str, band: str) -> None:
    """Runs with every point take a faster path; it gives what the NaN-aware one gives
    (forced here by a run with no points at all, which counts nowhere)."""
    matrix = np.random.default_rng(5).normal(size=(7, 50))
    fast = aggregate(matrix, agg, band)
    slow = aggregate(np.vstack([matrix, np.full(50, np.nan)]), agg, band)
    for got, want in zip(fast, slow, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("agg", AGGREGATES)
@pytest.mark.parametrize("band", BANDS)
def test_aggregate_of_complete_runs_is_numpy_bit_for_bit(agg: str, band: str) -> None:
    """The fast path shares one pass of column means between the aggregate, the NaN
    check and the std band: the lines are numpy's plain reductions to the last bit,
    spikes to ±inf included (a column of +inf and -inf has a NaN mean and no NaN)."""
    rng = np.random.default_rng(11)
    matrix = rng.normal(0, 3, size=(125, 997)) * rng.choice([1e-3, 1.0, 1e6], size=(125, 1))
    matrix[3, 10] = np.inf
    matrix[4, 20], matrix[5, 20] = np.inf, -np.inf
    y, lo, hi, n = aggregate(matrix, agg, band)
    with np.errstate(invalid="ignore"):
        want = {
            "mean": matrix.mean(axis=0),
            "median": np.median(matrix, axis=0),
            "min": matrix.min(axis=0),
            "max": matrix.max(axis=0),
        }[agg]
        spread = matrix.std(axis=0)
        if band == "minmax":
            want_lo, want_hi = matrix.min(axis=0), matrix.max(axis=0)
        elif band == "std":
            want_lo, want_hi = want - spread, want + spread
        elif band == "stderr":
            want_lo, want_hi = want - spread / np.sqrt(125), want + spread / np.sqrt(125)
        else:
            want_lo, want_hi = want, want
    for got, expected in ((y, want), (lo, want_lo), (hi, want_hi)):
        assert got.tobytes() == expected.tobytes()
    assert np.isnan(y[20]) == (agg == "mean") and n.tolist() == [125.0] * 997


def test_std_band_without_numpy_2s_mean_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    matrix = np.random.default_rng(2).normal(size=(9, 300))
    given = aggregate(matrix, "median", "std")
    monkeypatch.setattr(grouping, "_STD_TAKES_MEAN", False)  # numpy 1.x: std sums again
    again = aggregate(matrix, "median", "std")
    for a, b in zip(given, again, strict=True):
        assert a.tobytes() == b.tobytes()
