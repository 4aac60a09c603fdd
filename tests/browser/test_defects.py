"""Defects a new user hit in the workspace and on the run page (issue 18), each checked
in the rendered page: summary values, table headers, pinned columns, media layout,
histogram axes, "not found" pages, key colours, accessibility (axe-core).

Tests that change a project's saved workspace put the settings back when they end:
the browser suite shares its servers.
"""

from __future__ import annotations

import json
import math
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from tests.browser.charts import eventually, tid
from tests.browser.conftest import (
    ENTITY,
    MEDIA_ENTITY,
    MEDIA_PROJECT,
    MEDIA_RUNS,
    PROJECT,
    TABLE_ROWS,
    Server,
    run_code,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"

# A project of its own: define_metric summaries, a tensor and a long summary key.
DEFECTS_PROJECT = "defects"
DEFECTS = f"""
import numpy as np, runyard as wandb
for n in range(2):
    with wandb.init(project={DEFECTS_PROJECT!r}, name=f"defects-{{n}}", reinit="create_new") as run:
        run.define_metric("loss", summary="min")
        run.define_metric("acc", summary="max")
        for step in range(20):
            run.log({{"loss": 1 / (step + 1) + n, "acc": step / 20, "a_rather_long_metric_name": step}})
        run.summary["weights"] = np.random.default_rng(n).normal(0, 1, 1000)
"""
# Many images at one step: the list must scroll inside its panel.
IMAGES_PROJECT = "image-list"
IMAGES = 24
IMAGE_LIST = f"""
import numpy as np, runyard as wandb
rng = np.random.default_rng(0)
with wandb.init(entity={MEDIA_ENTITY!r}, project={IMAGES_PROJECT!r}, name="many-images") as run:
    run.log({{"examples": [wandb.Image((rng.random((64, 64, 3)) * 255).astype(np.uint8),
                                      caption=f"img {{i}}") for i in range({IMAGES})],
              "weights": wandb.Histogram(rng.normal(0, 1, 500), num_bins=30),
              "page": wandb.Html("<p>neighbour</p>")}})
    # a matplotlib figure (converted when logged) and a Plotly figure stored the way
    # mpl_to_plotly made them before the fix (640x480, autosize off, mirrored ticks)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1, 4, 9])
    legacy = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 4, 9]))
    legacy.update_layout(width=640, height=480, autosize=False, margin=dict(r=63, l=80, t=57, b=52))
    legacy.update_xaxes(mirror="ticks", ticks="inside", showline=True)
    legacy.update_yaxes(mirror="ticks", ticks="inside", showline=True)
    run.log({{"mpl": fig, "legacy": wandb.Plotly(legacy)}})
    # a chart naming a preset nobody saved
    points = wandb.Table(columns=["x", "y"], data=[[0, 1], [1, 2]])
    run.log({{"unsaved": wandb.plot_table("someone/unsaved_chart", points, {{"x": "x", "y": "y"}})}})
"""


@pytest.fixture(scope="module")
def defects_project(server: Server) -> str:
    run_code(DEFECTS, server.root)
    return DEFECTS_PROJECT


@pytest.fixture(scope="module")
def image_list_project(media_server: Server) -> str:
    run_code(IMAGE_LIST, media_server.root)
    return IMAGES_PROJECT


def _put_workspace(server: Server, entity: str, project: str, settings: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{server.url}api/v1/projects/{entity}/{project}/workspace",
        data=json.dumps({"settings": settings}).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def remember(server: Server, entity: str, project: str) -> dict[str, Any]:
    settings: dict[str, Any] = server.get(f"/projects/{entity}/{project}/workspace")["settings"]
    return settings


def runs_of(server: Server, entity: str, project: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = server.get(f"/projects/{entity}/{project}/runs", limit=1000)[
        "runs"
    ]
    return runs


# -- 3. rich summary values ---------------------------------------------------------------


def _tensor_stats(summary: dict[str, Any]) -> dict[str, float]:
    return {k: v for k, v in summary.items() if k in ("min", "max", "mean", "std")}


def test_a_tensor_summary_shows_statistics_and_a_histogram_on_the_run_page_and_in_the_table(
    page: Page, server: Server, defects_project: str
) -> None:
    runs = runs_of(server, ENTITY, defects_project)
    run = next(r for r in runs if r["name"] == "defects-0")
    stats = run["summary"]["weights"]
    assert stats["_type"] == "numpy.ndarray"
    page.goto(f"/{ENTITY}/{defects_project}/runs/{run['id']}/overview")
    row = page.locator(tid("run-summary-weights"))
    expect(row).not_to_contain_text("[numpy.ndarray]")
    tensor = row.locator(tid("summary-tensor"))
    expect(tensor).to_be_visible()
    for name, value in _tensor_stats(stats).items():
        cell = tensor.locator(tid(f"tensor-stat-{name}"))
        assert math.isclose(float(cell.get_attribute("data-value") or "nan"), value)
    for p in ("5%", "25%", "50%", "75%", "95%"):
        cell = tensor.locator(tid(f"tensor-stat-{p}"))
        assert math.isclose(float(cell.get_attribute("data-value") or "nan"), stats[p])
    expect(tensor.locator(tid("tensor-shape"))).to_have_text("1000")
    bars = tensor.locator(f"{tid('summary-histogram')} rect")
    assert bars.count() >= 10
    # a normal distribution: the middle bars are the tallest
    heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(bars.count())]
    assert max(heights) in heights[len(heights) // 4 : 3 * len(heights) // 4]

    # the runs table: the column shows the statistics in a line and a small histogram
    settings = remember(server, ENTITY, defects_project)
    try:
        _put_workspace(
            server,
            ENTITY,
            defects_project,
            {**settings, "columns": ["run:state", "summary:weights"]},
        )
        page.goto(f"/{ENTITY}/{defects_project}")
        cell = page.locator(tid(f"cell-{run['id']}-summary:weights"))
        expect(cell).to_contain_text("mean")
        expect(cell).not_to_contain_text("[numpy.ndarray]")
        expect(cell.locator("svg rect").first).to_be_attached()
    finally:
        _put_workspace(server, ENTITY, defects_project, settings)


def test_media_summary_values_render_on_the_run_page(
    media_page: Page, media_server: Server
) -> None:
    page = media_page
    run = next(
        r for r in runs_of(media_server, MEDIA_ENTITY, MEDIA_PROJECT) if r["name"] == MEDIA_RUNS[0]
    )
    page.goto(f"/{MEDIA_ENTITY}/{MEDIA_PROJECT}/runs/{run['id']}/overview")
    summary = page.locator(tid("run-summary"))
    expect(summary).not_to_contain_text("[html-file]")
    expect(summary).not_to_contain_text("[table-file]")
    expect(summary).not_to_contain_text("[image-file]")
    # HTML, drawn in a sandboxed frame
    html = summary.locator(tid("run-summary-page")).locator(f"{tid('summary-html-box')} iframe")
    expect(html).to_have_attribute("sandbox", re.compile("allow-scripts"))
    frame = page.frame_locator(f"{tid('run-summary-page')} iframe")
    expect(frame.locator("#hello")).to_have_text(f"Hello from {MEDIA_RUNS[0]}")
    # an image, loaded
    image = summary.locator(tid("run-summary-samples")).locator("img")
    page.wait_for_function(
        "el => el.complete && el.naturalWidth === 16", arg=image.element_handle()
    )
    # a table: its size and a link to it
    table = summary.locator(tid("run-summary-predictions")).locator(tid("summary-table"))
    expect(table).to_contain_text(f"{TABLE_ROWS} rows")
    href = table.locator("a").first.get_attribute("href") or ""
    assert page.request.get(href).ok
    # a histogram: one bar per bin
    weights = run["summary"]["weights"]
    bars = summary.locator(tid("run-summary-weights")).locator(f"{tid('summary-histogram')} rect")
    expect(bars).to_have_count(len(weights["values"]))


# -- 4. the sort arrow --------------------------------------------------------------------


def test_a_sorted_column_shows_its_arrow_even_when_its_name_is_cut(
    page: Page, server: Server, defects_project: str
) -> None:
    column = "summary:a_rather_long_metric_name"
    settings = remember(server, ENTITY, defects_project)
    try:
        _put_workspace(
            server,
            ENTITY,
            defects_project,
            {**settings, "columns": [column], "sort": [{"id": column, "desc": True}]},
        )
        page.goto(f"/{ENTITY}/{defects_project}")
        header = page.locator(tid(f"header-{column}"))
        mark = header.locator(".sort-mark")
        expect(mark).to_have_text("▼")
        box = header.bounding_box()
        arrow = mark.bounding_box()
        assert box and arrow
        assert arrow["width"] > 4
        assert box["x"] <= arrow["x"] and arrow["x"] + arrow["width"] <= box["x"] + box["width"]
        # the name is cut with an ellipsis, not the arrow
        label = header.locator(".th-label")
        assert label.evaluate("el => el.scrollWidth > el.clientWidth")
    finally:
        _put_workspace(server, ENTITY, defects_project, settings)


# -- 8. define_metric summaries pinned by default -----------------------------------------


def test_define_metric_summaries_are_pinned_columns_by_default(
    page: Page, server: Server, defects_project: str
) -> None:
    settings = remember(server, ENTITY, defects_project)
    assert "columns" not in settings  # nothing chosen: the defaults show
    page.goto(f"/{ENTITY}/{defects_project}")
    runs = runs_of(server, ENTITY, defects_project)
    for name, (key, agg) in (("loss.min", ("loss", "min")), ("acc.max", ("acc", "max"))):
        header = page.locator(tid(f"header-summary:{name}"))
        expect(header).to_be_visible()
        expect(header).to_have_class(re.compile("user-pinned"))
        for run in runs:
            cell = page.locator(tid(f"cell-{run['id']}-summary:{name}"))
            assert math.isclose(float(cell.inner_text()), run["summary"][key][agg], rel_tol=1e-5)


# -- 9. image lists scroll; panels keep their height; histogram axes ----------------------


def test_an_image_list_scrolls_inside_its_panel_and_neighbours_do_not_stretch(
    media_page: Page, media_server: Server, image_list_project: str, screenshots: Path
) -> None:
    page = media_page
    page.goto(f"/{MEDIA_ENTITY}/{image_list_project}")
    panel = page.locator(tid("panel-examples"))
    images = panel.locator(tid("media-image"))
    expect(images).to_have_count(IMAGES)
    panel.scroll_into_view_if_needed()
    page.wait_for_function(
        "el => [...el.querySelectorAll('img')].every(i => i.complete && i.naturalWidth === 64)",
        arg=panel.element_handle(),
    )
    # images fill the panel's width, several to a row
    tops = {round(images.nth(i).bounding_box()["y"]) for i in range(IMAGES)}  # type: ignore[index]
    assert len(tops) <= IMAGES // 3
    # the list scrolls inside the panel, and the last image can be reached
    scroller = panel.locator(".media-runs")
    assert scroller.evaluate("el => el.scrollHeight > el.clientHeight")
    assert scroller.evaluate("el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowY)")
    images.last.scroll_into_view_if_needed()
    last = images.last.bounding_box()
    body = panel.bounding_box()
    assert last and body and last["y"] + last["height"] <= body["y"] + body["height"] + 1
    # no panel of the section is taller than what it holds
    heights = page.locator(".media-panel").evaluate_all(
        """els => els.map(el => {
            const inner = [...el.children].reduce((h, c) => h + c.getBoundingClientRect().height, 0);
            return el.getBoundingClientRect().height - inner; })"""
    )
    assert heights and max(heights) < 40, heights
    panel.screenshot(path=str(screenshots / "media-image-list.png"))


def test_histogram_panels_have_readable_formatted_axes(
    media_page: Page, media_server: Server, image_list_project: str
) -> None:
    page = media_page
    page.goto(f"/{MEDIA_ENTITY}/{image_list_project}")
    panel = page.locator(tid("panel-weights"))
    panel.scroll_into_view_if_needed()
    figure = panel.locator("figure.histogram")
    expect(figure).to_have_count(1)
    y_ticks = figure.locator(tid("histogram-y-axis")).locator("text")
    assert y_ticks.count() >= 2
    x_ticks = figure.locator(tid("histogram-x-axis")).locator("text")
    assert x_ticks.count() >= 3
    for tick in [*x_ticks.all(), *y_ticks.all()]:
        text = tick.text_content() or ""
        assert re.fullmatch(r"-?\d+(\.\d{1,3})?k?", text), text
        box = tick.bounding_box()
        assert box and box["height"] >= 11, box  # at least an 11 px font on the screen


# -- 6. matplotlib -> Plotly figures fit their panel ----------------------------------------


@pytest.mark.parametrize("key", ["mpl", "legacy"])
def test_converted_figures_fit_their_panel_without_mirrored_ticks(
    media_page: Page, media_server: Server, image_list_project: str, key: str
) -> None:
    page = media_page
    page.set_viewport_size({"width": 1000, "height": 900})  # panels narrower than 640 px
    page.goto(f"/{MEDIA_ENTITY}/{image_list_project}")
    panel = page.locator(tid(f"panel-{key}"))
    panel.scroll_into_view_if_needed()
    expect(panel.locator("[data-traces='1']")).to_have_count(1, timeout=30_000)
    plot = panel.locator(".js-plotly-plot")
    drawn = plot.evaluate(
        """el => ({width: el._fullLayout.width, mirrors: [el._fullLayout.xaxis.mirror, el._fullLayout.yaxis.mirror],
                   svg: el.querySelector('svg.main-svg').getBoundingClientRect().right})"""
    )
    box = panel.bounding_box()
    assert box
    assert box["width"] < 640
    assert drawn["svg"] <= box["x"] + box["width"] + 0.5, (drawn, box)  # not clipped on the right
    assert drawn["mirrors"] == [True, True]  # the box's lines, no unlabelled ticks


# -- 10. not found, no failed requests ------------------------------------------------------


def test_unknown_project_and_run_say_not_found(page: Page, server: Server) -> None:
    page.goto(f"/{ENTITY}/no-such-project")
    expect(page.locator(tid("not-found"))).to_contain_text("Project not found")
    expect(page.locator(tid("not-found"))).to_contain_text("no-such-project")
    expect(page.locator(tid("runs-table"))).to_have_count(0)
    page.goto(f"/{ENTITY}/{PROJECT}/runs/no-such-run")
    expect(page.locator(tid("not-found"))).to_contain_text("Run not found")
    expect(page.locator(tid("not-found"))).not_to_contain_text("Error")
    expect(page.locator(tid("not-found")).locator("a")).to_have_attribute(
        "href", f"/{ENTITY}/{PROJECT}"
    )


def test_a_run_page_opened_before_its_run_is_stored_shows_the_run_once_it_is(
    page: Page, server: Server
) -> None:
    """A script prints its run id and the page is opened before the writer has stored the
    run: "not found" first, then the run's page by itself (the page keeps looking)."""
    page.goto(f"/{ENTITY}/late-runs/runs/later1")
    expect(page.locator(tid("not-found"))).to_contain_text("Run not found")
    run_code(
        "import runyard\n"
        "run = runyard.init(project='late-runs', id='later1', name='arrived-late')\n"
        "run.log({'x': 1.0})\n"
        "run.finish()\n",
        server.root,
    )
    expect(page.locator(tid("not-found"))).to_have_count(0, timeout=20_000)
    expect(page.get_by_text("arrived-late").first).to_be_visible()


def test_loading_the_media_workspace_fails_no_request(
    media_page: Page, media_server: Server
) -> None:
    page = media_page
    failed: list[str] = []
    errors: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"/{MEDIA_ENTITY}/{MEDIA_PROJECT}")
    expect(page.locator(tid("media-grid"))).to_be_visible()
    for key in ("conf_mat", "predictions", "samples"):
        page.locator(tid(f"panel-{key}")).scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    assert failed == []
    assert errors == []


def test_a_missing_preset_says_so_once_without_a_404(
    media_page: Page, media_server: Server, image_list_project: str
) -> None:
    page = media_page
    errors: list[str] = []
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"/{MEDIA_ENTITY}/{image_list_project}")
    panel = page.locator(tid("panel-unsaved"))
    panel.scroll_into_view_if_needed()
    note = panel.locator(tid("chart-missing-unsaved"))
    expect(note).to_have_text("No preset someone/unsaved_chart is saved. Use Edit to write one.")
    page.wait_for_load_state("networkidle")
    assert errors == []


# -- 11. key colours -------------------------------------------------------------------------


def test_the_palette_is_disabled_for_a_categorical_key(page: Page, server: Server) -> None:
    from tests.browser.conftest import KEY_COLORS_PROJECT

    settings = remember(server, ENTITY, KEY_COLORS_PROJECT)
    try:
        page.goto(f"/{ENTITY}/{KEY_COLORS_PROJECT}")
        page.locator(tid("workspace-settings-button")).click()
        page.locator(tid("key-colors-key")).click()
        page.locator(tid("key-colors-key-search")).fill("optim")
        page.locator(tid("key-option-config:optimizer")).click()
        expect(page.locator(tid("key-colors-summary"))).to_contain_text("2 values")
        expect(page.locator(tid("key-colors-palette"))).to_be_disabled()
        expect(page.locator(tid("key-colors-buckets"))).to_be_disabled()
        page.locator(tid("key-colors-key")).click()
        page.locator(tid("key-colors-key-search")).fill("learning")
        page.locator(tid("key-option-config:learning_rate")).click()
        expect(page.locator(tid("key-colors-palette"))).to_be_enabled()
    finally:
        _put_workspace(server, ENTITY, KEY_COLORS_PROJECT, settings)
        eventually(lambda: remember(server, ENTITY, KEY_COLORS_PROJECT), settings)


# -- accessibility and screenshots ------------------------------------------------------------


def _axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_violations(
    page: Page, server: Server, defects_project: str, screenshots: Path
) -> None:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): npm --prefix web ci")
    run = runs_of(server, ENTITY, defects_project)[0]
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto("/")
    expect(page.locator(tid("projects-table"))).to_be_visible()
    found["projects"] = _axe(page)
    page.goto(f"/{ENTITY}/{defects_project}")
    expect(page.locator(tid(f"cell-{run['id']}-summary:loss.min"))).to_be_visible()
    page.wait_for_function("() => Object.keys(window.__runyardCharts || {}).length > 0")
    found["workspace"] = _axe(page)
    page.screenshot(path=str(screenshots / "workspace.png"))
    page.goto(f"/{ENTITY}/{defects_project}/runs/{run['id']}/overview")
    expect(page.locator(tid("summary-tensor"))).to_be_visible()
    found["run page"] = _axe(page)
    page.screenshot(path=str(screenshots / "run-page-overview.png"), full_page=True)
    assert found == {"projects": [], "workspace": [], "run page": []}


def test_screenshot_of_an_expanded_html_cell(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    page = media_page
    page.goto(f"/{MEDIA_ENTITY}/{MEDIA_PROJECT}")
    panel = page.locator(tid("panel-predictions"))
    panel.scroll_into_view_if_needed()
    panel.locator(tid("cell-html-expand")).first.click()
    dialog = page.locator(tid("html-dialog"))
    expect(dialog).to_be_visible()
    frame = page.frame_locator(f"{tid('html-dialog')} iframe")
    expect(frame.locator("#cell")).to_contain_text("cell")
    page.screenshot(path=str(screenshots / "html-cell-expanded.png"))
