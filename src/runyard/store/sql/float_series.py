"""Whole series of many runs as float64, decoded with few copies: for reads that take
every raw point of every run into an aggregate (grouped lines, ``/groups``).

:meth:`SqlStore.read_series_many` keeps each key's dtype (int64 or float64) and decodes
each chunk into arrays of its own, then joins them. Here a series' values are decoded
straight into one float64 array (the dtype every aggregate takes them in): each chunk is
inflated into a buffer of the exact size (with ISA-L's inflate where the ``isal``
package is installed, the ``server`` extra: the same zlib streams in ~0.6x the time of
zlib's, which is most of such a read's CPU), and its byte planes are put back in place
in that array. Runs logged at the same steps (a sweep) share one read-only steps array, decoded
once, so a caller can tell equal x-axes apart by identity instead of comparing them.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from runyard.store.base import Series
from runyard.store.sql.chunks import _BITDIFF, _KINDS, _MICROS, _PLAIN, _RAW, decode_steps
from runyard.store.sql.store import SqlStore

__all__ = [
    "SeriesChunks",
    "SharedSteps",
    "decode",
    "decode_series_into",
    "decode_values_into",
    "plan_float_series_many",
    "read_float_series_many",
    "series_chunks_many",
]

_inflate: Callable[..., bytes]
try:
    from isal import isal_zlib

    _inflate = isal_zlib.decompress
except ImportError:  # zlib's own: the same output
    _inflate = zlib.decompress

_HEADER = struct.Struct("<cBq")
#: Shared steps arrays by their chunks' step blobs (a sweep's runs have the same ones),
#: kept across reads up to this many steps in all (8 MB), the oldest dropped first.
_STEPS_CACHE_POINTS = 1_000_000
_steps_cache: dict[tuple[bytes, ...], np.ndarray] = {}
_steps_lock = threading.Lock()


def value_count(data: bytes | memoryview) -> int:
    """The number of values in an encoded values blob (from its header)."""
    return int(_HEADER.unpack_from(data)[2])


def _unshuffle_into(raw: bytes, out: np.ndarray) -> None:
    """The byte planes of ``raw`` (8 of ``len(out)`` bytes) put back into the 8-byte
    words of ``out`` (one plane at a time: faster than a transposed copy)."""
    n = len(out)
    planes = np.frombuffer(raw, np.uint8, 8 * n).reshape(8, n)
    words = out.view(np.uint8).reshape(n, 8)
    for i in range(8):
        words[:, i] = planes[i]


def decode_values_into(data: bytes | memoryview, out: np.ndarray) -> None:
    """Decode a values blob (see :func:`runyard.store.sql.chunks.encode_values`) into the
    float64 array ``out`` of its length: float values bit for bit, integers as
    ``astype(float64)`` converts them."""
    kind_b, codec, n = _HEADER.unpack_from(data)
    if len(out) != n or out.dtype != np.float64:
        raise ValueError(f"out must be float64 of {n} values, not {out.dtype} of {len(out)}")
    kind = kind_b.decode()
    dtype = _KINDS[kind]
    if codec == _PLAIN:
        out[:] = np.frombuffer(data, dtype, n, _HEADER.size)
        return
    raw = _inflate(memoryview(data)[_HEADER.size :], bufsize=max(8 * n, 1))
    if codec == _RAW and kind == "f":
        _unshuffle_into(raw, out)
        return
    bits = np.empty(n, np.uint64)
    _unshuffle_into(raw, bits)
    if codec == _MICROS:
        out[:] = np.cumsum(bits.view("<i8"), dtype=np.int64) / 1e6
    elif codec == _BITDIFF:
        out[:] = np.cumsum(bits, dtype=np.uint64).view(dtype)
    else:
        out[:] = bits.view(dtype)


def _steps_of(blobs: Sequence[bytes], shared: dict[tuple[bytes, ...], np.ndarray]) -> np.ndarray:
    """The steps of a series' chunks, shared (read-only) between series of equal ones:
    within one read (``shared``) and, for compact (range-coded) steps, across reads."""
    key = tuple(bytes(b) for b in blobs)
    found = shared.get(key)
    if found is None:
        with _steps_lock:
            found = _steps_cache.get(key)
    if found is not None:
        shared[key] = found
        return found
    parts = [decode_steps(bytes(b)) for b in blobs]
    steps = np.concatenate(parts) if len(parts) > 1 else parts[0]
    steps.flags.writeable = False
    shared[key] = steps
    compact = sum(len(k) for k in key) <= 64 * len(key)
    if compact and len(steps) <= _STEPS_CACHE_POINTS:
        with _steps_lock:
            _steps_cache[key] = steps
            held = sum(len(a) for a in _steps_cache.values())
            while held > _STEPS_CACHE_POINTS:
                held -= len(_steps_cache.pop(next(iter(_steps_cache))))
    return steps


class SharedSteps:
    """The steps arrays of one read's series, shared between series of equal step blobs
    (see :func:`_steps_of`); the parts of a read made on several threads share one."""

    def __init__(self) -> None:
        self._found: dict[tuple[bytes, ...], np.ndarray] = {}
        self._lock = threading.Lock()

    def of(self, blobs: Sequence[bytes]) -> np.ndarray:
        with self._lock:
            return _steps_of(blobs, self._found)


#: Where a series' values may be decoded: ``into(run_id, key, count)`` gives a float64
#: array of ``count`` values to fill (a row of a caller's matrix, say), or None.
Into = Callable[[str, str, int], np.ndarray | None]


#: A chunk's values blob and the slice of a series' array it decodes into.
Task = tuple[Any, np.ndarray]


class SeriesChunks(NamedTuple):
    """A whole series still to decode: its steps (read-only, shared between series of
    equal step blobs) and its chunks' values blobs, in step order, with their counts."""

    run_id: str
    key: str
    steps: np.ndarray
    blobs: list[Any]
    counts: list[int]

    @property
    def points(self) -> int:
        return len(self.steps)


def series_chunks_many(
    store: SqlStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    keys: Sequence[str],
    pairs: Sequence[tuple[str, str]] | None = None,
    shared: SharedSteps | None = None,
) -> list[SeriesChunks]:
    """The chunks of every ``(run id, key)`` pair (``pairs``, or runs then keys), in one
    store read; a series without chunks has empty arrays of its own. Steps are shared
    within the read, or within ``shared``."""
    found = store._chunks_many(
        "steps_blob, values_blob", entity, project, run_ids, keys, None, None
    )
    shared = shared or SharedSteps()
    out = []
    wanted = pairs if pairs is not None else [(r, k) for r in run_ids for k in keys]
    for run_id, key in wanted:
        chunks = found.get((run_id, key), [])
        if not chunks:
            out.append(SeriesChunks(run_id, key, np.zeros(0, np.int64), [], []))
            continue
        blobs = [c[1] for c in chunks]
        counts = [value_count(b) for b in blobs]
        out.append(SeriesChunks(run_id, key, shared.of([c[0] for c in chunks]), blobs, counts))
    return out


def plan_float_series_many(
    store: SqlStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    keys: Sequence[str],
    into: Into | None = None,
) -> tuple[dict[tuple[str, str], Series], list[Task]]:
    """:func:`read_float_series_many` with the values still to decode: the series (their
    values arrays made, empty) and the decodes that fill them (:func:`decode`), for a
    caller that spreads them over threads."""
    tasks: list[Task] = []
    out: dict[tuple[str, str], Series] = {}
    for found in series_chunks_many(store, entity, project, run_ids, keys):
        run_id, key, steps, blobs, counts = found
        total = sum(counts)
        values = into(run_id, key, total) if into is not None and blobs else None
        if values is None:
            values = np.empty(total, np.float64)
        at = 0
        for blob, n in zip(blobs, counts, strict=True):
            tasks.append((blob, values[at : at + n]))
            at += n
        out[(run_id, key)] = Series(key, steps, values)
    return out, tasks


def decode_series_into(found: SeriesChunks, out: np.ndarray) -> None:
    """Decode a series' values into the float64 array ``out`` of its length."""
    at = 0
    for blob, n in zip(found.blobs, found.counts, strict=True):
        decode_values_into(blob, out[at : at + n])
        at += n


def decode(tasks: Sequence[Task]) -> None:
    """Fill the arrays of :func:`plan_float_series_many`'s tasks."""
    for blob, out in tasks:
        decode_values_into(blob, out)


def read_float_series_many(
    store: SqlStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    keys: Sequence[str],
    into: Into | None = None,
) -> dict[tuple[str, str], Series]:
    """:meth:`SqlStore.read_series_many` of whole series with float64 values (equal to
    ``values.astype(float64)`` of that read) and steps arrays that are read-only and
    may be shared between series. ``into`` may name where a series' values go (see
    :data:`Into`): decoded there, not into an array of their own."""
    out, tasks = plan_float_series_many(store, entity, project, run_ids, keys, into)
    decode(tasks)
    return out
