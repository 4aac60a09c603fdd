"""Replaying journals that a run left behind (it crashed, was killed or the store was down).

A journal nobody holds a lock on belongs to a process that is gone. Its records
are folded from the start (the fold is deterministic, so the state at the store's
recorded offset is rebuilt exactly) and only what lies past that offset is
written. A journal without an exit record marks its run ``crashed``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from runyard.sdk.fold import RunFold
from runyard.sdk.journal import MAGIC, Rec, read_frames
from runyard.sdk.printer import warn_once
from runyard.store.base import TrackingStore

__all__ = ["recover_journals", "replay_journal"]

_done: set[str] = set()
_lock = threading.Lock()


def replay_journal(path: Path, store: TrackingStore) -> bool:
    """Move the rest of one abandoned journal into ``store``; False if it is in use."""
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its run is alive
        if os.pread(fd, len(MAGIC), 0) != MAGIC:
            return False
        stored = store.journal_offset(str(path))
        fold: RunFold | None = None
        pos = len(MAGIC)
        exited = False
        while True:
            advanced = False
            for offset, rec in read_frames(fd, pos):
                advanced = True
                if fold is None:
                    fold = RunFold(rec[1])
                else:
                    fold.feed(rec)
                    exited = exited or rec[0] == Rec.EXIT
                pos = offset
                if pos == stored:
                    fold.take_batch(None)  # already in the store: rebuild state only
            if not advanced:
                break
        if fold is None:
            os.unlink(path)
            return True
        if not exited:
            fold.finish(state="crashed", exit_code=None)
        if pos > stored or not exited:
            store.write_batch(fold.take_batch((str(path), pos)))
        os.unlink(path)
        store.forget_journal(str(path))
        return True
    finally:
        os.close(fd)


def recover_journals(journal_dir: Path, store: TrackingStore) -> int:
    """Replay every abandoned journal in ``journal_dir`` once per process; returns how many."""
    key = f"{journal_dir}|{store.uri}"
    with _lock:
        if key in _done:
            return 0
        _done.add(key)
    count = 0
    for path in sorted(journal_dir.glob("*.journal")):
        try:
            count += replay_journal(path, store)
        except Exception as exc:  # one bad journal must not stop the others
            warn_once(f"replay-{path}", f"could not replay journal {path}: {exc!r}")
    return count
