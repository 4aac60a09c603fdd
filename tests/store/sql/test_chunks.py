"""Round trips of the columnar chunk encoding (:mod:`runyard.store.sql.chunks`)."""

from __future__ import annotations

import numpy as np
import pytest

from runyard.store.sql.chunks import decode_steps, decode_values, encode_steps, encode_values

LENGTHS = [0, 1, 2, 1023, 1025, 5000]


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view("<u8")


def assert_bit_exact(expected: np.ndarray, actual: np.ndarray) -> None:
    """Same dtype, same length and the same bit pattern in every slot (NaN, -0.0 too)."""
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    mismatch = np.flatnonzero(_bits(expected) != _bits(actual))
    assert mismatch.size == 0, (
        f"{mismatch.size} values differ, first at {mismatch[0]}: "
        f"{expected[mismatch[0]]!r} -> {actual[mismatch[0]]!r}"
    )


def roundtrip_values(values: np.ndarray) -> np.ndarray:
    data = encode_values(values)
    assert isinstance(data, bytes)
    return decode_values(data)


# -- steps -------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        np.arange(0, 100),
        np.arange(5, 50_005),
        np.arange(10, 1000, 10),
        np.arange(-3, 3),
        np.array([7]),
        np.array([0, 1]),
        np.array([2**40, 2**40 + 3]),
    ],
    ids=["0..99", "5..50004", "stride10", "negative", "single", "pair", "large"],
)
def test_regular_steps_round_trip_in_a_few_bytes(steps: np.ndarray) -> None:
    data = encode_steps(steps)
    out = decode_steps(data)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, steps)
    assert len(data) <= 32  # a (start, stride, n) triple, whatever the length


@pytest.mark.parametrize(
    "steps",
    [
        np.array([0, 1, 2, 5, 6, 100]),
        np.array([3, 1_000_000, 1_000_001]),
        np.concatenate([np.arange(0, 1000), np.arange(2000, 3000, 7)]),
        np.cumsum(np.random.default_rng(1).integers(1, 50, size=5000)),
    ],
    ids=["gaps", "jump", "two-ranges", "random-gaps"],
)
def test_irregular_steps_round_trip(steps: np.ndarray) -> None:
    out = decode_steps(encode_steps(steps))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, steps)


def test_empty_steps_round_trip() -> None:
    out = decode_steps(encode_steps(np.zeros(0, np.int64)))
    assert out.dtype == np.int64
    assert len(out) == 0


def test_steps_from_a_python_list() -> None:
    np.testing.assert_array_equal(decode_steps(encode_steps([0, 2, 3])), [0, 2, 3])  # type: ignore[arg-type]


# -- values ------------------------------------------------------------------


@pytest.mark.parametrize("n", LENGTHS)
def test_float_random_walk_round_trips_bit_exact(n: int) -> None:
    rng = np.random.default_rng(n)
    walk = np.cumsum(rng.normal(size=n))
    assert_bit_exact(walk, roundtrip_values(walk))


@pytest.mark.parametrize("n", LENGTHS)
def test_ints_stay_int64(n: int) -> None:
    rng = np.random.default_rng(n)
    ints = rng.integers(-(2**62), 2**62, size=n, dtype=np.int64)
    out = roundtrip_values(ints)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, ints)


@pytest.mark.parametrize("n", LENGTHS)
def test_counter_ints_round_trip(n: int) -> None:
    ints = np.arange(n, dtype=np.int64) * 3 + 17
    out = roundtrip_values(ints)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, ints)


def test_int_extremes_round_trip() -> None:
    info = np.iinfo(np.int64)
    ints = np.array([info.min, info.max, 0, -1, 1, info.max, info.min], dtype=np.int64)
    out = roundtrip_values(ints)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, ints)


SPECIALS = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0]


@pytest.mark.parametrize("n", LENGTHS)
def test_specials_mixed_into_a_walk_are_bit_exact(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    values = np.cumsum(rng.normal(size=n))
    if n:
        idx = rng.integers(0, n, size=max(1, n // 10))
        values[idx] = rng.choice(SPECIALS, size=len(idx))
        values[0] = -0.0
    assert_bit_exact(values, roundtrip_values(values))


@pytest.mark.parametrize(
    "values",
    [
        [float("nan")],
        [float("inf"), float("-inf")],
        [-0.0],
        [0.0, -0.0, 0.0, -0.0],
        [float("nan")] * 3000,
        [float("-inf"), 1.0, float("nan"), -0.0, 5e-324, 1.7976931348623157e308],
    ],
    ids=["nan", "infs", "neg-zero", "zeros", "many-nan", "extremes"],
)
def test_special_floats_are_bit_exact(values: list[float]) -> None:
    arr = np.array(values, dtype=np.float64)
    assert_bit_exact(arr, roundtrip_values(arr))


def test_non_canonical_nan_payload_is_bit_exact() -> None:
    arr = np.array([0x7FF8_0000_DEAD_BEEF, 0xFFF0_0000_0000_0001], dtype="<u8").view("<f8")
    assert_bit_exact(arr, roundtrip_values(arr))


@pytest.mark.parametrize(
    "values",
    [
        [-0.0, -0.0, -0.0],
        [-0.0, 0.5, 1.0, 1.5],
        [0.001 * i for i in range(3000)] + [-0.0],
    ],
    ids=["all-neg-zero", "neg-zero-then-micros", "micros-then-neg-zero"],
)
def test_negative_zero_survives_micros_friendly_series(values: list[float]) -> None:
    """-0.0 is a whole number of microseconds too; its sign bit must not be lost."""
    arr = np.array(values, dtype=np.float64)
    assert_bit_exact(arr, roundtrip_values(arr))


@pytest.mark.parametrize("n", LENGTHS)
def test_micros_exact_floats_round_trip(n: int) -> None:
    # `_runtime`-like: increasing seconds rounded to the microsecond.
    rng = np.random.default_rng(200 + n)
    runtime = np.round(np.cumsum(rng.uniform(0.01, 0.5, size=n)), 6)
    assert_bit_exact(runtime, roundtrip_values(runtime))


def test_micros_exact_timestamps_compress_well() -> None:
    rng = np.random.default_rng(3)
    runtime = np.round(np.cumsum(rng.uniform(0.09, 0.11, size=20_000)), 6)
    data = encode_values(runtime)
    assert_bit_exact(runtime, decode_values(data))
    assert len(data) / len(runtime) < 4


@pytest.mark.parametrize("n", LENGTHS)
def test_mixed_magnitudes_round_trip(n: int) -> None:
    rng = np.random.default_rng(300 + n)
    magnitudes = 10.0 ** rng.integers(-300, 300, size=n)
    values = rng.normal(size=n) * magnitudes
    assert_bit_exact(values, roundtrip_values(values))


def test_values_near_micros_threshold_round_trip() -> None:
    # Whole microseconds below and above the 1e9 cut-off, and values just off a µs.
    values = np.array([999_999_999.999999, 1e9, 1e9 + 0.5, 0.1 + 1e-13, 123.456789, 2**53])
    assert_bit_exact(values, roundtrip_values(values))


def test_constant_series_round_trip() -> None:
    values = np.full(5000, 0.1)
    data = encode_values(values)
    assert_bit_exact(values, decode_values(data))
    assert len(data) < 400  # 5,000 points in a few hundred bytes


def test_float32_input_decodes_as_float64() -> None:
    values = np.array([0.5, 1.25, -3.0], dtype=np.float32)
    out = roundtrip_values(values)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, values.astype(np.float64))


def test_random_walk_costs_under_7_bytes_per_point() -> None:
    rng = np.random.default_rng(42)
    walk = np.cumsum(rng.normal(size=20_000))
    data = encode_values(walk)
    assert_bit_exact(walk, decode_values(data))
    assert len(data) / len(walk) < 7, f"{len(data) / len(walk):.2f} bytes/point"


def test_decoded_arrays_are_writable_copies() -> None:
    values = np.cumsum(np.random.default_rng(5).normal(size=100))
    out = roundtrip_values(values)
    out[0] = 1.0  # must not raise: callers slice and concatenate freely
    steps = decode_steps(encode_steps(np.array([0, 3, 4])))
    steps[0] = 1
    assert out[0] == 1.0
    assert steps[0] == 1


# -- rollups (issue 20: plain arrays, so a zoomed-out panel decodes them in microseconds)


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 8192])
def test_rollup_round_trips_and_reads_older_compressed_blobs(n: int) -> None:
    from runyard.store.sql.chunks import (
        decode_rollup,
        encode_rollup,
        encode_rollup_compressed,
        rollup_arrays,
    )

    rng = np.random.default_rng(n)
    steps = np.cumsum(rng.integers(1, 3, n)).astype(np.int64)
    values = rng.normal(size=n)
    if n > 10:
        values[[3, 7]] = [np.nan, np.inf]
    expected = rollup_arrays(steps, values)
    plain, older = encode_rollup(steps, values), encode_rollup_compressed(steps, values)
    assert len(plain) == 8 + 40 * len(expected[0])
    for blob in (plain, older):
        decoded = decode_rollup(blob)
        for want, got in zip(expected, decoded, strict=True):
            assert_bit_exact(np.asarray(want), np.asarray(got))
    if n >= 64:
        assert expected[4].sum() == n and expected[0][0] == steps[63]
        assert expected[2][0] == np.nanmin(values[:64]) and expected[3][0] == np.nanmax(values[:64])


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_plain_values_round_trip(dtype: type) -> None:
    from runyard.store.sql.chunks import is_plain

    values = np.array([1.5, np.nan, -0.0, np.inf, 3.0]) if dtype is np.float64 else np.arange(5)
    data = encode_values(values.astype(dtype), compress=False)
    assert is_plain(data) and not is_plain(encode_values(values.astype(dtype)))
    assert_bit_exact(values.astype(dtype), decode_values(data))


def test_rollups_of_consecutive_chunks_decode_joined() -> None:
    from runyard.store.sql.chunks import (
        decode_rollup,
        decode_rollups,
        encode_rollup,
        encode_rollup_compressed,
    )

    rng = np.random.default_rng(5)
    blobs, parts = [], []
    for first, n in ((0, 8192), (8192, 8192), (16384, 1000), (17384, 1)):
        steps = np.arange(first, first + n, dtype=np.int64)
        values = rng.normal(size=n)
        values[::97] = np.nan
        blobs.append(encode_rollup(steps, values))
        parts.append(decode_rollup(blobs[-1]))
    joined = decode_rollups(blobs)
    assert joined is not None
    for got, want, dtype in zip(joined, zip(*parts, strict=True), "ifffi", strict=True):
        np.testing.assert_array_equal(got, np.concatenate(want))
        assert got.dtype.kind == dtype
    steps = np.arange(10, dtype=np.int64)
    older = encode_rollup_compressed(steps, steps * 1.0)
    assert decode_rollups([blobs[0], older]) is None  # not all plain: the caller decodes each
    assert decode_rollups([blobs[0], b"\x00"]) is None


@pytest.mark.parametrize("n", [200, 1000, 8192])
@pytest.mark.parametrize(
    "name", ["walk", "loss", "timestamp", "regular", "runtime", "rounded", "rate", "float32"]
)
def test_the_codec_picked_without_deflating_is_about_the_smallest(name: str, n: int) -> None:
    """The codec is picked by the byte changes of a sample's shuffled planes, not by
    deflating it with each candidate: on usual series it is within 3% of the smallest."""
    from runyard.store.sql import chunks

    rng = np.random.default_rng(11)
    t = np.arange(n)
    values = {
        "walk": np.cumsum(rng.normal(size=n)),
        "loss": 1 / np.sqrt(1 + t) + rng.normal(size=n) * 0.01,
        "timestamp": 1.7e9 + t * 0.0004 + rng.random(n) * 1e-5,
        "regular": 1.7e9 + t * 0.25,
        "runtime": np.round(t * 0.0004 + rng.random(n) * 1e-5, 6),
        "rounded": np.round(rng.random(n), 2),
        "rate": 0.1 * 0.99**t,
        "float32": np.cumsum(rng.normal(size=n)).astype(np.float32).astype(np.float64),
    }[name]
    data = encode_values(values)
    candidates = chunks._candidates(values, "f")
    sizes = [len(chunks._deflate_floats(chunks._shuffle(f(values)))) for f in candidates.values()]
    assert len(data) - 10 <= 1.03 * min(sizes), sizes
    np.testing.assert_array_equal(decode_values(data), values)


@pytest.mark.parametrize("n", [1, 2, 10, 200, 1023, 1500])
def test_many_rows_encode_as_each_row_alone(n: int) -> None:
    """encode_values_many / encode_steps_many: each row's bytes are encode_values' /
    encode_steps' of that row (the same codec picked, NaN, infinities, -0.0, µs values)."""
    from runyard.store.sql.chunks import encode_steps_many, encode_values_many

    rng = np.random.default_rng(n)
    t = np.arange(n)
    rows = [
        np.cumsum(rng.normal(size=n)),
        1.7e9 + t * 0.0004 + rng.random(n) * 1e-5,
        np.round(t * 0.0004 + rng.random(n) * 1e-5, 6),
        np.round(rng.random(n), 2),
        np.full(n, 0.5),
        t * 1.0,
        np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        np.where(rng.random(n) < 0.2, np.inf, 0.25 * t),
        np.full(n, 2e9),
        np.full(n, -0.0),
    ]
    many = encode_values_many(np.stack(rows))
    assert many == [encode_values(row) for row in rows]
    for row, data in zip(rows, many, strict=True):
        np.testing.assert_array_equal(decode_values(data), row)
    steps = np.stack([t + 5, t * 3, np.cumsum(rng.integers(1, 4, size=n))])
    assert encode_steps_many(steps) == [encode_steps(row) for row in steps]
