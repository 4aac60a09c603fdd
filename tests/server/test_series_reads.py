"""``panel_series`` (one bulk read per panel) answers exactly what reading each series
on its own (``series_json``) answered, on SQLite and PostgreSQL (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.server import series as series_module
from runyard.server.series import XAxis, panel_series, series_json
from runyard.store.base import RunBatch
from runyard.store.sql import panel_reads
from runyard.store.sql.store import SqlStore

RUNS = ["long", "short", "odd", "ints", "empty", "missing"]
KEYS = ["loss", "acc", "epoch"]


def _seed(store: SqlStore) -> None:
    rng = np.random.default_rng(20)

    def write(run_id: str, columns: dict[str, tuple[Any, Any]], create: bool = True) -> None:
        store.write_batch(
            RunBatch(
                RunRef("me", "proj", run_id),
                create={"display_name": run_id} if create else None,
                columns=columns,
            )
        )

    n = 100_000
    steps = np.arange(n, dtype=np.int64)
    loss = rng.normal(size=n).cumsum()
    loss[31_337] = 1e6  # a spike
    half = n // 2
    runtime = np.round(steps * 0.01 + rng.random(n) * 0.001, 6)
    for part, create in ((slice(0, half), True), (slice(half, n), False)):
        write(
            "long",
            {
                "loss": (steps[part], loss[part]),
                "acc": (steps[part][::3], rng.random(n)[part][::3]),
                "epoch": (steps[part], (steps[part] // 1000).astype(np.float64)),
                "_runtime": (steps[part], runtime[part]),
                "_timestamp": (steps[part], 1.7e9 + runtime[part]),
            },
            create,
        )
    short = np.arange(0, 300, 2, dtype=np.int64)
    write("short", {"loss": (short, np.linspace(1, 0, len(short)))})
    for first in range(300, 400, 10):  # small chunks without stored rollups
        tail = np.arange(first, first + 10, dtype=np.int64)
        write("short", {"loss": (tail, rng.random(10))}, create=False)
    odd = rng.normal(size=5000)
    odd[[10, 200, 4000]] = [np.nan, np.inf, -np.inf]
    odd_steps = np.arange(5000, dtype=np.int64)
    write(
        "odd",
        {"loss": (odd_steps, odd), "epoch": (odd_steps, rng.random(5000))},  # non-monotone x
    )
    write("ints", {"acc": (np.arange(9000, dtype=np.int64), np.arange(9000) % 7)})
    write("empty", {})


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path}/runyard.db"
    else:
        uri = request.getfixturevalue("postgres_uri")
    tracking = SqlStore(uri)
    _seed(tracking)
    yield tracking
    tracking.close()


def _one_by_one(
    store: SqlStore, x: str, xmin: float | None, xmax: float | None, points: int
) -> list[dict[str, Any]]:
    out = []
    for run_id in RUNS:
        ref = RunRef("me", "proj", run_id)
        axis = XAxis(store, ref, x)
        out += [series_json(store, ref, key, x, xmin, xmax, points, axis) for key in KEYS]
    return out


def _assert_same(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.keys() == b.keys()
        for name, value in b.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(a[name], value, err_msg=f"{b['run']} {name}")
            else:
                assert a[name] == value, (b["run"], b["key"], name)


@pytest.mark.parametrize(
    ("x", "xmin", "xmax", "points"),
    [
        ("_step", None, None, 1000),
        ("_step", None, None, 100),
        ("_step", None, None, 10_000),
        ("_step", 1234.5, 56_789.0, 500),
        ("_step", 250.0, 330.0, 20),
        ("_step", None, 100.0, 2),
        ("_runtime", None, None, 1000),
        ("_wall", 10.0, 600.0, 300),
        ("_timestamp", None, None, 50),
        ("epoch", None, None, 400),
        ("epoch", 0.2, 40.0, 1000),
    ],
)
def test_panel_read_equals_reading_each_series(
    store: SqlStore, x: str, xmin: float | None, xmax: float | None, points: int
) -> None:
    got = panel_series(store, "me", "proj", RUNS, KEYS, x, xmin, xmax, points)
    want = _one_by_one(store, x, xmin, xmax, points)
    _assert_same(got, want)
    assert any(s["reduced"] for s in got) and any(s["returned"] for s in got)


@pytest.mark.parametrize("points", [1000, 100, 10_000, 7, 2])
def test_whole_series_reduced_in_small_batches_on_two_threads(
    store: SqlStore, points: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole series on ``_step`` are decoded and reduced a batch at a time: batches of a
    few series, lines long and short in one batch, shared by the caller and the worker,
    answer as reading each series on its own does (NaN, infinities and the spike too)."""
    monkeypatch.setattr(panel_reads, "BATCH_POINTS", 12_000)
    monkeypatch.setattr(panel_reads, "PARALLEL_POINTS", 0)
    runs = RUNS * 3  # repeated runs: more batches, equal steps in several of them
    got = panel_series(store, "me", "proj", runs, KEYS, "_step", None, None, points)
    want = _one_by_one(store, "_step", None, None, points)
    _assert_same(got, want * 3)


def test_bulk_store_reads_equal_single_reads(store: SqlStore) -> None:
    keys = [*KEYS, "_runtime", "nothing"]
    for lo, hi in ((None, None), (40_000, 40_100), (299, None)):
        many = store.read_series_many("me", "proj", RUNS, keys, lo, hi)
        rollups = store.read_rollup_many("me", "proj", RUNS, keys, lo, hi)
        assert set(many) == set(rollups) == {(r, k) for r in RUNS for k in keys}
        for (run_id, key), series in many.items():
            ref = RunRef("me", "proj", run_id)
            one = store.read_series(ref, key, lo, hi)
            np.testing.assert_array_equal(series.steps, one.steps)
            np.testing.assert_array_equal(series.values, one.values)
            assert series.values.dtype == one.values.dtype
            rollup, single = rollups[(run_id, key)], store.read_rollup(ref, key, lo, hi)
            for name in ("steps", "last", "vmin", "vmax", "count"):
                np.testing.assert_array_equal(getattr(rollup, name), getattr(single, name))


def test_reduced_raw_lines_are_m4_of_the_raw_points(store: SqlStore) -> None:
    """Zoomed in (raw points), every returned point is a raw point and the line holds
    each column's first, last, minimum and maximum."""
    got = panel_series(store, "me", "proj", ["long"], ["loss"], "_step", 30_000, 33_000.0, 100)
    (line,) = got
    raw = store.read_series(RunRef("me", "proj", "long"), "loss", 30_000, 33_001)
    assert line["reduced"] and line["raw_points"] == 3001 and line["returned"] <= 100
    at = np.searchsorted(raw.steps, line["x"].astype(np.int64))
    np.testing.assert_array_equal(raw.values[at], line["y"])
    assert 1e6 in line["y"] and 31_337 in line["x"]


def test_rollup_columns_are_merge_rollup_of_the_rows(store: SqlStore) -> None:
    """The rollup path (integer search on the steps) gives merge_rollup's columns: the
    same rows merged into the same columns, fractional zoom bounds included."""
    from runyard.metrics.sampling import merge_rollup

    ref = RunRef("me", "proj", "long")
    for xmin, xmax, points in (
        (None, None, 1000),
        (None, None, 7),
        (1234.5, 96_789.25, 900),
        (0.5, None, 300),
        (None, 70_000.75, 1000),
        (10.0, 10_000.0, 150),  # about as many rows as columns
    ):
        lo = None if xmin is None else int(np.floor(xmin))
        hi = None if xmax is None else int(np.floor(xmax)) + 1
        rollup = store.read_rollup(ref, "loss", lo, hi)
        got = series_module._from_rollup("long", "loss", rollup, xmin, xmax, points)
        assert got is not None and got["reduced"]
        xs = rollup.steps.astype(np.float64)
        rng = (xmin if xmin is not None else xs[0], xmax if xmax is not None else xs[-1])
        want = merge_rollup(xs, rollup.last, rollup.vmin, rollup.vmax, rollup.count, points, rng)
        for name, value in zip(("x", "y", "ymin", "ymax"), want, strict=False):
            np.testing.assert_array_equal(got[name], value, err_msg=f"{xmin} {xmax} {name}")
        assert 0 < got["returned"] <= points
    assert series_module._from_rollup("long", "loss", rollup, 10.0, 20.0, 1000) is None  # too few


def test_point_counts_bound_the_points_in_range(store: SqlStore) -> None:
    for lo, hi in ((None, None), (40_000, 40_100), (299, None), (None, 5)):
        counts = store.count_points_many("me", "proj", RUNS, [*KEYS, "nothing"], lo, hi)
        for run_id in RUNS:
            for key in [*KEYS, "nothing"]:
                points = len(store.read_series(RunRef("me", "proj", run_id), key, lo, hi))
                chunks = store.read_series(RunRef("me", "proj", run_id), key)
                held = counts.get((run_id, key), 0)
                assert points <= held <= len(chunks), (run_id, key, lo, hi)
    assert counts[("long", "loss")] == 8192  # (None, 5): the first chunk's points
