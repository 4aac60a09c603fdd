"""Charts of 1,000 runs (issue 20): past 200 runs a line panel draws the density of the
runs (how many pass through each cell, from GET …/density) with the best runs as lines
on top; its toggle draws every line instead, and back. The counts the page drew equal
the same grid computed here with numpy from the stored points."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.registry import open_store
from tests.browser.charts import tid, wait_chart
from tests.browser.conftest import ENTITY, Server, open_page, serve_ui

PROJECT = "density"
RUNS = 1000
STEPS = 40
COLUMNS, ROWS = 160, 64  # DENSITY_COLUMNS, DENSITY_ROWS of web/src/lib/seriesDensity.ts
BEST = 5


def _loss(r: int) -> np.ndarray:
    rng = np.random.default_rng(r)
    decay = np.exp(-np.arange(STEPS) * rng.uniform(0.02, 0.2))
    return np.round(decay * rng.uniform(1, 3) + rng.normal(0, 0.05, STEPS).cumsum(), 6)


@pytest.fixture(scope="module")
def density_server(
    tmp_path_factory: pytest.TempPathFactory, _browser_stack: None
) -> Iterator[Server]:
    """``runyard ui`` on a store of 1,000 runs x 40 steps of ``loss``, written through the
    store, with the workspace drawing all of them."""
    root = tmp_path_factory.mktemp("density") / "runyard"
    root.mkdir(parents=True)
    store = open_store(f"sqlite:///{root / 'runyard.db'}")
    steps = np.arange(STEPS, dtype=np.int64)
    for r in range(RUNS):
        store.write_batch(
            RunBatch(
                RunRef(ENTITY, PROJECT, f"d{r:04d}"),
                create={"display_name": f"dense-{r:04d}", "state": "finished"},
                columns={"loss": (steps, _loss(r))},
            )
        )
    store.put_workspace(ENTITY, PROJECT, {"maxRuns": RUNS})
    store.close()
    with serve_ui(root) as ready:
        yield ready


@pytest.fixture
def dense_page(
    browser: Browser, density_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    with open_page(browser, density_server.url, request, 60_000) as fresh:
        yield fresh


def _cell(v: np.ndarray | float, lo: float, hi: float, n: int) -> np.ndarray:
    if hi <= lo:
        return np.zeros(np.shape(v), np.int64)
    return np.clip(np.floor(((np.asarray(v) - lo) / (hi - lo)) * n), 0, n - 1).astype(np.int64)


def numpy_density(lines: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """The density grid as runyard.server.density defines it: per run and column, the y
    interval its line spans there (its points in the column and the line at the column's
    edges), every row of it counting the run once; the same float expressions."""
    xmin = min(float(x.min()) for x, _ in lines)
    xmax = max(float(x.max()) for x, _ in lines)
    ymin = min(float(y.min()) for _, y in lines)
    ymax = max(float(y.max()) for _, y in lines)
    counts = np.zeros((ROWS, COLUMNS), np.int64)
    for x, y in lines:
        lo = np.full(COLUMNS, np.inf)
        hi = np.full(COLUMNS, -np.inf)
        cols = _cell(x, xmin, xmax, COLUMNS)
        np.minimum.at(lo, cols, y)
        np.maximum.at(hi, cols, y)
        for i in range(len(x) - 1):
            for k in range(int(cols[i]) + 1, int(cols[i + 1]) + 1):
                edge = xmin + ((xmax - xmin) * k) / COLUMNS
                v = y[i] + ((y[i + 1] - y[i]) * (edge - x[i])) / (x[i + 1] - x[i])
                for c in (k - 1, k):
                    lo[c], hi[c] = min(lo[c], v), max(hi[c], v)
        for c in np.flatnonzero(lo <= hi):
            r0, r1 = _cell(lo[c], ymin, ymax, ROWS), _cell(hi[c], ymin, ymax, ROWS)
            counts[r0 : r1 + 1, c] += 1
    return {"xmin": xmin, "xmax": xmax, "ymin": ymin, "ymax": ymax, "counts": counts}


def test_a_thousand_runs_draw_their_density_and_all_lines_on_demand(
    dense_page: Page, density_server: Server, screenshots: Path
) -> None:
    page = dense_page
    page.goto(f"/{ENTITY}/{PROJECT}")
    drawn = wait_chart(page, "loss", "c.view === 'density' && c.runCount === 1000", 60_000)
    expect(page.locator(tid("density-loss"))).to_be_visible()
    expect(page.locator(tid("density-note-loss"))).to_contain_text("density of 1000 runs")
    page.locator(tid("panel-loss")).screenshot(path=str(screenshots / "density-1000-runs.png"))
    density = drawn["density"]
    assert (density["columns"], density["rows"], density["runs"]) == (COLUMNS, ROWS, RUNS)

    # The page's counts are the grid numpy computes from the same stored points.
    lines = [(np.arange(STEPS, dtype=np.float64), _loss(r)) for r in range(RUNS)]
    want = numpy_density(lines)
    for name in ("xmin", "xmax", "ymin", "ymax"):
        assert math.isclose(density[name], want[name], rel_tol=0, abs_tol=0), name
    got = np.asarray(density["counts"], np.int64).reshape(ROWS, COLUMNS)
    np.testing.assert_array_equal(got, want["counts"])
    assert density["max"] == int(want["counts"].max())
    # every run passes through exactly one cell of the first column's span at least
    assert got.sum(axis=0).min() >= RUNS

    # The best runs by the last loss are drawn on top as lines.
    last = {f"d{r:04d}": _loss(r)[-1] for r in range(RUNS)}
    best = sorted(last, key=lambda run: (last[run], run))[:BEST]
    assert {s["run"] for s in drawn["series"]} == set(best)
    for s in drawn["series"]:
        assert s["points"] == [[float(i), float(v)] for i, v in enumerate(_loss(int(s["run"][1:])))]

    # The toggle draws every line, and back.
    page.get_by_test_id("density-toggle-loss").click()
    lines_chart = wait_chart(
        page, "loss", "c.view === undefined && c.series.length === 1000", 60_000
    )
    assert {s["run"] for s in lines_chart["series"]} == set(last)
    expect(page.locator(tid("density-loss"))).to_have_count(0)
    page.get_by_test_id("density-toggle-loss").click()
    wait_chart(page, "loss", "c.view === 'density'", 60_000)
    expect(page.locator(tid("density-loss"))).to_be_visible()
