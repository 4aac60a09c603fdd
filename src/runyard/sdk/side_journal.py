"""`SideJournal`: a run's second journal, for what background threads record.

Why a second file: the run's main journal has one writer, the training thread, and
``log()`` takes no lock. Console chunks (the capture's reader thread, or any thread
that prints), system samples (the sampler thread) and metadata (the metadata thread)
come from other threads, so they go to this journal, appended under a lock.

It sits beside the main journal as ``<main stem>.side.journal`` (replay and ``runyard
sync`` take the main one first) with its own spool for the files it names
(``requirements.txt``, ``diff.patch``, ``code/…``). Its START record only attaches
it to the run — ``"attach"`` holds the main journal's id, ``"session"`` the run's
session number — so it never creates or changes the run's fields (see
:mod:`runyard.journal.fold`); it ends with a copy of the main journal's exit record,
which for it only means "complete". It is moved into the store by a writer thread of
its own, like the main journal, and replayed like any journal when the process dies.

A forked child (DataLoader workers) inherits the mapped file: it never appends to it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

import msgpack

from runyard.entities import RunRef
from runyard.journal.frames import JournalWriter, side_journal_path
from runyard.journal.records import Rec, new_journal_id
from runyard.journal.spool import SpoolWriter
from runyard.printer import warn_once

__all__ = ["SideJournal", "side_journal_path"]

#: Incremented in a forked child: journals opened by an older generation are the parent's.
_generation = 0


def _after_fork_in_child() -> None:
    global _generation
    _generation += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class SideJournal:
    """A thread-safe journal attached to a run; :meth:`append` never raises.

    Args:
        path: the file to create (see :func:`side_journal_path`).
        ref: the run.
        attach: the ``journal_id`` of the run's main journal.
        session: the run's session number (1 for a new run, more on resume).
    """

    def __init__(self, path: Path, ref: RunRef, attach: str, session: int) -> None:
        self.path = path
        self.journal = JournalWriter(path)
        self.journal_id = new_journal_id()
        start = {
            "ref": [ref.entity, ref.project, ref.run_id],
            "journal_id": self.journal_id,
            "attach": attach,
            "session": session,
        }
        self.journal.append_start(msgpack.packb((Rec.START, start)))
        self._lock = threading.Lock()
        self._generation = _generation
        self._closed = False
        #: Files named by records of this journal (written by background threads).
        self.spool = SpoolWriter(path, ref, self._append_quietly)

    @property
    def closed(self) -> bool:
        return self._closed

    def append(self, rec: tuple[Any, ...]) -> bool:
        """Journal ``rec`` (from any thread); False when it was not (closed, a full disk,
        a forked child)."""
        if self._closed or self._generation != _generation:
            return False
        payload = msgpack.packb(rec)
        with self._lock:
            if self.closed:  # (closed meanwhile by another thread)
                return False
            try:
                self.journal.append(payload)
            except OSError as exc:
                failure = exc
            else:
                return True
        # Said outside the lock: the warning is printed, and a print is journalled here.
        self._failed(failure)
        return False

    def _append_quietly(self, rec: tuple[Any, ...]) -> None:
        self.append(rec)

    def _failed(self, exc: OSError) -> None:
        warn_once(
            f"side-journal-{self.path}",
            f"could not write to the run journal {self.path}: {exc}; console output and "
            "system metrics are no longer recorded (logged rows are)",
        )

    def close(self, last: tuple[Any, ...] | None = None) -> None:
        """Append ``last`` (the run's exit record) and take no more records."""
        if self._generation != _generation:
            return
        failure = None
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if last is not None:
                try:
                    self.journal.append_last(msgpack.packb(last))
                except OSError as exc:
                    failure = exc
        if failure is not None:
            self._failed(failure)

    def release(self, delete: bool) -> None:
        """Close the file: deleted (its records are all in the store) or trimmed."""
        self.close()
        if self._generation != _generation:
            return
        self.journal.close(trim=not delete)
        if delete:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
