"""Two `SqlStore`s on one PostgreSQL database act as one (server replicas)."""

from __future__ import annotations

import numpy as np

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

RUN = RunRef("ent", "proj", "run1")


def _points(steps: range, offset: float) -> RunBatch:
    return RunBatch(
        RUN,
        create={"created_at": 1.0},
        columns={"x": (list(steps), [offset + s for s in steps])},
    )


def test_a_rewind_through_one_replica_is_seen_by_the_other(postgres_uri: str) -> None:
    a, b = SqlStore(postgres_uri), SqlStore(postgres_uri)
    try:
        a.write_batch(_points(range(10), 0.0))
        # Replica b rewinds to step 4 and refills steps 5..9: the tail chunk has the
        # same first step and point count as replica a last wrote, with other values.
        rewind = _points(range(5, 10), 100.0)
        rewind.truncate_after = 4
        b.write_batch(rewind)
        a.write_batch(_points(range(10, 11), 0.0))
        series = b.read_series(RUN, "x")
        np.testing.assert_array_equal(series.steps, np.arange(11))
        np.testing.assert_array_equal(series.values, [0, 1, 2, 3, 4, 105, 106, 107, 108, 109, 10])
    finally:
        a.close()
        b.close()
