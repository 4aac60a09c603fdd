"""The run journal: frames written through the mmap window read back, torn tails stop cleanly."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgpack
import pytest

from runyard.journal.frames import (
    MAGIC,
    SYNC,
    JournalReader,
    JournalWriter,
    read_frames,
    read_header,
)
from runyard.journal.records import Rec

WINDOW = 4 << 20


@contextmanager
def open_fd(path: Path) -> Iterator[int]:
    fd = os.open(path, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


def read_all(path: Path, max_bytes: int = 8 << 20) -> list[tuple[int, Any]]:
    """Every readable frame: `read_frames` is called again from where it stopped."""
    out: list[tuple[int, Any]] = []
    with open_fd(path) as fd:
        assert read_header(fd)
        pos = len(MAGIC)
        for _ in range(100_000):
            before = len(out)
            for offset, rec in read_frames(fd, pos, max_bytes=max_bytes):
                assert offset > pos
                out.append((offset, rec))
                pos = offset
            if len(out) == before:
                return out
    raise AssertionError("read_frames kept yielding")


def pack(rec: Any) -> bytes:
    return msgpack.packb(rec)


def write_records(path: Path, records: list[Any]) -> tuple[JournalWriter, list[int]]:
    writer = JournalWriter(path)
    ends = [writer.append(pack(rec)) for rec in records]
    return writer, ends


def sample_records(n: int) -> list[Any]:
    records: list[Any] = [[Rec.START, {"ref": ["e", "p", "r"], "create": {"tags": ["a"]}}]]
    for i in range(n):
        if i % 50 == 0:
            records.append([Rec.CONFIG, {f"k{i}": i}])
        records.append([Rec.LOG, i, True, 1_700_000_000.0 + i, i * 0.01, {"loss": 1 / (i + 1)}])
    records.append([Rec.EXIT, "finished", 0, 12.5])
    return records


# -- round trips -------------------------------------------------------------------


def test_new_journal_has_the_header(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    writer = JournalWriter(path)
    assert writer.size == len(MAGIC)
    writer.close()
    assert path.read_bytes() == MAGIC
    assert read_all(path) == []


def test_many_frames_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records = sample_records(20_000)
    writer, ends = write_records(path, records)
    assert ends == sorted(set(ends))
    assert writer.size == ends[-1]
    writer.close()
    assert path.stat().st_size == ends[-1]  # trimmed to what was written
    got = read_all(path)
    assert [rec for _, rec in got] == records
    assert [offset for offset, _ in got] == ends


def test_frames_read_back_while_the_writer_is_open(tmp_path: Path) -> None:
    """The reserved, still-zero space after the last frame reads as the end."""
    path = tmp_path / "r.journal"
    records = sample_records(500)
    writer, ends = write_records(path, records)
    try:
        assert path.stat().st_size > writer.size  # space reserved ahead
        got = read_all(path)
        assert [rec for _, rec in got] == records
        assert got[-1][0] == writer.size
        # More frames appear to a reader that continues from where it stopped.
        writer.append(pack([Rec.META, {"state": "x"}]))
        with open_fd(path) as fd:
            assert list(read_frames(fd, ends[-1])) == [(writer.size, [Rec.META, {"state": "x"}])]
    finally:
        writer.close()


def test_frame_layout(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    writer = JournalWriter(path)
    payload = pack([Rec.CONFIG, {"lr": 0.1}])
    end = writer.append(payload)
    writer.close()
    data = path.read_bytes()
    assert data[:8] == MAGIC == b"RYJ3\0\0\0\0"
    assert data[8:12] == SYNC == b"\xc1RYF"
    n, crc = struct.unpack_from("<II", data, 12)
    # The length is checksummed with the payload: a flipped length bit is caught too.
    assert (n, crc) == (len(payload), zlib.adler32(payload, len(payload)))
    assert data[20:] == payload
    assert end == len(data) == 20 + len(payload)


def test_the_start_record_is_written_twice(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    writer = JournalWriter(path)
    start = pack([Rec.START, {"ref": ["e", "p", "r"]}])
    end = writer.append_start(start)
    writer.close()
    assert path.read_bytes() == MAGIC + 2 * path.read_bytes()[8 : 8 + 12 + len(start)]
    assert end == 8 + 2 * (12 + len(start))


def test_frames_crossing_the_mmap_window(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records = [[Rec.LOG, i, True, 0.0, 0.0, {"blob": os.urandom(100_003 + i)}] for i in range(130)]
    writer = JournalWriter(path)
    ends, windows = [], []
    for rec in records:
        ends.append(writer.append(pack(rec)))
        windows.append((writer._win_start, writer._win_end))
    writer.close()
    # Windows start small and double up to 4 MiB: a short run maps and reserves little.
    sizes = [end - start for start, end in dict.fromkeys(windows)]
    assert sizes[0] == 256 << 10 and sizes[1] == 512 << 10 and max(sizes) == WINDOW
    starts = [len(MAGIC), *ends[:-1]]
    # a new window starts at the page holding the frame that did not fit the last one
    crossing = [i for i in range(1, len(records)) if windows[i] != windows[i - 1]]
    assert len(crossing) >= 6 and all(starts[i] < windows[i][0] + 4096 for i in crossing)
    got = read_all(path)
    assert [rec for _, rec in got] == records
    assert [offset for offset, _ in got] == ends


def test_a_frame_bigger_than_the_window_it_starts_in(tmp_path: Path) -> None:
    """Under 2 MiB a frame goes through a window, which is made big enough for it."""
    path = tmp_path / "r.journal"
    records: list[Any] = [[Rec.LOG, 0, True, 0.0, 0.0, {"x": 0}]]
    records += [[Rec.LOG, i, True, 0.0, 0.0, {"blob": os.urandom(1_900_000)}] for i in (1, 2)]
    records.append([Rec.LOG, 3, True, 0.0, 0.0, {"x": 3}])
    writer, ends = write_records(path, records)
    writer.close()
    assert [rec for _, rec in read_all(path)] == records
    assert os.path.getsize(path) == ends[-1]


@pytest.mark.parametrize("big", [(2 << 20) + 1, 3 << 20, 5 << 20, 9 << 20])
def test_frames_bigger_than_2_mib(tmp_path: Path, big: int) -> None:
    """Big frames bypass the window; one bigger than a read call's budget is read alone."""
    path = tmp_path / "r.journal"
    records: list[Any] = [[Rec.LOG, i, True, 0.0, 0.0, {"x": i}] for i in range(10)]
    records.insert(3, [Rec.LOG, 3, True, 0.0, 0.0, {"big": os.urandom(big)}])
    records.insert(7, [Rec.SUMMARY_SET, ["big2"], os.urandom(big // 2 + 3)])
    writer, ends = write_records(path, records)
    writer.close()
    got = read_all(path)
    assert [rec for _, rec in got] == records
    assert [offset for offset, _ in got] == ends


def test_big_frame_as_the_first_frame_of_an_open_journal(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    writer = JournalWriter(path)
    try:
        big = [Rec.START, {"blob": os.urandom(6 << 20)}]
        small = [Rec.LOG, 0, True, 0.0, 0.0, {"a": 1}]
        writer.append(pack(big))
        writer.append(pack(small))
        assert [rec for _, rec in read_all(path)] == [big, small]
    finally:
        writer.close()


def test_read_frames_respects_stop(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records = sample_records(100)
    writer, ends = write_records(path, records)
    writer.close()
    with open_fd(path) as fd:
        got = list(read_frames(fd, len(MAGIC), ends[9]))
        assert [offset for offset, _ in got] == ends[:10]
        # A stop inside a frame yields only the whole frames before it.
        assert [o for o, _ in read_frames(fd, len(MAGIC), ends[9] + 3)] == ends[:10]
        assert list(read_frames(fd, ends[9], ends[9])) == []


def test_read_frames_reads_in_bounded_calls(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records = sample_records(2000)
    writer, _ = write_records(path, records)
    writer.close()
    with open_fd(path) as fd:
        first_call = list(read_frames(fd, len(MAGIC), max_bytes=4096))
    assert 0 < len(first_call) < len(records)
    assert first_call[-1][0] - len(MAGIC) <= 4096
    assert [rec for _, rec in read_all(path, max_bytes=4096)] == records


def test_mapping_keys_that_are_not_strings_survive(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    rec = [Rec.LOG, 0, True, 0.0, 0.0, {"hist": {1: 2, 3.5: [None, True]}}]
    writer, _ = write_records(path, [rec])
    writer.close()
    assert [r for _, r in read_all(path)] == [rec]


# -- torn and corrupt tails -----------------------------------------------------------


@pytest.mark.parametrize("cut", ["header", "mid-header", "mid-payload", "last-byte"])
def test_truncated_tail_stops_at_the_last_good_frame(tmp_path: Path, cut: str) -> None:
    path = tmp_path / "r.journal"
    records = sample_records(300)
    writer, ends = write_records(path, records)
    writer.close()
    last_start, last_end = ends[-2], ends[-1]
    at = {
        "header": last_start,
        "mid-header": last_start + 5,
        "mid-payload": (last_start + 8 + last_end) // 2,
        "last-byte": last_end - 1,
    }[cut]
    os.truncate(path, at)
    got = read_all(path)
    assert [rec for _, rec in got] == records[:-1]
    assert got[-1][0] == last_start


@pytest.mark.parametrize("where", ["payload", "crc", "length-short", "sync"])
def test_corrupt_frame_stops_reading_before_it(tmp_path: Path, where: str) -> None:
    path = tmp_path / "r.journal"
    records = sample_records(300)
    writer, ends = write_records(path, records)
    writer.close()
    k = 150
    start = ends[k - 1]
    data = bytearray(path.read_bytes())
    if where == "payload":
        data[start + 12 + 2] ^= 0xFF
    elif where == "crc":
        data[start + 8] ^= 0x01
    elif where == "sync":
        data[start + 1] ^= 0x10
    else:  # a length that ends mid-way through the next frame
        (n,) = struct.unpack_from("<I", data, start + 4)
        struct.pack_into("<I", data, start + 4, n + 3)
    path.write_bytes(bytes(data))
    got = read_all(path)
    assert [rec for _, rec in got] == records[:k]
    assert got[-1][0] == start


def test_zero_filled_tail_reads_as_the_end(tmp_path: Path) -> None:
    """What a killed writer leaves: reserved space never written (zeros)."""
    path = tmp_path / "r.journal"
    records = sample_records(50)
    writer, ends = write_records(path, records)
    writer.close()
    with path.open("ab") as f:
        f.write(bytes(1 << 20))
    got = read_all(path)
    assert [rec for _, rec in got] == records
    assert got[-1][0] == ends[-1]


def test_garbage_length_field_stops_without_a_huge_read(tmp_path: Path) -> None:
    """A corrupt length of ~4 GiB must not make the reader allocate ~4 GiB.

    Recovery calls `read_frames` again from the last good offset; the corrupt frame
    is then the first of the call, the path that reads one oversized frame alone.
    Run in a child with a 1 GiB address-space limit so a huge read fails loudly.
    """
    path = tmp_path / "r.journal"
    records = sample_records(20)
    writer, ends = write_records(path, records)
    writer.close()
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, ends[4] + 4, 0xFFFF_FFF0)
    path.write_bytes(bytes(data))
    child = textwrap.dedent(
        f"""
        import os, resource, sys
        from runyard.journal.frames import read_frames
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        fd = os.open({str(path)!r}, os.O_RDONLY)
        assert [o for o, _ in read_frames(fd, 8)] == {ends[:5]!r}
        assert list(read_frames(fd, {ends[4]})) == []
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"


def test_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "other.journal"
    path.write_bytes(b"hello world, not a journal")
    with open_fd(path) as fd:
        assert not read_header(fd)


# -- ownership and durability -----------------------------------------------------


def test_writer_holds_an_exclusive_lock_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    writer = JournalWriter(path)
    writer.append(pack([Rec.START, {}]))
    with open_fd(path) as fd:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        writer.close()
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free now
        fcntl.flock(fd, fcntl.LOCK_UN)


def test_journals_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """A journal's START record holds its id, which is what names it to a store: other
    users of the machine must not read it (issue 12, point 4)."""
    path = tmp_path / "r.journal"
    old = os.umask(0)  # the mode alone decides, whatever the caller's umask
    try:
        writer = JournalWriter(path)
    finally:
        os.umask(old)
    writer.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_second_writer_cannot_take_an_existing_journal(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    writer = JournalWriter(path)
    try:
        with pytest.raises(FileExistsError):
            JournalWriter(path)
    finally:
        writer.close()
    with pytest.raises(FileExistsError):
        JournalWriter(path)  # never reopened for writing: replay owns old journals
    assert path.read_bytes() == MAGIC


def test_frames_survive_the_writer_being_killed(tmp_path: Path) -> None:
    """Bytes copied into the window are in the page cache: SIGKILL loses nothing."""
    path = tmp_path / "r.journal"
    child = textwrap.dedent(
        f"""
        import os, signal, msgpack
        from runyard.journal.frames import JournalWriter
        w = JournalWriter({str(path)!r})
        for i in range(5000):
            w.append(msgpack.packb([1, i, True, 0.0, 0.0, {{"loss": i * 0.5, "pad": "x" * 900}}]))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, timeout=120, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    got = read_all(path)
    assert len(got) == 5000
    assert got[-1][1] == [1, 4999, True, 0.0, 0.0, {"loss": 4999 * 0.5, "pad": "x" * 900}]
    # The lock died with the process.
    with open_fd(path) as fd:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


# -- journals left behind: damage is skipped, reported, and costs only what it hit --------


def write_run(path: Path, n: int, pad: int = 0) -> tuple[list[Any], list[int]]:
    """START (twice), ``n`` LOG records, EXIT: the records and each frame's start."""
    writer = JournalWriter(path)
    start = [Rec.START, {"ref": ["e", "p", "r"], "journal_id": "j"}]
    starts = [len(MAGIC), len(MAGIC) + 12 + len(pack(start))]
    writer.append_start(pack(start))
    records: list[Any] = [start, start]
    for i in range(n):
        rec = [Rec.LOG, i, True, 0.0, 0.0, {"loss": float(i), "pad": "x" * pad}]
        starts.append(writer.size)
        writer.append(pack(rec))
        records.append(rec)
    starts.append(writer.size)
    writer.append(pack([Rec.EXIT, "finished", 0, 1.0]))
    records.append([Rec.EXIT, "finished", 0, 1.0])
    writer.close()
    return records, starts


def scan(path: Path) -> tuple[list[Any], list[tuple[int, int]], int]:
    """(records read, damaged spans, journal version)."""
    with open_fd(path) as fd:
        reader = JournalReader(fd)
        got = [rec for _, rec in reader.records()]
        return got, [(d.start, d.end) for d in reader.damage], reader.version


def flip(path: Path, offset: int, bit: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def test_an_undamaged_journal_reads_whole(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records, _ = write_run(path, 300)
    assert scan(path) == (records, [], 3)


@pytest.mark.parametrize("field", [0, 4, 8, 12, 13, -1])  # sync, length, crc, payload, last byte
@pytest.mark.parametrize("frame", [0, 1, 2, 150, -1])  # START, its copy, first LOG, mid, EXIT
def test_one_flipped_bit_loses_one_record(tmp_path: Path, frame: int, field: int) -> None:
    path = tmp_path / "r.journal"
    records, starts = write_run(path, 300)
    index = frame % len(records)
    frame_end = starts[index + 1] if index + 1 < len(starts) else path.stat().st_size
    offset = (frame_end - 1) if field == -1 else starts[index] + field
    for bit in (0, 7):
        path.unlink()
        write_run(path, 300)
        flip(path, offset, bit)
        got, damage, version = scan(path)
        assert version == 3
        assert got == records[:index] + records[index + 1 :]
        assert damage == [(starts[index], frame_end)]


def test_a_damaged_header_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records, _ = write_run(path, 20)
    flip(path, 2)
    assert scan(path) == (records, [(0, 8)], 3)


def test_damage_across_many_frames_and_read_blocks(tmp_path: Path) -> None:
    """A run of garbage (a bad disk block) spanning frames and the reader's 8 MiB
    read-ahead: reading resumes at the first good frame after it."""
    path = tmp_path / "r.journal"
    records, starts = write_run(path, 9_000, pad=1000)  # ~9 MB
    first = next(i for i, s in enumerate(starts) if s > (8 << 20) - 5000)
    last = first + 7
    data = bytearray(path.read_bytes())
    data[starts[first] + 3 : starts[last] + 5] = os.urandom(starts[last] + 2 - starts[first])
    path.write_bytes(bytes(data))
    got, damage, _ = scan(path)
    assert got == records[:first] + records[last + 1 :]
    assert damage == [(starts[first], starts[last + 1])]


def test_the_end_of_what_was_written_is_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records, starts = write_run(path, 50)
    with path.open("ab") as f:
        f.write(bytes(1 << 20))  # reserved space never written (a killed writer)
    assert scan(path) == (records, [], 3)
    # The frame a killed writer was copying: payload written, header (written last) not.
    data = bytearray(path.read_bytes())
    data[starts[-1] : starts[-1] + 12] = bytes(12)
    path.write_bytes(bytes(data))
    assert scan(path) == (records[:-1], [], 3)


def test_a_journal_cut_short_is_reported(tmp_path: Path) -> None:
    """A copy taken while the journal grew: its last record is lost, and that is said."""
    path = tmp_path / "r.journal"
    records, starts = write_run(path, 50)
    os.truncate(path, starts[-1] + 7)
    assert scan(path) == (records[:-1], [(starts[-1], starts[-1] + 7)], 3)


def test_a_damaged_last_frame_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "r.journal"
    records, starts = write_run(path, 50)
    size = path.stat().st_size
    flip(path, size - 2)
    assert scan(path) == (records[:-1], [(starts[-1], size)], 3)


def test_journals_of_the_second_format_still_read(tmp_path: Path) -> None:
    """``RYJ2``: frames as now, checked by ``zlib.crc32(payload, length)``; damage is
    skipped there too, and a damaged header is recognised by its frames."""
    records = sample_records(100)
    frames = [pack(rec) for rec in records]
    header = struct.Struct("<III")
    body = b"".join(header.pack(_sync(), len(f), zlib.crc32(f, len(f))) + f for f in frames)
    path = tmp_path / "v2.journal"
    path.write_bytes(b"RYJ2\0\0\0\0" + body)
    assert scan(path) == (records, [], 2)
    with open_fd(path) as fd:
        assert read_header(fd)
    at = 8 + sum(12 + len(f) for f in frames[:40])
    flip(path, at + 14)
    got, damage, version = scan(path)
    assert (got, version) == (records[:40] + records[41:], 2)
    assert damage == [(at, at + 12 + len(frames[40]))]
    flip(path, 1)
    got, damage, version = scan(path)
    assert (got, version) == (records[:40] + records[41:], 2)
    assert damage[0] == (0, 8)


def _sync() -> int:
    return int(struct.unpack("<I", SYNC)[0])


def test_journals_of_the_first_format_still_read(tmp_path: Path) -> None:
    """``RYJ1``: ``[u32 length][u32 crc32(payload)][payload]``, no sync marker; damage
    cannot be skipped there, but it is reported instead of read as the end."""
    records = sample_records(100)
    frames = [pack(rec) for rec in records]
    body = b"".join(struct.pack("<II", len(f), zlib.crc32(f)) + f for f in frames)
    path = tmp_path / "old.journal"
    path.write_bytes(b"RYJ1\0\0\0\0" + body)
    assert scan(path) == (records, [], 1)
    with open_fd(path) as fd:
        assert read_header(fd)
    at = 8 + sum(8 + len(f) for f in frames[:40])
    flip(path, at + 10)
    got, damage, version = scan(path)
    assert (got, version) == (records[:40], 1)
    assert damage == [(at, path.stat().st_size)]


@pytest.mark.parametrize(
    "content", [b"", b"RYJ3\0\0\0\0", b"RYJ2\0\0\0\0", b"hello, not a journal at all"]
)
def test_files_that_hold_no_record(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.journal"
    path.write_bytes(content)
    with open_fd(path) as fd:
        reader = JournalReader(fd)
        assert list(reader.records()) == []
        assert reader.empty == (len(content) <= 8)
        assert reader.version == {b"RYJ3": 3, b"RYJ2": 2}.get(content[:4], 0)


# -- a full disk (issue 12, point 6) ------------------------------------------------------


def test_a_full_disk_fails_the_journal_once_and_keeps_room_for_the_exit_record(
    tmp_path: Path,
) -> None:
    """In a child whose files may not grow past 5 MiB (RLIMIT_FSIZE: the second 4 MiB
    window cannot be reserved): the append that needs it raises OSError, every later
    append raises at once without a system call, and the exit record still fits."""
    path = tmp_path / "r.journal"
    child = textwrap.dedent(
        f"""
        import os, resource, msgpack
        resource.setrlimit(resource.RLIMIT_FSIZE, (5 << 20, 5 << 20))
        calls = {{"fallocate": 0, "pwrite": 0}}
        real_fallocate, real_pwrite = os.posix_fallocate, os.pwrite
        def fallocate(*args):
            calls["fallocate"] += 1
            return real_fallocate(*args)
        def pwrite(*args):
            calls["pwrite"] += 1
            return real_pwrite(*args)
        os.posix_fallocate, os.pwrite = fallocate, pwrite
        from runyard.journal.frames import JournalWriter
        w = JournalWriter({str(path)!r})
        w.append_start(msgpack.packb([0, {{"ref": ["e", "p", "r"]}}]))
        failed_at = None
        for i in range(200_000):
            try:
                w.append(msgpack.packb([1, i, True, 0.0, 0.0, {{"loss": float(i)}}]))
            except OSError as exc:
                failed_at = i
                print("error", exc.errno)
                break
        assert failed_at is not None and w.failed is not None
        before = dict(calls)
        for i in range(1000):
            try:
                w.append(msgpack.packb([1, i, True, 0.0, 0.0, {{"loss": 0.0}}]))
            except OSError:
                pass
            else:
                raise AssertionError("a failed journal took a record")
        assert calls == before, (calls, before)  # no system call once failed
        w.append_last(msgpack.packb([7, "finished", 0, 1.0]))
        w.close()
        print("failed_at", failed_at)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = dict(line.split() for line in proc.stdout.splitlines())
    failed_at = int(lines["failed_at"])
    assert int(lines["error"]) == errno.EFBIG
    got = read_all(path)
    assert [rec[0] for _, rec in got[:2]] == [Rec.START, Rec.START]
    assert [rec[1] for _, rec in got[2:-1]] == list(range(failed_at))
    assert got[-1][1] == [Rec.EXIT, "finished", 0, 1.0]
