"""SideJournal: many threads append; a forked child never does; the exit closes it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from runyard.entities import RunRef
from runyard.journal.frames import JournalReader
from runyard.journal.records import Rec
from runyard.sdk.side_journal import SideJournal, side_journal_path

REF = RunRef("e", "p", "r1")


def records(path: Path) -> list[list[object]]:
    with open(path, "rb") as file:
        return [rec for _offset, rec in JournalReader(file.fileno()).records()]


def test_path_beside_the_main_journal() -> None:
    assert side_journal_path(Path("/j/r1-1-2.journal")) == Path("/j/r1-1-2.side.journal")


def test_threads_append_at_once_and_every_record_is_whole(tmp_path: Path) -> None:
    side = SideJournal(tmp_path / "r.side.journal", REF, attach="main-id", session=2)

    def work(n: int) -> None:
        for i in range(2000):
            side.append((Rec.CONSOLE, "stdout", float(i), f"{n}:{i}\n" * (i % 5)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    side.close((Rec.EXIT, "finished", 0, 1.5))
    assert not side.append((Rec.CONSOLE, "stdout", 0.0, "late"))
    side.release(delete=False)
    recs = records(side.path)
    start = recs[0][1]
    assert recs[0][0] == Rec.START and isinstance(start, dict)
    assert start["attach"] == "main-id" and start["session"] == 2
    assert start["ref"] == ["e", "p", "r1"] and "create" not in start
    body = [r for r in recs if r[0] == Rec.CONSOLE]
    assert len(body) == 8 * 2000
    per_thread = {n: [r[2] for r in body if str(r[3]).startswith(f"{n}:")] for n in range(8)}
    for values in per_thread.values():  # each thread's records in its own order
        assert values == sorted(values)
    assert recs[-1] == [Rec.EXIT, "finished", 0, 1.5]


def test_a_forked_child_never_appends(tmp_path: Path) -> None:
    side = SideJournal(tmp_path / "r.side.journal", REF, attach="m", session=1)
    side.append((Rec.CONSOLE, "stdout", 1.0, "parent\n"))
    pid = os.fork()
    if pid == 0:  # the child: its appends are refused, the file is the parent's
        ok = side.append((Rec.CONSOLE, "stdout", 2.0, "child\n"))
        os._exit(3 if ok else 0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    side.append((Rec.CONSOLE, "stdout", 3.0, "parent again\n"))
    side.release(delete=False)
    texts = [r[3] for r in records(side.path) if r[0] == Rec.CONSOLE]
    assert texts == ["parent\n", "parent again\n"]


def test_release_deletes_a_stored_journal(tmp_path: Path) -> None:
    side = SideJournal(tmp_path / "r.side.journal", REF, attach="m", session=1)
    side.release(delete=True)
    assert not side.path.exists()
