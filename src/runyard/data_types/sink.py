"""`MediaSink`: where data types put the files they are logged with.

A logged value that needs a file (an image, a table, a summary tensor) writes its
bytes to a sink under a name relative to its run (``media/images/ab/ab….png``),
never to the live run or a blob store directly. The SDK's sink is the run's spool
(:class:`runyard.journal.spool.SpoolWriter`: a local file plus a journal record,
uploaded by the writer thread), so nothing on the training thread waits on the
network; :class:`BlobSink` writes straight to a blob store (the public API, tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from runyard.entities import RunRef

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore

__all__ = ["BlobSink", "MediaSink"]


class MediaSink(Protocol):
    """Takes the files of one run.

    ``ref`` names the run (blob keys are ``run_prefix(ref)/<name>``, see
    :mod:`runyard.blobs.keys`); ``put`` stores ``data`` as the run's file ``name``
    and may return before it is uploaded, but never loses it once it returned.
    """

    @property
    def ref(self) -> RunRef: ...

    def put(self, name: str, data: bytes) -> None: ...


class BlobSink:
    """A sink writing each file at once to ``blobs`` under ``run_prefix(ref)/<name>``.

    Example:
        >>> from runyard.blobs.local import LocalBlobStore
        >>> sink = BlobSink(LocalBlobStore("/tmp/ry-blobs"), RunRef("me", "p", "r1"))
        >>> sink.put("notes.txt", b"hi")
    """

    def __init__(self, blobs: BlobStore, ref: RunRef) -> None:
        self.blobs = blobs
        self._ref = ref

    @property
    def ref(self) -> RunRef:
        return self._ref

    def put(self, name: str, data: bytes) -> None:
        from runyard.blobs.keys import file_key

        self.blobs.put(file_key(self._ref, name), data)
