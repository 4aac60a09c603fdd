"""Shareable views (issue 18): the URL carries the view and restores it in a fresh
browser context; saved named views; dark mode following the system, with a toggle.
What shows is read from the rendered page (published charts, inputs, computed colours)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from tests.browser.charts import eventually, tid, wait_chart
from tests.browser.conftest import Server, close_context, open_page
from tests.browser.panels_store import (  # noqa: F401  (fixtures)
    PROJECT,
    WORKSPACE,
    fixture_panels_page,
    fixture_panels_server,
    fixture_panels_store,
    put,
    reset,
    saved,
)


def open_workspace(page: Page, url: str = WORKSPACE) -> Page:
    page.goto(url)
    expect(page.locator(tid("panel-grid"))).to_be_visible()
    return page


def what_shows(page: Page) -> dict[str, Any]:
    """The view as the page shows it: inputs, checked runs, hidden runs and the chart drawn."""
    loss = wait_chart(page, "loss", "c.series.length > 0")
    return {
        "filter": page.locator(tid("runs-filter")).input_value(),
        "x": page.locator(tid("xaxis-select")).input_value(),
        "groups": page.locator(f"{tid('groupby')} .groupby-chip").all_inner_texts(),
        "checked": sorted(
            page.locator("[data-testid^='select-']:checked").evaluate_all(
                "els => els.map(e => e.dataset.testid.slice(7))"
            )
        ),
        "lines": sorted(s["run"] for s in loss["series"]),
        "zoom": loss["zoom"],
        "xKey": loss["xKey"],
        "sync": page.locator(tid("sync-zoom")).is_checked(),
        "search": page.locator(tid("panel-search")).input_value(),
    }


def _drag_zoom(page: Page, panel: str) -> None:
    over = page.locator(f"{tid(f'panel-{panel}')} .u-over").bounding_box()
    assert over
    y = over["y"] + over["height"] / 2
    page.mouse.move(over["x"] + over["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * 0.7, y, steps=5)
    page.mouse.up()


def test_a_view_restored_from_its_url_in_a_fresh_context(
    panels_page: Page,
    panels_server: Server,
    browser: Browser,
    request: pytest.FixtureRequest,
) -> None:
    page = open_workspace(panels_page)
    wait_chart(page, "loss", "c.series.length === 3")
    page.locator(tid("runs-filter")).fill("lr < 0.5")
    page.locator(tid("xaxis-select")).select_option("_step")
    page.locator(tid("eye-p-c")).click()  # hide run p-c
    page.locator(tid("select-p-b")).check()
    page.locator(tid("sync-zoom")).check()
    page.locator(tid("panel-search")).fill("loss")
    wait_chart(page, "loss", "c.series.length === 1")  # p-a filtered out, p-c hidden
    _drag_zoom(page, "loss")
    wait_chart(page, "loss", "c.zoom !== null")
    before = what_shows(page)
    assert before["lines"] == ["p-b"] and before["zoom"] is not None and before["sync"]
    url = page.url
    assert "zoom=" in url and "hide=p-c" in url and "sel=p-b" in url
    # the workspace saved on the server no longer holds any of it: only the URL does
    eventually(lambda: saved(panels_server).get("hiddenRuns"), ["p-c"])  # the save landed
    reset(panels_server)
    with open_page(browser, panels_server.url, request, 15_000) as fresh:
        fresh.goto(url)
        expect(fresh.locator(tid("panel-grid"))).to_be_visible()
        wait_chart(fresh, "loss", "c.series.length === 1 && c.zoom !== null")
        assert what_shows(fresh) == before
    # grouping travels in the URL too
    page2 = open_workspace(panels_page, f"{WORKSPACE}?group=config.opt&x=_step")
    expect(page2.locator(f"{tid('groupby')} .groupby-chip")).to_have_count(1)
    wait_chart(page2, "loss", "c.grouped === true")
    # the URL's grouping was saved into the workspace: wait for it, so that no save is
    # still pending when the next test resets the workspace
    eventually(lambda: saved(panels_server).get("groupBy"), ["config.opt"])


def test_saved_named_views(
    panels_page: Page,
    panels_server: Server,
    browser: Browser,
    request: pytest.FixtureRequest,
) -> None:
    page = open_workspace(panels_page)
    page.locator(tid("xaxis-select")).select_option("_runtime")
    page.locator(tid("eye-p-a")).click()
    page.locator(tid("view-name")).fill("no sgd")
    page.locator(tid("view-save")).click()
    page.wait_for_url("**?view=no+sgd**")
    views = panels_server.get(f"{panels_server.project(PROJECT)}/views")["views"]
    assert [v["name"] for v in views] == ["no sgd"]
    stored = panels_server.get(f"{panels_server.project(PROJECT)}/views/no%20sgd")["settings"]
    assert stored["workspace"]["xAxis"] == "_runtime" and stored["workspace"]["hiddenRuns"] == [
        "p-a"
    ]
    reset(panels_server)
    with open_page(browser, panels_server.url, request, 15_000) as fresh:
        fresh.goto(f"{WORKSPACE}?view=no%20sgd")
        expect(fresh.locator(tid("view-select"))).to_have_value("no sgd")
        drawn = wait_chart(fresh, "loss", "c.series.length === 2 && c.xKey === '_runtime'")
        assert sorted(s["run"] for s in drawn["series"]) == ["p-b", "p-c"]
        expect(fresh.locator(tid("xaxis-select"))).to_have_value("_runtime")
        # rename it: the page opens it under its new name; a taken name is refused
        put(panels_server, "/views/taken", {"settings": {"workspace": {}, "state": {}}})
        fresh.locator(tid("view-name")).fill("taken")
        fresh.locator(tid("view-rename")).click()
        expect(fresh.locator(tid("views-message"))).to_contain_text("view not renamed")
        fresh.locator(tid("view-name")).fill("adam only")
        fresh.locator(tid("view-rename")).click()
        fresh.wait_for_url("**?view=adam+only**")
        expect(fresh.locator(tid("view-select"))).to_have_value("adam only")
        wait_chart(fresh, "loss", "c.series.length === 2 && c.xKey === '_runtime'")
        views = panels_server.get(f"{panels_server.project(PROJECT)}/views")["views"]
        assert [v["name"] for v in views] == ["adam only", "taken"]
        fresh.locator(tid("view-delete")).click()
        fresh.wait_for_url(f"**{WORKSPACE}")
    views = panels_server.get(f"{panels_server.project(PROJECT)}/views")["views"]
    assert [v["name"] for v in views] == ["taken"]
    # an unknown view says so
    page.goto(f"{WORKSPACE}?view=ghost")
    expect(page.locator(tid("view-error"))).to_contain_text('view "ghost" not loaded')


def _rgb(page: Page, selector: str, prop: str = "background-color") -> tuple[int, ...]:
    value: str = page.locator(selector).first.evaluate(
        f"e => getComputedStyle(e).getPropertyValue('{prop}')"
    )
    return tuple(int(float(v)) for v in value[value.index("(") + 1 : -1].split(",")[:3])


def _dark(rgb: tuple[int, ...]) -> bool:
    return sum(rgb) / 3 < 80


def _axis_ink(page: Page) -> tuple[int, ...]:
    """The mean colour of the opaque pixels the chart drew in its y-axis strip (tick
    labels), read from the canvas."""
    ink: list[int] = page.locator(f"{tid('panel-loss')} canvas").evaluate(
        """c => {
          const d = c.getContext('2d').getImageData(0, 0, 40, c.height).data;
          let r = 0, g = 0, b = 0, n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200) { r += d[i]; g += d[i + 1]; b += d[i + 2]; n++; }
          return n ? [r / n, g / n, b / n] : [];
        }"""
    )
    assert ink, "no axis labels drawn"
    return tuple(int(v) for v in ink)


def test_dark_mode_follows_the_system_and_toggles(
    browser: Browser, panels_server: Server, request: pytest.FixtureRequest, screenshots: Path
) -> None:
    reset(panels_server)
    context = browser.new_context(
        base_url=panels_server.url, viewport={"width": 1440, "height": 900}, color_scheme="dark"
    )
    try:
        page = context.new_page()
        open_workspace(page)
        wait_chart(page, "loss", "c.series.length === 3")
        assert _dark(_rgb(page, "body", "background-color")) or _dark(_rgb(page, ":root"))
        assert _dark(_rgb(page, tid("panel-loss")))
        assert not _dark(_rgb(page, tid("panel-title-loss"), "color"))  # light text
        expect(page.locator("html")).to_have_class("theme-dark")
        # the axis labels are drawn in a light colour on the canvas
        assert not _dark(_axis_ink(page))
        page.screenshot(path=str(screenshots / "workspace-dark.png"))
        # the toggle switches to light, remembered across pages of this browser
        page.locator(tid("theme-toggle")).click()
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        assert not _dark(_rgb(page, tid("panel-loss")))
        eventually(lambda: sum(_axis_ink(page)) / 3 < 128, True)  # redrawn dark on light
        page.reload()
        expect(page.locator(tid("panel-grid"))).to_be_visible()
        assert not _dark(_rgb(page, tid("panel-loss")))
        # toggling back to what the system shows follows the system again
        page.locator(tid("theme-toggle")).click()
        expect(page.locator("html")).not_to_have_attribute("data-theme", "light")
        assert _dark(_rgb(page, tid("panel-loss")))
        assert page.evaluate("() => localStorage.getItem('runyard:theme')") is None
    finally:
        close_context(context)
    # a light system starts light; the toggle turns it dark
    with open_page(browser, panels_server.url, request, 15_000) as light:
        open_workspace(light)
        assert not _dark(_rgb(light, tid("panel-loss")))
        light.locator(tid("theme-toggle")).click()
        eventually(lambda: _dark(_rgb(light, tid("panel-loss"))), True)
        assert _dark(_rgb(light, "button" + tid("view-save")))


def test_views_need_write_access_to_save(panels_server: Server) -> None:
    """The UI server has no accounts: saving works; the team-server rules are in
    tests/server/test_workspace.py."""
    put(
        panels_server,
        "/views/api-made",
        {"settings": {"workspace": {"xAxis": "_step"}, "state": {}}},
    )
    names = [
        v["name"] for v in panels_server.get(f"{panels_server.project(PROJECT)}/views")["views"]
    ]
    assert "api-made" in names
    saved(panels_server)
