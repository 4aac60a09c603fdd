"""Runs of alike LOG frames decoded as columns (`read_records`, `LogBlock`): exactly what
msgpack decodes, frame by frame, whatever the frames around them."""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import pytest

from runyard.journal.frames import MAGIC, JournalWriter, read_frames, read_records
from runyard.journal.log_block import LogBlock, LogTemplate
from runyard.journal.records import Rec

PACK = msgpack.Packer(autoreset=True).pack  # as Run.log packs


@contextmanager
def open_fd(path: Path) -> Iterator[int]:
    fd = os.open(path, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


def write(path: Path, records: list[Any]) -> list[int]:
    writer = JournalWriter(path)
    ends = [writer.append(PACK(rec)) for rec in records]
    writer.close()
    return ends


def flat(items: list[tuple[int, Any]]) -> list[Any]:
    """Records of read_records' items, blocks unrolled."""
    out: list[Any] = []
    for _end, item in items:
        out.extend(item.records() if isinstance(item, LogBlock) else [item])
    return out


def read_all(fn: Any, path: Path, max_bytes: int = 8 << 20, **kw: Any) -> list[tuple[int, Any]]:
    out: list[tuple[int, Any]] = []
    with open_fd(path) as fd:
        pos = len(MAGIC)
        while True:
            got = fn(fd, pos, max_bytes=max_bytes, **kw)
            if not got:
                return out
            out.extend(got)
            pos = got[-1][0]


def same(a: list[Any], b: list[Any]) -> None:
    """Equal records, with equal types (an int stays an int) and NaN equal to NaN."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert type(x) is type(y), (x, y)
        if isinstance(x, list | tuple):
            same(list(x), list(y))
        elif isinstance(x, dict):
            assert list(x) == list(y)
            same(list(x.values()), list(y.values()))
        elif isinstance(x, float) and math.isnan(x):
            assert math.isnan(y)
        else:
            assert x == y


def row(step: int, data: dict[str, Any], commit: bool = True) -> list[Any]:
    return [Rec.LOG, step, commit, 1.7e9 + step * 0.001, step * 0.001, data]


def test_blocks_decode_exactly_what_msgpack_decodes(tmp_path: Path) -> None:
    """Steps across every int width msgpack uses (fixint, uint8/16/32), floats of every
    kind (NaN, inf, -0.0, subnormal), small ints, and rows that no template describes
    in between: block by block the records equal msgpack's, in journal order."""
    odd = [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e308]
    records: list[Any] = [[Rec.START, {"ref": ["e", "p", "r"]}]]
    steps = [*range(0, 300), *range(65_530, 65_545), 2**32 - 2]
    for i, step in enumerate(steps):
        records.append(row(step, {"loss": odd[i % len(odd)] if i % 7 == 0 else i / 3, "acc": i}))
        if i == 150:
            records.append([Rec.CONFIG, {"lr": 0.1}])
            records.append(row(step, {"loss": "text"}))  # a string: msgpack's
            records.append(row(step, {"loss": -1}))  # a negative int: msgpack's
            records.append(row(step, {"loss": True}))  # a bool
            records.append(row(step, {"n": {"x": 1.0}}))  # nested
            records.append(row(step, {"loss": 1.0}, commit=False))  # kept open
            records.append(row(step, {"loss": 2**40}))  # uint64
    path = tmp_path / "run.journal"
    ends = write(path, records)
    items = read_all(read_records, path, verify=False)
    assert any(isinstance(item, LogBlock) for _, item in items)
    same(flat(items), records)
    # Every item ends where its last frame does.
    assert {end for end, _ in items} <= set(ends) and items[-1][0] == ends[-1]
    # In small reads too (blocks end where a read does).
    same(flat(read_all(read_records, path, max_bytes=1000)), records)


def test_block_columns_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    write(path, [row(i, {"a": i * 0.5, "b": i * 1000}) for i in range(200, 210)])
    [(_, block)] = read_all(read_records, path)
    assert isinstance(block, LogBlock) and len(block) == 10
    assert block.keys == ("a", "b")
    assert block.steps.dtype == np.int64 and block.steps.tolist() == list(range(200, 210))
    assert block.values[0].dtype == np.float64 and block.values[1].dtype == np.int64
    assert block.values[1].tolist() == [i * 1000 for i in range(200, 210)]
    assert block.runtimes.tolist() == [i * 0.001 for i in range(200, 210)]


def test_keys_that_change_every_row_are_read_one_by_one(tmp_path: Path) -> None:
    """No block smaller than a few rows (a template a row would cost more than msgpack)."""
    path = tmp_path / "run.journal"
    records = [row(i, {f"k{i % 2}": 1.0}) for i in range(100)]
    write(path, records)
    items = read_all(read_records, path)
    assert not any(isinstance(item, LogBlock) for _, item in items)
    same(flat(items), records)


def test_many_and_long_keys(tmp_path: Path) -> None:
    """Maps of 16+ keys (map16) and keys of 32+ bytes (str8) are templates too."""
    data = {f"metric/{'x' * 40}/{j}": j * 1.5 for j in range(20)}
    records = [row(i, data) for i in range(50)]
    path = tmp_path / "run.journal"
    write(path, records)
    items = read_all(read_records, path)
    assert len(items) == 1 and isinstance(items[0][1], LogBlock)
    same(flat(items), records)


def test_a_block_stops_at_a_damaged_frame_when_verified(tmp_path: Path) -> None:
    """verify=True: the checksums of a block's frames are checked; reading stops at the
    first bad one, as read_frames does."""
    path = tmp_path / "run.journal"
    ends = write(path, [row(i, {"a": float(i)}) for i in range(40)])
    with open(path, "r+b") as f:
        f.seek(ends[19] - 3)  # a value byte of the 20th frame
        byte = f.read(1)
        f.seek(ends[19] - 3)
        f.write(bytes([byte[0] ^ 0xFF]))
    got = read_all(read_records, path)
    assert flat(got) == [rec for _, rec in read_all(read_frames, path)]
    assert len(flat(got)) == 19
    # Unverified (the live writer's own frames), the block goes on.
    assert len(flat(read_all(read_records, path, verify=False))) == 40


def test_reading_stops_at_a_zeroed_header(tmp_path: Path) -> None:
    """Space reserved but not written: the block ends before it."""
    path = tmp_path / "run.journal"
    writer = JournalWriter(path)
    for i in range(30):
        writer.append(PACK(row(i, {"a": 1.0})))
    with open_fd(path) as fd:
        got = read_records(fd, len(MAGIC))  # the window's zeroed rest follows the frames
    writer.close()
    assert len(flat(got)) == 30 and got[-1][0] == writer.size


def test_template_rejects_what_it_cannot_describe() -> None:
    sync = b"\xc1RYF"
    assert LogTemplate.parse(PACK(row(1, {"a": 1.0})), sync) is not None
    for rec in (
        row(1, {"a": 1.0}, commit=False),
        row(1, {"a": "s"}),
        row(1, {"a": -2}),
        row(1, {"a": None}),
        row(1, {"a": [1.0]}),
        [Rec.CONFIG, {"a": 1}],
        [Rec.LOG, -1, True, 1.0, 1.0, {}],
    ):
        assert LogTemplate.parse(PACK(rec), sync) is None, rec
    assert LogTemplate.parse(b"", sync) is None
    assert LogTemplate.parse(PACK(row(1, {"a": 1.0}))[:-3], sync) is None  # cut short
    assert struct.calcsize("<III") == 12


def test_random_journals_read_alike_both_ways(tmp_path: Path) -> None:
    """Runs of rows of a few shapes, numbers of every msgpack width and sign, in reads
    of several sizes: read_records gives what read_frames gives, record for record."""
    import random

    rng = random.Random(20)
    shapes = [("a",), ("a", "b"), ("b", "a"), tuple(f"k{j}" for j in range(17))]
    values = [
        lambda: rng.random(),
        lambda: rng.randrange(128),
        lambda: rng.randrange(2**8),
        lambda: rng.randrange(2**16),
        lambda: rng.randrange(2**32),
        lambda: rng.randrange(2**63),
        lambda: -rng.randrange(2**31),
        lambda: rng.choice([math.nan, math.inf, None, True, "x"]),
    ]
    records: list[Any] = []
    step = 0
    while len(records) < 3000:
        keys = rng.choice(shapes)
        kinds = [rng.choice(values[:5]) if rng.random() < 0.9 else rng.choice(values) for _ in keys]
        for _ in range(rng.choice([1, 2, 5, 40, 300])):
            step += rng.choice([1, 1, 1, 7, 200])
            records.append(row(step, {k: make() for k, make in zip(keys, kinds, strict=True)}))
    path = tmp_path / "run.journal"
    write(path, records)
    want = [rec for _, rec in read_all(read_frames, path)]
    assert len(want) == len(records)
    for max_bytes in (512, 5000, 1 << 20):
        got = read_all(read_records, path, max_bytes=max_bytes)
        assert any(isinstance(item, LogBlock) for _, item in got)
        same(flat(got), want)


def test_a_template_is_kept_from_read_to_read_and_checked_on_another_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads of a few rows each (wide rows) parse the rows' template once, not once a
    read; a template kept from another journal whose frames have the same length (other
    keys, same size) is a miss there, never a wrong decode."""
    parsed: list[int] = []
    parse = LogTemplate.parse

    def counting(payload: Any, sync: bytes) -> LogTemplate | None:
        parsed.append(len(payload))
        return parse(payload, sync)

    monkeypatch.setattr(LogTemplate, "parse", staticmethod(counting))
    first, second = tmp_path / "a.journal", tmp_path / "b.journal"
    records_a = [row(i, {"aa": i * 0.5, "bb": -1.0 * i}) for i in range(300, 500)]
    records_b = [row(i, {"cc": i * 0.25, "dd": 2.0 * i}) for i in range(300, 500)]
    write(first, records_a)
    write(second, records_b)
    frame = len(PACK(records_a[0])) + 12
    items_a = read_all(read_records, first, max_bytes=10 * frame)
    assert len(parsed) == 1  # 20 reads, one template
    assert sum(isinstance(item, LogBlock) for _, item in items_a) == 20
    same(flat(items_a), records_a)
    items_b = read_all(read_records, second, max_bytes=10 * frame)
    assert len(parsed) == 2
    same(flat(items_b), records_b)
