"""Replaying journals that a run left behind (it crashed, was killed or the store was down).

A journal nobody holds a lock on belongs to a process that is gone. Its records
are folded from the start (the fold is deterministic, so the state at the store's
recorded offset is rebuilt exactly) and only what lies past that offset is
written, in batches that each record the offset they reach: replaying twice, or
resuming a replay that was interrupted, never writes a row twice. A journal
without an exit record marks its run ``crashed``.

Files journalled past that offset (``Rec.FILE``: media, tables, tensors,
``run.save``) are uploaded from the journal's spool to the run's blob store before
the batch that covers them, as the live writer does (:mod:`runyard.journal.spool`);
so are the staged files of logged artifacts (``Rec.ARTIFACT``: hashed, uploaded by
content, see :mod:`runyard.journal.artifact_upload`), so a run killed in the middle
of an upload stores its artifact on the next open or ``runyard sync``, once.

Two ways to finish: journals the SDK keeps for a store (``journals/``) are deleted
once stored, with their spool, and the store forgets them; journals the user keeps
(offline runs, ``runyard sync``) stay with their spool (a second server may want
them), and the store remembers their end offset, so syncing them again finds
nothing to send, files included.

A damaged journal (:class:`~runyard.journal.frames.JournalReader` skips what it
cannot read) is stored as far as it reads, but never deleted: one of the SDK's own
is moved aside to ``<name>.damaged`` (with its spool), out of the way of the next
recovery, and a warning says where, once. A user's journal stays where it is and
:attr:`Replay.damage` tells ``runyard sync`` what was lost.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runyard.entities import RunRef
from runyard.errors import CommError
from runyard.journal.artifact_upload import blob_target, discard_staged, prepare, staged_paths
from runyard.journal.fold import RunFold
from runyard.journal.frames import MAGIC, Damage, JournalReader
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
from runyard.store.base import ForeignJournal, RunBatch, TrackingStore

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore

__all__ = [
    "FileTarget",
    "Replay",
    "corrupt_sqlite_file",
    "corrupt_store_advice",
    "recover_journals",
    "replay",
    "replay_journal",
]

#: Rows folded before a batch is written while replaying: bounds memory and the size
#: of one request to a server, and is how far an interrupted replay loses progress.
REPLAY_BATCH_ROWS = 50_000

_done: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Replay:
    """What replaying one journal did.

    ``status`` is ``"stored"`` (something was written), ``"up-to-date"`` (the store
    had it all), ``"in-use"`` (a live process holds the journal), ``"empty"`` (nothing
    was ever written to it), ``"damaged"`` (no START record could be read: it names
    no run), ``"foreign"`` (the store holds this journal for another run and refused
    it), ``"no-run"`` (a side journal whose run is not in the store yet: nothing is
    written and the file is kept) or ``"not-a-journal"``.
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
    #: Byte ranges that could not be read (their records are lost).
    damage: tuple[Damage, ...] = ()
    #: Where a damaged journal of the SDK's was moved (``<name>.damaged``).
    kept: Path | None = None

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
    START record's ``journal_id`` (see :func:`runyard.journal.records.journal_name`)."""
    if fd is None:
        with open(path, "rb") as file:
            return journal_key(path, file.fileno())
    return journal_name(_start_record(JournalReader(fd)), path)


def _start_record(reader: JournalReader) -> dict[str, Any] | None:
    """The first START record that reads (a damaged first copy leaves the second)."""
    for _, rec in reader.records():
        if rec[0] == Rec.START and isinstance(rec[1], dict) and "ref" in rec[1]:
            return rec[1]
    return None


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
        staged = staged_paths(batch.artifacts, spool)
        if batch.artifacts:
            # Hashed and uploaded from the staged files, as the live writer does.
            try:
                prepare(batch, spool, lambda: blob_target(target.get(), store, ref))
            except OSError as exc:
                raise CommError(
                    f"could not upload the artifact files of run {ref.path}: {exc}"
                ) from exc
        store.write_batch(batch)
        if not keep:
            discard(files, spool)
            discard_staged(staged)

    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return Replay(path, "in-use")  # its run is alive
        reader = JournalReader(fd)
        if reader.empty:
            if not keep:
                _remove(path)
            return Replay(path, "empty", end=reader.size)
        if reader.version == 0:
            if keep:
                return Replay(path, "not-a-journal")
            # Named as a journal in the SDK's own directory: a journal whose header and
            # frames are all damaged. Out of the way, said once.
            return _damaged(path, reader, None, "not-a-journal")
        first = _start_record(reader)
        if first is None:
            return _damaged(path, reader, None, "damaged", keep=keep)
        key = journal_name(first, path)
        stored = store.journal_offset(key)
        if entity is not None or project is not None:
            # A journal belongs to the run it first went to: it stays there.
            bound = store.journal_run(key)
            if bound is not None:
                entity, project = bound.entity, bound.project
        if first.get("attach"):
            # A side journal only attaches to its run, and the store drops what attaches
            # to no run: it waits for its main journal (replayed first when both are
            # here), kept as it is.
            ref = RunRef(*_moved(first, entity, project)["ref"])
            if store.get_run(ref) is None:
                return Replay(path, "no-run", ref, end=stored, source=RunRef(*first["ref"]))
        reader = JournalReader(fd)  # again from the start, counting damage once
        start = stored
        fold: RunFold | None = None
        source: RunRef | None = None
        pos = len(MAGIC)
        exited = False
        rows = 0
        wrote = False
        count = 0
        try:
            for offset, rec in reader.records():
                code = rec[0]
                if fold is None:
                    if code != Rec.START or not isinstance(rec[1], dict) or "ref" not in rec[1]:
                        pos = offset  # before any START: nothing to fold it into
                        continue
                    source = RunRef(*rec[1]["ref"])
                    fold = RunFold(_moved(rec[1], entity, project))
                else:
                    if pos < stored < offset:
                        # Damage hid the frame the store stopped at: what came before
                        # it is stored.
                        fold.take_batch(None)
                        fold.take_files()
                    if code != Rec.START:  # (its second copy)
                        fold.feed(rec)
                        exited = exited or code == Rec.EXIT
                pos = offset
                if pos == stored:
                    fold.take_batch(None)  # already in the store: rebuild state only
                    fold.take_files()  # and their files are stored too
                count += 1
                if count % 1024 == 0 and fold.pending_rows >= REPLAY_BATCH_ROWS:
                    if pos > stored:
                        rows += fold.pending_rows
                        batch = fold.take_batch((key, pos))
                        batch.journal_start, start = start, pos
                        write(batch, fold.take_files(), fold.ref)
                        wrote = True
                    elif pos < stored:
                        fold.take_batch(None)  # the store has these rows: keep memory bounded
                        fold.take_files()
            assert fold is not None  # `first` was read above
            state = None
            # (A side journal's end says nothing about its run: see fold.py.)
            if not exited and not fold.side and (pos > stored or _still_running(store, fold.ref)):
                fold.finish(state="crashed", exit_code=None)
                state = "crashed"
            if pos > stored or state is not None:
                rows += fold.pending_rows
                batch = fold.take_batch((key, pos))
                batch.journal_start = start
                write(batch, fold.take_files() if pos > stored else [], fold.ref)
                wrote = True
                state = batch.meta.get("state", state)
        except ForeignJournal:
            # The store holds this journal for another run (see SqlStore): nothing of
            # it is written. Left where it is, and said once.
            warn_once(
                f"foreign-{path}",
                f"runyard: the store {store.uri} refused journal {path}: it holds that "
                "journal for another run; the file is left as it is",
            )
            return Replay(path, "foreign", store.journal_run(key), source=source)
        status = "stored" if wrote else "up-to-date"
        result = Replay(path, status, fold.ref, rows, state, pos, source, sent)
        if reader.damage:
            if not keep:
                store.forget_journal(key)  # as far as it reads, it is stored
            return _damaged(path, reader, result, status, keep=keep)
        if not keep:
            _remove(path)
            store.forget_journal(key)
        return result
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    os.unlink(path)
    remove_spool(path)


def _damaged(
    path: Path, reader: JournalReader, result: Replay | None, status: str, keep: bool = False
) -> Replay:
    """Report a damaged journal once and, unless the user keeps it, move it (and its
    spool) aside to ``<name>.damaged``: never deleted, never replayed again."""
    damage = tuple(reader.damage)
    lost = sum(d.size for d in damage)
    where = ", ".join(f"{d.start}-{d.end}" for d in damage[:5]) + (", …" if len(damage) > 5 else "")
    kept: Path | None = None
    if not keep:
        kept = path.with_name(path.name + ".damaged")
        os.replace(path, kept)
        spool = spool_dir(path)
        if spool.exists():
            os.replace(spool, spool_dir(kept))
    if result is not None and result.run is not None:
        what = f"everything else is stored in run {result.run.path}"
    else:
        what = "no run could be identified in it, so nothing of it was stored"
    detail = f"{lost:,} byte(s) could not be read (at {where})" if damage else "unreadable"
    warn_once(
        f"damaged-{path}",
        f"runyard: the journal {path} is damaged: {detail}; {what}"
        + (f". It is kept as {kept}" if kept is not None else ""),
    )
    if result is None:
        return Replay(path, status, end=reader.size, damage=damage, kept=kept)
    return dataclasses.replace(result, damage=damage, kept=kept)


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


def corrupt_sqlite_file(store_uri: str, error: BaseException | None) -> str | None:
    """The file of an embedded store that ``error`` says is damaged ("file is not a
    database", "database disk image is malformed"), else None."""
    import sqlite3

    if not store_uri.startswith("sqlite:///"):
        return None
    seen = 0
    while error is not None and seen < 10:
        text = str(error)
        if isinstance(error, sqlite3.DatabaseError) and (
            "not a database" in text or "malformed" in text
        ):
            return store_uri.removeprefix("sqlite:///")
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def corrupt_store_advice(db: str, what: str) -> str:
    """What to do about a damaged embedded store file ``db`` holding back ``what``
    (journal paths, as ``runyard sync`` arguments): syncing into the same file cannot
    succeed, so move it aside (SQLite's ``.recover`` may save its older runs) or sync
    into another store."""
    command = f"runyard sync {what}" if what else "runyard sync"
    return (
        f"the store file {db} is damaged, so `runyard sync` into it cannot succeed. "
        f"Move it aside (`mv {db} {db}.damaged`; `sqlite3 {db}.damaged .recover` may "
        f"save the runs it held), then `{command}` stores them in a new one; "
        f"or send them to another store: `{command} --store sqlite:///<other.db>`"
    )


def journal_order(path: Path) -> tuple[int, str]:
    """Oldest first: ``<run id>-<start ms>-<pid>.journal`` sorts by its start time, so
    the sessions of a resumed run replay in the order they ran."""
    parts = path.stem.rsplit("-", 2)
    try:
        return int(parts[-2]), path.name
    except (IndexError, ValueError):
        return 0, path.name
