"""A project with more runs than the runs list's first page (issue 20): the workspace
draws its first panels from the newest runs while the rest of the list loads, then
holds every run once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, Route, expect

from runyard.entities import RunRef
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.registry import open_store
from tests.browser.charts import runs_drawn, tid, wait_chart
from tests.browser.conftest import ENTITY, Server, open_page, serve_ui

PROJECT = "many"
RUNS = 450  # more than the first page (web/src/hooks/useLiveRuns.ts FIRST_PAGE = 200)


@pytest.fixture(scope="module")
def many_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("many") / "runyard"
    root.mkdir(parents=True)
    store = open_store(Settings(root_dir=root).store_uri)
    created = time.time() - RUNS * 60.0
    try:
        for i in range(RUNS):
            store.write_batch(
                RunBatch(
                    RunRef(ENTITY, PROJECT, f"r{i:03d}"),
                    create={"display_name": f"run-{i:03d}", "created_at": created + 60.0 * i},
                    meta={"state": "finished", "runtime": 2.0, "last_step": 2},
                    summary_set=[(("loss",), float(i))],
                    columns={"loss": ([0, 1, 2], [float(i), i + 0.5, float(i)])},
                )
            )
    finally:
        store.close()
    with serve_ui(root) as ready:
        yield ready


@pytest.fixture
def many_page(
    browser: Browser, many_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    with open_page(browser, many_server.url, request, 20_000) as fresh:
        yield fresh


def test_first_panel_from_the_first_page_then_every_run(many_page: Page) -> None:
    page = many_page
    held: list[Route] = []

    def hold_the_rest(route: Route) -> None:
        # the pages after the first wait until the test has seen the first panel drawn
        if "offset=0" in route.request.url or "updated_since" in route.request.url:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/v1/projects/*/many/runs?*", hold_the_rest)
    page.goto(f"/{ENTITY}/{PROJECT}")
    drawn = wait_chart(page, "loss", "c.series.length > 0", timeout=20_000)
    newest = {f"r{i:03d}" for i in range(RUNS - 1, RUNS - 1 - len(drawn["series"]), -1)}
    assert len(drawn["series"]) >= 10 and runs_drawn(drawn) == newest
    count = page.locator(tid("runs-count"))
    expect(count).to_contain_text(f"of the newest 200 runs · loading all {RUNS}")
    assert held, "the rest of the runs was not asked for"
    for route in held:
        route.continue_()
    page.unroute("**/api/v1/projects/*/many/runs?*")
    expect(count).to_contain_text(f"{RUNS} of {RUNS} runs")
    ids = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid^="run-row-"]')]
                .map((e) => e.dataset.testid)"""
    )
    assert len(ids) == len(set(ids))  # nothing twice (the virtualised rows on screen)
    # the panels kept the newest runs
    assert runs_drawn(wait_chart(page, "loss", "c.series.length > 0")) == newest


def test_the_runs_list_starts_with_the_newest_run(many_server: Server) -> None:
    # what the first page (and the panels drawn from it) relies on
    body = many_server.get(f"/projects/{ENTITY}/{PROJECT}/runs", limit=1)
    assert body["total"] == RUNS and body["runs"][0]["id"] == f"r{RUNS - 1:03d}"
