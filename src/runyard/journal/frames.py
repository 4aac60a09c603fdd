"""The run journal: an append-only file each run writes before `log()` returns.

Layout (``RYJ3``): an 8-byte header (``b"RYJ3"`` + 4 reserved bytes), then frames
``[sync][u32 length][u32 check][payload]``: ``sync`` is ``b"\\xc1RYF"`` (0xc1 is the one
byte msgpack never uses), ``check`` is ``zlib.adler32(payload, length)`` (the length is
checksummed with the payload), and a payload is one msgpack-encoded record (see
:class:`~runyard.journal.records.Rec`). The START record (the run's identity) is
written twice (:meth:`JournalWriter.append_start`), so one damaged copy does not
lose the run; readers keep the first good one.

A frame whose 12 header bytes are zero marks the end of what was written: space
reserved but never used, or the frame a killed process was writing (its header is
written last). Anything else that is not a good frame (a frame cut short by the end
of the file included) is damage: a reader of a
journal left behind (:class:`JournalReader`) skips to the next sync marker that
starts a good frame and reports the bytes it skipped, so one flipped bit loses one
record, not the rest of the run. Journals written before (``RYJ1``: frames
``[u32 length][u32 crc32(payload)][payload]``, no sync marker) are still read; they
cannot be resynchronised, so reading one stops at its first damaged frame (and says
so). ``RYJ2`` journals are ``RYJ3`` with ``zlib.crc32`` as the check; Adler-32
replaced it because it costs half as much on `log()`'s path (≈ 80 ns a record) and
still catches what it is there for: a frame the disk kept only part of.

The writer maps a window of the file with ``mmap`` and copies each frame into it,
so appending costs a memory copy instead of a system call, yet the bytes are in
the kernel's page cache the moment `log()` returns and survive the process being
killed (SIGKILL). Space is reserved with ``posix_fallocate`` before a window is
used, so a full disk is reported as an ``OSError`` instead of a ``SIGBUS``. The last
``RESERVE`` bytes of each window are kept for the run's exit record: on a full disk
the journal stops taking records (:attr:`JournalWriter.failed`; every later append
raises at once, without a system call) but :meth:`JournalWriter.append_last` can
still record how the run ended.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import mmap
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

__all__ = [
    "MAGIC",
    "MAGIC_V1",
    "MAGIC_V2",
    "RESERVE",
    "SIDE_SUFFIX",
    "SYNC",
    "Damage",
    "JournalReader",
    "JournalWriter",
    "creating_path",
    "main_journal_path",
    "read_frames",
    "read_header",
    "read_records",
    "side_journal_path",
]

MAGIC = b"RYJ3\0\0\0\0"
#: The header of journals whose frames carry a CRC-32 instead of an Adler-32.
MAGIC_V2 = b"RYJ2\0\0\0\0"
#: The header of journals written before frames had a sync marker.
MAGIC_V1 = b"RYJ1\0\0\0\0"
SYNC = b"\xc1RYF"
_SYNC_WORD: int = struct.unpack("<I", SYNC)[0]
_HEADER = struct.Struct("<III")  # sync, length, crc
_HEADER_V1 = struct.Struct("<II")  # length, crc
_WINDOW = 4 << 20  # bytes mapped at a time, at most
#: The first window's size; each next one is twice the last, up to ``_WINDOW``: a short
#: run's journal costs no 4 MB of reserved and mapped space (about 3 ms to create and
#: delete on ext4, for a run that writes 100 KB).
_FIRST_WINDOW = 256 << 10
_PAGE = mmap.ALLOCATIONGRANULARITY
#: Bytes at the end of each window kept for the exit record once the disk is full.
RESERVE = 4096
_READ = 8 << 20  # bytes a reader reads at a time


#: The frame check of the journals this module writes (see the module doc).
_check = zlib.adler32


class JournalWriter:
    """Appends frames to a journal file through an ``mmap`` window.

    Not thread-safe: one run's main thread appends; the writer thread only reads
    (``read_frames`` through its own file descriptor).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created under a name recovery never looks at (``*.journal.new``), locked and
        # given its header there, then published by a hard link: another process's
        # recovery must never see the journal unlocked and empty (it would take it for
        # a leftover and remove it, or move it aside as no journal).
        creating = creating_path(self.path)
        # 0600: the START record holds the journal's id, which names it to a store.
        self._fd = os.open(creating, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            # Held for the run's life: recovery replays only journals nobody holds.
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(self._fd, MAGIC)
            _publish(creating, self.path)
        except BaseException:
            os.close(self._fd)
            with contextlib.suppress(OSError):
                os.unlink(creating)
            raise
        self._map: mmap.mmap | None = None
        self._win_start = 0
        self._win_end = 0
        #: Frames may be copied into the window up to here (-1 once the journal failed,
        #: so that every append takes the slow path).
        self._limit = 0
        self._pack_header = _HEADER.pack_into
        #: Why the journal stopped taking records (a full disk), or None.
        self.failed: OSError | None = None
        #: Offset just past the last complete frame (what readers may read up to).
        self.size = len(MAGIC)
        self._window = _FIRST_WINDOW
        self._remap(self.size, 0)

    def _remap(self, pos: int, need: int) -> None:
        """Map the window holding ``pos`` and the ``need`` bytes after it (and the
        reserve); the old one stays mapped if that fails."""
        start = pos - pos % _PAGE
        size = max(self._window, -(-(pos - start + need + RESERVE) // _PAGE) * _PAGE)
        os.posix_fallocate(self._fd, start, size)
        new = mmap.mmap(self._fd, size, offset=start)
        if self._map is not None:
            self._map.close()
        self._map = new
        self._win_start, self._win_end = start, start + size
        self._limit = self._win_end - RESERVE
        self._window = min(self._window * 2, _WINDOW)

    def append(self, payload: bytes) -> int:
        """Write one frame; returns the new size. Raises ``OSError`` once the disk is
        full (and at once, without trying again, for every later call)."""
        n = len(payload)
        pos = self.size
        end = pos + 12 + n
        if end > self._limit:
            return self._append_slow(payload, last=False)
        m = self._map
        assert m is not None
        off = pos - self._win_start
        m[off + 12 : off + 12 + n] = payload
        self._pack_header(m, off, _SYNC_WORD, n, _check(payload, n))
        self.size = end
        return end

    def append_start(self, payload: bytes) -> int:
        """Write the run's START record, twice: without it a journal names no run, so
        one damaged copy must not lose the run (readers keep the first good one)."""
        self.append(payload)
        return self.append(payload)

    def append_last(self, payload: bytes) -> int:
        """Write the run's last frame (its exit record), using the space each window
        keeps back when the journal failed for lack of it."""
        return self._append_slow(payload, last=True)

    def _append_slow(self, payload: bytes, last: bool) -> int:
        if self.failed is not None and not last:
            raise self.failed
        n = len(payload)
        pos = self.size
        end = pos + 12 + n
        if self.failed is None and end > self._limit:
            try:
                if n + 12 > _WINDOW // 2:
                    # Big frames bypass the window.
                    os.posix_fallocate(self._fd, pos, n + 12)
                    header = _HEADER.pack(_SYNC_WORD, n, _check(payload, n))
                    os.pwrite(self._fd, header + payload, pos)
                    self.size = end
                else:
                    self._remap(pos, n + 12)
            except OSError as exc:
                self._fail(exc)
                if not last:
                    raise
            else:
                if self.size == end:  # the big frame is written; map the space after it
                    try:
                        self._remap(end, 0)
                    except OSError as exc:
                        self._fail(exc)
                    return end
        if self._map is None or end > self._win_end or pos < self._win_start:
            assert self.failed is not None
            raise self.failed
        m = self._map
        off = pos - self._win_start
        m[off + 12 : off + 12 + n] = payload
        self._pack_header(m, off, _SYNC_WORD, n, _check(payload, n))
        self.size = end
        return end

    def _fail(self, exc: OSError) -> None:
        self.failed = exc
        self._limit = -1  # every later append takes the slow path, which raises at once

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


def creating_path(path: Path) -> Path:
    """Where :class:`JournalWriter` prepares ``path`` before publishing it (not a
    ``*.journal`` name: recovery and ``runyard sync`` never look at it)."""
    return path.with_name(path.name + ".new")


#: A run's second journal (console, system metrics, metadata: written by background
#: threads) is ``<stem>.side.journal`` beside its main journal ``<stem>.journal``.
SIDE_SUFFIX = ".side.journal"


def side_journal_path(main: Path) -> Path:
    """``<stem>.side.journal`` beside the main journal ``<stem>.journal``."""
    return main.with_name(main.name.removesuffix(".journal") + SIDE_SUFFIX)


def main_journal_path(side: Path) -> Path | None:
    """The main journal a side journal belongs to; None for a main journal."""
    if not side.name.endswith(SIDE_SUFFIX):
        return None
    return side.with_name(side.name.removesuffix(SIDE_SUFFIX) + ".journal")


def _publish(creating: Path, path: Path) -> None:
    """Give the prepared journal its name; ``FileExistsError`` if ``path`` exists (a
    journal is never replaced). A hard link is atomic and refuses an existing name,
    which a rename would silently replace; a file system without hard links gets the
    rename after a check (journal names hold the process id, so nobody else races)."""
    try:
        os.link(creating, path)
    except FileExistsError:
        raise
    except OSError:
        if path.exists():
            raise FileExistsError(errno.EEXIST, "journal exists", str(path)) from None
        os.rename(creating, path)
        return
    os.unlink(creating)


def read_frames(
    fd: int, start: int, stop: int | None = None, max_bytes: int = 8 << 20, verify: bool = True
) -> list[tuple[int, Any]]:
    """Decode records of an ``RYJ2`` journal from ``start``: ``(offset after the
    frame, record)`` pairs.

    The live writer's reader: reads at most about ``max_bytes`` (whole frames) per
    call; stops at ``stop``, at a zeroed header (space reserved but not written) or
    at the first frame that is not good. The writer thread reads only frames its own
    process completed and may skip the CRC check (``verify=False``). Journals left
    behind are read with :class:`JournalReader`, which also gets past damage.
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
    check = _check
    append = out.append
    while pos + 12 <= size:
        sync, n, crc = header(data, pos)
        if sync != _SYNC_WORD or n == 0:
            break
        end = pos + 12 + n
        if end > size:
            if pos == 0 and 12 + n <= os.fstat(fd).st_size - start:
                # One frame larger than max_bytes: read it alone. (A damaged length field
                # can claim any size: only what the file holds is ever read.)
                big = os.pread(fd, 12 + n, start)
                if len(big) == 12 + n and check(big[12:], n) == crc:
                    append((start + 12 + n, unpackb(big[12:], strict_map_key=False)))
            break
        payload = view[pos + 12 : end]
        if verify and check(payload, n) != crc:
            break
        append((start + end, unpackb(payload, strict_map_key=False)))
        pos = end
    return out


#: A template that matched fewer frames than this is not tried again for the next
#: _COOLDOWN frames (keys that change every step would pay for a template each).
_MIN_BLOCK = 4
_COOLDOWN = 64
#: The last template read_records made, tried first by the next call (a template is
#: checked against every frame it decodes, so one of another journal is only a miss):
#: rows of 10,000 keys are ~6 to a read, and parsing their template costs ~30 ms.
_last_template: list[Any] = [None]


def read_records(
    fd: int, start: int, stop: int | None = None, max_bytes: int = 8 << 20, verify: bool = True
) -> list[tuple[int, Any]]:
    """:func:`read_frames`, with runs of alike committed ``LOG`` frames decoded as one
    :class:`~runyard.journal.log_block.LogBlock` each (its columns cut out of the read
    buffer by numpy: see that module): ``(offset after the last frame, LogBlock)``
    items among the ``(offset after the frame, record)`` ones, in journal order.

    The live writer's reader: `log()` writes ~2 µs a row and the writer thread shares
    the interpreter with it, so its per-row cost must be well below that (a msgpack
    decode and a fold step per row is ≈ 5 µs).
    """
    from runyard.journal.log_block import LogTemplate

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
    check = _check
    append = out.append
    template: LogTemplate | None = _last_template[0]
    cooldown = 0
    log_head = bytes((0x96, 1))  # [LOG, …: a six-item array
    while pos + 12 <= size:
        sync, n, crc = header(data, pos)
        if sync != _SYNC_WORD or n == 0:
            break
        end = pos + 12 + n
        if end > size:
            if pos == 0 and 12 + n <= os.fstat(fd).st_size - start:
                big = os.pread(fd, 12 + n, start)
                if len(big) == 12 + n and check(big[12:], n) == crc:
                    append((start + 12 + n, unpackb(big[12:], strict_map_key=False)))
            break
        payload = view[pos + 12 : end]
        if cooldown:
            cooldown -= 1
        elif data[pos + 12 : pos + 14] == log_head:
            rows = 0
            if template is not None and template.length == n:
                rows = template.count(data, pos, size)
            if rows == 0:
                template = LogTemplate.parse(payload, SYNC)
                rows = template.count(data, pos, size) if template is not None else 0
                if template is not None:
                    _last_template[0] = template
            if verify:
                for i in range(rows):  # the good frames of the block
                    at = pos + i * (12 + n)
                    if check(view[at + 12 : at + 12 + n], n) != _HEADER.unpack_from(data, at)[2]:
                        rows = i
                        break
            if rows >= _MIN_BLOCK:
                assert template is not None
                end = pos + rows * (12 + n)
                append((start + end, template.block(data, pos, rows)))
                pos = end
                continue
            cooldown = _COOLDOWN
        if verify and check(payload, n) != crc:
            break
        append((start + end, unpackb(payload, strict_map_key=False)))
        pos = end
    return out


def read_header(fd: int) -> bool:
    """True when the file starts with a journal header (of either format)."""
    return os.pread(fd, len(MAGIC), 0) in (MAGIC, MAGIC_V2, MAGIC_V1)


@dataclass(frozen=True)
class Damage:
    """Bytes ``start..end`` of a journal that held no readable frame."""

    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


class JournalReader:
    """Reads a journal left behind, of either format, past any damage.

    ``version`` is 3, 2 or 1 (the header's format), or 0 when the file is no journal
    (too short, or neither its header nor any frame after it reads). A damaged
    header whose frames read (as ``RYJ3``, else as ``RYJ2``) is taken for that
    format and reported as damage.
    ``damage`` lists the byte ranges skipped so far, in file order.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.size = os.fstat(fd).st_size
        self.damage: list[Damage] = []
        self._buf = b""
        self._buf_start = 0
        head = os.pread(fd, len(MAGIC), 0)
        self._check = _check
        if head == MAGIC:
            self.version = 3
        elif head == MAGIC_V2:
            self.version, self._check = 2, zlib.crc32
        elif head == MAGIC_V1:
            self.version = 1
        else:
            # A damaged header: a journal still if any of its frames reads.
            self.version = 0
            if len(head) == len(MAGIC):
                for version, check in ((3, _check), (2, zlib.crc32)):
                    self._check = check
                    found = self._resync(len(MAGIC))
                    if found is not None:
                        self.version = version
                        self.damage.append(Damage(0, found))
                        break

    @property
    def empty(self) -> bool:
        """Nothing was ever written after the header (or not even the header)."""
        if self.size <= len(MAGIC):
            return self.size == 0 or self.version != 0
        return False

    def _get(self, offset: int, n: int) -> bytes:
        """Bytes ``offset..offset+n`` of the file (fewer at its end), read ahead in
        large blocks: replaying reads a journal front to back."""
        rel = offset - self._buf_start
        if rel < 0 or rel + n > len(self._buf):
            self._buf = os.pread(self.fd, max(n, _READ), offset)
            self._buf_start = offset
            rel = 0
        return self._buf[rel : rel + n]

    def _good_v2(self, pos: int) -> tuple[int, Any] | None:
        """``(end, record)`` when a good ``RYJ3`` (or ``RYJ2``) frame starts at ``pos``."""
        if pos + 12 > self.size:
            return None
        sync, n, crc = _HEADER.unpack(self._get(pos, 12))
        if sync != _SYNC_WORD or n == 0 or pos + 12 + n > self.size:
            return None
        payload = self._get(pos + 12, n)
        if self._check(payload, n) != crc:
            return None
        return pos + 12 + n, _decode(payload)

    def _good_v1(self, pos: int) -> tuple[int, Any] | None:
        if pos + 8 > self.size:
            return None
        n, crc = _HEADER_V1.unpack(self._get(pos, 8))
        if n == 0 or pos + 8 + n > self.size:
            return None
        payload = self._get(pos + 8, n)
        if zlib.crc32(payload) != crc:
            return None
        return pos + 8 + n, _decode(payload)

    def records(self, start: int = len(MAGIC)) -> Iterator[tuple[int, Any]]:
        """``(offset after the frame, record)`` of every good frame from ``start``.

        A frame with a good checksum but a payload that is no record is skipped as
        damage too. Stops at the end of what was written: a zeroed header with no
        good frame after it.
        """
        if self.version == 0:
            return
        good = self._good_v1 if self.version == 1 else self._good_v2
        pos = start
        while pos < self.size:
            found = good(pos)
            if found is not None:
                end, rec = found
                if rec is _NOT_A_RECORD:
                    self.damage.append(Damage(pos, end))
                else:
                    yield end, rec
                pos = end
                continue
            following = self._resync(pos + 1) if self.version > 1 else None
            if following is None:
                if not self._clean_end(pos):
                    self.damage.append(Damage(pos, self.size))
                return
            self.damage.append(Damage(pos, following))
            pos = following

    def _resync(self, pos: int) -> int | None:
        """The offset of the next good frame (``RYJ3``/``RYJ2``) at or after ``pos``."""
        while pos + 12 <= self.size:
            block = self._get(pos, _READ)
            at = block.find(SYNC)
            while at >= 0:
                if self._good_v2(pos + at) is not None:
                    return pos + at
                at = block.find(SYNC, at + 1)
            if len(block) < len(SYNC):
                return None
            pos += len(block) - len(SYNC) + 1  # a marker may straddle two blocks
        return None

    def _clean_end(self, pos: int) -> bool:
        """Whether the frame at ``pos`` is where writing stopped rather than damage:
        its header is zero (space reserved but never written, or the frame a killed
        writer did not finish: headers are written last). A frame cut short by the
        end of the file (a journal copied while it grew) lost a record: damage."""
        head = self._get(pos, 8 if self.version == 1 else 12)
        return head == bytes(len(head))


_NOT_A_RECORD: Any = object()


def _decode(payload: bytes) -> Any:
    try:
        rec = msgpack.unpackb(payload, strict_map_key=False)
    except Exception:
        return _NOT_A_RECORD
    if type(rec) is not list or not rec or type(rec[0]) is not int:
        return _NOT_A_RECORD
    return rec
