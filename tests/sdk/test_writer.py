"""The writer thread keeps up while a run logs, so that ``finish`` has only a tail left."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.sdk import writer as writer_module
from runyard.store.base import RunBatch, TrackingStore


def test_the_writer_folds_what_it_reads_before_the_batch_is_due(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows read are folded (columns and summary) as they are read, not all in the batch
    that finish writes: no batch is due here (interval and row threshold out of reach)."""
    monkeypatch.setattr(writer_module, "FLUSH_INTERVAL", 1e9)
    monkeypatch.setattr(writer_module, "LIVE_BATCH_ROWS", 10**9)
    run = runyard.init(project="p", settings={"console": "off"})
    for i in range(500):
        run.log({"a": float(i), "b": i})
    writer = run._writer
    assert writer is not None
    fold = writer.sync(timeout=60)  # (no time asserted: the thread is waited for)
    assert fold is not None
    with writer._fold_lock:
        assert fold._fast == []  # nothing left for take_batch to columnise
        fold._join_parts()  # (the blocks' typed parts, joined once by take_batch)
        assert len(fold._batch.columns["a"][1]) == 500
        assert fold.summary.summary()["a"] == 499.0
    run.finish()
    history = runyard.Api().run(run.path).scan_history(keys=["a", "b"])
    assert [(r["a"], r["b"]) for r in history] == [(float(i), i) for i in range(500)]


def test_a_live_run_is_stored_in_batches_of_live_batch_rows(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the interval out of reach, LIVE_BATCH_ROWS rows make a batch while the run
    is live: the rows are stored before finish, which writes only what is left."""
    monkeypatch.setattr(writer_module, "FLUSH_INTERVAL", 1e9)
    monkeypatch.setattr(writer_module, "LIVE_BATCH_ROWS", 100)
    sizes: list[int] = []
    run = runyard.init(project="p", settings={"console": "off"})
    writer = run._writer
    assert writer is not None
    stored = threading.Event()
    original = writer._write

    def write(store: TrackingStore, batch: RunBatch) -> None:
        original(store, batch)
        if "a" in batch.columns:
            sizes.append(len(batch.columns["a"][1]))
            if sum(sizes) >= 300:
                stored.set()

    monkeypatch.setattr(writer, "_write", write)
    for i in range(350):
        run.log({"a": float(i)})
    assert stored.wait(60)  # before finish: the live run's batches
    run.finish()
    assert sum(sizes) == 350
    history = runyard.Api().run(run.path).scan_history(keys=["a"])
    assert [r["a"] for r in history] == [float(i) for i in range(350)]


@pytest.mark.parametrize("final_bytes", [0, 1 << 30])
def test_a_finishing_run_writes_its_last_journal_bytes_in_one_batch(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch, final_bytes: int
) -> None:
    """What a finishing run has left goes in batches of MAX_BATCH_ROWS, except its last
    FINAL_BATCH_BYTES of journal, which go in one batch (the store seals the open chunks
    with it instead of merging them first): all 350 rows in one batch here, or in
    batches of 100 when that tail is 0 bytes."""
    monkeypatch.setattr(writer_module, "FLUSH_INTERVAL", 1e9)
    monkeypatch.setattr(writer_module, "LIVE_BATCH_ROWS", 10**9)
    monkeypatch.setattr(writer_module, "MAX_BATCH_ROWS", 100)
    monkeypatch.setattr(writer_module, "FINAL_BATCH_BYTES", final_bytes)
    monkeypatch.setattr(writer_module, "READ_BYTES", 512)  # a few rows a read
    monkeypatch.setattr(writer_module, "WIDE_READ_ROWS", 1)
    sizes: list[int] = []
    run = runyard.init(project="p", settings={"console": "off"})
    writer = run._writer
    assert writer is not None
    original = writer._write

    def write(store: TrackingStore, batch: RunBatch) -> None:
        original(store, batch)
        if "a" in batch.columns:
            sizes.append(len(batch.columns["a"][1]))

    monkeypatch.setattr(writer, "_write", write)
    finisher = threading.Thread(target=run.finish)
    with writer._fold_lock:  # nothing is folded until the run finishes
        for i in range(350):
            run.log({"a": float(i)})
        finisher.start()
        while not writer._stop_requested:
            finisher.join(0.001)
    finisher.join(60)
    assert not finisher.is_alive()
    assert sum(sizes) == 350
    if final_bytes:
        assert sizes == [350]
    else:
        assert len(sizes) >= 4 and max(sizes) < 350
    history = runyard.Api().run(run.path).scan_history(keys=["a"])
    assert [r["a"] for r in history] == [float(i) for i in range(350)]


def test_wide_rows_are_read_many_rows_at_a_time(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows so wide that READ_BYTES holds a few are read WIDE_READ_ROWS at a time (each
    read costs a block's arrays and a summary fold a key), within MAX_READ_BYTES."""
    monkeypatch.setattr(writer_module, "READ_BYTES", 4096)
    monkeypatch.setattr(writer_module, "WIDE_READ_ROWS", 16)
    keys = [f"k{j:03d}" for j in range(300)]  # ~4 kB a row
    run = runyard.init(project="p", settings={"console": "off"})
    writer = run._writer
    assert writer is not None
    for i in range(100):
        run.log({k: i + j * 0.5 for j, k in enumerate(keys)})
    writer.sync(timeout=60)
    assert 16 * 4000 <= writer._read_bytes <= writer_module.MAX_READ_BYTES
    run.finish()
    history = list(runyard.Api().run(run.path).scan_history(keys=["k000", "k299"]))
    assert [(r["k000"], r["k299"]) for r in history] == [
        (float(i), i + 299 * 0.5) for i in range(100)
    ]


def test_a_local_store_is_opened_at_once_not_when_the_first_batch_is_due(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store is opened when the writer starts, once, so that it is ready when the
    first batch is due (opened at that point, a loop of under a second had all its rows
    written by finish): here it is open while no batch is due yet."""
    from runyard.sdk import stores

    monkeypatch.setattr(writer_module, "FLUSH_INTERVAL", 1e9)
    monkeypatch.setattr(writer_module, "LIVE_BATCH_ROWS", 10**9)
    opened: list[TrackingStore] = []
    is_open = threading.Event()
    run_store = stores.run_store

    def counting(settings: Any) -> TrackingStore:
        opened.append(run_store(settings))
        is_open.set()
        return opened[-1]

    monkeypatch.setattr(stores, "run_store", counting)
    run = runyard.init(project="p", settings={"console": "off"})
    for i in range(100):
        run.log({"a": float(i)})
    assert is_open.wait(60)  # (no time asserted: the thread is waited for)
    writer = run._writer
    assert writer is not None and writer._pending is None and writer._stored == 0
    run.finish()
    assert len(opened) == 2  # the main writer's and the side journal's
    assert [r["a"] for r in runyard.Api().run(run.path).scan_history(keys=["a"])] == [
        float(i) for i in range(100)
    ]


def test_the_writer_says_once_when_the_script_first_logs(ry_dir: Path) -> None:
    """``on_rows`` (the run context's cue to collect metadata) is called once, for the
    first rows after the journal's START record, not for START itself."""
    calls: list[int] = []
    run = runyard.init(project="p", settings={"console": "off"})
    writer = run._writer
    assert writer is not None
    writer.sync(timeout=60)
    writer.on_rows = lambda: calls.append(writer.read_pos)
    for i in range(3):
        run.log({"a": float(i)})
        writer.sync(timeout=60)
    run.finish()
    assert len(calls) == 1


def test_the_switch_interval_is_lowered_while_a_batch_is_written(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the writer stores a batch the interpreter switches threads every 0.5 ms
    (its GIL-releasing calls do not wait 5 ms each for a logging training thread);
    the script's own interval is back once it is done."""
    import sys

    from runyard.sdk.switch_interval import WORKING_SWITCH_INTERVAL

    monkeypatch.setattr(writer_module, "FLUSH_INTERVAL", 1e9)
    monkeypatch.setattr(writer_module, "LIVE_BATCH_ROWS", 10)
    seen: list[float] = []
    before = sys.getswitchinterval()
    run = runyard.init(project="p", settings={"console": "off"})
    writer = run._writer
    assert writer is not None
    original = writer._write
    stored = threading.Event()

    def write(store: TrackingStore, batch: RunBatch) -> None:
        seen.append(sys.getswitchinterval())
        original(store, batch)
        stored.set()

    monkeypatch.setattr(writer, "_write", write)
    for i in range(20):
        run.log({"a": float(i)})
    assert stored.wait(60)
    run.finish()
    assert seen and all(abs(v - WORKING_SWITCH_INTERVAL) < 1e-9 for v in seen)
    assert sys.getswitchinterval() == before


def test_alike_rows_are_folded_as_blocks_and_stored_as_logged(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of the same keys reach the fold as blocks (journal/log_block.py), rows of
    other shapes one by one, in journal order: the stored history, types included
    (ints stay ints), and the summary are what was logged."""
    from runyard.journal.fold import RunFold

    blocks: list[int] = []
    original = RunFold.feed_block

    def feed_block(self: RunFold, block: Any) -> None:
        blocks.append(len(block))
        original(self, block)

    monkeypatch.setattr(RunFold, "feed_block", feed_block)
    run = runyard.init(project="p", settings={"console": "off"})
    run.define_metric("loss", summary="min")
    expected: list[dict[str, Any]] = []
    for i in range(3000):
        row: dict[str, Any] = {"loss": 1.0 / (i + 1), "epoch": i // 100}
        if i % 500 == 7:
            row["note"] = f"step {i}"  # a string: not a block's
        if i == 1234:
            row = {"loss": math.nan, "epoch": -1}  # NaN; a negative int
        run.log(row)
        expected.append(row)
    run.finish()
    assert sum(blocks) > 2000  # most rows went as blocks
    history = list(runyard.Api().run(run.path).scan_history(keys=["loss", "epoch"]))
    assert len(history) == 3000
    for got, want in zip(history, expected, strict=True):
        assert type(got["epoch"]) is int and got["epoch"] == want["epoch"]
        if math.isnan(want["loss"]):
            assert math.isnan(got["loss"])
        else:
            assert got["loss"] == want["loss"]
    stored = runyard.Api().run(run.path)
    assert stored.summary["loss"] == {"min": 1.0 / 3000}
    assert stored.summary["epoch"] == 29 and stored.summary["note"] == "step 2507"


def test_finish_seals_and_checkpoints_the_store_once_after_both_writers_without_waiting(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's last batch stores its points uncompressed and the writers leave the
    store's write-ahead log alone; finish returns with every row stored and readable,
    then one thread of its own (not a daemon) compresses the run's series and folds
    the log back: held here until finish has returned (a finish that waited for it
    would find it still held), after which no chunk is left uncompressed and the log
    is empty."""
    from runyard.entities import RunRef
    from runyard.store.sql.chunks import is_plain
    from runyard.store.sql.store import SqlStore

    calls: list[tuple[str, str]] = []
    gate = threading.Event()
    released: list[bool] = []
    checkpoint, seal = SqlStore.checkpoint, SqlStore.seal

    def held_seal(self: SqlStore, ref: RunRef) -> None:
        released.append(gate.wait(60))
        calls.append(("seal", threading.current_thread().name))
        seal(self, ref)

    def logged_checkpoint(self: SqlStore) -> None:
        calls.append(("checkpoint", threading.current_thread().name))
        checkpoint(self)

    def plain_chunks() -> int:
        store = SqlStore(f"sqlite:///{next(ry_dir.rglob('*.db'))}")
        try:
            with store._db.read() as tx:
                blobs = tx.all("SELECT values_blob FROM series_chunks")
        finally:
            store.close()
        return sum(is_plain(bytes(b[0])) for b in blobs)

    for thread in threading.enumerate():  # an earlier test's run, settling still
        if thread.name == "runyard-settle":
            thread.join(60)
    monkeypatch.setattr(SqlStore, "checkpoint", logged_checkpoint)
    monkeypatch.setattr(SqlStore, "seal", held_seal)
    # Whatever the writer stored while the loop ran, its last batch is sealed later.
    monkeypatch.setattr("runyard.sdk.init.SEAL_LATER_POINTS", 1)
    run = runyard.init(project="p", settings={"console": "wrap"})
    print("to the side journal")
    for i in range(20_000):
        run.log({f"m{j}": i * 0.5 + j for j in range(10)})
    run.finish()
    # Returned with the seal still held: everything is stored, some of it uncompressed.
    history = runyard.Api().run(run.path).scan_history(keys=["m3"])
    assert [r["m3"] for r in history] == [i * 0.5 + 3 for i in range(20_000)]
    assert runyard.Api().run(run.path).state == "finished"
    assert plain_chunks() > 0
    gate.set()
    threads = [t for t in threading.enumerate() if t.name == "runyard-settle"]
    assert threads
    for thread in threads:
        assert not thread.daemon
        thread.join(60)
    assert released == [True]
    assert calls == [("seal", "runyard-settle"), ("checkpoint", "runyard-settle")]
    assert plain_chunks() == 0
    wal = next(ry_dir.rglob("*.db-wal"))
    assert wal.stat().st_size == 0  # folded back and truncated
    history = runyard.Api().run(run.path).scan_history(keys=["m3"])
    assert [r["m3"] for r in history] == [i * 0.5 + 3 for i in range(20_000)]


def test_settling_a_server_run_or_a_short_one_starts_no_thread_a_long_one_seals_then_checkpoints(
    tmp_path: Path,
) -> None:
    """A server seals a run's last batch itself and has no log to fold back: nothing
    to do there. A local store is sealed, then checkpointed, in one thread (not a
    daemon), runs that finish meanwhile settled in turn."""
    from runyard.entities import RunRef
    from runyard.store.rest.store import HttpStore
    from runyard.store.sql.store import SqlStore

    server = HttpStore("http://127.0.0.1:9")  # nothing listens: it must not be asked
    assert writer_module.settle_soon(server, RunRef("e", "p", "r")) is None

    calls: list[tuple[str, str]] = []
    due = [False]

    class Recording(SqlStore):
        def seal(self, ref: RunRef) -> None:
            calls.append(("seal", ref.run_id))

        def checkpoint(self) -> None:
            calls.append(("checkpoint", threading.current_thread().name))

        def checkpoint_due(self) -> bool:
            return due[0]

    store = Recording(f"sqlite:///{tmp_path / 's.db'}")
    try:
        # nothing to seal and a small write-ahead log: no thread for a short run
        assert writer_module.settle_soon(store) is None and calls == []
        due[0] = True
        first = writer_module.settle_soon(store, RunRef("e", "p", "a"))
        writer_module.settle_soon(store, RunRef("e", "p", "b"))
        writer_module.settle_soon(store)  # checkpoint only
        assert first is not None and not first.daemon
        for thread in threading.enumerate():
            if thread.name == "runyard-settle":
                thread.join(60)
    finally:
        store.close()
    assert [c for c in calls if c[0] == "seal"] == [("seal", "a"), ("seal", "b")]
    assert calls.count(("checkpoint", "runyard-settle")) == 3
    assert calls.index(("seal", "b")) < len(calls) - 1


def test_a_small_last_batch_is_sealed_with_it_and_nothing_is_left_to_seal(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under SEAL_LATER_POINTS the last batch is sealed at once (a settling thread would
    cost the next run more): finish returns with every chunk compressed, and the
    settling thread only checkpoints."""
    from runyard.store.sql.chunks import is_plain
    from runyard.store.sql.store import SqlStore

    sealed: list[str] = []
    monkeypatch.setattr(SqlStore, "seal", lambda self, ref: sealed.append(ref.run_id))
    run = runyard.init(project="p")
    for i in range(1000):
        run.log({"a": i * 0.5, "b": float(i)})
    run.finish()
    for thread in threading.enumerate():
        if thread.name == "runyard-settle":
            thread.join(60)
    assert sealed == []
    store = SqlStore(f"sqlite:///{next(ry_dir.rglob('*.db'))}")
    try:
        with store._db.read() as tx:
            blobs = [bytes(b[0]) for b in tx.all("SELECT values_blob FROM series_chunks")]
    finally:
        store.close()
    assert blobs and not any(is_plain(b) for b in blobs)
    history = runyard.Api().run(run.path).scan_history(keys=["a"])
    assert [r["a"] for r in history] == [i * 0.5 for i in range(1000)]
