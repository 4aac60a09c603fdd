"""Editable line panels (issue 18): every panel action in the rendered page, checked
in what the page drew (``window.__runyardCharts``, the chart box, the layout) and in
the settings the server saved; exports downloaded and checked against the stored data."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

import runyard
from tests.browser.charts import eventually, open_menu, tid, wait_chart
from tests.browser.conftest import ENTITY, Server
from tests.browser.panels_store import (  # noqa: F401  (fixtures)
    PROJECT,
    RUNS,
    WORKSPACE,
    fixture_panels_page,
    fixture_panels_server,
    fixture_panels_store,
    saved,
)


def open_workspace(page: Page) -> Page:
    page.goto(WORKSPACE)
    expect(page.locator(tid("panel-grid"))).to_be_visible()
    wait_chart(page, "loss", "c.series.length === 3")
    return page


def drawn_chart(page: Page, panel: str, condition: str = "true") -> dict[str, Any]:
    """The panel's published chart, once scrolled into view (panels load when seen)."""
    page.locator(tid(f"panel-{panel}")).scroll_into_view_if_needed()
    return wait_chart(page, panel, condition)


def menu(page: Page, panel: str, action: str) -> None:
    open_menu(page, panel)
    page.locator(tid(f"panel-{action}-{panel}")).click()


def panel_ids(page: Page, section: str) -> list[str]:
    ids: list[str] = page.locator(f"{tid(f'section-{section}')} [data-panel-id]").evaluate_all(
        "els => els.map(e => e.dataset.panelId)"
    )
    return ids


def test_edit_a_panel_title_axes_range_legend_and_kind(
    panels_page: Page, panels_server: Server
) -> None:
    page = open_workspace(panels_page)
    menu(page, "loss", "edit")
    page.locator(tid("panel-edit-title")).fill("Training loss")
    page.locator(tid("panel-edit-ytitle")).fill("nats")
    page.locator(tid("panel-edit-ymin")).fill("0")
    page.locator(tid("panel-edit-ymax")).fill("2")
    page.locator(tid("panel-edit-kind")).select_option("area")
    page.locator(tid("panel-edit-legend")).uncheck()
    page.locator(tid("panel-edit-save")).click()
    expect(page.locator(tid("panel-title-loss"))).to_have_text("Training loss")
    expect(page.locator(tid("legend-loss"))).to_have_count(0)
    box = page.locator(f"{tid('panel-loss')} .uplot-box")
    expect(box).to_have_attribute("data-chart-kind", "area")
    expect(box).to_have_attribute("data-yrange", "0,2")
    # the axis titles uPlot draws on the canvas (x: the x-axis' name by default)
    expect(box).to_have_attribute("data-axis-titles", "Step|nats")
    eventually(
        lambda: saved(panels_server).get("panels", {}).get("loss"),
        {
            "title": "Training loss",
            "yTitle": "nats",
            "yMin": 0,
            "yMax": 2,
            "legend": False,
            "kind": "area",
        },
    )
    # a bad range is refused naming the values
    menu(page, "loss", "edit")
    page.locator(tid("panel-edit-ymin")).fill("3")
    expect(page.locator(tid("panel-edit-error"))).to_contain_text(
        "y minimum 3 is not below the maximum 2"
    )
    expect(page.locator(tid("panel-edit-save"))).to_be_disabled()


def test_ignoring_outliers_leaves_the_spike_out_of_the_y_range(
    panels_page: Page, panels_server: Server
) -> None:
    page = open_workspace(panels_page)
    box = page.locator(f"{tid('panel-loss')} .uplot-box")
    page.wait_for_function(
        "() => document.querySelector('[data-panel-id=\"loss\"] .uplot-box')?.dataset.yrange"
    )
    full_max = float(box.get_attribute("data-yrange").split(",")[1])  # type: ignore[union-attr]
    assert full_max >= 50  # run p-a's one-step spike
    menu(page, "loss", "edit")
    page.locator(tid("panel-edit-outliers")).check()
    page.locator(tid("panel-edit-save")).click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-panel-id=\"loss\"] .uplot-box').dataset.yrange.split(',')[1]) < 5"
    )
    eventually(lambda: saved(panels_server).get("panels", {}).get("loss"), {"ignoreOutliers": True})


def test_duplicate_delete_restore_and_add_panels(panels_page: Page, panels_server: Server) -> None:
    page = open_workspace(panels_page)
    menu(page, "acc", "duplicate")
    copy = drawn_chart(page, "panel-1", "c.series.length === 3")
    original = wait_chart(page, "acc")
    assert sorted(s["points"][:5] for s in copy["series"]) == sorted(
        s["points"][:5] for s in original["series"]
    )
    section = page.evaluate(
        "() => document.querySelector('[data-panel-id=\"acc\"]').closest('section').dataset.testid"
    ).removeprefix("section-")
    ids = panel_ids(page, section)
    assert ids[ids.index("acc") + 1] == "panel-1"  # the copy sits right after its original
    # deleting an automatic panel hides it until restored
    menu(page, "acc", "delete")
    expect(page.locator(tid("panel-acc"))).to_have_count(0)
    eventually(lambda: saved(panels_server).get("hiddenPanels"), ["acc"])
    page.locator(tid("restore-panels")).click()
    expect(page.locator(tid("panel-acc"))).to_have_count(1)
    # an added panel draws every metric its regex matches, for every run
    page.locator(tid("add-panel")).click()
    page.locator(tid("panel-edit-metrics")).fill("val/.*")
    expect(page.locator(tid("panel-edit-matched"))).to_contain_text("2 metrics: val/acc, val/loss")
    page.locator(tid("panel-edit-section")).fill("Mine")
    page.locator(tid("panel-edit-save")).click()
    drawn = drawn_chart(page, "panel-2", "c.series.length === 6")
    assert {s["run"] for s in drawn["series"]} == {
        f"{r}|{k}" for r in RUNS for k in ("val/acc", "val/loss")
    }
    expect(page.locator(tid("section-Mine"))).to_have_count(1)
    # deleting an added panel removes it from the saved layout
    menu(page, "panel-2", "delete")
    expect(page.locator(tid("panel-panel-2"))).to_have_count(0)
    eventually(lambda: [p["id"] for p in saved(panels_server).get("customPanels", [])], ["panel-1"])


def test_sections_drag_and_resize(panels_page: Page, panels_server: Server) -> None:
    page = open_workspace(panels_page)
    page.locator(tid("add-section")).click()
    page.locator(tid("new-section-name")).fill("Reports")
    page.locator(tid("new-section-save")).click()
    expect(page.locator(tid("section-Reports"))).to_be_visible()
    # Panel ids come from the saved workspace's counter: read them, not assume them (a
    # panel an earlier test left in a save still landing would shift them).
    page.locator(tid("section-add-panel-Reports")).click()
    page.locator(tid("panel-edit-metrics")).fill("loss")
    page.locator(tid("panel-edit-save")).click()
    eventually(lambda: len(panel_ids(page, "Reports")), 1)
    (first,) = panel_ids(page, "Reports")
    drawn_chart(page, first, "c.series.length === 3")
    page.locator(tid("section-add-panel-Reports")).click()
    page.locator(tid("panel-edit-metrics")).fill("acc")
    page.locator(tid("panel-edit-save")).click()
    eventually(lambda: len(panel_ids(page, "Reports")), 2)
    second = panel_ids(page, "Reports")[1]
    drawn_chart(page, second, "c.series.length === 3")
    assert panel_ids(page, "Reports") == [first, second]
    # drag the second panel before the first
    page.locator(tid(f"panel-drag-{second}")).drag_to(page.locator(tid(f"panel-{first}")))
    eventually(lambda: panel_ids(page, "Reports"), [second, first])
    eventually(lambda: saved(panels_server).get("panelOrder", {}).get("Reports"), [second, first])
    # resize: drag the corner of the (now first) panel to the grid's right edge -> a large
    # panel spanning the row
    handle = page.locator(tid(f"panel-resize-{second}")).bounding_box()
    grid = page.locator(tid("panel-grid")).bounding_box()
    assert handle and grid
    page.mouse.move(handle["x"] + 3, handle["y"] + 3)
    page.mouse.down()
    page.mouse.move(grid["x"] + grid["width"] - 4, handle["y"] + 40, steps=4)
    page.mouse.up()
    expect(page.locator(tid(f"panel-{second}"))).to_have_class("panel panel-size-l")
    wide = page.locator(tid(f"panel-{second}")).bounding_box()
    assert wide and wide["width"] > grid["width"] * 0.9
    # deleting the section deletes its panels
    page.locator(tid("section-delete-Reports")).click()
    expect(page.locator(tid("section-Reports"))).to_have_count(0)
    eventually(lambda: saved(panels_server).get("customPanels"), [])


def test_full_screen_panel(panels_page: Page, screenshots: Path) -> None:
    page = open_workspace(panels_page)
    page.screenshot(path=str(screenshots / "workspace-panels.png"))
    page.locator(tid("panel-fullscreen-loss")).click()
    panel = page.locator(tid("panel-loss"))
    box = panel.bounding_box()
    assert box and box["width"] > 1300 and box["height"] > 700
    canvas = page.locator(f"{tid('panel-loss')} canvas").bounding_box()
    assert canvas and canvas["height"] > 500
    page.screenshot(path=str(screenshots / "panel-fullscreen.png"))
    page.keyboard.press("Escape")
    small = panel.bounding_box()
    assert small and small["width"] < 800


def test_panel_search_by_regex(panels_page: Page) -> None:
    page = open_workspace(panels_page)
    page.locator(tid("panel-search")).fill("^val/")
    expect(page.locator(f"{tid('panel-grid')} [data-panel-id]")).to_have_count(2)
    expect(page.locator(tid("panel-val/acc"))).to_be_visible()
    page.locator(tid("panel-search")).fill("loss(")
    expect(page.locator(tid("panel-search-error"))).to_contain_text("not a regular expression")
    page.locator(tid("panel-search")).fill("")
    expect(page.locator(f"{tid('panel-grid')} [data-panel-id]")).to_have_count(4)


def _drag_zoom(page: Page, panel: str, start: float, end: float) -> None:
    over = page.locator(f"{tid(f'panel-{panel}')} .u-over").bounding_box()
    assert over
    y = over["y"] + over["height"] / 2
    page.mouse.move(over["x"] + over["width"] * start, y)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * end, y, steps=5)
    page.mouse.up()


def test_zoom_synced_across_panels_is_optional(panels_page: Page) -> None:
    page = open_workspace(panels_page)
    wait_chart(page, "acc")
    _drag_zoom(page, "loss", 0.25, 0.6)
    zoomed = wait_chart(page, "loss", "c.zoom !== null")["zoom"]
    assert wait_chart(page, "acc")["zoom"] is None  # not synced: one panel only
    page.locator(tid("sync-zoom")).check()
    _drag_zoom(page, "loss", 0.25, 0.6)
    synced = wait_chart(page, "acc", "c.zoom !== null")["zoom"]
    assert drawn_chart(page, "val/loss", "c.zoom !== null")["zoom"] == synced
    assert synced["xmin"] == pytest.approx(zoomed["xmin"], rel=0.05)
    page.locator(tid("zoom-reset-acc")).click()
    wait_chart(page, "loss", "c.zoom === null")


def test_exports_png_svg_and_csv(panels_page: Page, panels_server: Server, tmp_path: Path) -> None:
    page = open_workspace(panels_page)
    files = {}
    for kind in ("png", "svg", "csv"):
        with page.expect_download() as download:
            menu(page, "loss", f"export-{kind}")
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        files[kind] = target
    assert files["png"].name == "loss.png"
    png = files["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 300 and height > 200
    root = ET.fromstring(files["svg"].read_text())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert {p.get("data-run") for p in paths} == set(RUNS)
    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text())))
    api = runyard.Api(store=panels_server.url.rstrip("/"))
    expected = []
    for rid in RUNS:
        run = api.run(f"{ENTITY}/{PROJECT}/{rid}")
        expected += [
            (rid, int(r["_step"]), float(r["loss"])) for r in run.scan_history(keys=["loss"])
        ]
    assert sorted((r["run"], int(r["_step"]), float(r["value"])) for r in rows) == sorted(expected)


def test_histogram_heatmap_over_steps(panels_page: Page, screenshots: Path) -> None:
    page = open_workspace(panels_page)
    panel = page.locator(tid("panel-weights"))
    panel.scroll_into_view_if_needed()
    expect(panel.locator(tid("media-histogram")).first).to_be_visible()
    page.locator(tid("heatmap-toggle-weights")).click()
    expect(panel.locator(tid("media-heatmap"))).to_have_count(len(RUNS))
    page.wait_for_function(
        "n => Object.keys((window.__runyardHeatmaps || {}).weights || {}).length === n",
        arg=len(RUNS),
    )
    drawn = page.evaluate("() => window.__runyardHeatmaps.weights")
    logged_steps = list(range(0, 40, 5))
    for rid in RUNS:
        assert drawn[rid]["steps"] == logged_steps
        # each step's values were drawn from normal(step / 10, 1): the fullest bin follows
        modes = drawn[rid]["modes"]
        assert all(abs(m - s / 10) < 1.0 for m, s in zip(modes, logged_steps, strict=True))
        assert modes[-1] > modes[0] + 2
    # the canvas holds one column per step, coloured where the values are
    lit = (
        panel.locator(tid("media-heatmap"))
        .first.locator("canvas")
        .evaluate(
            """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return [c.width, n]; }"""
        )
    )
    assert lit[0] == len(logged_steps) and lit[1] > len(logged_steps) * 5
    panel.screenshot(path=str(screenshots / "histogram-heatmap.png"))
