"""Replaying journals left behind by runs that died, into a real SQLite store."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest

import runyard
from runyard.entities import RunRef
from runyard.journal.fold import RunFold
from runyard.journal.frames import MAGIC, JournalReader, JournalWriter, read_frames
from runyard.journal.records import Rec
from runyard.journal.replay import journal_key, recover_journals, replay_journal
from runyard.store.sql.store import SqlStore
from tests.helpers import run_script

REF = RunRef("ent", "proj", "crashy")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    yield s
    s.close()


def start_record(ref: RunRef = REF) -> list[Any]:
    return [
        Rec.START,
        {
            "ref": [ref.entity, ref.project, ref.run_id],
            "create": {"display_name": "crashy"},
            "meta": {"sessions": 1},
            "config": {"lr": 0.1},
        },
    ]


def log_record(step: int) -> list[Any]:
    return [Rec.LOG, step, True, 1_700_000_000.0 + step, step * 0.5, {"loss": 1.0 / (step + 1)}]


def main_journals(folder: Path) -> list[Path]:
    """A run's journals in ``folder``, without the side journals of its background
    threads (``<stem>.side.journal``)."""
    return [p for p in folder.glob("*.journal") if not p.name.endswith(".side.journal")]


def write_journal(path: Path, records: list[list[Any]]) -> list[int]:
    writer = JournalWriter(path)
    try:
        return [writer.append(msgpack.packb(rec)) for rec in records]
    finally:
        writer.close()


def test_abandoned_journal_is_stored_and_marks_the_run_crashed(
    tmp_path: Path, store: SqlStore
) -> None:
    path = tmp_path / "journals" / "crashy-1-1.journal"
    write_journal(path, [start_record()] + [log_record(i) for i in range(100)])
    assert replay_journal(path, store)
    rec = store.get_run(REF)
    assert rec is not None
    assert rec.state == "crashed"
    assert rec.config == {"lr": 0.1}
    assert rec.last_step == 99
    series = store.read_series(REF, "loss")
    assert series.steps.tolist() == list(range(100))
    assert series.values.tolist() == [1.0 / (i + 1) for i in range(100)]
    assert not path.exists()
    assert store.journal_offset(str(path)) == 0


def test_journal_with_an_exit_record_keeps_its_state(tmp_path: Path, store: SqlStore) -> None:
    path = tmp_path / "done.journal"
    write_journal(
        path, [start_record(), log_record(0), log_record(1), [Rec.EXIT, "finished", 0, 3.0]]
    )
    assert replay_journal(path, store)
    rec = store.get_run(REF)
    assert rec is not None
    assert (rec.state, rec.exit_code, rec.runtime, rec.last_step) == ("finished", 0, 3.0, 1)


def test_only_what_the_store_lacks_is_written(tmp_path: Path, store: SqlStore) -> None:
    """The writer stored the first 60 rows, then the process died."""
    path = tmp_path / "half.journal"
    records = [start_record()] + [log_record(i) for i in range(150)]
    ends = write_journal(path, records)
    # What the live writer thread did before dying: fold and store up to an offset.
    fold = RunFold(records[0][1])
    for rec in records[1:61]:
        fold.feed(rec)
    store.write_batch(fold.take_batch((str(path), ends[60])))
    assert store.journal_offset(str(path)) == ends[60]

    assert replay_journal(path, store)
    series = store.read_series(REF, "loss")
    assert series.steps.tolist() == list(range(150))  # every row once
    assert series.values.tolist() == [1.0 / (i + 1) for i in range(150)]
    rec = store.get_run(REF)
    assert rec is not None
    assert rec.state == "crashed"
    assert rec.last_step == 149


def test_journal_in_use_is_left_alone(tmp_path: Path, store: SqlStore) -> None:
    path = tmp_path / "alive.journal"
    writer = JournalWriter(path)
    try:
        writer.append(msgpack.packb(start_record()))
        writer.append(msgpack.packb(log_record(0)))
        assert not replay_journal(path, store)
        assert path.exists()
        assert store.get_run(REF) is None
    finally:
        writer.close()


def test_torn_tail_is_dropped(tmp_path: Path, store: SqlStore) -> None:
    path = tmp_path / "torn.journal"
    ends = write_journal(path, [start_record()] + [log_record(i) for i in range(10)])
    os.truncate(path, ends[-1] - 3)
    assert replay_journal(path, store)
    assert store.read_series(REF, "loss").steps.tolist() == list(range(9))


def test_empty_journal_is_removed(tmp_path: Path, store: SqlStore) -> None:
    path = tmp_path / "empty.journal"
    JournalWriter(path).close()
    assert replay_journal(path, store)
    assert not path.exists()


def test_killed_run_is_recovered_by_the_next_process(tmp_path: Path, store: SqlStore) -> None:
    """A real run killed with SIGKILL mid-way: every row it logged reaches the store."""
    root = tmp_path
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(RUNYARD_DIR=str(root), RUNYARD_ENTITY="ent", RUNYARD_SILENT="true")
    child = textwrap.dedent(
        """
        import os, signal
        import runyard
        run = runyard.init(project="proj", id="crashy", config={"lr": 0.1})
        for i in range(500):
            runyard.log({"loss": 1.0 / (i + 1)})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, timeout=120, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    journals = sorted(main_journals(root / "journals"))
    assert len(journals) == 1
    with open(journals[0], "rb") as f:
        assert f.read(len(MAGIC)) == MAGIC
        frames, pos = 0, len(MAGIC)
        for offset, _ in read_frames(f.fileno(), pos, journals[0].stat().st_size):
            frames, pos = frames + 1, offset
    assert frames == 502  # START (written twice) + 500 logs, all durable

    # The run's journal and the side journal of its background threads (console,
    # system metrics, metadata), main first.
    sides = sorted(set((root / "journals").glob("*.journal")) - set(journals))
    assert [p.name for p in sides] == [journals[0].name.replace(".journal", ".side.journal")]
    assert recover_journals(root / "journals", store) == 2
    assert recover_journals(root / "journals", store) == 0  # once per process
    rec = store.get_run(REF)
    assert rec is not None
    assert rec.state == "crashed"
    assert rec.config == {"lr": 0.1}
    series = store.read_series(REF, "loss")
    assert series.steps.tolist() == list(range(500))
    assert series.values.tolist() == [1.0 / (i + 1) for i in range(500)]
    assert list((root / "journals").glob("*.journal")) == []


# -- damaged journals (issue 12, point 5) ---------------------------------------------------

KILLED_RUN = """
import os, signal, runyard
run = runyard.init(project="p", id="dmg", config={"lr": 0.1})
for i in range(1000):
    run.log({"loss": float(i)})
os.kill(os.getpid(), signal.SIGKILL)
"""
DAMAGED = RunRef("tester", "p", "dmg")


def killed_journal(root: Path) -> tuple[Path, list[tuple[int, int, Any]]]:
    """A real run killed after 1,000 steps: its journal and ``(start, end, record)``
    of each frame."""
    result = run_script(KILLED_RUN, root)
    assert result.returncode == -signal.SIGKILL, result.stderr
    (path,) = main_journals(root / "journals")
    with open(path, "rb") as f:
        reader = JournalReader(f.fileno())
        frames, pos = [], len(MAGIC)
        for end, rec in reader.records():
            frames.append((pos, end, rec))
            pos = end
        assert reader.damage == []
    assert [f[2][0] for f in frames[:3]] == [Rec.START, Rec.START, Rec.LOG]
    return path, frames


def flip_bit(path: Path, offset: int, bit: int = 3) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def stored_before_replay(root: Path, path: Path) -> int:
    """How far the killed run's writer got (normally nothing: it flushes after 1 s)."""
    store = SqlStore(f"sqlite:///{root}/runyard.db")
    try:
        return store.journal_offset(journal_key(path))
    finally:
        store.close()


def losses() -> list[float]:
    return [row["loss"] for row in runyard.Api().run("tester/p/dmg").scan_history()]


@pytest.mark.parametrize(
    "where",
    ["header", "first START", "second START", "a step's length", "a step's payload", "exit"],
)
def test_a_flipped_bit_costs_one_record_and_is_reported_once(
    ry_dir: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    path, frames = killed_journal(ry_dir)
    hit = {"header": None, "first START": 0, "second START": 1}.get(where, 2 + 500)
    if where == "exit":
        hit = len(frames) - 1  # the last frame (the run was killed: its last step)
    if hit is None:
        flip_bit(path, 2)
    else:
        flip_bit(path, frames[hit][0] + (5 if where == "a step's length" else 14))
    lost = None if hit is None or hit < 2 else hit - 2  # the step that frame held
    already = stored_before_replay(ry_dir, path)

    got = losses()
    expected = [float(i) for i in range(1000) if i != lost or frames[hit][1] <= already]
    assert got == expected
    record = runyard.Api().run("tester/p/dmg")
    assert record.state == "crashed" and record.config == {"lr": 0.1}
    # Not deleted, not left to be replayed (and reported) again: moved aside.
    assert not path.exists()
    kept = path.with_name(path.name + ".damaged")
    assert kept.exists()
    err = capsys.readouterr().err
    assert err.count("is damaged") == 1 and str(kept) in err
    assert "everything else is stored in run tester/p/dmg" in err
    # A new process opening the store says nothing more about it.
    again = run_script("import runyard; runyard.Api().run('tester/p/dmg')", ry_dir)
    assert again.returncode == 0, again.stderr
    assert "damaged" not in again.stderr


def test_a_journal_whose_start_records_are_both_lost_is_kept(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, frames = killed_journal(ry_dir)
    flip_bit(path, frames[0][0] + 14)
    flip_bit(path, frames[1][0] + 14)
    assert runyard.Api().runs("tester/p") == [] or len(runyard.Api().runs("tester/p")) == 0
    kept = path.with_name(path.name + ".damaged")
    assert not path.exists() and kept.exists()
    assert kept.stat().st_size >= frames[-1][1]
    err = capsys.readouterr().err
    assert "no run could be identified in it" in err and str(kept) in err


def test_a_file_that_is_no_journal_in_the_journal_directory_is_moved_aside(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not skipped silently on every open: said once, and out of the way."""
    folder = ry_dir / "journals"
    folder.mkdir(parents=True)
    junk = folder / "x-1-1.journal"
    junk.write_bytes(b"\x00garbage, not a journal\xff" * 10)
    runyard.Api().runs("tester/p")
    assert not junk.exists() and (folder / "x-1-1.journal.damaged").exists()
    assert capsys.readouterr().err.count("is damaged") == 1


def test_a_journal_of_the_first_format_replays(tmp_path: Path, store: SqlStore) -> None:
    records = [start_record()] + [log_record(i) for i in range(100)]
    payloads = [msgpack.packb(rec) for rec in records]
    path = tmp_path / "old.journal"
    path.write_bytes(
        b"RYJ1\0\0\0\0" + b"".join(struct.pack("<II", len(p), zlib.crc32(p)) + p for p in payloads)
    )
    assert replay_journal(path, store)
    assert store.read_series(REF, "loss").steps.tolist() == list(range(100))
    assert not path.exists()


def recover_now(folder: Path, store: SqlStore) -> None:
    """Another process's recovery of ``folder``, at this very moment."""
    from runyard.journal import replay as replay_module

    replay_module._done.clear()  # (once per process otherwise)
    recover_journals(folder, store)


@pytest.mark.parametrize("step", ["flock", "write", "link", "rename"])
def test_recovery_between_the_steps_of_creating_a_journal_leaves_it_alone(
    tmp_path: Path, store: SqlStore, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """A journal being created (O_CREAT|O_EXCL, flock, header, publish) is never seen
    unlocked by a recovery: run one right before each step, then use the journal."""
    from runyard.journal import frames

    folder = tmp_path / "journals"
    path = folder / "run-1-2.journal"
    original = {
        "flock": frames.fcntl.flock,
        "write": frames.os.write,
        "link": frames.os.link,
        "rename": frames.os.rename,
    }
    calls: list[str] = []

    def paused(*args: Any) -> Any:
        if not calls:  # once, at the first call of this step
            calls.append(step)
            recover_now(folder, store)
        return original[step](*args)

    module = frames.fcntl if step == "flock" else frames.os
    monkeypatch.setattr(module, step, paused)
    if step == "rename":  # a file system without hard links
        monkeypatch.setattr(frames.os, "link", lambda *a: (_ for _ in ()).throw(OSError("no")))
    writer = JournalWriter(path)
    monkeypatch.undo()
    assert calls == [step]
    try:
        writer.append_start(msgpack.packb(start_record()))
        writer.append(msgpack.packb(log_record(0)))
    finally:
        writer.close()
    assert sorted(p.name for p in folder.iterdir()) == ["run-1-2.journal"]
    with open(path, "rb") as file:
        assert [rec[0] for _, rec in JournalReader(file.fileno()).records()] == [
            Rec.START,
            Rec.START,
            Rec.LOG,
        ]


def test_a_journal_is_published_locked_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "run-1-2.journal"
    writer = JournalWriter(path)
    try:
        assert path.read_bytes()[: len(MAGIC)] == MAGIC
        fd = os.open(path, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        with pytest.raises(FileExistsError):
            JournalWriter(path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1-2.journal"]
    finally:
        writer.close()


def test_recovery_never_moves_a_locked_file_aside(tmp_path: Path, store: SqlStore) -> None:
    """Whatever it holds (here: no journal at all), a file someone holds locked is in use."""

    folder = tmp_path / "journals"
    folder.mkdir()
    path = folder / "odd-1-2.journal"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        recover_now(folder, store)
        path.write_bytes(b"not a journal at all")
        recover_now(folder, store)
        assert sorted(p.name for p in folder.iterdir()) == ["odd-1-2.journal"]
    finally:
        os.close(fd)
    recover_now(folder, store)  # unlocked now: moved aside, not deleted
    assert sorted(p.name for p in folder.iterdir()) == ["odd-1-2.journal.damaged"]


def test_a_side_journal_waits_for_its_run_to_be_stored(tmp_path: Path, store: SqlStore) -> None:
    """The store drops what attaches to no run: a side journal found before its run is
    stored is kept (not deleted as stored), and replayed once the run is there."""
    folder = tmp_path / "journals"
    folder.mkdir()
    side_start = [
        Rec.START,
        {"ref": [REF.entity, REF.project, REF.run_id], "journal_id": "side-1", "attach": "m-1"},
    ]
    side = folder / "crashy-5-1.side.journal"
    write_journal(side, [side_start, [Rec.CONSOLE, "stdout", 1_700_000_000.0, "hi\n"]])
    recover_now(folder, store)
    assert side.exists() and store.get_run(REF) is None
    write_journal(folder / "crashy-5-1.journal", [start_record(), log_record(0)])
    recover_now(folder, store)  # main first, then its side journal
    assert list(folder.iterdir()) == []
    assert [line.text for line in store.read_console(REF)] == ["hi"]
