"""The writer thread: moves a run's journal into the tracking store in batches.

It reads frames the run appended (through its own file descriptor), folds them
(:class:`~runyard.journal.fold.RunFold`) and writes a batch about once a second, or at
once when many rows are waiting or the run finishes. Before a batch it uploads the
files journalled with its records (media, tables, tensors, ``run.save``: see
:mod:`runyard.journal.spool`) to the run's blob store, and removes their spool
files once the batch is stored. Store and upload failures never reach the
training loop: the writer warns once, keeps the batch and retries with backoff
while the run keeps journaling; whatever is still unwritten at exit stays in the
journal (and its spool) and is replayed the next time the store is opened (or by
``runyard sync``).

For a server (online mode) three things differ, set by :class:`Writer`'s
arguments: the first batch is sent at once, so the run appears on the server as
soon as ``init`` returns (``init`` itself never waits for the network); ``log()``
never waits for the writer however far behind a slow server leaves it (the
journal on disk is the buffer); and a finishing run keeps retrying a server that
is down for ``finish_timeout`` seconds (a restart is worth waiting for) instead of
the few seconds a broken local file gets.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runyard.errors import AuthError
from runyard.journal.frames import MAGIC, JournalWriter, read_records
from runyard.journal.records import journal_name
from runyard.printer import warn_once
from runyard.sdk.signals import start_leaving_signals
from runyard.sdk.switch_interval import working

if TYPE_CHECKING:
    from pathlib import Path

    from runyard.blobs.base import BlobStore
    from runyard.entities import RunRef
    from runyard.journal.fold import RunFold
    from runyard.journal.refusal import Refusal
    from runyard.journal.spool import SpooledFile
    from runyard.store.base import RunBatch, TrackingStore

__all__ = ["SEAL_LATER_POINTS", "Writer", "settle_soon"]

FLUSH_INTERVAL = 1.0  # seconds between batches while a run is live
#: Journal bytes decoded at a time (~5,000 rows of 10 scalars): bounds the memory
#: the records take before they are columnised.
READ_BYTES = 1 << 20
#: Rows of a read at least, when rows are so wide (10,000 keys: ~160 kB) that READ_BYTES
#: holds a few: each read costs a block's arrays and a summary fold per key; up to
#: MAX_READ_BYTES at a time.
WIDE_READ_ROWS = 64
MAX_READ_BYTES = 16 << 20
#: How long a finishing run keeps retrying a failing local store before leaving the
#: rest in its journal (a server gets ``Settings.finish_timeout``).
STOP_RETRY_SECONDS = 5.0
#: Longest pause between retries of a failing store: a server that comes back is
#: caught up with within this many seconds.
MAX_BACKOFF = 10.0
#: Rows that force a batch before the interval ends while the run is live (half a store
#: chunk of 8,192 points): a loop logging faster than the interval has its rows stored
#: while it runs, and ``finish`` only writes the tail.
LIVE_BATCH_ROWS = 4096
#: Rows of one batch at most (memory): what a finishing run has left goes in batches
#: this big (fewer transactions and chunk rewrites than LIVE_BATCH_ROWS)...
MAX_BATCH_ROWS = 10_000
#: ... except its last this many journal bytes, which go in one batch whatever their
#: rows: the store seals the run's open chunks with them at once, where a batch cut
#: short first merged open chunks into compressed ones (then the seal merged the rest).
FINAL_BATCH_BYTES = 4 << 20
#: How often a caught-up writer looks for new records: right after records arrived (and
#: after init), then less and less often while none come, down to POLL_IDLE.
POLL_ACTIVE = 0.02
POLL_IDLE = 0.25
#: Journal bytes the writer may fall behind before `log()` waits for it (while the
#: store is healthy; when it is failing, the journal grows on disk instead).
MAX_BACKLOG = 64 << 20
#: The last batch of a run of this many history points or more is written uncompressed
#: and sealed off ``finish`` (:func:`settle_soon`); a smaller run's is sealed with it:
#: that costs less than a settling thread competing with what the script does next (200
#: short runs in a row: ~10 ms a run more).
SEAL_LATER_POINTS = 50_000
#: How often a running run asks the store whether a stop was asked for (wandb: ~15 s).
STOP_POLL_SECONDS = 10.0


_settling = threading.Lock()
#: Stores (and, to seal, the run) waiting for the settling thread, in order.
_to_settle: list[tuple[TrackingStore, RunRef | None]] = []
_settler: threading.Thread | None = None


def settle_soon(store: TrackingStore, seal: RunRef | None = None) -> threading.Thread | None:
    """After a run's writers are done: ``store.seal(seal)`` (its last batch was written
    with ``seal_later``: the series it left uncompressed) and ``store.checkpoint()``,
    in a thread of its own (not a daemon: the process waits for it at exit), so that
    ``finish`` does not wait for them. Compressing what a short run's writer could not
    keep up with costs 15-30 ms; folding the write-ahead log back costs an fsync or
    two. Every batch is committed before, so a SIGKILL meanwhile loses nothing: the
    run is read the same, it only takes more space (SQLite's checkpoint is crash-safe,
    and the seal swaps chunks in one transaction). One thread settles the runs that
    finish meanwhile, in turn; inline when the interpreter is exiting (atexit: a
    thread started then would not be waited for). With nothing to seal and a small
    write-ahead log (a short run's), no thread is started. Returns the thread, if one
    runs."""
    global _settler
    from runyard.store.base import TrackingStore

    if type(store).seal is TrackingStore.seal:
        seal = None  # a server seals a run's last batch itself
    try:
        if seal is None and not store.checkpoint_due():
            return None  # nothing to do (a server, a write-ahead log still small)
    except Exception:  # housekeeping must not fail a run
        return None
    with _settling:
        _to_settle.append((store, seal))
        if _settler is not None:
            return _settler  # it takes this one too (it looks under the lock)
        if threading.main_thread().is_alive():
            thread = threading.Thread(target=_settle, name="runyard-settle", daemon=False)
            try:
                start_leaving_signals(thread)
                _settler = thread
                return thread
            except RuntimeError:  # can't start a thread now: inline
                pass
    _settle(inline=True)
    return None


def _settle(inline: bool = False) -> None:
    global _settler
    while True:
        with _settling:
            if not _to_settle:
                if not inline:
                    _settler = None
                return
            store, seal = _to_settle.pop(0)
        with contextlib.suppress(Exception):  # housekeeping must not fail a run
            if seal is not None:
                store.seal(seal)
            store.checkpoint()


def _points(batch: RunBatch) -> int:
    """History points a batch holds."""
    return sum(len(steps) for steps, _values in batch.columns.values())


class Writer(threading.Thread):
    """Folds one run's journal into the store until the run finishes."""

    def __init__(
        self,
        journal: JournalWriter,
        open_store: Callable[[], TrackingStore],
        *,
        store_name: str = "the store",
        remote: bool = False,
        stop_timeout: float = STOP_RETRY_SECONDS,
        open_blobs: Callable[[], BlobStore] | None = None,
        on_created: Callable[[TrackingStore], None] | None = None,
        open_at_once: bool = True,
        stop_check: Callable[[TrackingStore], bool] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        from runyard.journal.spool import spool_dir

        super().__init__(name=f"runyard-writer-{journal.path.stem}", daemon=True)
        self._journal = journal
        self._open_store = open_store
        #: How the store is named in messages (a URI without credentials).
        self.store_name = store_name
        self._remote = remote
        self.stop_timeout = stop_timeout
        #: Where the run's spooled files go (default: the store's, see blobs_for_store).
        self._open_blobs = open_blobs
        #: Called once the batch that creates the run is stored (init learns the
        #: run's stored name through it); its failures are ignored.
        self._on_created = on_created
        #: Asked every STOP_POLL_SECONDS, once the run is stored, whether someone asked for
        #: the run to stop (the web app's "Stop run"); ``on_stop`` is called once when so.
        self._stop_check = stop_check
        self._on_stop = on_stop
        self._stop_polled = time.monotonic()
        #: Open the store when the thread starts (else when the first batch is due: a
        #: side journal's store waits for its run to be created by the main writer).
        self._open_at_once = open_at_once
        self._blobs: BlobStore | None = None
        self._spool = spool_dir(journal.path)
        #: The spooled files of the pending batch: still to upload, and all of them
        #: (their spool files are removed once the batch is stored).
        self._to_upload: list[SpooledFile] = []
        self._batch_files: list[SpooledFile] = []
        #: The staged artifact files of the pending batch (removed once it is stored),
        #: and who hears of stored artifact commits (the run: artifact.wait()).
        self._artifact_files: list[Path] = []
        self.on_artifacts: Callable[[TrackingStore, BlobStore | None, RunBatch], None] | None = None
        self._fd = os.open(journal.path, os.O_RDONLY)
        self._read_bytes = READ_BYTES
        self.read_pos = len(MAGIC)
        #: The journal's name in the store and the offset the store has reached.
        self._name = str(journal.path)
        self._stored = 0
        self.fold: RunFold | None = None
        self.degraded = False
        #: The server refused the API key (HTTP 401/403) on the last attempt.
        self.refused = False
        self.failed: BaseException | None = None
        #: The last error the store gave (what the run's final message advises on).
        self.last_error: BaseException | None = None
        #: Parts of batches the store refused for their content (see _write); the
        #: journal is then kept beside itself as ``<journal>.refused``.
        self.rejected: list[Refusal] = []
        self._writing_around = False
        self._wake = threading.Event()
        self._stop_requested = False
        self._stop_time = 0.0
        self._progress = threading.Condition()
        self._pending: RunBatch | None = None
        self._fold_lock = threading.Lock()
        #: True once every record up to the end of the journal is in the store.
        self.drained = False
        #: Set once a batch is stored (the first creates the run: a side journal's
        #: writer waits for it).
        self.stored = threading.Event()
        #: Fold the store's write-ahead log back (``store.checkpoint``) once drained; a
        #: run's writers leave it to the run, which does it once for both of them, off
        #: ``finish`` (see :func:`settle_soon`).
        self.checkpoint_at_end = True
        #: Write the journal's last batch with ``seal_later`` when it holds this many
        #: points or more (None: never). The run's main writer: its series are sealed
        #: off ``finish`` (see :func:`settle_soon`) when that is much work; a side
        #: journal's (0): its end never seals the run, whose main writer does.
        self.seal_later_from: int | None = None
        #: Whether the store took the journal's last batch with ``seal_later``.
        self.sealed_later = False
        #: History points of the batches stored so far, and of the one pending.
        self._points_written = 0
        self._pending_points = 0
        #: The store, once drained (the run checkpoints it).
        self.store: TrackingStore | None = None
        #: Called once, when the first records after the journal's START are read (the
        #: run context starts collecting metadata then: init has returned).
        self.on_rows: Callable[[], object] | None = None

    # -- called from the run's thread ------------------------------------------
    def request_stop(self) -> None:
        self._stop_time = time.monotonic()
        self._stop_requested = True
        self._wake.set()

    def behind(self) -> bool:
        """True when `log()` should wait: the writer is far behind a healthy store."""
        return (
            not self._remote
            and not self.degraded
            and self._journal.size - self.read_pos > MAX_BACKLOG
        )

    def wait_until_caught_up(self) -> None:
        target = self._journal.size - MAX_BACKLOG // 2
        self._wake.set()
        with self._progress:
            self._progress.wait_for(
                lambda: self.read_pos >= target or self.degraded or not self.is_alive(), 5.0
            )

    def sync(self, timeout: float = 10.0) -> RunFold | None:
        """Wait until everything journaled so far is folded; return the fold."""
        target = self._journal.size
        self._wake.set()
        with self._progress:
            # A failing store stops the fold (see _read_available): answer with what
            # is folded rather than keep the training loop waiting.
            self._progress.wait_for(
                lambda: self.read_pos >= target or self.degraded or not self.is_alive(), timeout
            )
        return self.fold

    def summary(self, timeout: float = 10.0) -> dict[str, Any]:
        """The summary as of what is folded; waits for the fold to catch up, except
        that a server stuck in a request (down, slow) gets one second: the training
        loop reading its summary must not wait for the network."""
        fold = self.sync(min(timeout, 1.0) if self._remote else timeout)
        if fold is None:
            return {}
        with self._fold_lock:
            return fold.current_summary()

    # -- the thread ------------------------------------------------------------
    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # never let the thread die silently
            self.failed = exc
            warn_once(
                "writer-crash",
                f"runyard: writer thread stopped: {exc!r}; "
                f"the run's data is kept in {self._journal.path}",
            )
        finally:
            os.close(self._fd)
            with self._progress:
                self._progress.notify_all()

    def _loop(self) -> None:
        with working():  # (numpy among them: ~40 ms, many calls releasing the GIL)
            from runyard.journal.artifact_upload import blob_target, prepare, staged_paths
            from runyard.journal.fold import RunFold  # noqa: F401  (imported while it can)
            from runyard.journal.spool import discard, remove_spool, upload

        store: TrackingStore | None = None
        last_flush = 0.0 if self._remote else time.monotonic()
        backoff = 0.5
        poll = POLL_ACTIVE
        while True:
            stopping = self._stop_requested
            before = self.read_pos
            with working():
                self._read_available()
            arriving = self.read_pos > before
            fold = self.fold
            due = (
                stopping
                or time.monotonic() - last_flush >= FLUSH_INTERVAL
                or (fold is not None and fold.pending_rows >= self._batch_rows())
            )
            if store is None and (due or self._remote or self._open_at_once):
                # Opened at once, so that it is ready when the first batch is due: a
                # loop of under a second is stored while it runs and finish writes its
                # tail. (Opening SQLite makes many calls that release the GIL, each a
                # wait for this thread while the training thread logs: see working.)
                try:
                    with working():
                        store = self._open_store()
                except Exception as exc:
                    store = None
                    self.last_error = exc
                    self._degrade(f"could not open the store: {exc!r}")
            if store is not None and fold is not None and (due or self._pending is not None):
                if self._pending is None:
                    with self._fold_lock:
                        self._pending = fold.take_batch((self._name, self.read_pos))
                        for notice in fold.take_notices():
                            warn_once(f"{self._name}-{notice}", notice)
                        # Idempotent retries: the store applies it only from where it stands.
                        self._pending.journal_start = self._stored
                        # Once the exit record is folded nothing follows: the store can
                        # forget the journal in this same transaction.
                        self._pending.journal_done = (
                            stopping and fold.exited and self.read_pos >= self._journal.size
                        )
                        # What a seal compresses: the open chunks of the batches before
                        # (under a chunk a key) and this one's points: the run's points,
                        # for a run of under a chunk, the cheap case sealed at once.
                        self._pending_points = _points(self._pending)
                        points = self._points_written + self._pending_points
                        self._pending.seal_later = self._pending.journal_done and (
                            self.seal_later_from is not None and points >= self.seal_later_from
                        )
                        self._batch_files = fold.take_files()
                        self._to_upload = list(self._batch_files)
                        self._artifact_files = staged_paths(self._pending.artifacts, self._spool)
                step = "write to the store"
                try:
                    with working():
                        if self._to_upload:
                            # A stored row never refers to a file that is not stored.
                            step = "upload the run's files"
                            upload(self._to_upload, self._spool, self._file_store(store), fold.ref)
                            step = "write to the store"
                        if self._pending.artifacts:
                            # Hashed and uploaded here, off the training thread (log_artifact).
                            step = "store the run's artifacts"
                            target = blob_target(self._file_store(store), store, fold.ref)
                            prepare(self._pending, self._spool, target)
                            step = "write to the store"
                        self._write(store, self._pending)
                except Exception as exc:
                    self.refused = isinstance(exc, (AuthError, PermissionError))
                    self.last_error = exc
                    self._degrade(f"could not {step}: {exc!r}")
                else:
                    self.refused = False
                    self.stored.set()
                    if self._pending.create is not None and self._on_created is not None:
                        with contextlib.suppress(Exception):
                            self._on_created(store)
                        self._on_created = None
                    if self._pending.journal is not None:
                        self._stored = self._pending.journal[1]
                    self.sealed_later = self.sealed_later or self._pending.seal_later
                    self._points_written += self._pending_points
                    batch, self._pending = self._pending, None
                    if self._batch_files:
                        discard(self._batch_files, self._spool)
                        self._batch_files = []
                    self._artifacts_stored(store, batch)
                    self.degraded = False
                    backoff = 0.5
                    last_flush = time.monotonic()
            if store is not None and not stopping and self._on_stop is not None:
                self._poll_stop(store)
            if (
                stopping
                and self._pending is None
                and store is not None
                and self.read_pos >= self._journal.size
            ):
                self.store = store
                if self.checkpoint_at_end:
                    with contextlib.suppress(Exception):  # housekeeping must not fail a run
                        store.checkpoint()
                remove_spool(self._journal.path)  # goes with the journal (Run._finish)
                self.drained = True
                return
            if self.degraded:
                delay = backoff
                if stopping:
                    left = self.stop_timeout - (time.monotonic() - self._stop_time)
                    if left <= 0 or self.refused:
                        # The journal keeps the rest for the next time the store opens
                        # (a server refusing the API key will not change its mind).
                        return
                    delay = min(delay, left)
                # Interruptible: a finishing run retries at once, then on the same schedule.
                self._wake.wait(delay)
                self._wake.clear()
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            if self.read_pos >= self._journal.size and not self._stop_requested:
                # Records keep arriving: look again soon, so that finish finds little
                # left to fold; an idle run is looked at less and less often.
                poll = POLL_ACTIVE if arriving else min(poll * 2, POLL_IDLE)
                self._wake.wait(poll)
                self._wake.clear()

    def _poll_stop(self, store: TrackingStore) -> None:
        """Every STOP_POLL_SECONDS, once the run exists in the store: has a stop been asked
        for? Then ``on_stop``, once (its failures, and the store's, are ignored: a run
        that cannot hear a stop goes on)."""
        now = time.monotonic()
        if now - self._stop_polled < STOP_POLL_SECONDS or self._on_created is not None:
            return
        self._stop_polled = now
        check, on_stop = self._stop_check, self._on_stop
        if check is None or on_stop is None:
            return
        try:
            with working():
                asked = check(store)
        except Exception:
            return
        if asked:
            self._on_stop = None
            with contextlib.suppress(Exception):
                on_stop()

    def _artifacts_stored(self, store: TrackingStore, batch: RunBatch) -> None:
        """Remove the stored batch's staged artifact files; tell the run its commits
        are stored (its failures are ignored: the commits are)."""
        if self._artifact_files:
            from runyard.journal.artifact_upload import discard_staged

            discard_staged(self._artifact_files)
            self._artifact_files = []
        from runyard.journal.artifact_upload import DROPPED

        if (batch.artifacts or getattr(batch, DROPPED, None)) and self.on_artifacts is not None:
            with contextlib.suppress(Exception):
                self.on_artifacts(store, self._blobs, batch)

    def _write(self, store: TrackingStore, batch: RunBatch) -> None:
        """``store.write_batch``; a batch the store refuses for its content (not a store
        that is down) is written around its refused parts, which are reported once and
        kept in a copy of the journal: it must not block the batches after it."""
        if not self._writing_around:
            try:
                store.write_batch(batch)
                return
            except Exception as exc:
                from runyard.journal.refusal import is_refusal

                if not is_refusal(exc):
                    raise
                self._writing_around = True  # a retry resumes the same parts
        from runyard.journal.refusal import write_around

        refused = write_around(store, batch)
        self._writing_around = False
        if not refused:
            return
        kept = self.keep_journal()
        for refusal in refused:
            self.rejected.append(refusal)
            warn_once(
                f"refused-{self._name}-{refusal.what}-{refusal.reason[:80]}",
                f"{self.store_name} refused {refusal.what} of a batch of this run: "
                f"{refusal.reason}. The rest is stored; the run's journal is kept in {kept}",
            )

    def keep_journal(self) -> Path:
        """A second name for the journal, which outlives the run's own (deleted at
        finish) and which journal replay does not pick up: ``<journal>.refused``."""
        kept = self._journal.path.with_name(self._journal.path.name + ".refused")
        if not kept.exists():
            try:
                os.link(self._journal.path, kept)  # grows with the journal until finish
            except OSError:
                import shutil

                shutil.copyfile(self._journal.path, kept)
        return kept

    def _file_store(self, store: TrackingStore) -> BlobStore:
        if self._blobs is None:
            if self._open_blobs is not None:
                self._blobs = self._open_blobs()
            else:
                from runyard.journal.spool import blobs_for_store

                self._blobs = blobs_for_store(store.uri)
        return self._blobs

    def _batch_rows(self) -> int:
        if not self._stop_requested:
            return LIVE_BATCH_ROWS
        if self._journal.size - self.read_pos <= FINAL_BATCH_BYTES:
            return 1 << 62  # the rest in one batch
        return MAX_BATCH_ROWS

    def _read_available(self) -> None:
        # While a batch is waiting to be written, fold no further: memory stays
        # bounded and the unread records stay safe in the journal.
        if self._pending is not None:
            return
        end = self._journal.size
        while self.read_pos < end:
            advanced = False
            with self._fold_lock:
                start = self.read_pos
                frames = read_records(self._fd, start, end, self._read_bytes, verify=False)
                if frames:
                    first = 0
                    if self.fold is None:
                        from runyard.journal.fold import RunFold

                        self.fold = RunFold(frames[0][1][1])
                        self._name = journal_name(frames[0][1][1], self._journal.path)
                        first = 1
                    feed, feed_block = self.fold.feed, self.fold.feed_block
                    for index in range(first, len(frames)):
                        item = frames[index][1]
                        if type(item) is list:
                            feed(item)
                        else:
                            feed_block(item)
                    # Fold what was read now, a step of at most READ_BYTES, rather than
                    # all of it in the batch (at finish, for a loop faster than the
                    # batch interval): finish is left with a tail.
                    self.fold.commit()
                    self.read_pos = frames[-1][0]
                    self._size_reads(frames, self.read_pos - start)
                    advanced = True
                    if self.on_rows is not None and len(frames) > first:
                        on_rows, self.on_rows = self.on_rows, None
                        with contextlib.suppress(Exception):
                            on_rows()
            with self._progress:
                self._progress.notify_all()
            if not advanced or (
                self.fold is not None and self.fold.pending_rows >= self._batch_rows()
            ):
                break

    def _size_reads(self, frames: list[tuple[int, Any]], size: int) -> None:
        """Read WIDE_READ_ROWS rows at a time at least (from the rows' size so far)."""
        from runyard.journal.log_block import LogBlock

        rows = sum(len(item) if isinstance(item, LogBlock) else 1 for _, item in frames)
        wide = WIDE_READ_ROWS * size // max(rows, 1)
        self._read_bytes = max(READ_BYTES, min(wide, MAX_READ_BYTES))

    def _degrade(self, message: str) -> None:
        self.degraded = True
        warn_once(
            f"store-{message[:40]}",
            f"runyard: {message}; logging continues to the journal {self._journal.path} "
            "and will be retried",
        )
        with self._progress:
            self._progress.notify_all()
