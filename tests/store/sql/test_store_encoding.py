"""Chunks of a batch are encoded in two halves on the encoder threads (not a task per
chunk): a wide batch (thousands of keys) stores every key right, in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore, _halves


def _chunks(*sizes: int) -> list[tuple[int, str, np.ndarray, np.ndarray]]:
    return [(0, f"k{i}", np.arange(n), np.zeros(n)) for i, n in enumerate(sizes)]


def test_halves_split_in_order_by_points() -> None:
    chunks = _chunks(10, 10, 10, 70)
    first, second = _halves(chunks)
    assert [c[1] for c in [*first, *second]] == ["k0", "k1", "k2", "k3"]
    assert [len(c[2]) for c in second] == [70]
    assert [len(h) for h in _halves(_chunks(10, 10))] == [1, 1]
    assert [len(h) for h in _halves(_chunks(5, 99))] == [1, 1]
    assert [len(h) for h in _halves(_chunks(99, 5))] == [1, 1]


def test_a_wide_batch_stores_every_key(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    ref = RunRef("e", "p", "wide")
    steps = list(range(30))
    rng = np.random.default_rng(3)
    columns = {f"k{j:04d}": (steps, rng.normal(size=30).tolist()) for j in range(3000)}
    try:
        store.write_batch(RunBatch(ref, create={}, columns=columns))
        for key in ("k0000", "k1499", "k1500", "k2999"):
            series = store.read_series(ref, key)
            assert series.steps.tolist() == steps
            assert series.values.tolist() == columns[key][1]
    finally:
        store.close()
