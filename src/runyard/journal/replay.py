"""Replaying journals that a run left behind (it crashed, was killed or the store was down).

A journal nobody holds a lock on belongs to a process that is gone. Its records
are folded from the start (the fold is deterministic, so the state at the store's
recorded offset is rebuilt exactly) and only what lies past that offset is
written, in batches that each record the offset they reach: replaying twice, or
resuming a replay that was interrupted, never writes a row twice. A journal
without an exit record marks its run ``crashed``.

Files journalled past that offset (``Rec.FILE``: media, tables, tensors,
``run.save``) are uploaded from the journal's spool to the run's blob store before
the batch that covers them, as the live writer does (:mod:`runyard.journal.spool`).

Two ways to finish: journals the SDK keeps for a store (``journals/``) are deleted
once stored, with their spool, and the store forgets them; journals the user keeps
(offline runs, ``runyard sync``) stay with their spool (a second server may want
them), and the store remembers their end offset, so syncing them again finds
nothing to send, files included.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runyard.entities import RunRef
from runyard.errors import CommError
from runyard.journal.fold import RunFold
from runyard.journal.frames import MAGIC, read_frames
from runyard.journal.records import Rec, journal_name
from runyard.journal.spool import (
    SpooledFile,
    blobs_for_store,
    discard,
    remove_spool,
    spool_dir,
    upload,
)
from runyard.printer import warn_once
from runyard.store.base import RunBatch, TrackingStore

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore

__all__ = ["FileTarget", "Replay", "recover_journals", "replay", "replay_journal"]

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
    #: Spooled files uploaded (media, tables, tensors, ``run.save``).
    files: int = 0

    @property
    def done(self) -> bool:
        """The journal needs no further replay (stored, up to date or empty)."""
        return self.status in ("stored", "up-to-date", "empty")


class FileTarget:
    """The blob store a replay uploads spooled files to, opened when a journal turns
    out to hold files: a store, a function opening one, or (None) the store that runs
    writing to ``store_uri`` use (:func:`~runyard.journal.spool.blobs_for_store`)."""

    def __init__(self, blobs: BlobStore | Callable[[], BlobStore] | None, store_uri: str) -> None:
        self._given = blobs
        self._store_uri = store_uri
        self._opened: BlobStore | None = None

    def get(self) -> BlobStore:
        given = self._given
        if given is not None and not callable(given):
            return given
        if self._opened is None:
            self._opened = given() if given is not None else blobs_for_store(self._store_uri)
        return self._opened

    def close(self) -> None:
        """Close the store if this target opened it (not one it was given)."""
        if self._opened is not None and self._given is None:
            self._opened.close()
        self._opened = None


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
    blobs: FileTarget | BlobStore | Callable[[], BlobStore] | None = None,
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
        blobs: where the journal's spooled files go (see :class:`FileTarget`;
            default: the blob store of runs writing to ``store``).
    """
    target = blobs if isinstance(blobs, FileTarget) else FileTarget(blobs, store.uri)
    try:
        return _replay(path, store, keep, entity, project, target)
    finally:
        if target is not blobs:
            target.close()


def _replay(
    path: Path,
    store: TrackingStore,
    keep: bool,
    entity: str | None,
    project: str | None,
    target: FileTarget,
) -> Replay:
    spool = spool_dir(path)
    sent = 0

    def write(batch: RunBatch, files: list[SpooledFile], ref: RunRef) -> None:
        nonlocal sent
        if files:
            # Before the batch: a stored row never refers to a file that is not stored.
            try:
                sent += upload(list(files), spool, target.get(), ref)
            except OSError as exc:  # the blob store is unreachable or refused it: retry later
                raise CommError(f"could not upload the files of run {ref.path}: {exc}") from exc
        store.write_batch(batch)
        if not keep:
            discard(files, spool)

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
        if entity is not None or project is not None:
            # A journal belongs to the run it first went to: it stays there.
            bound = store.journal_run(key)
            if bound is not None:
                entity, project = bound.entity, bound.project
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
                    fold.take_files()  # and their files are stored too
            if fold is not None and fold.pending_rows >= REPLAY_BATCH_ROWS:
                if pos > stored:
                    rows += fold.pending_rows
                    batch = fold.take_batch((key, pos))
                    batch.journal_start, start = start, pos
                    write(batch, fold.take_files(), fold.ref)
                    wrote = True
                elif pos < stored:
                    fold.take_batch(None)  # the store has these rows: keep memory bounded
                    fold.take_files()
        if fold is None:
            if not keep:
                os.unlink(path)
                remove_spool(path)
            return Replay(path, "empty", end=pos)
        state = None
        if not exited and (pos > stored or _still_running(store, fold.ref)):
            fold.finish(state="crashed", exit_code=None)
            state = "crashed"
        if pos > stored or state is not None:
            rows += fold.pending_rows
            batch = fold.take_batch((key, pos))
            batch.journal_start = start
            write(batch, fold.take_files() if pos > stored else [], fold.ref)
            wrote = True
            state = batch.meta.get("state", state)
        if not keep:
            os.unlink(path)
            remove_spool(path)
            store.forget_journal(key)
        status = "stored" if wrote else "up-to-date"
        return Replay(path, status, fold.ref, rows, state, pos, source, sent)
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


def replay_journal(
    path: Path,
    store: TrackingStore,
    blobs: FileTarget | BlobStore | Callable[[], BlobStore] | None = None,
) -> bool:
    """Move the rest of one abandoned journal into ``store``; False if it is in use."""
    return replay(path, store, blobs=blobs).done


def recover_journals(
    journal_dir: Path,
    store: TrackingStore,
    blobs: BlobStore | Callable[[], BlobStore] | None = None,
) -> int:
    """Replay every abandoned journal in ``journal_dir`` once per process; returns how many.

    ``blobs``: where their spooled files go (default: the blob store of runs writing
    to ``store``, opened only if a journal holds files).
    """
    key = f"{journal_dir}|{store.uri}"
    with _lock:
        if key in _done:
            return 0
        _done.add(key)
    target = FileTarget(blobs, store.uri)
    try:
        return _recover(journal_dir, store, key, target)
    finally:
        target.close()


def _recover(journal_dir: Path, store: TrackingStore, key: str, target: FileTarget) -> int:
    count = 0
    for path in sorted(journal_dir.glob("*.journal"), key=journal_order):
        try:
            count += replay_journal(path, store, target)
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
