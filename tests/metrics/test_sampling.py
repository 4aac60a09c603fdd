from __future__ import annotations

import bisect
import doctest
import math
import time
from typing import Any

import numpy as np
import pytest

import runyard.metrics.sampling
from runyard.metrics.sampling import m4_series, minmax_indices, minmax_series, sample_rows

NAN = math.nan
INF = math.inf


# --- a plain-Python reference -------------------------------------------------------


def ref_buckets(x: list[Any], buckets: int, lo: float, hi: float) -> list[list[int]]:
    """Indices of the points in [lo, hi], per non-empty bucket, one point at a time."""
    # Point i is in bucket k when k edges are <= x[i]; a lazy sequence of edges (bisect
    # on a range with a key), since buckets can be 10**9.
    edges = range(1, buckets)
    groups: dict[int, list[int]] = {}
    for i, xi in enumerate(x):
        if lo <= xi <= hi:
            k = bisect.bisect_right(edges, xi, key=lambda k: lo + (hi - lo) * k / buckets)
            groups.setdefault(k, []).append(i)
    return [groups[b] for b in sorted(groups)]


def ref_extremes(y: list[float], idx: list[int]) -> tuple[int | None, int | None]:
    """Positions of the first minimum and first maximum, NaN ignored."""
    real = [i for i in idx if not math.isnan(y[i])]
    if not real:
        return None, None
    return min(real, key=lambda i: y[i]), max(real, key=lambda i: y[i])


def ref_indices(
    x: list[Any], y: list[float], buckets: int, x_range: tuple[float, float] | None
) -> list[int]:
    lo, hi = (x[0], x[-1]) if x_range is None else x_range
    groups = ref_buckets(x, buckets, lo, hi)
    inside = [i for g in groups for i in g]
    if len(inside) <= 4 * buckets:
        keep = set(inside)
    else:
        keep = set()
        for g in groups:
            keep |= {g[0], g[-1]} | {i for i in ref_extremes(y, g) if i is not None}
    if x_range is not None:
        below = [i for i, xi in enumerate(x) if xi < lo]
        above = [i for i, xi in enumerate(x) if xi > hi]
        keep |= set(below[-1:]) | set(above[:1])
    return sorted(keep)


def random_series(seed: int, n: int, *, float_x: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Float x, or integer x with repeats and gaps.
    x = np.cumsum(rng.exponential(1.0, n) if float_x else rng.integers(0, 3, n))
    y = rng.standard_normal(n)
    y[rng.random(n) < 0.1] = NAN
    y[rng.random(n) < 0.01] = INF
    y[rng.random(n) < 0.01] = -INF
    y[rng.random(n) < 0.05] = 0.0  # ties
    return x, y


def same(a: np.ndarray, b: list[float]) -> bool:
    return bool(np.array_equal(a, np.array(b, dtype=np.float64), equal_nan=True))


# --- minmax_indices / minmax_series --------------------------------------------------


@pytest.mark.parametrize("buckets", [1, 2, 3, 7, 64, 1000, 4096, 100_003, 249_999])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_single_spike_in_a_million_points_survives(buckets: int, sign: float) -> None:
    n = 1_000_000
    rng = np.random.default_rng(buckets)
    y = rng.normal(0.0, 0.01, n)
    at = int(rng.integers(1, n - 1))
    y[at] = sign * 1e6
    x = np.arange(n) * 10

    keep = minmax_indices(x, y, buckets)
    assert at in keep
    assert len(keep) <= 4 * buckets

    xs, _, lo, hi, count = minmax_series(x, y, buckets)
    extreme = hi.max() if sign > 0 else lo.min()
    assert extreme == sign * 1e6
    assert count.sum() == n
    assert len(xs) <= buckets


def test_spike_survives_inside_a_zoom() -> None:
    n = 1_000_000
    y = np.zeros(n)
    y[123_457] = INF
    keep = minmax_indices(np.arange(n), y, 50, x_range=(100_000, 200_000))
    assert 123_457 in keep
    _, _, _, hi, _ = minmax_series(np.arange(n), y, 50, x_range=(100_000, 200_000))
    assert hi.max() == INF


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("buckets", [1, 3, 10, 37, 1000, 10**9])
@pytest.mark.parametrize("float_x", [False, True])
def test_matches_brute_force(seed: int, buckets: int, float_x: bool) -> None:
    x, y = random_series(seed, 800, float_x=float_x)
    xl, yl = x.tolist(), y.tolist()
    ranges: list[tuple[float, float] | None] = [
        None,
        (float(x[100]), float(x[500])),
        (float(x[100]) + 0.5, float(x[600]) - 0.25),
    ]
    for x_range in ranges:
        got = minmax_indices(x, y, buckets, x_range)
        assert got.dtype == np.int64
        assert got.tolist() == ref_indices(xl, yl, buckets, x_range)

        lo, hi = (xl[0], xl[-1]) if x_range is None else x_range
        groups = ref_buckets(xl, buckets, lo, hi)
        sx, sy, smin, smax, count = minmax_series(x, y, buckets, x_range, keep_neighbors=False)
        assert count.tolist() == [len(g) for g in groups]
        assert sx.tolist() == [xl[g[-1]] for g in groups]
        assert same(sy, [yl[g[-1]] for g in groups])
        lows, highs = [], []
        for g in groups:
            imin, imax = ref_extremes(yl, g)
            lows.append(NAN if imin is None else yl[imin])
            highs.append(NAN if imax is None else yl[imax])
        assert same(smin, lows)
        assert same(smax, highs)


@pytest.mark.parametrize("seed", range(30))
def test_bucketing_paths_agree(seed: int) -> None:
    # More buckets than points switches to per-point bucketing; both must cut identically.
    from runyard.metrics.sampling import _bucket_starts_by_edge, _bucket_starts_by_point

    x, _ = random_series(seed, 500, float_x=seed % 2 == 1)
    lo = float(x[0]) - seed / 7
    hi = float(x[-1]) + seed / 3
    for buckets in (1, 7, 100, 499, 500, 2000 + seed, 100_003):
        by_edge = _bucket_starts_by_edge(x, lo, hi, buckets).tolist()
        assert _bucket_starts_by_point(x, lo, hi, buckets).tolist() == by_edge


def test_equal_width_buckets() -> None:
    x, last, lo, hi, count = minmax_series(np.arange(100), np.arange(100.0), 10)
    assert x.tolist() == list(range(9, 100, 10))
    assert last.tolist() == hi.tolist() == [float(v) for v in range(9, 100, 10)]
    assert lo.tolist() == [float(v) for v in range(0, 100, 10)]
    assert count.tolist() == [10] * 10
    # Width comes from x, not from the number of points: a dense stretch stays one bucket.
    x2 = np.concatenate((np.arange(50), [1000]))
    _, _, _, _, count = minmax_series(x2, np.zeros(51), 10)
    assert count.tolist() == [50, 1]


def test_infinities_are_kept_as_extremes() -> None:
    y = np.zeros(100)
    y[10], y[11], y[12] = INF, -INF, INF
    y[60] = NAN
    keep = minmax_indices(np.arange(100), y, 2)
    assert keep.tolist() == [0, 10, 11, 49, 50, 99]  # first +inf, first -inf
    _, _, lo, hi, _ = minmax_series(np.arange(100), y, 2)
    assert lo.tolist() == [-INF, 0.0]
    assert hi.tolist() == [INF, 0.0]


def test_all_nan_buckets() -> None:
    y = np.zeros(100)
    y[:50] = NAN
    y[70] = 5.0
    keep = minmax_indices(np.arange(100), y, 2)
    assert keep.tolist() == [0, 49, 50, 70, 99]  # the NaN bucket keeps only first/last
    _, _, lo, hi, count = minmax_series(np.arange(100), y, 2)
    assert same(lo, [NAN, 0.0])
    assert same(hi, [NAN, 5.0])
    assert count.tolist() == [50, 50]

    y = np.full(1000, NAN)
    assert minmax_indices(np.arange(1000), y, 10).tolist() == sorted(
        [100 * k for k in range(10)] + [100 * k + 99 for k in range(10)]
    )
    _, last, lo, hi, count = minmax_series(np.arange(1000), y, 10)
    assert np.isnan(last).all() and np.isnan(lo).all() and np.isnan(hi).all()
    assert count.sum() == 1000


def test_nan_as_first_or_last_point_is_kept() -> None:
    y = np.arange(100.0)
    y[0] = y[99] = NAN
    assert {0, 99} <= set(minmax_indices(np.arange(100), y, 1).tolist())


def test_ties_keep_the_first_point() -> None:
    y = np.ones(1000)
    assert minmax_indices(np.arange(1000), y, 4).tolist() == [
        0, 249, 250, 499, 500, 749, 750, 999,
    ]  # fmt: skip


@pytest.mark.parametrize("buckets", [1, 5, 25])
def test_few_points_returns_everything(buckets: int) -> None:
    for n in (0, 1, 2, 4 * buckets - 1, 4 * buckets):
        x, y = random_series(n, n)
        assert minmax_indices(x, y, buckets).tolist() == list(range(n))
    x, y = random_series(1, 4 * buckets + 1)
    assert len(minmax_indices(x, y, buckets)) <= 4 * buckets


def test_few_points_in_a_zoom_returns_them_and_the_neighbors() -> None:
    x = np.arange(0, 1000, 10)
    y = np.zeros(100)
    got = minmax_indices(x, y, 2, x_range=(95, 145))
    assert got.tolist() == [9, 10, 11, 12, 13, 14, 15]
    got = minmax_indices(x, y, 2, x_range=(95, 145), keep_neighbors=False)
    assert got.tolist() == [10, 11, 12, 13, 14]


def test_zoom_excludes_points_outside() -> None:
    n = 10_000
    x = np.arange(n)
    y = np.zeros(n)
    y[10], y[9000] = 100.0, -100.0  # outside the zoom: must not appear
    y[5000] = 7.0
    got = minmax_indices(x, y, 10, x_range=(2000.5, 8000.5))
    assert got.min() == 2000 and got.max() == 8001  # the two neighbours
    assert 5000 in got and 10 not in got and 9000 not in got
    inner = minmax_indices(x, y, 10, x_range=(2000.5, 8000.5), keep_neighbors=False)
    assert inner.min() == 2001 and inner.max() == 8000

    sx, _, lo, hi, count = minmax_series(x, y, 10, x_range=(2000.5, 8000.5))
    assert sx[0] == 2000 and sx[-1] == 8001
    assert count[0] == count[-1] == 1
    assert count[1:-1].sum() == 6000
    assert hi.max() == 7.0 and lo.min() == 0.0
    _, _, _, _, count = minmax_series(x, y, 10, x_range=(2000.5, 8000.5), keep_neighbors=False)
    assert count.sum() == 6000


def test_zoom_beyond_the_data() -> None:
    x = np.arange(100)
    y = np.arange(100.0)
    # Between two points: nothing inside, the neighbours still draw the line across.
    assert minmax_indices(x * 2, y, 5, x_range=(10.2, 11.8)).tolist() == [5, 6]
    assert minmax_indices(x, y, 5, x_range=(500, 600)).tolist() == [99]
    assert minmax_indices(x, y, 5, x_range=(-50, -10)).tolist() == [0]
    assert minmax_indices(x, y, 5, x_range=(-50, -10), keep_neighbors=False).tolist() == []
    sx, *_, count = minmax_series(x, y, 5, x_range=(500, 600))
    assert sx.tolist() == [99] and count.tolist() == [1]
    sx, *_, count = minmax_series(x, y, 5, x_range=(500, 600), keep_neighbors=False)
    assert len(sx) == 0 and len(count) == 0


def test_zoom_to_a_single_x() -> None:
    x = np.array([0, 1, 1, 1, 2])
    got = minmax_indices(x, np.arange(5.0), 1, x_range=(1, 1), keep_neighbors=False)
    assert got.tolist() == [1, 2, 3]


def test_dtypes() -> None:
    x = np.arange(1000, dtype=np.int32)
    y = np.arange(1000, dtype=np.int16)
    keep = minmax_indices(x, y, 3)
    assert keep.dtype == np.int64
    sx, sy, _, _, count = minmax_series(x, y, 3)
    assert sx.dtype == np.int64 and sy.dtype == np.float64 and count.dtype == np.int64
    sx, sy, *_ = minmax_series(np.linspace(0, 1, 1000, dtype=np.float32), y.astype(np.float32), 3)
    assert sx.dtype == np.float64 and sy.dtype == np.float32
    # Plain lists work too.
    assert minmax_indices([0, 1, 2], [1.0, 2.0, 3.0], 1).tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"buckets": 0}, "buckets must be a positive integer, got 0"),
        ({"buckets": 2.0}, "buckets must be a positive integer, got 2.0"),
        ({"x": [0, 2, 1]}, "non-decreasing and free of NaN, got 2 then 1 at positions 1 and 2"),
        ({"x": [0.0, NAN, 2.0]}, "non-decreasing and free of NaN"),
        ({"x": [[0, 1, 2]]}, r"x must be one-dimensional, got shape \(1, 3\)"),
        ({"x": ["a", "b", "c"]}, "x must be a numeric array"),
        ({"y": [1.0, 2.0]}, r"y must have shape \(3,\) like x, got \(2,\)"),
        ({"y": ["a", "b", "c"]}, "y must be a numeric array"),
        ({"x_range": (2, 1)}, r"lo <= hi, got \(2, 1\)"),
        ({"x_range": (NAN, 1)}, "lo <= hi"),
        ({"x_range": (0, INF)}, r"must be finite \(lo, hi\)"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"x": [0, 1, 2], "y": [1.0, 2.0, 3.0], "buckets": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        minmax_indices(**args)
    with pytest.raises(ValueError, match=match):
        minmax_series(**args)


@pytest.mark.slow
def test_ten_million_points() -> None:
    n = 10_000_000
    rng = np.random.default_rng(0)
    x = np.arange(n, dtype=np.int64)
    y = rng.standard_normal(n)
    y[rng.integers(0, n, 1000)] = NAN
    y[7_654_321] = 1e9

    t0 = time.perf_counter()
    keep = minmax_indices(x, y, 2000)
    t1 = time.perf_counter()
    series = minmax_series(x, y, 2000)
    t2 = time.perf_counter()
    rows = sample_rows({"a": (x, y), "b": (x[::3], -y[::3])}, 500)
    t3 = time.perf_counter()
    print(
        f"\n10M points: minmax_indices {t1 - t0:.3f}s, minmax_series {t2 - t1:.3f}s, "
        f"sample_rows (2 keys, 13.3M values) {t3 - t2:.3f}s"
    )
    assert 7_654_321 in keep
    assert series[3].max() == 1e9
    assert 7_654_321 in rows


def test_docstring_examples() -> None:
    result = doctest.testmod(runyard.metrics.sampling, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# --- sample_rows ------------------------------------------------------------------------


def bound(samples: int, keys: int) -> int:
    return max(samples, 4 * keys + 2)


def random_keys(seed: int, keys: int, numeric: bool = True) -> dict[str, tuple[Any, Any]]:
    rng = np.random.default_rng(seed)
    out: dict[str, tuple[Any, Any]] = {}
    for k in range(keys):
        every = int(rng.integers(1, 20))
        steps = np.arange(int(rng.integers(0, 50)), int(rng.integers(500, 5000)), every)
        values = rng.standard_normal(len(steps)) * 10 ** float(rng.uniform(-3, 3))
        values[rng.random(len(steps)) < 0.05] = NAN
        if not numeric and k % 2:
            values[:] = NAN
        out[f"key{k}"] = (steps, values)
    return out


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("samples", [1, 2, 10, 100, 500])
def test_sample_rows_keeps_extremes_first_and_last(seed: int, samples: int) -> None:
    keys = random_keys(seed, 1 + seed % 6, numeric=seed % 3 != 0)
    rows = sample_rows(keys, samples)
    assert rows.dtype == np.int64
    assert np.all(np.diff(rows) > 0)
    assert len(rows) <= bound(samples, len(keys))
    union = np.unique(np.concatenate([s for s, _ in keys.values()]))
    assert np.isin(rows, union).all()
    assert rows[0] == union[0] and rows[-1] == union[-1]
    kept = set(rows.tolist())
    for steps, values in keys.values():
        assert {int(steps[0]), int(steps[-1])} <= kept
        if not np.isnan(values).all():
            assert int(steps[np.nanargmin(values)]) in kept
            assert int(steps[np.nanargmax(values)]) in kept


def test_sample_rows_uses_the_budget_for_per_bucket_extremes() -> None:
    steps = np.arange(100_000)
    rng = np.random.default_rng(3)
    loss, acc = rng.standard_normal(100_000), rng.standard_normal(100_000)
    rows = sample_rows({"loss": (steps, loss), "acc": (steps, acc)}, 500)
    assert 400 <= len(rows) <= 500
    # Each of the 82 shared buckets keeps each key's local extremes.
    buckets = (500 - 4) // 6
    edges = np.arange(1, buckets) * (99_999 / buckets)
    for values in (loss, acc):
        for part, idx in zip(
            np.split(values, np.searchsorted(steps, edges)),
            np.split(steps, np.searchsorted(steps, edges)),
            strict=True,
        ):
            assert idx[part.argmax()] in rows and idx[part.argmin()] in rows


def test_sample_rows_returns_every_step_when_few() -> None:
    keys = {
        "a": (np.array([0, 2, 4]), np.array([1.0, 2.0, 3.0])),
        "b": (np.array([1, 2, 9]), np.array([NAN, NAN, NAN])),
    }
    assert sample_rows(keys, 6).tolist() == [0, 1, 2, 4, 9]
    assert sample_rows(keys, 5).tolist() == [0, 1, 2, 4, 9]


def test_sample_rows_non_numeric_keys_spread_evenly() -> None:
    steps = np.arange(10_000)
    rows = sample_rows({"image": (steps, np.full(10_000, NAN))}, 100)
    # Only bucket first/last: 24 buckets (98 // 4) give 48 evenly spread rows.
    assert len(rows) == 48
    assert rows[0] == 0 and rows[-1] == 9999
    assert np.diff(rows).max() <= 10_000 // 24 + 1


def test_sample_rows_sparse_key_keeps_its_last_value() -> None:
    steps = np.arange(100_000)
    val_steps = np.arange(0, 90_001, 1000)
    val = np.linspace(2.0, 1.0, len(val_steps))
    val[50] = 1.5  # neither first, last nor extreme in its bucket
    rows = sample_rows(
        {"loss": (steps, np.zeros(100_000)), "val_loss": (val_steps, val)}, samples=20
    )
    assert {0, 90_000, 99_999} <= set(rows.tolist())
    assert len(rows) <= 20


def test_sample_rows_empty() -> None:
    assert sample_rows({}, 10).tolist() == []
    assert sample_rows({"a": (np.array([], np.int64), np.array([]))}, 10).tolist() == []
    assert sample_rows({"a": ([], [])}, 10).tolist() == []


@pytest.mark.parametrize(
    ("step_lists", "samples", "match"),
    [
        ({"a": ([0, 1], [1.0, 2.0])}, 0, "samples must be a positive integer, got 0"),
        (
            {"a": ([0.5, 1.0], [1.0, 2.0])},
            5,
            "steps of 'a' must be an integer array, got dtype float64",
        ),
        ({"a": ([1, 0], [1.0, 2.0])}, 5, "steps of 'a' must be non-decreasing"),
        ({"a": ([0, 1], [1.0])}, 5, r"values of 'a' must have shape \(2,\)"),
    ],
)
def test_sample_rows_bad_arguments(step_lists: Any, samples: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        sample_rows(step_lists, samples)


# -- M4 (issue 20) ---------------------------------------------------------------------


def _numpy_columns(x: np.ndarray, buckets: int) -> np.ndarray:
    """Each point's column, by numpy alone: floor((x - x0) / width), the last edge closed."""
    lo, hi = float(x[0]), float(x[-1])
    if hi == lo:
        return np.zeros(len(x), np.int64)
    edges = lo + (hi - lo) * np.arange(1, buckets) / buckets
    return np.searchsorted(edges, x.astype(np.float64), side="right").astype(np.int64)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("buckets", [1, 3, 17, 250])
@pytest.mark.parametrize("float_x", [False, True])
def test_m4_is_first_last_min_max_per_column(seed: int, buckets: int, float_x: bool) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 20_000))
    x = np.sort(rng.random(n) * 1e4) if float_x else np.cumsum(rng.integers(1, 4, n))
    y = rng.normal(size=n).cumsum()
    y[rng.random(n) < 0.02] = np.nan
    y[rng.integers(0, n)] = np.inf
    y[rng.integers(0, n)] = -np.inf
    y[rng.integers(0, n)] = 1e9
    bx, by, blo, bhi = m4_series(x, y, buckets)
    picked = np.searchsorted(x, bx)  # x may repeat in none of these cases: strictly sorted
    assert len(bx) <= 4 * buckets
    assert np.all(np.diff(bx) > 0)
    np.testing.assert_array_equal(x[picked], bx)  # every row is a raw point
    np.testing.assert_array_equal(y[picked], by)
    column = _numpy_columns(x, buckets)
    for c in np.unique(column):
        members = np.flatnonzero(column == c)
        kept = picked[column[picked] == c]
        assert members[0] in kept and members[-1] in kept  # where the line enters/leaves
        finite = y[members][~np.isnan(y[members])]
        rows = column[picked] == c
        if len(finite):
            low, high = finite.min(), finite.max()
            assert low in y[kept] and high in y[kept]  # the column's extremes are drawn
            assert set(blo[rows]) == {low} and set(bhi[rows]) == {high}
        else:
            assert np.isnan(blo[rows]).all() and np.isnan(bhi[rows]).all()


def test_m4_draws_the_same_pixels_as_the_raw_line() -> None:
    """Rasterised at ``buckets`` columns, the M4 line covers exactly the raw line's pixels:
    per column the same lowest and highest y, and the same y entering and leaving."""
    rng = np.random.default_rng(4)
    x = np.arange(100_000)
    y = rng.normal(size=len(x)).cumsum()
    buckets = 400
    bx, by, _, _ = m4_series(x, y, buckets)
    raw_col, m4_col = _numpy_columns(x, buckets), _numpy_columns(bx, buckets)
    for name, fn in (("min", np.minimum), ("max", np.maximum)):
        raw = _per_column(raw_col, y, fn, buckets)
        m4 = _per_column(m4_col, by, fn, buckets)
        np.testing.assert_array_equal(raw, m4, err_msg=name)
    columns = np.arange(buckets)
    for side, shift in (("left", 0), ("right", 1)):  # first and last point of each column
        raw_at = np.searchsorted(raw_col, columns, side) - shift
        m4_at = np.searchsorted(m4_col, columns, side) - shift
        np.testing.assert_array_equal(y[raw_at], by[m4_at], err_msg=side)


def _per_column(column: np.ndarray, y: np.ndarray, fn: Any, buckets: int) -> np.ndarray:
    out = np.full(buckets, -np.inf if fn is np.maximum else np.inf)
    fn.at(out, column, y)
    return out


def test_m4_few_points_and_empty() -> None:
    x, y, lo, hi = m4_series(np.arange(3), np.array([1.0, 5.0, 2.0]), buckets=10)
    assert lo.tolist() == hi.tolist() == [1.0, 5.0, 2.0]  # one point a column
    assert x.tolist() == [0, 1, 2] and y.tolist() == [1.0, 5.0, 2.0]
    assert len(m4_series(np.zeros(0), np.zeros(0), 4)[0]) == 0
    with pytest.raises(ValueError, match="buckets must be a positive integer, got 0"):
        m4_series(np.arange(3), np.zeros(3), 0)
