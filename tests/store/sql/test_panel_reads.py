"""``read_panel_series`` (a panel's whole series as float64, decoded on two threads past a
size) and ``reduce_panel_series`` (the same series decoded and reduced a batch at a time)
equal ``read_series_many`` with values as float64, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch, Series
from runyard.store.sql import panel_reads
from runyard.store.sql.panel_reads import read_panel_series, reduce_panel_series
from runyard.store.sql.store import SqlStore

RUNS = ["a", "b", "c", "gone"]
KEYS = ["loss", "count", "nothing"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path}/runyard.db"
    else:
        uri = request.getfixturevalue("postgres_uri")
    tracking = SqlStore(uri)
    rng = np.random.default_rng(1)
    for run_id, n in (("a", 20_000), ("b", 20_000), ("c", 700)):
        steps = np.arange(n, dtype=np.int64)
        loss = rng.normal(size=n).cumsum()
        loss[::501] = np.nan
        loss[7] = -np.inf
        for part in (slice(0, n // 2), slice(n // 2, n)):  # more than one chunk
            tracking.write_batch(
                RunBatch(
                    RunRef("me", "proj", run_id),
                    create={},
                    columns={
                        "loss": (steps[part], loss[part]),
                        "count": (steps[part][::3], steps[part][::3] * 7),  # int64 values
                    },
                )
            )
    yield tracking
    tracking.close()


@pytest.mark.parametrize("parallel_points", [0, 10**12])
def test_panel_read_equals_the_bulk_read_as_floats(store: SqlStore, parallel_points: int) -> None:
    got = read_panel_series(store, "me", "proj", RUNS, KEYS, parallel_points)
    want = store.read_series_many("me", "proj", RUNS, KEYS)
    assert list(got) == list(want)
    for pair, series in want.items():
        np.testing.assert_array_equal(got[pair].steps, series.steps, err_msg=str(pair))
        np.testing.assert_array_equal(
            got[pair].values, series.values.astype(np.float64), err_msg=str(pair)
        )
        assert got[pair].values.dtype == np.float64 and got[pair].key == pair[1]
    assert len(got[("a", "loss")]) == 20_000 and len(got[("gone", "loss")]) == 0
    # Equal steps are one read-only array.
    assert got[("a", "loss")].steps is got[("b", "loss")].steps
    assert not got[("a", "loss")].steps.flags.writeable


def _copies(
    pairs: Sequence[tuple[str, str]], series: Sequence[Series], values: np.ndarray
) -> list[tuple[tuple[str, str], Series, int]]:
    """Each series with its values copied (they are the batch buffer's), checking that
    ``values`` holds the batch's series end to end."""
    np.testing.assert_array_equal(values, np.concatenate([s.values for s in series]))
    at = 0
    for one in series:
        assert np.shares_memory(one.values, values) or not len(one)
        at += len(one)
    assert at == len(values)
    held = sum(1 for one in series if len(one))  # series with points in the batch
    return [
        (pair, Series(one.key, one.steps, one.values.copy()), held)
        for pair, one in zip(pairs, series, strict=True)
    ]


@pytest.mark.parametrize(
    ("batch_points", "parallel_points", "points"),
    [
        (1, 0, None),  # a series a batch, on two threads
        (15_000, 0, None),
        (None, None, None),  # one batch on the caller
        (1, 0, 10),  # read in two halves on two threads
        (15_000, 100, 10**9),
        (None, None, 10),  # too few points for two threads
    ],
)
def test_reduced_series_are_the_bulk_read_as_floats(
    store: SqlStore, batch_points: int | None, parallel_points: int | None, points: int | None
) -> None:
    pairs = [(r, k) for r in RUNS for k in KEYS][::-1]  # any order, each pair once
    pairs.remove(("b", "count"))
    got = reduce_panel_series(
        store, "me", "proj", pairs, _copies, batch_points, parallel_points, points
    )
    want = store.read_series_many("me", "proj", RUNS, KEYS)
    assert [pair for pair, _, _ in got] == pairs
    for pair, series, _ in got:
        np.testing.assert_array_equal(series.steps, want[pair].steps, err_msg=str(pair))
        np.testing.assert_array_equal(series.values, want[pair].values.astype(np.float64))
        assert series.values.dtype == np.float64 and series.key == pair[1]
    one = {pair: series for pair, series, _ in got}
    # Equal steps are one read-only array, whichever batch or thread decoded them.
    assert one[("a", "loss")].steps is one[("b", "loss")].steps
    assert not one[("a", "loss")].steps.flags.writeable
    held = [size for _, _, size in got]
    if batch_points == 1:  # a series with points a batch
        assert set(held) == {0, 1}
    elif batch_points is None and points != 10:  # one batch
        assert set(held) == {sum(1 for s in one.values() if len(s))}


@pytest.mark.parametrize("points", [None, 10])
@pytest.mark.parametrize("fail_at", ["a", "c"])
def test_a_failing_reduce_fails_the_read(store: SqlStore, fail_at: str, points: int | None) -> None:
    def reduce(
        pairs: Sequence[tuple[str, str]], series: Sequence[Series], values: np.ndarray
    ) -> list[int]:
        if any(run_id == fail_at for run_id, _ in pairs):
            raise ValueError(f"no {fail_at}")
        return [len(s) for s in series]

    pairs = [(r, "loss") for r in RUNS]
    with pytest.raises(ValueError, match=f"no {fail_at}"):
        reduce_panel_series(store, "me", "proj", pairs, reduce, 1, 0, points)
    # And the next read works (the worker and the buffers are free again).
    rest = [pair for pair in pairs if pair[0] != fail_at]
    want = {"a": 20_000, "b": 20_000, "c": 700, "gone": 0}
    assert reduce_panel_series(store, "me", "proj", rest, reduce, 1, 0, points) == [
        want[run_id] for run_id, _ in rest
    ]


def test_a_busy_worker_leaves_the_caller_all_the_work(store: SqlStore) -> None:
    """With the worker busy (another request's read), the caller reads and reduces both
    halves and returns without waiting for it."""
    gate = threading.Event()
    busy = panel_reads._worker().submit(gate.wait)
    try:
        pairs = [(r, k) for r in RUNS for k in KEYS]
        got = reduce_panel_series(store, "me", "proj", pairs, _copies, 1, 0, 10**9)
        assert [pair for pair, _, _ in got] == pairs
        assert not busy.done()
    finally:
        gate.set()
        busy.result()
    want = store.read_series_many("me", "proj", RUNS, KEYS)
    for pair, series, _ in got:
        np.testing.assert_array_equal(series.values, want[pair].values.astype(np.float64))
