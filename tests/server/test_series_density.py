"""``/density`` (issue 20): per cell, how many runs' lines pass through it. The numpy
grid equals a plain loop over each run's points and segments (the definition in
runyard.server.density, written point by point); the route reads the runs' raw points
and names the best runs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.density import ROLLUP_COLUMN_POINTS, density_grid
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore


def _cell(v: float, lo: float, hi: float, n: int) -> int:
    if hi <= lo:
        return 0
    return min(max(math.floor(((v - lo) / (hi - lo)) * n), 0), n - 1)


def loop_density(lines: list[tuple[np.ndarray, np.ndarray]], columns: int, rows: int) -> np.ndarray:
    """The density as runyard.server.density defines it, point by point."""
    points = [
        [
            (float(a), float(b)) if math.isfinite(a) and math.isfinite(b) else None
            for a, b in zip(xs, ys, strict=True)
        ]
        for xs, ys in lines
    ]
    drawn = [p for line in points for p in line if p is not None]
    counts = np.zeros((rows, columns), np.int64)
    if not drawn:
        return counts
    xmin, xmax = min(p[0] for p in drawn), max(p[0] for p in drawn)
    ymin, ymax = min(p[1] for p in drawn), max(p[1] for p in drawn)
    for line in points:
        lo = [math.inf] * columns
        hi = [-math.inf] * columns

        def touch(c: int, v: float, lo: list[float] = lo, hi: list[float] = hi) -> None:
            lo[c], hi[c] = min(lo[c], v), max(hi[c], v)

        for i, p in enumerate(line):
            if p is None:
                continue
            c = _cell(p[0], xmin, xmax, columns)
            touch(c, p[1])
            q = line[i + 1] if i + 1 < len(line) else None
            if q is None or not q[0] > p[0]:
                continue
            for k in range(c + 1, _cell(q[0], xmin, xmax, columns) + 1):
                edge = xmin + ((xmax - xmin) * k) / columns
                v = p[1] + ((q[1] - p[1]) * (edge - p[0])) / (q[0] - p[0])
                touch(k - 1, v)
                touch(k, v)
        for c in range(columns):
            if lo[c] <= hi[c]:
                counts[_cell(lo[c], ymin, ymax, rows) : _cell(hi[c], ymin, ymax, rows) + 1, c] += 1
    return counts


_Y = st.one_of(st.floats(-100, 100), st.sampled_from([np.nan, np.inf, 0.0, 1.0]))


@st.composite
def _lines(draw: st.DrawFn) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.integers(0, 30))
        gaps = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0, 17.0]), min_size=n, max_size=n))
        xs = np.cumsum(np.asarray(gaps, np.float64)) + draw(st.floats(-50, 50))
        out.append((xs, np.asarray(draw(st.lists(_Y, min_size=n, max_size=n)), np.float64)))
    return out


@settings(max_examples=300, deadline=None)
@given(_lines(), st.integers(1, 12), st.integers(1, 9))
def test_numpy_grid_equals_the_loop(
    lines: list[tuple[np.ndarray, np.ndarray]], columns: int, rows: int
) -> None:
    got = density_grid(lines, columns, rows)
    want = loop_density(lines, columns, rows)
    np.testing.assert_array_equal(got["counts"], want)
    assert got["max"] == int(want.max())
    drawn = sum(1 for xs, ys in lines if (np.isfinite(xs) & np.isfinite(ys)).any())
    assert got["runs"] == drawn


def test_a_spike_between_points_counts_in_every_row_it_crosses() -> None:
    # one run jumps from 0 to 8 within column 0 of 3; a flat run stays at 0
    lines = [
        (np.array([0.0, 1.0, 3.0]), np.array([0.0, 8.0, 8.0])),
        (np.array([0.0, 3.0]), np.zeros(2)),
    ]
    got = density_grid(lines, 3, 4)
    assert got["counts"][::-1].tolist() == [[1, 1, 1], [1, 0, 0], [1, 0, 0], [2, 1, 1]]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    steps = np.arange(50, dtype=np.int64)
    for r in range(30):
        store.write_batch(
            RunBatch(
                RunRef("me", "proj", f"r{r:02d}"),
                create={},
                columns={"loss": (steps, np.linspace(1, 0.1 * (r % 10), 50) + r * 1e-3)},
            )
        )
    with TestClient(create_app(store, LocalBlobStore(tmp_path / "blobs"))) as c:
        yield c
    store.close()


def test_the_route_reads_every_runs_raw_points_and_names_the_best(client: TestClient) -> None:
    ids = [f"r{r:02d}" for r in range(30)]
    body = client.get(
        "/api/v1/projects/me/proj/density",
        params={"runs": ",".join([*ids, "missing"]), "key": "loss", "columns": 20, "rows": 10},
    ).json()
    steps = np.arange(50, dtype=np.float64)
    lines = [(steps, np.linspace(1, 0.1 * (r % 10), 50) + r * 1e-3) for r in range(30)]
    assert body["counts"] == loop_density(lines, 20, 10).ravel().tolist()
    assert (body["runs"], body["runCount"], body["columns"], body["rows"]) == (30, 31, 20, 10)
    assert body["best"] == ["r00", "r10", "r20", "r01", "r11"]
    high = client.get(
        "/api/v1/projects/me/proj/density",
        params={"runs": ",".join(ids), "key": "loss", "best": 2, "higher": "true"},
    ).json()
    assert high["best"] == ["r29", "r19"]


def test_bad_grids_are_refused_naming_the_value(client: TestClient) -> None:
    response = client.get(
        "/api/v1/projects/me/proj/density", params={"runs": "r00", "key": "loss", "columns": 0}
    )
    assert response.status_code == 422 and "columns" in response.text
    response = client.get("/api/v1/projects/me/proj/density", params={"runs": "", "key": "loss"})
    assert response.status_code == 400 and "at least one run id" in response.text


def test_long_series_are_counted_from_their_rollups(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/long.db")
    n = 60_000  # >= ROLLUP_COLUMN_POINTS x 20 columns: from rollups
    assert n >= ROLLUP_COLUMN_POINTS * 20
    steps = np.arange(n, dtype=np.int64)
    loss = np.linspace(2.0, 1.0, n)
    loss[31_337] = 50.0  # a one-point spike inside a bucket
    store.write_batch(
        RunBatch(RunRef("me", "proj", "long"), create={}, columns={"loss": (steps, loss)})
    )
    short = np.arange(100, dtype=np.int64)
    store.write_batch(
        RunBatch(
            RunRef("me", "proj", "short"), create={}, columns={"loss": (short, np.full(100, 0.5))}
        )
    )
    try:
        with TestClient(create_app(store, LocalBlobStore(tmp_path / "blobs"))) as c:
            body = c.get(
                "/api/v1/projects/me/proj/density",
                params={"runs": "long,short", "key": "loss", "columns": 20, "rows": 10},
            ).json()
        rollup = store.read_rollup(RunRef("me", "proj", "long"), "loss")
        pseudo = (
            np.repeat(rollup.steps.astype(np.float64), 2),
            np.column_stack((rollup.vmin, rollup.vmax)).ravel(),
        )
        want = loop_density([pseudo, (short.astype(np.float64), np.full(100, 0.5))], 20, 10)
        assert body["counts"] == want.ravel().tolist()
        counts = np.asarray(body["counts"]).reshape(10, 20)
        spike_column = int(31_337 / (n - 1) * 20)
        assert body["ymax"] == 50.0 and counts[9, spike_column] == 1  # the spike counts
        assert body["best"] == ["short", "long"] and body["runs"] == 2
    finally:
        store.close()
