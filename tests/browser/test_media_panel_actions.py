"""Media and custom-chart panels take the line panels' actions (issue 18): edit (title,
size, step shown, a histogram's heatmap), duplicate, delete, drag, resize, move to another
section, export (the logged files, a table's data as CSV/JSON, a PNG of a histogram or a
chart), and their sections' actions. Checked in the rendered page, in the workspace the
server saved, after a reload, and in the downloaded files' content."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Locator, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.charts import eventually, open_menu, tid
from tests.browser.conftest import ENTITY, Server, open_page, run_code, serve_ui

PROJECT = "media-actions"
WORKSPACE = f"/{ENTITY}/{PROJECT}"
RUN = "m-a"
STEPS = 3
TABLE = [[i, f"item-{i}", i * 0.5] for i in range(7)]

SEED = f"""
import numpy as np
import runyard as wandb
rng = np.random.default_rng(0)
with wandb.init(project={PROJECT!r}, id={RUN!r}, name="media-run") as run:
    for step in range({STEPS}):
        run.log({{
            "samples/img": wandb.Image((rng.random((12, 12, 3)) * 255).astype(np.uint8), caption=f"step {{step}}"),
            "weights": wandb.Histogram(rng.normal(step, 1, 300)),
            "loss": 1 / (step + 1),
        }}, step=step)
    run.log({{"report": wandb.Html("<h1 id='hello'>Hello media</h1>")}}, step={STEPS})
    run.log({{"preds": wandb.Table(columns=["id", "label", "score"], data={TABLE!r})}}, step={STEPS})
    points = wandb.Table(columns=["x", "y"], data=[[x, x * x] for x in range(10)])
    run.log({{"curve": wandb.plot.line(points, "x", "y", title="Curve")}}, step={STEPS})
"""


@pytest.fixture(scope="module", name="media_actions_server")
def fixture_media_actions_server(
    tmp_path_factory: pytest.TempPathFactory, _browser_stack: None
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("media-actions") / "runyard"
    run_code(SEED, root)
    with serve_ui(root) as ready:
        yield ready


def saved(server: Server) -> dict[str, Any]:
    settings: dict[str, Any] = server.get(f"{server.project(PROJECT)}/workspace")["settings"]
    return settings


@pytest.fixture(name="page")
def fixture_page(
    browser: Browser, media_actions_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    _reset(media_actions_server)
    with open_page(browser, media_actions_server.url, request, 15_000) as fresh:
        yield fresh
    _settle(media_actions_server)


def _reset(server: Server) -> None:
    request = urllib.request.Request(
        f"{server.url}api/v1{server.project(PROJECT)}/workspace",
        data=json.dumps({"settings": {}}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _settle(server: Server) -> None:
    """Wait until the saved workspace stops changing (a closing page flushes its save)."""
    deadline = time.monotonic() + 8
    last, since = saved(server), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < 0.6:
        time.sleep(0.1)
        now = saved(server)
        if now != last:
            last, since = now, time.monotonic()


def open_workspace(page: Page) -> Page:
    page.goto(WORKSPACE)
    expect(page.locator(tid("media-grid"))).to_be_visible()
    return page


def reload(page: Page, server: Server) -> Page:
    _settle(server)
    page.reload()
    expect(page.locator(tid("media-grid"))).to_be_visible()
    return page


def panel(page: Page, id_: str) -> Locator:
    """The panel, scrolled into view. The media grid draws again once the runs' custom
    charts are known (the page's first seconds): a panel found before may be replaced."""
    locator = page.locator(tid(f"panel-{id_}"))
    for attempt in range(3):
        expect(locator).to_have_count(1)
        try:
            locator.scroll_into_view_if_needed(timeout=5_000)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
    return locator


def menu(page: Page, id_: str, action: str) -> None:
    panel(page, id_)
    open_menu(page, id_)
    page.locator(tid(f"panel-{action}-{id_}")).click()


def panel_ids(page: Page, section: str) -> list[str]:
    ids: list[str] = page.locator(
        f"{tid(f'media-section-{section}')} [data-panel-id]"
    ).evaluate_all("els => els.map(e => e.dataset.panelId)")
    return ids


def download(page: Page, id_: str, kind: str, tmp_path: Path) -> Path:
    with page.expect_download() as done:
        menu(page, id_, f"export-{kind}")
    target = tmp_path / f"{kind}-{done.value.suggested_filename}"
    done.value.save_as(target)
    return target


def drag(page: Page, source: str, target: str) -> None:
    """Drag `source` onto `target` with the mouse, in small steps (as a hand would); both
    must show in the viewport (the target is scrolled to the middle: the workspace's sticky
    toolbar covers the top)."""
    page.locator(target).evaluate("e => e.scrollIntoView({block: 'center'})")
    start = page.locator(source).bounding_box()
    end = page.locator(target).bounding_box()
    viewport = page.viewport_size
    assert start and end and viewport
    assert end["y"] >= 0 and start["y"] + start["height"] <= viewport["height"], (start, end)
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_edit_a_media_panels_title_step_and_size(page: Page, media_actions_server: Server) -> None:
    open_workspace(page)
    images = panel(page, "samples/img")
    expect(images).to_have_attribute("data-step", str(STEPS - 1))
    menu(page, "samples/img", "edit")
    # a media panel's editor has no axes, y range or chart kind
    expect(page.locator(tid("panel-edit-ymin"))).to_have_count(0)
    page.locator(tid("panel-edit-step")).fill("one")
    expect(page.locator(tid("panel-edit-error"))).to_contain_text('got "one"')
    expect(page.locator(tid("panel-edit-save"))).to_be_disabled()
    page.locator(tid("panel-edit-title")).fill("Samples")
    page.locator(tid("panel-edit-step")).fill("1")
    page.locator(tid("panel-edit-size")).select_option("l")
    page.locator(tid("panel-edit-save")).click()
    expect(page.locator(tid("panel-title-samples/img"))).to_have_text("Samples")
    expect(images).to_have_attribute("data-step", "1")
    expect(images.locator(tid("media-caption"))).to_have_text("step 1")
    expect(images).to_have_attribute("data-size", "l")
    grid = page.locator(tid("media-grid")).bounding_box()
    box = images.bounding_box()
    assert grid and box and box["width"] > grid["width"] * 0.9
    eventually(
        lambda: saved(media_actions_server).get("panels", {}).get("samples/img"),
        {"title": "Samples", "step": 1, "size": "l"},
    )
    reload(page, media_actions_server)
    images = panel(page, "samples/img")
    expect(page.locator(tid("panel-title-samples/img"))).to_have_text("Samples")
    expect(images).to_have_attribute("data-step", "1")
    expect(images).to_have_attribute("data-size", "l")


def test_a_histograms_settings_draw_every_step(page: Page, media_actions_server: Server) -> None:
    open_workspace(page)
    weights = panel(page, "weights")
    expect(weights.locator(tid("media-histogram"))).to_have_count(1)
    menu(page, "weights", "edit")
    page.locator(tid("panel-edit-oversteps")).check()
    page.locator(tid("panel-edit-save")).click()
    expect(weights.locator(tid("media-heatmap"))).to_have_count(1)
    expect(weights.locator(tid("media-heatmap"))).to_have_attribute("data-steps", str(STEPS))
    reload(page, media_actions_server)
    expect(panel(page, "weights").locator(tid("media-heatmap"))).to_have_count(1)


def test_a_tables_columns_shown(page: Page, media_actions_server: Server, tmp_path: Path) -> None:
    open_workspace(page)
    table = panel(page, "preds")
    expect(table.locator("th")).to_have_text(["id", "label", "score"])
    menu(page, "preds", "edit")
    page.locator(tid("panel-edit-columns")).fill("score, id")
    page.locator(tid("panel-edit-save")).click()
    # shown in the table's order, whatever order they were named in
    expect(table.locator("th")).to_have_text(["id", "score"])
    expect(table.locator(tid("table-row")).first.locator("td")).to_have_count(2)
    eventually(
        lambda: saved(media_actions_server).get("panels", {}).get("preds"),
        {"columns": ["score", "id"]},
    )
    # the export holds the columns shown
    rows = list(csv.reader(io.StringIO(download(page, "preds", "csv", tmp_path).read_text())))
    assert rows[0] == ["id", "score"] and len(rows) == len(TABLE) + 1
    reload(page, media_actions_server)
    expect(panel(page, "preds").locator("th")).to_have_text(["id", "score"])


def test_duplicate_delete_and_restore_media_panels(
    page: Page, media_actions_server: Server
) -> None:
    open_workspace(page)
    expect(panel(page, "preds").locator(tid("table-row"))).to_have_count(len(TABLE))
    menu(page, "preds", "duplicate")
    eventually(lambda: len(saved(media_actions_server).get("customPanels", [])), 1)
    (copy,) = saved(media_actions_server)["customPanels"]
    assert copy["media"] == "preds" and copy["section"] == "media:Media"
    ids = panel_ids(page, "Media")
    assert ids[ids.index("preds") + 1] == copy["id"]  # right after its original
    # the copy draws the same table
    expect(panel(page, copy["id"]).locator(tid("table-row"))).to_have_count(len(TABLE))
    # deleting the automatic panel hides it until restored
    menu(page, "preds", "delete")
    expect(page.locator(tid("panel-preds"))).to_have_count(0)
    eventually(lambda: saved(media_actions_server).get("hiddenPanels"), ["preds"])
    reload(page, media_actions_server)
    expect(page.locator(tid("panel-preds"))).to_have_count(0)
    page.locator(tid("restore-panels")).click()
    expect(page.locator(tid("panel-preds"))).to_have_count(1)
    # the restored table's rows arriving move its copy down: wait for them (a click aimed
    # before the shift lands beside the copy's menu)
    expect(panel(page, "preds").locator(tid("table-row"))).to_have_count(len(TABLE))
    # deleting the copy removes it from the layout
    menu(page, copy["id"], "delete")
    expect(page.locator(tid(f"panel-{copy['id']}"))).to_have_count(0)
    eventually(lambda: saved(media_actions_server).get("customPanels"), [])


def test_drag_and_resize_media_panels(page: Page, media_actions_server: Server) -> None:
    open_workspace(page)
    before = panel_ids(page, "Media")
    assert before == ["preds", "report", "weights"]
    # drag once the panels are drawn (a table arriving later shifts the ones below it)
    expect(panel(page, "preds").locator(tid("table-row"))).to_have_count(len(TABLE))
    expect(panel(page, "report").locator(tid("media-html"))).to_have_count(1)
    expect(panel(page, "weights").locator(tid("media-histogram"))).to_have_count(1)
    # onto the report's head (a drop over its logged page's frame is not delivered to the
    # page under Playwright's drag, though the frame lets the dragover through)
    drag(page, tid("panel-drag-weights"), tid("panel-title-report"))
    eventually(lambda: panel_ids(page, "Media"), ["preds", "weights", "report"])
    eventually(
        lambda: saved(media_actions_server).get("panelOrder", {}).get("media:Media"),
        ["preds", "weights", "report"],
    )
    # drag the report's corner to the grid's right edge: a large panel spanning the row
    report = panel(page, "report")
    handle = page.locator(tid("panel-resize-report")).bounding_box()
    grid = page.locator(tid("media-grid")).bounding_box()
    assert handle and grid
    page.mouse.move(handle["x"] + 3, handle["y"] + 3)
    page.mouse.down()
    page.mouse.move(grid["x"] + grid["width"] - 4, handle["y"] + 40, steps=4)
    page.mouse.up()
    expect(report).to_have_attribute("data-size", "l")
    box = report.bounding_box()
    assert box and box["width"] > grid["width"] * 0.9
    eventually(lambda: saved(media_actions_server).get("panels", {}).get("report"), {"size": "l"})
    reload(page, media_actions_server)
    eventually(lambda: panel_ids(page, "Media"), ["preds", "weights", "report"])
    expect(panel(page, "report")).to_have_attribute("data-size", "l")


def test_move_a_media_panel_to_another_section(page: Page, media_actions_server: Server) -> None:
    open_workspace(page)
    panel(page, "report")
    page.locator(tid("panel-menu-report")).click()
    page.locator(tid("panel-move-report")).select_option("media:samples")
    eventually(lambda: panel_ids(page, "samples"), ["samples/img", "report"])
    assert "report" not in panel_ids(page, "Media")
    eventually(
        lambda: saved(media_actions_server).get("panelSections"), {"report": "media:samples"}
    )
    expect(panel(page, "report").locator(tid("media-html"))).to_have_count(1)
    reload(page, media_actions_server)
    eventually(lambda: panel_ids(page, "samples"), ["samples/img", "report"])


def test_media_sections_rename_reorder_collapse_and_delete(
    page: Page, media_actions_server: Server
) -> None:
    open_workspace(page)
    names = page.locator(f"{tid('media-grid')} > section").evaluate_all(
        "els => els.map(e => e.dataset.testid.slice('media-section-'.length))"
    )
    assert "samples" in names and "Media" in names
    page.locator(tid("media-section-rename-samples")).click()
    page.locator(tid("media-section-name-samples")).fill("Images")
    page.keyboard.press("Enter")
    expect(page.locator(tid("media-section-title-samples"))).to_have_text("Images")
    at = names.index("samples")
    page.locator(tid("media-section-up-samples")).click()
    expected = names[:]
    expected[at - 1], expected[at] = expected[at], expected[at - 1]

    def order() -> list[str]:
        shown: list[str] = page.locator(f"{tid('media-grid')} > section").evaluate_all(
            "els => els.map(e => e.dataset.testid.slice('media-section-'.length))"
        )
        return shown

    eventually(order, expected)
    page.locator(tid("media-section-toggle-samples")).click()
    expect(page.locator(f"{tid('media-section-samples')} [data-panel-id]")).to_have_count(0)
    eventually(
        lambda: saved(media_actions_server).get("sectionTitles"), {"media:samples": "Images"}
    )
    reload(page, media_actions_server)
    expect(page.locator(tid("media-section-title-samples"))).to_have_text("Images")
    eventually(order, expected)
    expect(page.locator(tid("media-section-toggle-samples"))).to_have_attribute(
        "aria-expanded", "false"
    )
    page.locator(tid("media-section-delete-samples")).click()
    expect(page.locator(tid("media-section-samples"))).to_have_count(0)
    eventually(lambda: saved(media_actions_server).get("hiddenPanels"), ["samples/img"])


def test_media_panel_exports(page: Page, media_actions_server: Server, tmp_path: Path) -> None:
    open_workspace(page)
    # an image: the logged file itself
    src = panel(page, "samples/img").locator(tid("media-image")).get_attribute("src")
    assert src
    image = download(page, "samples/img", "file", tmp_path)
    assert image.read_bytes() == page.request.get(src).body()
    png_size(image.read_bytes())
    # an HTML page: the logged file
    html = download(page, "report", "file", tmp_path)
    assert "Hello media" in html.read_text()
    # a table: its rows as CSV and JSON, as stored
    stored = media_actions_server.get(
        f"{media_actions_server.project(PROJECT)}/runs/{RUN}/table", key="preds", limit=100
    )
    rows = list(csv.reader(io.StringIO(download(page, "preds", "csv", tmp_path).read_text())))
    assert rows[0] == stored["columns"] == ["id", "label", "score"]
    assert [[float(c) if i != 1 else c for i, c in enumerate(r)] for r in rows[1:]] == [
        [float(c) if i != 1 else c for i, c in enumerate(r)] for r in TABLE
    ]
    data = json.loads(download(page, "preds", "json", tmp_path).read_text())
    assert data["columns"] == stored["columns"] and data["rows"] == stored["rows"]
    assert data["run"] == RUN and data["step"] == STEPS
    # a histogram: a PNG of its drawing and its bins
    expect(panel(page, "weights").locator(tid("media-histogram"))).to_have_count(1)
    width, height = png_size(download(page, "weights", "png", tmp_path).read_bytes())
    assert width > 200 and height > 100
    bins = json.loads(download(page, "weights", "json", tmp_path).read_text())
    assert [(b["run"], b["step"]) for b in bins] == [(RUN, STEPS - 1)]
    assert sum(bar["count"] for bar in bins[0]["bins"]) == 300
    # a custom chart: a PNG of what Vega drew and the rows it drew
    page.wait_for_function("() => (window.__runyardVega || {}).curve?.marks > 0")
    width, height = png_size(download(page, "curve", "png", tmp_path).read_bytes())
    assert width > 200 and height > 100
    chart_rows = list(
        csv.DictReader(io.StringIO(download(page, "curve", "csv", tmp_path).read_text()))
    )
    assert [(float(r["x"]), float(r["y"])) for r in chart_rows] == [(x, x * x) for x in range(10)]
    assert {r["run"] for r in chart_rows} == {RUN}


def test_media_panels_are_drawn_once_the_runs_are_known(page: Page) -> None:
    """Drawn before the runs list arrived, the media panels were taken down and drawn again
    once the runs' custom charts were asked for (a test holding a panel then found it
    detached, and the panels' first requests were aborted)."""
    held: list[Route] = []
    runs = re.compile(rf".*/api/v1/projects/{ENTITY}/{PROJECT}/runs(\?.*)?$")
    page.route(runs, lambda route: held.append(route))
    page.goto(WORKSPACE)
    # the metric keys are in (the line panels are drawn), the runs are not
    expect(page.locator(tid("panel-loss"))).to_have_count(1)
    assert held
    expect(page.locator(tid("media-grid"))).to_have_count(0)
    page.unroute(runs)
    for route in held:
        route.continue_()
    expect(page.locator(tid("panel-preds"))).to_have_count(1)
    first = page.locator(tid("panel-preds")).element_handle()
    expect(panel(page, "preds").locator(tid("table-row"))).to_have_count(len(TABLE))
    expect(panel(page, "curve").locator("canvas")).to_have_count(1)
    assert first.evaluate("el => el.isConnected")
