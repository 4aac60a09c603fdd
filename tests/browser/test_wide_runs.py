"""A run of thousands of metric keys (issue 20): the workspace renders the sections near
the viewport a page of panels at a time, and each panel's x-axis list fills when the
user reaches for it — before, every panel of every section mounted at once with one
<option> per key, and a 10,000-key run froze the page."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from runyard.entities import RunRef
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.registry import open_store
from tests.browser.charts import tid, wait_chart
from tests.browser.conftest import ENTITY, Server, open_page, serve_ui

PROJECT = "wide"
SECTIONS, PER_SECTION = 20, 100  # 2,000 keys: "g00/m000" … "g19/m099"
PAGE = 24  # web/src/components/SectionPanels.tsx PANELS_PER_PAGE


def _key(section: int, metric: int) -> str:
    return f"g{section:02d}/m{metric:03d}"


@pytest.fixture(scope="module")
def wide_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("wide") / "runyard"
    root.mkdir(parents=True)
    store = open_store(Settings(root_dir=root).store_uri)
    steps = [0, 1, 2, 3, 4]
    columns = {
        _key(s, m): (steps, [float(s * 1000 + m + step) for step in steps])
        for s in range(SECTIONS)
        for m in range(PER_SECTION)
    }
    try:
        store.write_batch(
            RunBatch(
                RunRef(ENTITY, PROJECT, "wide1"),
                create={"display_name": "wide", "created_at": time.time()},
                meta={"state": "finished", "runtime": 4.0, "last_step": 4},
                columns=columns,
            )
        )
    finally:
        store.close()
    with serve_ui(root) as ready:
        yield ready


@pytest.fixture
def wide_page(
    browser: Browser, wide_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    with open_page(browser, wide_server.url, request, 30_000) as fresh:
        yield fresh


def _panels_in(page: Page, section: str) -> int:
    count: int = page.locator(f"{tid(f'section-{section}')} .panel[data-panel-id]").count()
    return count


def test_sections_render_near_the_viewport_by_pages(wide_page: Page) -> None:
    page = wide_page
    page.goto(f"/{ENTITY}/{PROJECT}")
    first = wait_chart(page, _key(0, 0), "c.series.length > 0", timeout=30_000)
    assert [s["run"] for s in first["series"]] == ["wide1"]
    # the first section shows one page of its 100 panels; far sections are placeholders
    expect(page.locator(tid("section-more-g00"))).to_contain_text(f"of {PER_SECTION} panels")
    assert _panels_in(page, "g00") == PAGE
    assert page.locator(tid("section-pending-g19")).count() == 1
    assert page.locator(".panel[data-panel-id]").count() < 4 * PAGE
    page.locator(tid("section-more-g00")).click()
    expect(page.locator(f"{tid('section-g00')} .panel[data-panel-id]")).to_have_count(2 * PAGE)
    # the last section renders (and draws) once scrolled to
    page.locator(tid("section-g19")).scroll_into_view_if_needed()
    expect(page.locator(f"{tid('section-g19')} .panel[data-panel-id]")).to_have_count(PAGE)
    page.locator(tid(f"panel-{_key(19, 0)}")).scroll_into_view_if_needed()
    last = wait_chart(page, _key(19, 0), "c.series.length > 0", timeout=30_000)
    assert last["series"][0]["run"] == "wide1"


def test_the_x_axis_list_fills_when_reached_for(wide_page: Page) -> None:
    page = wide_page
    page.goto(f"/{ENTITY}/{PROJECT}")
    select = page.locator(tid(f"xaxis-select-{_key(0, 0)}"))
    expect(select).to_be_visible()
    offered = int(str(select.get_attribute("data-choices")))
    assert offered >= SECTIONS * PER_SECTION - 1  # every other key, and the built-in axes
    assert select.locator("option").count() < 20  # not rendered until reached for
    select.focus()
    expect(select.locator("option")).to_have_count(offered + 1)  # + "Default"
    select.select_option(_key(3, 7))
    expect(page.locator(tid(f"panel-{_key(0, 0)}"))).to_have_attribute("data-x", _key(3, 7))
