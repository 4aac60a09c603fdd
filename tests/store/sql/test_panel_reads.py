"""``read_panel_series`` (a panel's whole series as float64, decoded on two threads past a
size) equals ``read_series_many`` with values as float64, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.panel_reads import read_panel_series
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
