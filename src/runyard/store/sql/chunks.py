"""Encoding of columnar history chunks: arrays of steps and values as compact bytes.

A chunk holds one key's points over a step range. Steps are usually a run of
consecutive integers and cost a few bytes. Values are float64 (or int64 when every
value is an integer) and are byte-shuffled then deflated (zlib level 1: level 6 saves
under 1% of the bytes here at about twice the time; floats with zlib's run-length
strategy, which skips the string matching that finds next to nothing in shuffled
mantissa bytes: ~3x faster than the default strategy on a random walk for ~2% more
bytes, and smaller on rounded values, timestamps and µs deltas); of two codecs — the
raw bit patterns, or the differences of consecutive bit patterns as integers (which
suits smooth series such as timestamps) — the one whose shuffled bytes change least
often on a sample is kept (a proxy for the smaller, without a deflate each), so the
encoding is lossless for every float including NaN and ±inf. Floats that are exact
multiples of a microsecond (``_runtime`` is rounded so) are stored as integer deltas
of µs. The blobs are plain zlib streams whatever the strategy (one decoder).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import numpy as np

__all__ = [
    "ROLLUP_POINTS",
    "decode_rollup",
    "decode_rollups",
    "decode_steps",
    "decode_values",
    "encode_rollup",
    "encode_rollup_compressed",
    "encode_steps",
    "encode_steps_many",
    "encode_values",
    "encode_values_many",
    "is_plain",
    "rollup_arrays",
]

#: Points per rollup bucket (the store's public constant lives in store.base).
ROLLUP_POINTS = 64

_RANGE, _DELTA = 0, 1
_RAW, _BITDIFF, _MICROS = 0, 1, 2
#: Uncompressed little-endian words: the open (last, growing) chunk of a live key, which
#: every batch rewrites; it is compressed once it is full or its run ends.
_PLAIN = 3
_KINDS = {"f": np.dtype("<f8"), "i": np.dtype("<i8")}
_LEVEL = 1


def _shuffle(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a.view(np.uint8).reshape(-1, 8).T).tobytes()


def _unshuffle(data: bytes, n: int) -> np.ndarray:
    out: np.ndarray = np.frombuffer(data, np.uint8).reshape(8, n).T.copy().view("<u8").ravel()
    return out


def encode_steps(steps: np.ndarray) -> bytes:
    """Steps (int64, increasing) as bytes: a ``(start, stride, n)`` triple when regular."""
    steps = np.asarray(steps, dtype="<i8")
    n = len(steps)
    if n == 0:
        return struct.pack("<Bqqq", _RANGE, 0, 1, 0)
    stride = int(steps[1] - steps[0]) if n > 1 else 1
    if n == 1 or bool(np.all(np.diff(steps) == stride)):
        return struct.pack("<Bqqq", _RANGE, int(steps[0]), stride, n)
    deltas = np.diff(steps, prepend=np.int64(0)).astype("<i8")
    return struct.pack("<Bq", _DELTA, n) + zlib.compress(_shuffle(deltas), _LEVEL)


def decode_steps(data: bytes) -> np.ndarray:
    """Inverse of :func:`encode_steps`."""
    codec = data[0]
    if codec == _RANGE:
        _, start, stride, n = struct.unpack("<Bqqq", data)
        steps: np.ndarray = np.arange(n, dtype=np.int64) * stride + start
        return steps
    (n,) = struct.unpack_from("<q", data, 1)
    deltas = _unshuffle(zlib.decompress(data[9:]), n).view("<i8")
    return np.cumsum(deltas, dtype=np.int64)


def encode_values(values: np.ndarray, *, compress: bool = True) -> bytes:
    """float64 or int64 values as bytes (kind byte, codec byte, count, payload);
    ``compress=False`` stores the words as they are (fast to write and read back)."""
    kind = "i" if values.dtype.kind in "iu" else "f"
    arr = np.ascontiguousarray(values, dtype=_KINDS[kind])
    if not compress:
        return struct.pack("<cBq", kind.encode(), _PLAIN, len(arr)) + arr.tobytes()
    deflate = _deflate_floats if kind == "f" else _deflate_ints
    candidates = _candidates(arr, kind)
    codec = _RAW
    if len(candidates) > 1:
        # Pick the codec on a sample (the transforms of a prefix are the prefix of the
        # transforms) by the byte runs of its shuffled planes, not by deflating it
        # with each candidate: run-length + Huffman coding pays for every change of
        # byte, and the fewest changes picked the smallest codec on random walks,
        # losses, rates, timestamps, µs runtimes and rounded values alike (a deflate
        # per candidate was most of the cost of a small chunk: a run of 10,000 keys
        # seals 10,000 of them). Then everything is compressed once.
        sample = arr[:_SAMPLE]
        runs = {c: _byte_changes(f(sample)) for c, f in candidates.items()}
        codec = min(runs, key=lambda c: runs[c])
    packed = deflate(_shuffle(candidates[codec](arr)))
    return struct.pack("<cBq", kind.encode(), codec, len(arr)) + packed


def encode_values_many(values: np.ndarray) -> list[bytes]:
    """:func:`encode_values` of each row of a 2-D float64 array, byte for byte, with the
    work of numpy done once for all rows (a run of 10,000 keys seals 10,000 chunks of a
    few hundred points, where numpy's cost per call was most of a chunk's)."""
    rows, n = values.shape
    if rows == 0:
        return []
    arr = np.ascontiguousarray(values, dtype="<f8")
    bits = arr.view("<u8")
    head = struct.pack("<cBq", b"f", _RAW, n)[:1]
    count = struct.pack("<q", n)
    # The candidates of each row (as _candidates), transformed on the sample.
    sample = min(n, _SAMPLE)
    transforms = {_RAW: bits[:, :sample]}
    if n > 1:
        transforms[_BITDIFF] = np.diff(bits[:, :sample], axis=1, prepend=np.uint64(0))
    micros_ok = np.zeros(rows, dtype=bool)
    if n:
        with np.errstate(invalid="ignore", over="ignore"):
            finite = np.isfinite(arr).all(axis=1)
            small = np.abs(np.where(np.isfinite(arr), arr, 0.0)).max(axis=1) < 1e9
            micros = np.round(arr * 1e6).astype("<i8")
            exact = ((micros / 1e6).view("<u8") == bits).all(axis=1)
        micros_ok = finite & small & exact
        if micros_ok.any():
            transforms[_MICROS] = np.diff(micros[:, :sample], axis=1, prepend=np.int64(0))
    changes = {c: _byte_changes_rows(t) for c, t in transforms.items()}
    if _MICROS in changes:
        changes[_MICROS] = np.where(micros_ok, changes[_MICROS], np.iinfo(np.int64).max)
    codecs = np.full(rows, _RAW)
    best = changes[_RAW]
    for c in (_BITDIFF, _MICROS):
        if c in changes:
            better = changes[c] < best
            codecs[better] = c
            best = np.minimum(best, changes[c])
    full = {_RAW: bits}
    if _BITDIFF in transforms and (codecs == _BITDIFF).any():
        full[_BITDIFF] = np.diff(bits, axis=1, prepend=np.uint64(0))
    if _MICROS in transforms and (codecs == _MICROS).any():
        full[_MICROS] = np.diff(micros, axis=1, prepend=np.int64(0))
    planes = {c: _shuffle_rows(w) for c, w in full.items()}
    return [
        head + bytes((codec,)) + count + _deflate_floats(planes[codec][i].tobytes())
        for i, codec in enumerate(codecs.tolist())
    ]


def encode_steps_many(steps: np.ndarray) -> list[bytes]:
    """:func:`encode_steps` of each row of a 2-D int64 array, byte for byte."""
    n = steps.shape[1]
    if n == 0:
        return [encode_steps(row) for row in steps]
    starts = steps[:, 0].tolist()
    if n == 1:
        return [struct.pack("<Bqqq", _RANGE, int(s), 1, 1) for s in starts]
    diffs = np.diff(steps, axis=1)
    strides = diffs[:, 0]
    regular = (diffs == strides[:, None]).all(axis=1).tolist()
    return [
        struct.pack("<Bqqq", _RANGE, start, stride, n) if ok else encode_steps(steps[i])
        for i, (start, stride, ok) in enumerate(zip(starts, strides.tolist(), regular, strict=True))
    ]


def _shuffle_rows(words: np.ndarray) -> np.ndarray:
    """The byte planes of each row of 64-bit words (rows of ``_shuffle``'s bytes)."""
    rows, n = words.shape
    planes = words.view(np.uint8).reshape(rows, n, 8).transpose(0, 2, 1)
    return np.ascontiguousarray(planes).reshape(rows, 8 * n)


def _byte_changes_rows(words: np.ndarray) -> np.ndarray:
    """:func:`_byte_changes` of each row."""
    planes = _shuffle_rows(words)
    changes: np.ndarray = np.count_nonzero(planes[:, 1:] != planes[:, :-1], axis=1)
    return changes


def _byte_changes(words: np.ndarray) -> int:
    """How often a byte differs from the one before it in the shuffled planes."""
    planes = np.ascontiguousarray(words.view(np.uint8).reshape(-1, 8).T).ravel()
    return int(np.count_nonzero(planes[1:] != planes[:-1]))


_SAMPLE = 1024


def _deflate_floats(data: bytes) -> bytes:
    """zlib level 1 with the run-length strategy (see the module's docstring)."""
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    return packer.compress(data) + packer.flush()


def _deflate_ints(data: bytes) -> bytes:
    """zlib level 1 (integers repeat patterns that string matching finds)."""
    return zlib.compress(data, _LEVEL)


def _bits(arr: np.ndarray) -> np.ndarray:
    return arr.view("<u8")


def _bitdiff(arr: np.ndarray) -> np.ndarray:
    return np.diff(arr.view("<u8"), prepend=np.uint64(0))  # wraps modulo 2**64: lossless


def _micros(arr: np.ndarray) -> np.ndarray:
    return np.diff(np.round(arr * 1e6).astype("<i8"), prepend=np.int64(0))


def _candidates(arr: np.ndarray, kind: str) -> dict[int, Callable[[np.ndarray], np.ndarray]]:
    out: dict[int, Callable[[np.ndarray], np.ndarray]] = {_RAW: _bits}
    if len(arr) > 1:
        out[_BITDIFF] = _bitdiff
    if (
        kind == "f"
        and len(arr)
        and bool(np.all(np.isfinite(arr)))
        and float(np.abs(arr).max()) < 1e9
        and np.array_equal((np.round(arr * 1e6).astype("<i8") / 1e6).view("<u8"), arr.view("<u8"))
    ):
        out[_MICROS] = _micros
    return out


def decode_values(data: bytes) -> np.ndarray:
    """Inverse of :func:`encode_values`; returns float64 or int64."""
    kind, codec, n = struct.unpack_from("<cBq", data)
    if codec == _PLAIN:
        plain: np.ndarray = np.frombuffer(data, _KINDS[kind.decode()], n, 10).copy()
        return plain
    bits = _unshuffle(zlib.decompress(data[10:]), n)
    if codec == _MICROS:
        return np.cumsum(bits.view("<i8"), dtype=np.int64) / 1e6
    if codec == _BITDIFF:
        bits = np.cumsum(bits, dtype=np.uint64)
    return bits.view(_KINDS[kind.decode()])


RollupArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def rollup_arrays(steps: np.ndarray, values: np.ndarray) -> RollupArrays:
    """``(last steps, last values, minima, maxima, counts)`` per ``ROLLUP_POINTS``
    consecutive points (NaN ignored by min/max)."""
    n = len(steps)
    starts = np.arange(0, n, ROLLUP_POINTS)
    ends = np.minimum(starts + ROLLUP_POINTS, n) - 1
    vals = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        vmin = np.fmin.reduceat(vals, starts) if n else vals
        vmax = np.fmax.reduceat(vals, starts) if n else vals
    return (
        np.asarray(steps, dtype=np.int64)[ends],
        vals[ends],
        vmin,
        vmax,
        (ends - starts + 1).astype(np.int64),
    )


#: Leading word of a rollup blob of plain arrays; a compressed (older) blob starts
#: with the byte size of its first part, never 0.
_PLAIN_ROLLUP = 0


def is_plain(values_blob: bytes) -> bool:
    """Whether a values blob is stored uncompressed (an open chunk)."""
    return len(values_blob) > 1 and values_blob[1] == _PLAIN


def encode_rollup(steps: np.ndarray, values: np.ndarray) -> bytes:
    """The rollup of a chunk (:func:`rollup_arrays`) as bytes: plain little-endian arrays.

    Uncompressed on purpose: a rollup is ~1/64 of its chunk, and a zoomed-out chart of
    100 long runs decodes thousands of them per request, where ``frombuffer`` costs
    microseconds and five ``zlib`` streams each cost tens.
    """
    last_steps, last, vmin, vmax, counts = rollup_arrays(steps, values)
    n = len(last_steps)
    return struct.pack("<II", _PLAIN_ROLLUP, n) + b"".join(
        np.ascontiguousarray(a, dtype=d).tobytes()
        for a, d in (
            (last_steps, "<i8"),
            (last, "<f8"),
            (vmin, "<f8"),
            (vmax, "<f8"),
            (counts, "<i8"),
        )
    )


def decode_rollup(data: bytes) -> RollupArrays:
    """``(last steps, last values, minima, maxima, counts)`` of a rollup blob (read-only
    arrays for plain blobs)."""
    sizes = struct.unpack_from("<5I", data) if len(data) >= 20 else (_PLAIN_ROLLUP,)
    if sizes[0] == _PLAIN_ROLLUP:
        (n,) = struct.unpack_from("<I", data, 4)
        steps, last, vmin, vmax, counts = (
            np.frombuffer(data, d, n, 8 + 8 * n * i)
            for i, d in enumerate(("<i8", "<f8", "<f8", "<f8", "<i8"))
        )
        return steps, last, vmin, vmax, counts
    pos = 20
    parts = []
    for size in sizes:
        parts.append(data[pos : pos + size])
        pos += size
    return (
        decode_steps(parts[0]),
        decode_values(parts[1]).astype(np.float64),
        decode_values(parts[2]).astype(np.float64),
        decode_values(parts[3]).astype(np.float64),
        decode_steps(parts[4]),
    )


_ROLLUP_HEAD = struct.Struct("<II")


def decode_rollups(blobs: list[bytes]) -> RollupArrays | None:
    """:func:`decode_rollup` of consecutive chunks' rollup blobs, joined: each array
    of all of them at once (one ``frombuffer`` and a slice per chunk and array, not five
    ``frombuffer`` per chunk and a join); None unless every blob is plain."""
    sizes = []
    for blob in blobs:
        if len(blob) < 8:
            return None
        kind, n = _ROLLUP_HEAD.unpack_from(blob)
        if kind != _PLAIN_ROLLUP or len(blob) != 8 + 40 * n:
            return None
        sizes.append(n)
    words = np.frombuffer(b"".join(blobs), "<i8")
    floats = words.view("<f8")
    at = 0
    fields: list[list[np.ndarray]] = [[] for _ in range(5)]
    for n in sizes:
        for i, part in enumerate(fields):
            part.append((floats if 1 <= i <= 3 else words)[at + 1 + i * n : at + 1 + (i + 1) * n])
        at += 1 + 5 * n
    steps, last, vmin, vmax, counts = (np.concatenate(part) for part in fields)
    return steps, last, vmin, vmax, counts


def encode_rollup_compressed(steps: np.ndarray, values: np.ndarray) -> bytes:
    """The older rollup encoding (five compressed parts), still read by
    :func:`decode_rollup`; kept to test that stores written before it read on."""
    last_steps, last, vmin, vmax, counts = rollup_arrays(steps, values)
    parts = [
        encode_steps(last_steps),
        encode_values(last),
        encode_values(vmin),
        encode_values(vmax),
        encode_steps(counts),
    ]
    return struct.pack("<5I", *(len(p) for p in parts)) + b"".join(parts)
