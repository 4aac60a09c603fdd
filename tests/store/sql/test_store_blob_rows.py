"""Open chunks merged after a batch are read back in binary format on PostgreSQL
(``_blob_rows``): the same rows as a plain read, blobs as bytes, and series that
read back exactly once merged (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.chunks import is_plain
from runyard.store.sql.store import (
    _LOWEST,
    _OPEN_ROWS,
    CHUNK_POINTS,
    SqlStore,
    _bind_list,
    _blob_rows,
)

RUN = RunRef("ent", "proj", "run")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path}/s.db"
    else:
        uri = request.getfixturevalue("postgres_uri")
    opened = SqlStore(uri)
    yield opened
    opened.close()


def _log(store: SqlStore, batches: int, size: int = 1000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    values = {"loss": rng.normal(size=batches * size), "count": np.arange(batches * size) * 3}
    for b in range(batches):
        x = np.arange(b * size, (b + 1) * size, dtype=np.int64)
        part = {k: (x, v[b * size : (b + 1) * size]) for k, v in values.items()}
        store.write_batch(RunBatch(RUN, create={} if b == 0 else None, columns=part))
    return values


def _open_rows(store: SqlStore, reader: str) -> list[tuple[object, ...]]:
    params = {"run": 1, "full": CHUNK_POINTS, "lowest": _LOWEST}
    sql = _OPEN_ROWS.format(keys=_bind_list(params, "k", ["count", "loss"]))
    with store._db.read() as tx:
        rows = _blob_rows(tx, sql, params) if reader == "binary" else tx.all(sql, params)
    return [tuple(r) for r in rows]


def test_binary_reads_give_the_rows_a_plain_read_gives(store: SqlStore) -> None:
    _log(store, 5)
    rows = _open_rows(store, "binary")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (key, first, 1000) for key in ("count", "loss") for first in range(0, 5000, 1000)
    ]
    assert all(type(r[4]) is bytes and type(r[5]) is bytes and is_plain(r[5]) for r in rows)
    assert rows == _open_rows(store, "plain")


def test_series_merged_after_many_batches_read_back_exactly(store: SqlStore) -> None:
    values = _log(store, 2 * CHUNK_POINTS // 1000 + 3)  # two merges and a tail
    total = len(values["loss"])
    loss = store.read_series(RUN, "loss")
    np.testing.assert_array_equal(loss.steps, np.arange(total))
    np.testing.assert_array_equal(loss.values, values["loss"])
    count = store.read_series(RUN, "count")
    assert count.values.dtype == np.int64
    np.testing.assert_array_equal(count.values, values["count"])
    with store._db.read() as tx:
        full = tx.scalar(
            "SELECT COUNT(*) FROM series_chunks WHERE run = 1 AND count = :full",
            {"full": CHUNK_POINTS},
        )
    assert int(full) == 4  # each key's 16,384 first points merged into full chunks
