"""The run journal: an append-only file each run writes before `log()` returns.

Layout: an 8-byte header (``b"RYJ1"`` + 4 reserved bytes) followed by frames
``[u32 length][u32 crc32(payload)][payload]``; a payload is one msgpack-encoded
record (see :class:`~runyard.journal.records.Rec`). A zero length, a short frame or a
CRC mismatch marks the end of what was written (the tail a killed process left
half-written).

The writer maps a window of the file with ``mmap`` and copies each frame into it,
so appending costs a memory copy instead of a system call, yet the bytes are in
the kernel's page cache the moment `log()` returns and survive the process being
killed (SIGKILL). Space is reserved with ``posix_fallocate`` before a window is
used, so a full disk is reported as an ``OSError`` instead of a ``SIGBUS``.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import msgpack

__all__ = ["MAGIC", "JournalWriter", "read_frames", "read_header"]

MAGIC = b"RYJ1\0\0\0\0"
_HEADER = struct.Struct("<II")
_WINDOW = 4 << 20  # bytes mapped at a time
_PAGE = mmap.ALLOCATIONGRANULARITY


class JournalWriter:
    """Appends frames to a journal file through an ``mmap`` window.

    Not thread-safe: one run's main thread appends; the writer thread only reads
    (``read_frames`` through its own file descriptor).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        # Held for the run's life: recovery replays only journals nobody holds.
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._map: mmap.mmap | None = None
        self._win_start = 0
        self._win_end = 0
        self._pack_header = _HEADER.pack_into
        os.write(self._fd, MAGIC)
        #: Offset just past the last complete frame (what readers may read up to).
        self.size = len(MAGIC)
        self._remap(self.size)

    def _remap(self, pos: int) -> None:
        if self._map is not None:
            self._map.close()
        start = pos - pos % _PAGE
        os.posix_fallocate(self._fd, start, _WINDOW)
        self._map = mmap.mmap(self._fd, _WINDOW, offset=start)
        self._win_start, self._win_end = start, start + _WINDOW

    def append(self, payload: bytes) -> int:
        """Write one frame; returns the new size. Raises ``OSError`` on a full disk."""
        n = len(payload)
        pos = self.size
        end = pos + 8 + n
        if end > self._win_end:
            if n + 8 > _WINDOW // 2:
                # Big frames bypass the window.
                os.posix_fallocate(self._fd, pos, n + 8)
                os.pwrite(self._fd, _HEADER.pack(n, zlib.crc32(payload)) + payload, pos)
                self.size = end
                self._remap(end)
                return end
            self._remap(pos)
        m = self._map
        assert m is not None
        off = pos - self._win_start
        m[off + 8 : off + 8 + n] = payload
        self._pack_header(m, off, n, zlib.crc32(payload))
        self.size = end
        return end

    def close(self, trim: bool = True) -> None:
        """Unmap and (unless it is about to be deleted) trim the file to what was written."""
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            if trim:
                os.ftruncate(self._fd, self.size)
            os.close(self._fd)
            self._fd = -1


def read_frames(
    fd: int, start: int, stop: int | None = None, max_bytes: int = 8 << 20, verify: bool = True
) -> list[tuple[int, Any]]:
    """Decode records from ``start``: ``(offset after the frame, record)`` pairs.

    Reads at most about ``max_bytes`` (whole frames) per call; stops at ``stop``,
    at a zero length (space reserved but not written) or at a torn frame. The live
    writer reads only frames its own process completed and may skip the CRC check
    (``verify=False``); recovery always verifies.
    """
    limit = max_bytes if stop is None else min(stop - start, max(max_bytes, 0))
    out: list[tuple[int, Any]] = []
    if limit <= 0:
        return out
    data = os.pread(fd, limit, start)
    view = memoryview(data)
    size = len(data)
    pos = 0
    unpackb = msgpack.unpackb
    header = _HEADER.unpack_from
    crc32 = zlib.crc32
    append = out.append
    while pos + 8 <= size:
        n, crc = header(data, pos)
        if n == 0:
            break
        end = pos + 8 + n
        if end > size:
            if pos == 0 and 8 + n <= os.fstat(fd).st_size - start:
                # One frame larger than max_bytes: read it alone. (A torn length field
                # can claim any size: only what the file holds is ever read.)
                big = os.pread(fd, 8 + n, start)
                if len(big) == 8 + n and crc32(big[8:]) == crc:
                    append((start + 8 + n, unpackb(big[8:], strict_map_key=False)))
            break
        payload = view[pos + 8 : end]
        if verify and crc32(payload) != crc:
            break
        append((start + end, unpackb(payload, strict_map_key=False)))
        pos = end
    return out


def read_header(fd: int) -> bool:
    """True when the file starts with a journal header."""
    return os.pread(fd, len(MAGIC), 0) == MAGIC
