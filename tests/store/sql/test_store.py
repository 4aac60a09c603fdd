"""`SqlStore` on SQLite and PostgreSQL: journal ownership and the tail-chunk cache.

The behaviour every store shares is in tests/store/test_contract.py; these are the
SQL store's own promises, each run on a real SQLite file and a real PostgreSQL
database (the suite's throwaway cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import ForeignJournal, JournalConflict, RunBatch
from runyard.store.sql.store import SqlStore

ALICE = RunRef("alice", "secret", "r1")
BOB = RunRef("bob", "mine", "b1")


@pytest.fixture(params=["sqlite", "postgresql"])
def uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 's.db'}"
    found: str = request.getfixturevalue("postgres_uri")
    return found


@pytest.fixture
def store(uri: str) -> Iterator[SqlStore]:
    s = SqlStore(uri)
    yield s
    s.close()


def _steps(ref: RunRef, start: int, stop: int, journal: str, journal_start: int | None) -> RunBatch:
    """Steps ``start..stop-1`` of ``x``, as the journal span ``journal_start..stop``."""
    steps = list(range(start, stop))
    return RunBatch(
        ref,
        create={"created_at": 1.0},
        columns={"x": (steps, [float(s) for s in steps])},
        journal=(journal, stop),
        journal_start=journal_start,
    )


# -- journal ownership (issue 12, point 4) -------------------------------------------------


@pytest.mark.parametrize(
    ("start", "done"), [(1000, True), (1000, False), (0, False), (None, True), (None, False)]
)
def test_a_journal_belongs_to_the_run_that_wrote_it_first(
    store: SqlStore, start: int | None, done: bool
) -> None:
    """Bob names Alice's journal from his own run: refused, and she loses nothing."""
    store.write_batch(_steps(ALICE, 0, 1000, "J", 0))
    attack = _steps(BOB, 0, 5000, "J", start)
    attack.journal_done = done
    with pytest.raises(ForeignJournal) as caught:
        store.write_batch(attack)
    assert "1000" not in str(caught.value)  # where her journal stands is not his to know
    assert store.get_run(BOB) is None  # nothing of the refused batch was applied
    assert store.journal_run("J") == ALICE
    assert store.journal_offset("J") == 1000
    # Her next batches are stored, not answered "already stored" and dropped.
    store.write_batch(_steps(ALICE, 1000, 2000, "J", 1000))
    store.write_batch(_steps(ALICE, 2000, 2001, "J", 2000))
    series = store.read_series(ALICE, "x")
    np.testing.assert_array_equal(series.steps, np.arange(2001))


def test_a_foreign_journal_is_refused_for_an_existing_run_too(store: SqlStore) -> None:
    store.write_batch(_steps(ALICE, 0, 10, "J", 0))
    store.write_batch(_steps(BOB, 0, 10, "K", 0))
    with pytest.raises(ForeignJournal):
        store.write_batch(_steps(BOB, 10, 20, "J", 10))
    np.testing.assert_array_equal(store.read_series(BOB, "x").steps, np.arange(10))
    assert store.journal_run("J") == ALICE and store.journal_run("K") == BOB


def test_the_owner_still_hears_where_her_journal_stands(store: SqlStore) -> None:
    store.write_batch(_steps(ALICE, 0, 10, "J", 0))
    with pytest.raises(JournalConflict) as caught:
        store.write_batch(_steps(ALICE, 20, 30, "J", 20))
    assert caught.value.stored == 10


def test_a_done_journal_stays_bound_to_its_run(store: SqlStore) -> None:
    done = _steps(ALICE, 0, 10, "J", 0)
    done.journal_done = True
    store.write_batch(done)
    with pytest.raises(ForeignJournal):
        store.write_batch(_steps(BOB, 0, 10, "J", 0))
    store.forget_journal("J")
    with pytest.raises(ForeignJournal):
        store.write_batch(_steps(BOB, 0, 10, "J", 0))
    assert store.get_run(BOB) is None


def test_a_deleted_runs_journal_is_free_again(store: SqlStore) -> None:
    store.write_batch(_steps(ALICE, 0, 10, "J", 0))
    store.write_batch(RunBatch(ALICE, delete=True))
    store.write_batch(_steps(BOB, 0, 10, "J", 0))
    assert store.journal_run("J") == BOB


# -- the tail-chunk cache (issue 12, point 7) -----------------------------------------------


def _points(steps: range, offset: float) -> RunBatch:
    return RunBatch(
        ALICE, create={"created_at": 1.0}, columns={"x": (list(steps), [offset + s for s in steps])}
    )


def test_a_rewind_by_another_process_is_not_undone_by_a_cached_tail(uri: str) -> None:
    """A notebook's long-lived store wrote steps 0..49; another process resumes the run
    from step -1 (``resume_from``) and logs 50 new points; the notebook then logs one
    more step. Its stale cached tail had the same first step and point count as the
    stored one: it must not write its old 50 points back."""
    notebook, other = SqlStore(uri), SqlStore(uri)
    try:
        notebook.write_batch(_points(range(50), 0.0))
        rewind = _points(range(50), 1000.0)
        rewind.truncate_after = -1
        other.write_batch(rewind)
        notebook.write_batch(_points(range(50, 51), 0.0))
        series = other.read_series(ALICE, "x")
        np.testing.assert_array_equal(series.steps, np.arange(51))
        np.testing.assert_array_equal(series.values[:50], 1000.0 + np.arange(50))
        assert series.values[50] == 50.0
    finally:
        notebook.close()
        other.close()


def test_a_refill_by_another_process_to_the_same_shape_is_seen(uri: str) -> None:
    """The same with a partial rewind: the other process keeps steps 0..4, refills
    5..9, and the tail chunk again has the shape the notebook cached."""
    notebook, other = SqlStore(uri), SqlStore(uri)
    try:
        notebook.write_batch(_points(range(10), 0.0))
        rewind = _points(range(5, 10), 100.0)
        rewind.truncate_after = 4
        other.write_batch(rewind)
        notebook.write_batch(_points(range(10, 12), 0.0))
        series = notebook.read_series(ALICE, "x")
        np.testing.assert_array_equal(series.steps, np.arange(12))
        np.testing.assert_array_equal(
            series.values, [0, 1, 2, 3, 4, 105, 106, 107, 108, 109, 10, 11]
        )
    finally:
        notebook.close()
        other.close()


def _chunk_rows(store: SqlStore) -> list[tuple[int, int, bool]]:
    """``(first_step, count, uncompressed)`` of every chunk, in step order."""
    from runyard.store.sql.chunks import is_plain

    with store._db.read() as tx:
        rows = tx.all(
            "SELECT first_step, count, values_blob FROM series_chunks ORDER BY first_step"
        )
    return [(int(r[0]), int(r[1]), is_plain(bytes(r[2]))) for r in rows]


def test_a_live_run_appends_open_chunks_then_merges_them(store: SqlStore) -> None:
    """Each batch's points become one uncompressed (open) chunk per key, written once:
    earlier chunks are not read back and rewritten (rewriting one growing tail cost the
    database most of ingest, issue 20). Once the open chunks hold CHUNK_POINTS points
    they become one compressed chunk; the run's end compresses the rest."""
    from runyard.store.sql.store import CHUNK_POINTS

    ref = RunRef("e", "p", "r")
    rng = np.random.default_rng(3)
    values = rng.normal(size=3 * CHUNK_POINTS)
    step = 1000

    def batch(start: int) -> None:
        steps = np.arange(start, start + step)
        store.write_batch(
            RunBatch(ref, create={}, columns={"loss": (steps, values[start : start + step])})
        )

    for start in (0, 1000, 2000):
        batch(start)
    assert _chunk_rows(store) == [(0, 1000, True), (1000, 1000, True), (2000, 1000, True)]
    starts = list(range(0, 2 * CHUNK_POINTS + 500, step))
    for start in starts[3:]:
        batch(start)
    stored = _chunk_rows(store)
    full = [row for row in stored if row[1] == CHUNK_POINTS]
    assert full == [(0, CHUNK_POINTS, False), (CHUNK_POINTS, CHUNK_POINTS, False)]
    assert all(plain and count < CHUNK_POINTS for _, count, plain in stored[2:])
    assert sum(count for _, count, _ in stored) == len(starts) * step
    expected = values[: len(starts) * step]
    np.testing.assert_array_equal(store.read_series(ref, "loss").values, expected)
    store.write_batch(RunBatch(ref, meta={"state": "finished"}))
    assert [(first, plain) for first, _, plain in _chunk_rows(store)] == [
        (0, False),
        (CHUNK_POINTS, False),
        (2 * CHUNK_POINTS, False),
    ]
    np.testing.assert_array_equal(store.read_series(ref, "loss").values, expected)


#: A run's live batches and its last one, ``(first step, points)`` each.
_LAST_BATCH_CASES = [
    ([(0, 100), (100, 100)], (200, 300)),  # extends a small open chunk
    ([(0, 3000), (3000, 3000), (6000, 3000)], (9000, 8000)),  # after a merge
    ([(0, 600), (600, 400)], (1000, 9000)),  # open chunks, then more than a chunk
    ([], (0, 20000)),  # a run of one batch
    ([(0, 3000)], (2000, 4000)),  # sent again in part: each point once
]


@pytest.mark.parametrize(("live", "final"), _LAST_BATCH_CASES)
def test_the_last_batch_is_sealed_with_the_open_chunks(
    store: SqlStore, live: list[tuple[int, int]], final: tuple[int, int]
) -> None:
    """The run's last batch goes straight into compressed chunks with the key's open
    ones (not stored open and read back by the seal): every point once, in order, in
    chunks of CHUNK_POINTS, none left uncompressed; keys of the live batches only and
    of the last batch only are sealed too."""
    from runyard.store.sql.store import CHUNK_POINTS

    ref = RunRef("e", "p", "r")
    end = max([s + n for s, n in live] + [final[0] + final[1]])
    values = np.cumsum(np.random.default_rng(7).normal(size=end))

    def columns(start: int, n: int, keys: tuple[str, ...]) -> dict[str, Any]:
        steps = np.arange(start, start + n)
        return {k: (steps, values[start : start + n] + i) for i, k in enumerate(keys)}

    for start, n in live:
        store.write_batch(RunBatch(ref, create={}, columns=columns(start, n, ("x", "early"))))
    store.write_batch(
        RunBatch(ref, create={}, meta={"state": "finished"}, columns=columns(*final, ("x", "late")))
    )
    stored = _chunk_rows(store)
    assert not any(plain for _, _, plain in stored)
    expect_x = np.arange(end)
    series = store.read_series(ref, "x")
    np.testing.assert_array_equal(series.steps, expect_x)
    np.testing.assert_array_equal(series.values, values[:end])
    late = store.read_series(ref, "late")
    np.testing.assert_array_equal(late.steps, np.arange(final[0], final[0] + final[1]))
    np.testing.assert_array_equal(late.values, values[final[0] : final[0] + final[1]] + 1)
    if live:
        early_end = live[-1][0] + live[-1][1]
        early = store.read_series(ref, "early").values
        np.testing.assert_array_equal(early, values[:early_end] + 1)
    with store._db.read() as tx:
        counts = [
            int(r[0])
            for r in tx.all(
                "SELECT count FROM series_chunks WHERE \"key\" = 'x' ORDER BY first_step"
            )
        ]
    assert counts == [min(CHUNK_POINTS, end - lo) for lo in range(0, end, CHUNK_POINTS)]


@pytest.mark.parametrize(("live", "final"), _LAST_BATCH_CASES)
def test_a_last_batch_sealed_later_reads_the_same_and_seals_to_the_same_rows(
    uri: str, tmp_path: Path, live: list[tuple[int, int]], final: tuple[int, int]
) -> None:
    """With ``seal_later`` the run's last batch stores its points open, one chunk a key
    (finish does not wait for their compression); the run reads the same before the
    seal (a process killed meanwhile loses nothing), and ``seal`` then leaves exactly
    the rows the inline seal writes. A second seal changes nothing."""
    ref = RunRef("e", "p", "r")
    end = max([s + n for s, n in live] + [final[0] + final[1]])
    values = np.cumsum(np.random.default_rng(11).normal(size=end))

    def batches(later: bool) -> list[RunBatch]:
        def columns(start: int, n: int, keys: tuple[str, ...]) -> dict[str, Any]:
            steps = np.arange(start, start + n)
            return {k: (steps, values[start : start + n] + i) for i, k in enumerate(keys)}

        out = [RunBatch(ref, create={}, columns=columns(s, n, ("x", "early"))) for s, n in live]
        out.append(
            RunBatch(
                ref,
                create={},
                meta={"state": "finished"},
                columns=columns(*final, ("x", "late")),
                seal_later=later,
            )
        )
        return out

    def rows(store: SqlStore) -> list[tuple[Any, ...]]:
        with store._db.read() as tx:
            return [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in tx.all(
                    'SELECT "key", first_step, last_step, count, vmin, vmax, vlast, '
                    'steps_blob, values_blob, rollup_blob FROM series_chunks ORDER BY "key", '
                    "first_step"
                )
            ]

    inline = SqlStore(f"sqlite:///{tmp_path / 'inline.db'}")
    later = SqlStore(uri)
    try:
        for batch in batches(False):
            inline.write_batch(batch)
        for batch in batches(True):
            later.write_batch(batch)
        open_rows = _chunk_rows(later)
        assert any(plain for _, _, plain in open_rows)  # left for the seal
        for key in ("x", "late", "early") if live else ("x", "late"):
            want, got = inline.read_series(ref, key), later.read_series(ref, key)
            np.testing.assert_array_equal(got.steps, want.steps)
            np.testing.assert_array_equal(got.values, want.values)
        assert later.get_run(ref).state == "finished"  # type: ignore[union-attr]
        later.seal(ref)
        assert not any(plain for _, _, plain in _chunk_rows(later))
        if uri.startswith("sqlite"):  # the open chunks' pages go back to the file system
            with later._db.read() as tx:
                assert tx.scalar("PRAGMA freelist_count") == 0
        sealed = rows(later)
        assert sealed == rows(inline)
        later.seal(ref)
        assert rows(later) == sealed
        later.seal(RunRef("e", "p", "nobody"))  # no such run: nothing to do
    finally:
        inline.close()
        later.close()


def test_a_seal_leaves_a_key_a_batch_changed_meanwhile(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seal reads and encodes outside any lock, then swaps each key's chunks only if
    they are still those it read: a key a resumed run rewound meanwhile keeps what the
    rewind left, uncompressed (for the next seal); the other keys are sealed."""
    from runyard.store.sql import store as module
    from runyard.store.sql.chunks import is_plain

    ref = RunRef("e", "p", "r")
    steps = np.arange(0, 5000)
    store.write_batch(RunBatch(ref, create={}, columns={"x": (steps, steps * 0.5)}))
    store.write_batch(
        RunBatch(
            ref,
            meta={"state": "finished"},
            columns={"x": (steps + 5000, steps * 0.5 + 2500), "y": (steps, steps * 2.0)},
            seal_later=True,
        )
    )
    encode = module._encode_all

    def rewind_then_encode(chunks: Any) -> Any:  # between the seal's read and its swap
        monkeypatch.setattr(module, "_encode_all", encode)
        store.write_batch(RunBatch(ref, truncate_after=6999))  # x: its open chunks change
        return encode(chunks)

    monkeypatch.setattr(module, "_encode_all", rewind_then_encode)
    store.seal(ref)

    def plain(key: str) -> list[bool]:
        with store._db.read() as tx:
            blobs = tx.all(
                'SELECT values_blob FROM series_chunks WHERE "key" = :k ORDER BY first_step',
                {"k": key},
            )
        return [is_plain(bytes(b[0])) for b in blobs]

    x = store.read_series(ref, "x")
    np.testing.assert_array_equal(x.steps, np.arange(7000))
    np.testing.assert_array_equal(x.values, np.arange(7000) * 0.5)
    assert any(plain("x"))
    assert plain("y") == [False]
    np.testing.assert_array_equal(store.read_series(ref, "y").values, steps * 2.0)
    store.seal(ref)
    assert not any(plain("x"))
    np.testing.assert_array_equal(store.read_series(ref, "x").values, np.arange(7000) * 0.5)


def test_chunks_of_one_length_are_encoded_as_a_group_row_for_row() -> None:
    """Float chunks of one length (a wide run's batch) are encoded as a group, sealed
    or open: each row is what _chunk_params makes of its chunk alone (bounds without NaN, a last
    value that is not finite as None, irregular steps, lengths mixed in one batch)."""
    from runyard.store.sql.store import _chunk_params, _encode_some

    rng = np.random.default_rng(5)
    chunks: list[Any] = []
    for k in range(60):
        n = 200 if k % 7 else 150
        steps = np.arange(1000, 1000 + n) if k % 11 else np.cumsum(rng.integers(1, 3, size=n))
        values = np.cumsum(rng.normal(size=n))
        if k % 5 == 0:
            values[rng.integers(0, n, 10)] = np.nan
        if k % 13 == 0:
            values[:] = np.nan
        if k % 17 == 0:
            values[-1] = np.inf
        if k % 3 == 0:
            values = np.round(values, 2)
        chunks.append((1, f"k{k}", steps, values))
    chunks += [
        (1, "ints", np.arange(200), np.arange(200)),
        (1, "long", np.arange(2000), rng.normal(size=2000)),
    ]
    for compress in (True, False):  # sealed, and open chunks (plain values)
        grouped = _encode_some(chunks, compress)
        alone = [_chunk_params(c, compress) for c in chunks]
        assert [row["key"] for row in grouped] == [c[1] for c in chunks]
        for got, want in zip(grouped, alone, strict=True):
            assert got.keys() == want.keys()
            for name, value in want.items():
                assert got[name] == value and type(got[name]) is type(value), (want["key"], name)


def test_small_batches_extend_a_small_open_chunk(store: SqlStore) -> None:
    """Batches of a few points extend the last open chunk while it is small, so a live
    run of small flushes does not make a row a flush."""
    ref = RunRef("e", "p", "r")
    for start in range(0, 1000, 100):
        steps = np.arange(start, start + 100)
        store.write_batch(RunBatch(ref, create={}, columns={"x": (steps, steps * 0.5)}))
    assert [(first, count) for first, count, _ in _chunk_rows(store)] == [(0, 600), (600, 400)]
    series = store.read_series(ref, "x")
    np.testing.assert_array_equal(series.steps, np.arange(1000))
    np.testing.assert_array_equal(series.values, np.arange(1000) * 0.5)


def test_a_replayed_batch_after_a_merge_stores_nothing_twice(store: SqlStore) -> None:
    """Batches sent again (no journal: the store's step check alone) after their open
    chunks were merged add no point."""
    from runyard.store.sql.store import CHUNK_POINTS

    ref = RunRef("e", "p", "r")
    batches = [
        RunBatch(ref, create={}, columns={"x": (np.arange(s, s + 3000), np.arange(s, s + 3000.0))})
        for s in range(0, 4 * 3000, 3000)
    ]
    for b in batches:
        store.write_batch(b)
    for b in batches:
        store.write_batch(b)
    series = store.read_series(ref, "x")
    np.testing.assert_array_equal(series.steps, np.arange(12000))
    assert sum(count for _, count, _ in _chunk_rows(store)) == 12000
    assert _chunk_rows(store)[0] == (0, CHUNK_POINTS, False)


def test_a_rewind_between_a_merges_read_and_its_swap_is_kept(uri: str) -> None:
    """Open chunks are merged outside any lock; a rewind (``resume_from``) landing after
    the merge read them must not be undone by the swap: the key is left for later."""
    from contextlib import contextmanager

    store, other = SqlStore(uri), SqlStore(uri)
    ref = RunRef("e", "p", "r")

    def batch(start: int, n: int = 3000) -> RunBatch:
        steps = np.arange(start, start + n)
        return RunBatch(ref, create={}, columns={"x": (steps, steps * 1.0)})

    try:
        store.write_batch(batch(0))
        store.write_batch(batch(3000))
        real_read = store._db.read

        @contextmanager
        def read_then_rewind() -> Iterator[Any]:
            with real_read() as tx:
                yield tx
            other.write_batch(RunBatch(ref, truncate_after=4000))

        store._db.read = read_then_rewind  # type: ignore[method-assign]
        store.write_batch(batch(6000))  # 9,000 open points: due for merging
        store._db.read = real_read  # type: ignore[method-assign]
        series = store.read_series(ref, "x")
        np.testing.assert_array_equal(series.steps, np.arange(4001))
        store.write_batch(batch(4001, 6000))  # the next batch merges
        series = store.read_series(ref, "x")
        np.testing.assert_array_equal(series.steps, np.arange(10001))
        np.testing.assert_array_equal(series.values, np.arange(10001.0))
        assert _chunk_rows(store)[0][1:] == (8192, False)
    finally:
        store.close()
        other.close()
