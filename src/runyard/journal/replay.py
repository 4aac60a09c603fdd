"""Replaying journals that a run left behind (it crashed, was killed or the store was down).

A journal nobody holds a lock on belongs to a process that is gone. Its records
are folded from the start (the fold is deterministic, so the state at the store's
recorded offset is rebuilt exactly) and only what lies past that offset is
written, in batches that each record the offset they reach: replaying twice, or
resuming a replay that was interrupted, never writes a row twice. A journal
without an exit record marks its run ``crashed``.

Two ways to finish: journals the SDK keeps for a store (``journals/``) are deleted
once stored and the store forgets them; journals the user keeps (offline runs,
``runyard sync``) stay, and the store remembers their end offset, so syncing them
again finds nothing to send.
"""

from __future__ import annotations

import fcntl
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runyard.entities import RunRef
from runyard.errors import CommError
from runyard.journal.fold import RunFold
from runyard.journal.frames import MAGIC, read_frames
from runyard.journal.records import Rec, journal_name
from runyard.printer import warn_once
from runyard.store.base import TrackingStore

__all__ = ["Replay", "recover_journals", "replay", "replay_journal"]

#: Rows folded before a batch is written while replaying: bounds memory and the size
#: of one request to a server, and is how far an interrupted replay loses progress.
REPLAY_BATCH_ROWS = 50_000

_done: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Replay:
    """What replaying one journal did.

    ``status`` is ``"stored"`` (something was written), ``"up-to-date"`` (the store
    had it all), ``"in-use"`` (a live process holds the journal), ``"empty"`` (no
    START record) or ``"not-a-journal"``.
    """

    path: Path
    status: str
    run: RunRef | None = None
    rows: int = 0
    state: str | None = None
    end: int = 0
    #: Where the run was logged (``run`` differs when ``entity``/``project`` moved it).
    source: RunRef | None = None

    @property
    def done(self) -> bool:
        """The journal needs no further replay (stored, up to date or empty)."""
        return self.status in ("stored", "up-to-date", "empty")


def journal_key(path: Path, fd: int | None = None) -> str:
    """The name under which the store records how far a journal was moved: its
    START record's ``journal_id`` (see :func:`runyard.journal.frames.journal_name`)."""
    if fd is None:
        with open(path, "rb") as file:
            return journal_key(path, file.fileno())
    first = read_frames(fd, len(MAGIC), max_bytes=1 << 16)
    return journal_name(first[0][1][1] if first else None, path)


def replay(
    path: Path,
    store: TrackingStore,
    keep: bool = False,
    entity: str | None = None,
    project: str | None = None,
) -> Replay:
    """Move what ``store`` lacks of one abandoned journal into it.

    Args:
        path: the journal.
        store: where its run goes.
        keep: leave the journal file in place and have the store remember its end
            (``runyard sync`` of offline runs); otherwise delete it once stored and
            let the store forget it (the SDK's own journals).
        entity, project: store the run there instead of where it was logged
            (``runyard sync --entity/--project``: an offline run logged as the
            cluster's user goes to the team's entity).
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return Replay(path, "in-use")  # its run is alive
        if os.pread(fd, len(MAGIC), 0) != MAGIC:
            return Replay(path, "not-a-journal")
        key = journal_key(path, fd)
        stored = store.journal_offset(key)
        start = stored
        fold: RunFold | None = None
        source: RunRef | None = None
        pos = len(MAGIC)
        exited = False
        rows = 0
        wrote = False
        while True:
            frames = read_frames(fd, pos)
            if not frames:
                break
            for offset, rec in frames:
                if fold is None:
                    source = RunRef(*rec[1]["ref"])
                    fold = RunFold(_moved(rec[1], entity, project))
                else:
                    fold.feed(rec)
                    exited = exited or rec[0] == Rec.EXIT
                pos = offset
                if pos == stored:
                    fold.take_batch(None)  # already in the store: rebuild state only
            if fold is not None and fold.pending_rows >= REPLAY_BATCH_ROWS:
                if pos > stored:
                    rows += fold.pending_rows
                    batch = fold.take_batch((key, pos))
                    batch.journal_start, start = start, pos
                    store.write_batch(batch)
                    wrote = True
                elif pos < stored:
                    fold.take_batch(None)  # the store has these rows: keep memory bounded
        if fold is None:
            if not keep:
                os.unlink(path)
            return Replay(path, "empty", end=pos)
        state = None
        if not exited and (pos > stored or _still_running(store, fold.ref)):
            fold.finish(state="crashed", exit_code=None)
            state = "crashed"
        if pos > stored or state is not None:
            rows += fold.pending_rows
            batch = fold.take_batch((key, pos))
            batch.journal_start = start
            store.write_batch(batch)
            wrote = True
            state = batch.meta.get("state", state)
        if not keep:
            os.unlink(path)
            store.forget_journal(key)
        status = "stored" if wrote else "up-to-date"
        return Replay(path, status, fold.ref, rows, state, pos, source)
    finally:
        os.close(fd)


def _moved(start: dict[str, Any], entity: str | None, project: str | None) -> dict[str, Any]:
    if entity is None and project is None:
        return start
    ref = start["ref"]
    return {**start, "ref": [entity or ref[0], project or ref[1], ref[2]]}


def _still_running(store: TrackingStore, ref: RunRef) -> bool:
    """A journal without an exit record whose rows are all stored: mark the run crashed
    only if nobody did yet (a second sync must not undo a later resume's state)."""
    record = store.get_run(ref)
    return record is not None and record.state == "running"


def replay_journal(path: Path, store: TrackingStore) -> bool:
    """Move the rest of one abandoned journal into ``store``; False if it is in use."""
    return replay(path, store).done


def recover_journals(journal_dir: Path, store: TrackingStore) -> int:
    """Replay every abandoned journal in ``journal_dir`` once per process; returns how many."""
    key = f"{journal_dir}|{store.uri}"
    with _lock:
        if key in _done:
            return 0
        _done.add(key)
    count = 0
    for path in sorted(journal_dir.glob("*.journal"), key=journal_order):
        try:
            count += replay_journal(path, store)
        except CommError as exc:
            # The store is unreachable: the other journals would only wait as long
            # again. Try them all the next time this store is opened.
            warn_once(f"replay-{store.uri}", f"could not replay journals into {store.uri}: {exc}")
            with _lock:
                _done.discard(key)
            break
        except Exception as exc:  # one bad journal must not stop the others
            warn_once(f"replay-{path}", f"could not replay journal {path}: {exc!r}")
    return count


def journal_order(path: Path) -> tuple[int, str]:
    """Oldest first: ``<run id>-<start ms>-<pid>.journal`` sorts by its start time, so
    the sessions of a resumed run replay in the order they ran."""
    parts = path.stem.rsplit("-", 2)
    try:
        return int(parts[-2]), path.name
    except (IndexError, ValueError):
        return 0, path.name
