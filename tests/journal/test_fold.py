"""`RunFold`: journal records into store batches — here the run context (issue 13):
console chunks into terminal lines, system samples, metadata, side journals."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import msgpack
import pytest

from runyard.entities import RunRef
from runyard.journal.fold import RunFold
from runyard.journal.frames import JournalWriter
from runyard.journal.records import Rec
from runyard.journal.replay import replay
from runyard.store.sql.store import SqlStore

REF = RunRef("ent", "proj", "r1")
START: dict[str, Any] = {
    "ref": [REF.entity, REF.project, REF.run_id],
    "create": {"display_name": "one"},
    "meta": {"sessions": 1},
    "journal_id": "main-1",
}


def console(stream: str, ts: float, text: str) -> list[Any]:
    return [Rec.CONSOLE, stream, ts, text]


def stats(ts: float, runtime: float, values: dict[str, float]) -> list[Any]:
    return [Rec.STATS, ts, runtime, values]


def log(step: int) -> list[Any]:
    return [Rec.LOG, step, True, 100.0 + step, float(step), {"loss": 1.0 / (step + 1)}]


def test_console_chunks_become_terminal_lines_and_a_redrawn_bar_keeps_its_number() -> None:
    fold = RunFold(START)
    fold.feed(console("stdout", 1.0, "epoch 1\nepoch"))
    fold.feed(console("stderr", 1.1, "\r 10%|#    |"))
    fold.feed(log(0))
    batch = fold.take_batch(("main-1", 100))
    assert batch.console == [
        (0, "stdout", 1.0, "epoch 1"),
        (1, "stdout", 1.0, "epoch"),
        (2, "stderr", 1.1, " 10%|#    |"),
    ]
    assert batch.columns["loss"] == ([0], [1.0])  # history is unaffected
    fold.feed(console("stdout", 2.0, " 2\n"))
    fold.feed(console("stderr", 2.1, "\r 50%|##   |\r100%|#####|\n"))
    batch = fold.take_batch(("main-1", 200))
    assert batch.console == [(1, "stdout", 2.0, "epoch 2"), (2, "stderr", 2.1, "100%|#####|")]
    assert fold.take_batch(("main-1", 300)).console == []


def test_console_records_do_not_cut_history_rows_apart() -> None:
    fold = RunFold(START)
    for step in range(100):
        fold.feed(log(step))
        fold.feed(console("stdout", 100.0 + step, f"step {step}\n"))
    batch = fold.take_batch(None)
    assert batch.columns["loss"][0] == list(range(100))
    assert [line[3] for line in batch.console] == [f"step {i}" for i in range(100)]


def test_console_output_weighs_in_pending_rows() -> None:
    """Replay and the writer cut batches by pending_rows: a flood of output with no
    history must still make batches of bounded size."""
    fold = RunFold(START)
    for _ in range(1000):
        fold.feed(console("stdout", 1.0, "x" * 1000 + "\n"))
    assert fold.pending_rows >= 1000 * 4
    fold.take_batch(None)
    assert fold.pending_rows == 0


def test_system_samples_are_numbered_in_journal_order() -> None:
    fold = RunFold(START)
    fold.feed(stats(10.0, 0.5, {"system.cpu": 5.0}))
    fold.feed(log(0))
    fold.feed(stats(25.0, 15.5, {"system.cpu": 7.5, "system.memory_percent": 30.0}))
    batch = fold.take_batch(None)
    assert batch.system == [
        (0, 10.0, 0.5, {"system.cpu": 5.0}),
        (1, 25.0, 15.5, {"system.cpu": 7.5, "system.memory_percent": 30.0}),
    ]
    fold.feed(stats(40.0, 30.5, {"system.cpu": 1.0}))
    assert fold.take_batch(None).system == [(2, 40.0, 30.5, {"system.cpu": 1.0})]


def test_metadata_records_merge_and_never_reach_the_run_fields() -> None:
    """META {"metadata": …} is the run's environment, not a run field (the store refuses
    unknown run fields): it goes to batch.metadata, merged with earlier ones."""
    fold = RunFold({**START, "metadata": {"python": "3.12", "host": "a"}})
    fold.feed([Rec.META, {"metadata": {"host": "b", "git": {"commit": "abc"}}}])
    fold.feed([Rec.META, {"display_name": "renamed"}])
    batch = fold.take_batch(None)
    assert batch.metadata == {"python": "3.12", "host": "b", "git": {"commit": "abc"}}
    assert "metadata" not in batch.meta and batch.meta["display_name"] == "renamed"
    assert fold.take_batch(None).metadata is None  # sent once, until it changes
    fold.feed([Rec.META, {"metadata": {"gpu_count": 0}}])
    assert fold.take_batch(None).metadata == {
        "python": "3.12",
        "host": "b",
        "git": {"commit": "abc"},
        "gpu_count": 0,
    }


def test_a_side_journal_adds_context_and_nothing_else() -> None:
    side = RunFold(
        {"ref": [REF.entity, REF.project, REF.run_id], "journal_id": "side-1", "attach": True}
    )
    side.feed(console("stdout", 1.0, "hello\n"))
    side.feed(stats(1.0, 0.0, {"system.cpu": 3.0}))
    side.feed([Rec.META, {"metadata": {"python": "3.12"}}])
    side.feed([Rec.EXIT, "finished", 0, 5.0])
    batch = side.take_batch(("side-1", 50))
    assert batch.console == [(0, "stdout", 1.0, "hello")]
    assert batch.system == [(0, 1.0, 0.0, {"system.cpu": 3.0})]
    assert batch.metadata == {"python": "3.12"}
    assert batch.meta == {} and batch.metrics is None and batch.summary_state is None
    assert batch.summary_set == [] and batch.create is None
    assert side.exited


def _journal(path: Path, records: list[list[Any]]) -> None:
    writer = JournalWriter(path)
    try:
        for record in records:
            writer.append(msgpack.packb(record))
    finally:
        writer.close()


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    yield s
    s.close()


def test_replay_stores_console_system_and_metadata_once(tmp_path: Path, store: SqlStore) -> None:
    path = tmp_path / "r1-1-1.journal"
    records = [[Rec.START, START], [Rec.META, {"metadata": {"program": "train.py"}}]]
    for step in range(5):
        records += [log(step), console("stderr", 1.0 + step, f"\r{step * 25}%")]
        records.append(stats(1.0 + step, float(step), {"system.cpu": float(step)}))
    records.append(console("stdout", 9.0, "done\n"))
    _journal(path, records)
    assert replay(path, store, keep=True).status == "stored"
    assert replay(path, store, keep=True).status == "up-to-date"
    lines = [(line.line, line.stream, line.text) for line in store.read_console(REF)]
    assert lines == [(0, "stderr", "100%"), (1, "stdout", "done")]
    assert store.read_system(REF).values == {"system.cpu": [0.0, 1.0, 2.0, 3.0, 4.0]}
    record = store.get_run(REF)
    assert record is not None and record.metadata == {"program": "train.py"}
    assert record.state == "crashed"


def test_a_resumed_runs_sessions_follow_each_other(tmp_path: Path, store: SqlStore) -> None:
    first = tmp_path / "r1-1-1.journal"
    _journal(first, [[Rec.START, START], console("stdout", 1.0, "one\ntwo\n")])
    second = tmp_path / "r1-2-1.journal"
    resumed = {
        "ref": [REF.entity, REF.project, REF.run_id],
        "meta": {"sessions": 2},
        "journal_id": "main-2",
    }
    _journal(second, [[Rec.START, resumed], console("stdout", 2.0, "three\n")])
    replay(first, store, keep=True)
    replay(second, store, keep=True)
    replay(first, store, keep=True)  # again: nothing moves
    assert store.console_text(REF) == "one\ntwo\nthree\n"


def test_a_side_journal_never_marks_its_run_crashed(tmp_path: Path, store: SqlStore) -> None:
    main = tmp_path / "r1-1-1.journal"
    _journal(main, [[Rec.START, START], log(0), [Rec.EXIT, "finished", 0, 1.0]])
    side = tmp_path / "r1-1-1.side.journal"
    attach = {"ref": [REF.entity, REF.project, REF.run_id], "journal_id": "side-1", "attach": True}
    _journal(side, [[Rec.START, attach], console("stdout", 1.0, "hi\n")])
    replay(main, store, keep=True)
    result = replay(side, store, keep=True)
    assert result.status == "stored" and result.state is None
    record = store.get_run(REF)
    assert record is not None and record.state == "finished" and record.last_step == 0
    assert store.console_text(REF) == "hi\n"


def _row(step: int, data: dict[str, Any]) -> list[Any]:
    return [Rec.LOG, step, True, 100.0 + step, float(step), data]


def test_committed_rows_fold_alike_in_one_bulk_or_one_by_one() -> None:
    """The fast path groups rows in bulk (equal key sets, in any order) and sends a group
    holding a nested dict or a reserved key the assembler's way: the batch and summary
    are those of folding every row alone, in journal order."""
    rows = [
        _row(0, {"a": 1.0, "b": 2}),
        _row(1, {"b": 3, "a": 0.5}),  # same keys, other order
        _row(2, {"a": 2.0, "n": {"x": 1, "y": 2.5}}),  # nested
        _row(3, {"a": 0.25}),  # one key
        _row(4, {}),  # no key
        _row(5, {"a": 3.0, "_runtime": 99.0}),  # reserved: overwritten by the record's
        _row(6, {"a": 1.5, "b": 4}),
    ]
    bulk = RunFold(START)
    for rec in rows:
        bulk.feed(rec)
    alone = RunFold(START)
    for rec in rows:
        alone.feed(rec)
        alone.commit()  # one group per row
    batches = [fold.take_batch(None) for fold in (bulk, alone)]
    for batch in batches:
        columns = batch.columns
        assert columns["a"] == ([0, 1, 2, 3, 5, 6], [1.0, 0.5, 2.0, 0.25, 3.0, 1.5])
        assert columns["b"] == ([0, 1, 6], [2, 3, 4])
        assert columns["n.x"] == ([2], [1]) and columns["n.y"] == ([2], [2.5])
        assert columns["_runtime"] == ([0, 1, 2, 3, 4, 5, 6], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert batches[0].columns == batches[1].columns
    assert batches[0].summary_set == batches[1].summary_set
    summary = bulk.current_summary()
    assert summary["a"] == 1.5 and summary["b"] == 4 and summary["n"] == {"x": 1, "y": 2.5}
    assert bulk.runtime == 6.0 and bulk.heartbeat == 106.0 and bulk.last_step == 6


def _normalised(columns: dict[str, Any]) -> dict[str, Any]:
    """Batch columns as lists (a block's are numpy arrays), values with their types."""
    out = {}
    for key, (steps, values) in columns.items():
        steps = steps.tolist() if hasattr(steps, "tolist") else list(steps)
        values = values.tolist() if hasattr(values, "tolist") else list(values)
        out[key] = (steps, [(type(v).__name__, repr(v)) for v in values])
    return out


def _alike(a: Any, b: Any) -> None:
    """Equal, types included, NaN equal to NaN; floats within 1e-12 (a mean's sum is
    grouped by where reads and batches end: the same, up to rounding, live or replayed)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _alike(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _alike(x, y)
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12), (a, b)
    else:
        assert a == b


def _fold_both_ways(tmp_path: Path, records: list[Any]) -> tuple[RunFold, RunFold]:
    """The records folded one by one (replay's way) and read back with read_records
    (the live writer's: alike LOG frames as blocks), in reads of 16 KB."""
    from runyard.journal.frames import MAGIC, read_records
    from runyard.journal.log_block import LogBlock

    path = tmp_path / "run.journal"
    writer = JournalWriter(path)
    pack = msgpack.Packer(autoreset=True).pack
    for rec in records:
        writer.append(pack(rec))
    writer.close()
    by_record = RunFold(START)
    for rec in records:
        by_record.feed(rec)
    by_block = RunFold(START)
    blocks = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        pos = len(MAGIC)
        while got := read_records(fd, pos, max_bytes=16384):
            for _end, item in got:
                if isinstance(item, LogBlock):
                    blocks += 1
                    by_block.feed_block(item)
                else:
                    by_block.feed(item)
            by_block.commit()  # as the writer does after each read
            pos = got[-1][0]
    finally:
        os.close(fd)
    assert blocks > 1
    return by_record, by_block


def test_blocks_fold_as_their_records_do(tmp_path: Path) -> None:
    """A block (see journal/log_block.py) folds to the batch, summary and step its records
    give one by one: define_metric summaries (min, max, mean, last, best with the row of
    the best), ints kept ints, NaN skipped by min/max, rows around blocks (a kept-open
    row, a nested dict, a reserved key, an explicit summary edit) in journal order."""
    defs = [
        {"name": "loss", "summary": ["min", "mean", "last"], "goal": "minimize"},
        {"name": "acc", "summary": ["max", "best"], "goal": "maximize"},
    ]
    records: list[Any] = [[Rec.DEFINE, d, True] for d in defs]
    for i in range(600):
        loss = 1.0 / (i + 1) + (0.5 if i % 97 == 0 else 0.0)
        g = math.nan if i == 250 else i * 0.5
        data: dict[str, Any] = {"loss": loss, "acc": (i * 37) % 101, "lr": 0.1, "g": g}
        if i == 300:
            records.append([Rec.LOG, i, False, 1.0 + i, float(i), {"extra": 1.0}])  # kept open
        elif i == 301:
            data["n"] = {"x": 1.0}  # nested
        elif i == 302:
            data["_runtime"] = 5.0  # reserved
        elif i == 400:
            records.append([Rec.SUMMARY_SET, ["note"], -1])
        elif i == 500:
            data["lr"] = 1  # an int among floats
        records.append([Rec.LOG, i, True, 1.0 + i, float(i), data])
    by_record, by_block = _fold_both_ways(tmp_path, records)
    _alike(by_block.current_summary(), by_record.current_summary())
    assert (by_block.last_step, by_block.runtime, by_block.heartbeat) == (
        by_record.last_step,
        by_record.runtime,
        by_record.heartbeat,
    )
    batches = [fold.take_batch(("j", 1)) for fold in (by_record, by_block)]
    assert _normalised(batches[1].columns) == _normalised(batches[0].columns)
    _alike(batches[1].summary_set, batches[0].summary_set)
    _alike(batches[1].summary_state, batches[0].summary_state)
    summary = by_block.current_summary()
    assert summary["acc"] == {"max": 100, "best": 100} and type(summary["acc"]["max"]) is int
    best = summary["_best"]["acc"]
    assert best["_step"] == 30 and best["metrics"]["g"] == 15.0 and best["metrics"]["_step"] == 30
    assert type(best["metrics"]["_step"]) is int and type(best["value"]) is int
    assert summary["loss"]["min"] == 1.0 / 600
    assert summary["g"] == 599 * 0.5


def test_a_blocks_batch_is_stored_as_its_records_would_be(tmp_path: Path, store: SqlStore) -> None:
    """The typed columns of blocks reach the store (numpy arrays, base.py's typed columns)
    and read back as the records' lists would."""
    records = [[Rec.LOG, i, True, 1.0 + i, float(i), {"a": i * 0.25, "k": i}] for i in range(300)]
    _, by_block = _fold_both_ways(tmp_path, records)
    store.write_batch(by_block.take_batch(None))
    a = store.read_series(REF, "a")
    assert a.steps.tolist() == list(range(300)) and a.values.tolist() == [
        i * 0.25 for i in range(300)
    ]
    k = store.read_series(REF, "k")
    assert k.values.dtype.kind == "i" and k.values.tolist() == list(range(300))
    assert store.get_run(REF) is not None
