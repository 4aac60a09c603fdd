"""``m4_many`` (M4 of every line of a panel in one numpy pass, issue 20) equals
``m4_series`` line by line: the same raw points kept, the same bucket extremes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from runyard.metrics.sampling import m4_series
from runyard.server import series
from runyard.server.series import m4_many

_VALUES = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0]),
)


@st.composite
def _line(draw: st.DrawFn, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(buckets + 1, 200))
    gaps = draw(st.lists(st.sampled_from([0.0, 1.0, 1.0, 2.0, 0.5, 37.0]), min_size=n, max_size=n))
    xs = np.cumsum(np.asarray(gaps, np.float64)) + draw(st.floats(-1e3, 1e3))
    ys = np.asarray(draw(st.lists(_VALUES, min_size=n, max_size=n)), np.float64)
    return xs, ys


@st.composite
def _panel(draw: st.DrawFn) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    buckets = draw(st.integers(1, 30))
    return buckets, draw(st.lists(_line(buckets), min_size=1, max_size=6))


@settings(max_examples=300, deadline=None)
@given(_panel())
def test_m4_many_equals_m4_series_line_by_line(
    panel: tuple[int, list[tuple[np.ndarray, np.ndarray]]],
) -> None:
    buckets, lines = panel
    got = m4_many(lines, buckets)
    assert len(got) == len(lines)
    for (xs, ys), reduced in zip(lines, got, strict=True):
        want = m4_series(xs, ys, buckets)
        for a, b, name in zip(reduced, want, ("x", "y", "ymin", "ymax"), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=name)


def test_reduced_points_are_raw_points_with_each_columns_extremes() -> None:
    rng = np.random.default_rng(7)
    xs = np.arange(10_000, dtype=np.float64)
    ys = rng.normal(size=10_000).cumsum()
    ys[4321] = 1e9  # a spike survives
    ((bx, by, blo, bhi),) = m4_many([(xs, ys)], 250)
    assert 4321.0 in bx and by[bx == 4321.0][0] == 1e9
    np.testing.assert_array_equal(by, ys[bx.astype(np.int64)])
    column = np.minimum((bx / (9999 / 250)).astype(np.int64), 249)
    for c in np.unique(column):
        inside = ys[(xs >= 9999 * c / 250) & ((xs < 9999 * (c + 1) / 250) | (c == 249))]
        assert blo[column == c][0] == inside.min() and bhi[column == c][0] == inside.max()
        assert set(by[column == c]) >= {inside.min(), inside.max()}


def test_no_lines() -> None:
    assert m4_many([], 10) == []


def test_lines_of_many_batches_are_each_their_own_m4() -> None:
    rng = np.random.default_rng(3)
    lines = []
    for i in range(40):  # 200,000 points: more than one batch
        n = 5000 + 37 * i
        xs = np.cumsum(rng.integers(0, 3, n)).astype(np.float64)
        lines.append((xs, rng.normal(size=n).cumsum()))
    assert sum(len(x) for x, _ in lines) > series._BATCH_POINTS
    for (xs, ys), got in zip(lines, m4_many(lines, 250), strict=True):
        for a, b in zip(got, m4_series(xs, ys, 250), strict=True):
            np.testing.assert_array_equal(a, b)


def test_padded_and_flat_reductions_agree() -> None:
    """Buckets of about equal size without NaN take the padded (matrix) path; it keeps
    the same points as the NaN-ignoring flat path, ties to the first point."""
    rng = np.random.default_rng(11)
    for n in (10_000, 10_001):  # buckets of 40 points each (y as it lies); of 40 and 41
        ys = np.round(rng.normal(size=n).cumsum())  # many ties
        ys[[17, 5000]] = [np.inf, -np.inf]
        starts = np.searchsorted(np.arange(float(n)), (n - 1) * np.arange(250) / 250)
        counts = np.diff(starts, append=len(ys))
        assert (len(set(counts)) == 1) == (n == 10_000)
        padded = series._m4_padded(ys, starts, counts)
        assert padded is not None
        for a, b in zip(padded, series._m4_flat(ys, starts, counts), strict=True):
            np.testing.assert_array_equal(a, b)
    ys[3] = np.nan
    assert series._m4_padded(ys, starts, counts) is None
    uneven = np.array([0, 1, 2, 9000])  # padding would cost more than the points
    assert series._m4_padded(np.zeros(9500), uneven, np.diff(uneven, append=9500)) is None


def test_lines_sharing_one_steps_array_are_each_their_own_m4() -> None:
    """A sweep's runs share one steps array (one search for all): integer steps, and
    float x, each line still m4_series of its own points."""
    rng = np.random.default_rng(4)
    steps = np.cumsum(rng.integers(1, 4, 7000)).astype(np.int64)
    for xs in (steps, steps.astype(np.float64)):
        lines = [(xs, rng.normal(size=len(xs)).cumsum()) for _ in range(30)]
        for (x, y), got in zip(lines, m4_many(lines, 97), strict=True):
            for a, b in zip(got, m4_series(x, y, 97), strict=True):
                np.testing.assert_array_equal(a, b)


def test_lines_cut_alike_are_gathered_by_the_first_lines_positions() -> None:
    """Lines of one length cut into the same buckets of 40 and 41 points (a sweep on one
    steps array) gathered together keep what each keeps alone."""
    rng = np.random.default_rng(12)
    n, buckets = 10_001, 250
    one = np.searchsorted(np.arange(float(n)), (n - 1) * np.arange(buckets) / buckets)
    ys = np.round(rng.normal(size=3 * n).cumsum())  # ties too
    starts = np.concatenate([one + k * n for k in range(3)])
    counts = np.diff(starts, append=len(ys))
    together = series._m4_padded(ys, starts, counts, lines=3)
    assert together is not None
    for a, b in zip(together, series._m4_padded(ys, starts, counts), strict=True):
        np.testing.assert_array_equal(a, b)
