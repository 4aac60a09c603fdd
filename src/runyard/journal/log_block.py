"""Decode runs of alike ``LOG`` frames column-wise, without a Python object a value.

A training loop logs the same keys each step, and `log()` packs each row the same way:
``[LOG, step, True, timestamp, runtime, {key: value, …}]`` with the same keys in the
same order and each value a float64 (or a small unsigned int). Such frames differ only
in the bytes of their numbers: once one frame is parsed into a *template* (the bytes
that must be equal, and where each number sits), the frames after it that have the
same length are checked against it with numpy and their numbers cut out of the read
buffer as columns (:class:`LogBlock`), a few microseconds for thousands of rows instead
of a msgpack decode (≈ 3 µs) and a fold step per row.

A frame matches only if its bytes are exactly those of the template outside the
number fields, and each number field holds a number of the template's encoding: it is
then the msgpack encoding of a record the template describes, so the columns hold
exactly what ``msgpack.unpackb`` would have returned. Anything else (a new key, a
string, a nested dict, a negative int, a row kept open with ``commit=False``) is left
to ``msgpack``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from runyard.journal.records import Rec

__all__ = ["LogBlock", "LogTemplate"]

#: msgpack type bytes the template knows.
_FLOAT64 = 0xCB
_UINT8, _UINT16, _UINT32 = 0xCC, 0xCD, 0xCE
_TRUE = 0xC3
_FIXARRAY6 = 0x96
_MAP16 = 0xDE
_STR8, _STR16 = 0xD9, 0xDA
_UINT_WIDTH = {_UINT8: 1, _UINT16: 2, _UINT32: 4}
_UINT_DTYPE = {1: ">u1", 2: ">u2", 4: ">u4"}
#: Frame header bytes: sync marker and length are compared, the check is not.
_HEADER = 12
#: Rows checked before the rest of a buffer is: a template that matches only a few
#: frames (keys that change every step) costs little.
_PROBE = 16


@dataclass
class LogBlock:
    """Consecutive committed ``LOG`` records with the same keys, as columns.

    ``values[i]`` is the column of ``keys[i]``: float64, or int64 for a key whose
    values were packed as unsigned ints in every row of the block.
    """

    steps: np.ndarray  # int64
    timestamps: np.ndarray  # float64
    runtimes: np.ndarray  # float64
    keys: tuple[str, ...]
    values: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.steps)

    def records(self) -> list[list[Any]]:
        """The block as the records ``msgpack`` would have decoded (for the fold's
        uncommon paths)."""
        columns = [c.tolist() for c in self.values]
        keys = self.keys
        return [
            [Rec.LOG, step, True, ts, rt, dict(zip(keys, row, strict=True))]
            for step, ts, rt, row in zip(
                self.steps.tolist(),
                self.timestamps.tolist(),
                self.runtimes.tolist(),
                zip(*columns, strict=True) if columns else ([()] * len(self.steps)),
                strict=True,
            )
        ]


class _Field:
    """A number in the payload: ``offset`` of its bytes, how many, and how to read them
    (``fixint``: one byte below 0x80, which is its own value)."""

    __slots__ = ("dtype", "fixint", "offset")

    def __init__(self, offset: int, dtype: str, fixint: bool = False) -> None:
        self.offset = offset
        self.dtype = dtype
        self.fixint = fixint


class LogTemplate:
    """The shape of one committed ``LOG`` frame (see the module doc)."""

    __slots__ = ("_fields", "_fixed_at", "_fixed_bytes", "_fixints", "frame", "keys", "length")

    def __init__(
        self,
        length: int,
        keys: tuple[str, ...],
        fields: list[_Field],
        fixed: list[tuple[int, int]],
    ) -> None:
        # fixed: (offset in the frame, byte) pairs that every matching frame has.
        #: Payload length, and frame length (header included).
        self.length = length
        self.frame = _HEADER + length
        self.keys = keys
        #: step, timestamp, runtime, then one per key.
        self._fields = fields
        self._fixed_at = np.array([o for o, _ in fixed], dtype=np.intp)
        self._fixed_bytes = np.array([b for _, b in fixed], dtype=np.uint8)
        self._fixints = np.array([_HEADER + f.offset for f in fields if f.fixint], dtype=np.intp)

    @classmethod
    def parse(cls, payload: bytes | memoryview, sync: bytes) -> LogTemplate | None:
        """The template of a committed ``LOG`` payload (of frames starting with the
        marker ``sync``), or None when its shape is not one a template describes (the
        caller decodes it with ``msgpack``)."""
        p = bytes(payload)
        n = len(p)
        if n < 3 or p[0] != _FIXARRAY6 or p[1] != Rec.LOG:
            return None
        fixed: list[int] = [0, 1]  # offsets whose byte is part of the shape
        fields: list[_Field] = []
        pos = 2

        def number(kind_floats: bool) -> bool:
            nonlocal pos
            if pos >= n:
                return False
            b = p[pos]
            if b == _FLOAT64 and kind_floats:
                fixed.append(pos)
                fields.append(_Field(pos + 1, ">f8"))
                pos += 9
            elif b < 0x80:
                fields.append(_Field(pos, ">u1", fixint=True))
                pos += 1
            elif b in _UINT_WIDTH:
                width = _UINT_WIDTH[b]
                fixed.append(pos)
                fields.append(_Field(pos + 1, _UINT_DTYPE[width]))
                pos += 1 + width
            else:
                return False
            return pos <= n

        if not number(False):  # the step: an int >= 0
            return None
        if pos >= n or p[pos] != _TRUE:  # committed rows only
            return None
        fixed.append(pos)
        pos += 1
        for _ in range(2):  # timestamp, runtime
            if pos >= n or p[pos] != _FLOAT64:
                return None
            if not number(True):
                return None
        if pos >= n:
            return None
        b = p[pos]
        if 0x80 <= b <= 0x8F:
            count = b & 0x0F
            fixed.append(pos)
            pos += 1
        elif b == _MAP16 and pos + 3 <= n:
            count = int.from_bytes(p[pos + 1 : pos + 3], "big")
            fixed.extend(range(pos, pos + 3))
            pos += 3
        else:
            return None
        keys: list[str] = []
        for _ in range(count):
            if pos >= n:
                return None
            b = p[pos]
            if 0xA0 <= b <= 0xBF:
                size, head = b & 0x1F, 1
            elif b == _STR8 and pos + 2 <= n:
                size, head = p[pos + 1], 2
            elif b == _STR16 and pos + 3 <= n:
                size, head = int.from_bytes(p[pos + 1 : pos + 3], "big"), 3
            else:
                return None
            end = pos + head + size
            if end > n:
                return None
            try:
                keys.append(p[pos + head : end].decode("utf-8"))
            except UnicodeDecodeError:
                return None
            fixed.extend(range(pos, end))
            pos = end
            if not number(True):
                return None
        if pos != n or len(set(keys)) != len(keys):
            return None
        # Frame offsets and bytes that must be equal: the sync marker, the length, the
        # payload's fixed bytes (the check, at 8..11, differs from frame to frame).
        header = sync + n.to_bytes(4, "little")
        shape = list(enumerate(header)) + [(_HEADER + o, p[o]) for o in fixed]
        return cls(n, tuple(keys), fields, shape)

    def count(self, data: bytes, pos: int, size: int) -> int:
        """How many frames from ``pos`` in ``data[:size]`` have this template's shape
        (frame after frame, each starting where the one before ends)."""
        rows = (size - pos) // self.frame
        if rows <= 0:
            return 0
        matched = self._count(data, pos, min(rows, _PROBE))
        if matched == _PROBE and rows > _PROBE:
            start = pos + _PROBE * self.frame
            matched += self._count(data, start, rows - _PROBE)
        return matched

    def _count(self, data: bytes, pos: int, rows: int) -> int:
        grid = np.frombuffer(data, dtype=np.uint8, count=rows * self.frame, offset=pos)
        grid = grid.reshape(rows, self.frame)
        ok = (grid[:, self._fixed_at] == self._fixed_bytes).all(axis=1)
        if len(self._fixints):
            ok &= (grid[:, self._fixints] < 0x80).all(axis=1)
        if ok.all():
            return rows
        return int(np.argmin(ok))

    def block(self, data: bytes, pos: int, rows: int) -> LogBlock:
        """The columns of ``rows`` frames from ``pos`` (checked with :meth:`count`)."""
        columns: list[np.ndarray] = []
        for field in self._fields:
            raw = np.ndarray(
                shape=(rows,),
                dtype=np.dtype(field.dtype),
                buffer=data,
                offset=pos + _HEADER + field.offset,
                strides=(self.frame,),
            )
            kind = np.float64 if field.dtype == ">f8" else np.int64
            columns.append(raw.astype(kind))
        return LogBlock(columns[0], columns[1], columns[2], self.keys, columns[3:])
