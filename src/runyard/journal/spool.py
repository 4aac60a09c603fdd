"""The spool: a run's files (media, tables, summary tensors, ``run.save``) on their way
to its blob store, journalled like rows.

Why: nothing on the training thread may wait on the network, and a file must
survive the process being killed exactly as a logged row does. So the training
thread writes each file to the spool — the directory ``<journal>.spool/`` beside
the run's journal — and then appends a ``Rec.FILE`` record naming it
(:class:`SpooledFile`). Whoever moves the journal into a store (the writer thread,
a replay after a crash, ``runyard sync``) uploads the files of a span of records
(:func:`upload`) *before* writing the batch of that span, so a stored row never
refers to a file that is not stored, and removes spool files once their batch is
stored (:func:`discard`). A replay after a kill uploads only the files past the
store's offset for the journal: each once, and uploading one twice (a crash
between the upload and the batch) writes the same bytes to the same key.

Spool files are named per record (``<n>-<sha256 prefix>``), never shared by two
records, so removing the file of a stored record cannot remove one that a later
record needs. The training thread skips a file whose name already holds the same
content in this session (the same image logged every step is spooled once).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from runyard.entities import RunRef
from runyard.journal.records import Rec
from runyard.printer import warn_once

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore

__all__ = [
    "SpoolWriter",
    "SpooledFile",
    "blobs_for_store",
    "discard",
    "remove_spool",
    "spool_dir",
    "upload",
]

_CHUNK = 1 << 20
#: Files uploaded at a time: a server answers each upload in a round trip or two, so
#: the media logged in a second go out in parallel rather than one after another (not
#: into a local directory: a pool's start costs more than its writes, see
#: ``BlobStore.concurrent_puts``).
UPLOAD_WORKERS = 8
#: How a server's refusal reads in the blob stores' OSError messages ("HTTP 413 from …").
_REFUSED = re.compile(r"\bHTTP 4(?!01|03|08|29)\d\d\b")


def spool_dir(journal: Path) -> Path:
    """The spool directory of the journal at ``journal``: ``<journal>.spool``."""
    return journal.with_name(journal.name + ".spool")


class SpooledFile(NamedTuple):
    """One ``Rec.FILE`` record: the run's file ``name`` (relative to the run's blob
    prefix), its spool file (relative to the spool directory), size and SHA-256."""

    name: str
    spool: str
    size: int
    sha256: str

    def record(self) -> tuple[Any, ...]:
        return (Rec.FILE, self.name, self.spool, self.size, self.sha256)

    @classmethod
    def from_record(cls, rec: list[Any] | tuple[Any, ...]) -> SpooledFile:
        return cls(str(rec[1]), str(rec[2]), int(rec[3]), str(rec[4]))


class SpoolWriter:
    """The training thread's side: a :class:`~runyard.data_types.sink.MediaSink` that
    spools files and journals them through ``append`` (the run's record writer).

    ``append`` may drop the record (a full disk: the run warns once); a spool file
    that cannot be written is dropped with one warning too. Neither raises.
    """

    def __init__(
        self, journal: Path, ref: RunRef, append: Callable[[tuple[Any, ...]], None]
    ) -> None:
        self.dir = spool_dir(journal)
        self._ref = ref
        self._append = append
        self._count = 0
        #: The content last spooled under each name in this session.
        self._spooled: dict[str, str] = {}

    @property
    def ref(self) -> RunRef:
        return self._ref

    def put(self, name: str, data: bytes) -> None:
        """Spool ``data`` as the run's file ``name`` and journal it."""
        digest = hashlib.sha256(data).hexdigest()
        if self._spooled.get(name) == digest:
            return
        spool = self._next_name(digest)
        try:
            self.dir.mkdir(exist_ok=True)
            with open(self.dir / spool, "wb") as out:
                out.write(data)
        except OSError as exc:  # a full disk: no half-written file is left behind
            (self.dir / spool).unlink(missing_ok=True)
            self._lost(name, exc)
            return
        self._journal(SpooledFile(name, spool, len(data), digest))

    def put_file(self, name: str, path: Path) -> None:
        """Spool a copy of the file at ``path`` as the run's file ``name`` (``run.save``),
        in chunks: a large checkpoint is never held in memory."""
        sha = hashlib.sha256()
        size = 0
        spool = self._next_name("")
        target = self.dir / spool
        try:
            self.dir.mkdir(exist_ok=True)
            with open(path, "rb") as src, open(target, "wb") as out:
                while chunk := src.read(_CHUNK):
                    sha.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except OSError as exc:
            target.unlink(missing_ok=True)
            self._lost(name, exc)
            return
        digest = sha.hexdigest()
        if self._spooled.get(name) == digest:
            target.unlink(missing_ok=True)
            return
        self._journal(SpooledFile(name, spool, size, digest))

    def _next_name(self, digest: str) -> str:
        self._count += 1
        return f"{self._count:06d}-{digest[:16]}" if digest else f"{self._count:06d}"

    def _journal(self, file: SpooledFile) -> None:
        self._append(file.record())
        self._spooled[file.name] = file.sha256

    def _lost(self, name: str, exc: OSError) -> None:
        warn_once(
            f"spool-{self.dir}",
            f"could not write {name!r} to the run's spool {self.dir}: {exc}; "
            "such files are not stored (the rest of the run is)",
        )


def upload(
    files: list[SpooledFile],
    folder: Path,
    blobs: BlobStore,
    ref: RunRef,
    workers: int = UPLOAD_WORKERS,
) -> int:
    """Put the spooled files into ``blobs`` as ``ref``'s files, ``workers`` at a time;
    remove each from ``files`` once stored, so a retry after a failure sends only the
    rest. Returns how many were put.

    Of several records of one name (``run.save`` of a file that changed) only the
    last is sent: the batch that follows stores the state as of its last record.

    A spool file that is gone was uploaded already and removed after its batch
    (or lost with the disk): it is skipped, with a warning when ``blobs`` lacks
    it. A spool file whose size or digest differs from its record is damaged and
    skipped with a warning, and so is a file the blob store refuses for good
    (:func:`refused`: too large for the server, an invalid name): retrying it would
    hold back every batch after it. Other errors of ``blobs`` (network, server down)
    propagate, once every file was tried: the caller retries the rest later.
    """
    from runyard.blobs.keys import run_prefix

    prefix = run_prefix(ref)
    add_run = getattr(blobs, "add_run", None)  # a server's blob store routes by run
    if callable(add_run):
        add_run(ref)
    last = {file.name: file for file in files}
    todo = list(last.values())

    def send(file: SpooledFile) -> bool | BaseException:
        try:
            return _send(file, folder, blobs, ref, f"{prefix}/{file.name}")
        except Exception as exc:
            return exc

    outcomes: list[bool | BaseException] | None = None
    if len(todo) > 1 and workers > 1 and blobs.concurrent_puts:
        try:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(workers, len(todo)), "runyard-upload") as pool:
                outcomes = list(pool.map(send, todo))
        except RuntimeError:  # at interpreter exit (a run finished by atexit): no new pools
            outcomes = None
    if outcomes is None:
        outcomes = [send(file) for file in todo]
    failed = {
        f.name: exc for f, exc in zip(todo, outcomes, strict=True) if not isinstance(exc, bool)
    }
    files[:] = [file for file in todo if file.name in failed]
    if failed:
        raise next(iter(failed.values()))
    return sum(1 for sent in outcomes if sent is True)


def _send(file: SpooledFile, folder: Path, blobs: BlobStore, ref: RunRef, key: str) -> bool:
    """Upload one spooled file; False when it is skipped (see :func:`upload`)."""
    try:
        data = (folder / file.spool).read_bytes()
    except FileNotFoundError:
        if not blobs.exists(key):
            warn_once(
                f"spool-missing-{key}",
                f"the spooled file {file.name!r} of run {ref.path} is missing from "
                f"{folder}; it is not stored",
            )
        return False
    if len(data) != file.size or hashlib.sha256(data).hexdigest() != file.sha256:
        warn_once(
            f"spool-damaged-{key}",
            f"the spooled file {folder / file.spool} ({file.name!r} of run {ref.path}) "
            "does not match its journal record; it is not stored",
        )
        return False
    try:
        blobs.put(key, data)
    except Exception as exc:
        if not refused(exc):
            raise
        # Sending it again would be refused again, and hold back every batch after it.
        warn_once(
            f"spool-refused-{key}",
            f"the blob store refused {file.name!r} of run {ref.path} ({exc}); that file "
            "is not stored, the rest of the run is",
        )
        return False
    return True


def refused(exc: BaseException) -> bool:
    """Whether an upload failed for good, for this file: an invalid name, or a server
    answering 4xx other than 401/403 (the API key), 408 and 429 (try again later)."""
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, PermissionError) or not isinstance(exc, OSError):
        return False
    return _REFUSED.search(str(exc)) is not None


def discard(files: Iterable[SpooledFile], folder: Path) -> None:
    """Remove the spool files of stored records (best effort: a leftover is harmless)."""
    for file in files:
        with contextlib.suppress(OSError):
            (folder / file.spool).unlink(missing_ok=True)


def remove_spool(journal: Path) -> None:
    """Remove a journal's spool directory (with the journal it belongs to)."""
    import shutil

    shutil.rmtree(spool_dir(journal), ignore_errors=True)


def blobs_for_store(store_uri: str) -> BlobStore:
    """The blob store that runs writing to ``store_uri`` keep their files in: the
    server itself for a server (its files routes, with the API key saved for it),
    unless ``RUNYARD_BLOBS`` names one; else ``RUNYARD_BLOBS`` or ``<RUNYARD_DIR>/blobs``."""
    from runyard.settings import Settings, api_key_for

    settings = Settings.from_env()
    if store_uri.startswith(("http://", "https://")) and not settings.blobs:
        from runyard.store.rest.blobs import HttpBlobStore

        return HttpBlobStore(store_uri, api_key_for(store_uri))
    from runyard.blobs.registry import open_blobs

    return open_blobs(settings.blobs_uri)
