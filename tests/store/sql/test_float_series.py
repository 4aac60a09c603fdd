"""``float_series``: whole series decoded straight into float64 equal, bit for bit, to
``read_series_many``'s values as float64, for every codec the writer picks."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql import chunks, float_series
from runyard.store.sql.chunks import decode_values, encode_values
from runyard.store.sql.float_series import decode_values_into, read_float_series_many
from runyard.store.sql.store import SqlStore

RNG = np.random.default_rng(7)
ARRAYS = {
    "noise": RNG.normal(0, 1, 3000),  # raw bits
    "smooth": np.linspace(1e9, 1e9 + 1, 3000),  # bit differences
    "micros": np.round(np.arange(3000) * 0.25 + 0.5, 6),  # integer microseconds
    "special": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]),
    "ints": np.arange(-1500, 1500, dtype=np.int64) * 3,
    "big_ints": np.array([2**62 + 1, -(2**62) - 3, 7], dtype=np.int64),
    "one": np.array([4.5]),
}


def _codec(blob: bytes) -> int:
    return blob[1]


@pytest.fixture(params=["isal", "zlib"])
def inflate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both inflaters: ISA-L's (the server extra, installed here) and zlib's."""
    if request.param == "isal":
        from isal import isal_zlib

        monkeypatch.setattr(float_series, "_inflate", isal_zlib.decompress)
    else:
        monkeypatch.setattr(float_series, "_inflate", zlib.decompress)
    return str(request.param)


def test_isal_is_used_when_installed() -> None:
    from isal import isal_zlib

    assert float_series._inflate is isal_zlib.decompress


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_decode_into_equals_decode_as_float(name: str, compress: bool, inflate: str) -> None:
    blob = encode_values(ARRAYS[name], compress=compress)
    out = np.full(len(ARRAYS[name]), -1.0)
    decode_values_into(blob, out)
    expected = decode_values(blob).astype(np.float64)
    assert out.tobytes() == expected.tobytes()  # NaN, -0.0 and subnormals included
    assert out.tobytes() == ARRAYS[name].astype(np.float64).tobytes()


def test_every_codec_is_covered() -> None:
    codecs = {_codec(encode_values(a)) for a in ARRAYS.values()}
    codecs.add(_codec(encode_values(ARRAYS["one"], compress=False)))
    assert codecs == {chunks._RAW, chunks._BITDIFF, chunks._MICROS, chunks._PLAIN}


def test_decode_into_checks_the_output() -> None:
    blob = encode_values(ARRAYS["noise"])
    with pytest.raises(ValueError, match="float64 of 3000"):
        decode_values_into(blob, np.zeros(10))
    with pytest.raises(ValueError, match="float64 of 3000"):
        decode_values_into(blob, np.zeros(3000, np.float32))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    tracking = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    steps = np.arange(0, 30_000, 3, dtype=np.int64)
    for i in range(6):
        own = steps if i < 4 else np.unique(RNG.integers(0, 10**6, 12_000))
        # two batches, the run finished by the second: sealed (compressed) chunks and the
        # run's last open one
        for part, meta in ((own[:6000], {}), (own[6000:], {"state": "finished"})):
            tracking.write_batch(
                RunBatch(
                    RunRef("me", "p", f"r{i}"),
                    create={"display_name": f"r{i}"},
                    meta=meta,
                    columns={
                        "loss": (part, RNG.normal(i, 1, len(part))),
                        "count": (part, part * (i + 1)),
                        "_runtime": (part, np.round(part * 0.125, 6)),
                    },
                )
            )
    yield tracking
    tracking.close()


def test_reads_equal_read_series_many(store: SqlStore, inflate: str) -> None:
    ids = [f"r{i}" for i in range(6)] + ["missing"]
    keys = ["loss", "count", "_runtime", "nothing"]
    expected = store.read_series_many("me", "p", ids, keys)
    got = read_float_series_many(store, "me", "p", ids, keys)
    assert got.keys() == expected.keys()
    for pair, series in expected.items():
        assert got[pair].key == series.key
        assert np.array_equal(got[pair].steps, series.steps), pair
        assert got[pair].values.dtype == np.float64
        assert got[pair].values.tobytes() == series.values.astype(np.float64).tobytes(), pair
    assert len(got[("r0", "loss")]) == 10_000 and len(got[("missing", "loss")]) == 0
    # the runs logged at the same steps share one read-only steps array
    shared = got[("r0", "loss")].steps
    assert all(got[(f"r{i}", k)].steps is shared for i in range(4) for k in keys[:3])
    assert not shared.flags.writeable
    assert got[("r4", "loss")].steps is not shared


def test_the_store_holds_several_chunks_per_series(store: SqlStore) -> None:
    # what the read above joins: more than one chunk per series, of several codecs
    with store._db.read() as tx:
        rows = tx.all('SELECT run, "key", values_blob FROM series_chunks')
    per_series: dict[tuple[int, str], int] = {}
    for row in rows:
        per_series[(row[0], row[1])] = per_series.get((row[0], row[1]), 0) + 1
    assert min(per_series.values()) >= 2
    assert {_codec(row[2]) for row in rows} >= {chunks._RAW, chunks._MICROS}


def test_the_steps_kept_across_reads_are_bounded(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(float_series, "_steps_cache", {})
    monkeypatch.setattr(float_series, "_STEPS_CACHE_POINTS", 15_000)
    first = read_float_series_many(store, "me", "p", ["r0"], ["loss"])[("r0", "loss")]
    again = read_float_series_many(store, "me", "p", ["r1"], ["loss"])[("r1", "loss")]
    assert again.steps is first.steps  # range-coded steps kept from the first read
    assert sum(len(a) for a in float_series._steps_cache.values()) == 10_000
    # runs r4 and r5 have steps of their own (delta-coded): shared within a read only
    one = read_float_series_many(store, "me", "p", ["r4"], ["loss", "count"])
    assert one[("r4", "loss")].steps is one[("r4", "count")].steps
    assert sum(len(a) for a in float_series._steps_cache.values()) == 10_000
    monkeypatch.setattr(float_series, "_STEPS_CACHE_POINTS", 10_000)
    float_series._steps_cache.clear()
    read_float_series_many(store, "me", "p", ["r0"], ["loss"])
    assert sum(len(a) for a in float_series._steps_cache.values()) == 10_000
    monkeypatch.setattr(float_series, "_STEPS_CACHE_POINTS", 9_999)
    float_series._steps_cache.clear()
    read_float_series_many(store, "me", "p", ["r0"], ["loss"])
    assert float_series._steps_cache == {}  # larger than the whole budget: not kept


def test_values_are_decoded_where_into_says(store: SqlStore) -> None:
    matrix = np.full((2, 10_000), -1.0)
    asked: list[tuple[str, str, int]] = []

    def into(run_id: str, key: str, count: int) -> np.ndarray | None:
        asked.append((run_id, key, count))
        return matrix[int(run_id[1:])] if key == "loss" and run_id in ("r0", "r1") else None

    got = read_float_series_many(store, "me", "p", ["r0", "r1", "r4"], ["loss", "count"], into)
    expected = store.read_series_many("me", "p", ["r0", "r1", "r4"], ["loss", "count"])
    assert sorted(asked) == sorted(
        (r, k, 10_000 if r != "r4" else len(expected[("r4", "loss")]))
        for r in ("r0", "r1", "r4")
        for k in ("loss", "count")
    )
    for row, run_id in enumerate(("r0", "r1")):
        assert np.shares_memory(got[(run_id, "loss")].values, matrix)
        assert matrix[row].tobytes() == expected[(run_id, "loss")].values.tobytes()
    for pair, series in expected.items():
        assert got[pair].values.tobytes() == series.values.astype(np.float64).tobytes()
    assert not np.shares_memory(got[("r4", "loss")].values, matrix)
