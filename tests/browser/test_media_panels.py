"""Media and custom-chart panels (issue 6) in the workspace and on the run page.

A store with every kind of chart and media of seed 004 (see ``MEDIA_SEED`` in
conftest) is served by a real ``runyard ui``; each test checks what the browser
drew: Vega views' data rows and scene marks, Plotly traces, loaded images, frames'
documents, table rows, and that sliders, sorting and filters change them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Locator, Page, expect

from tests.browser.charts import eventually, expected_colors, tid
from tests.browser.conftest import (
    EVOLVING_STEPS,
    MEDIA_ENTITY,
    MEDIA_PROJECT,
    MEDIA_RUNS,
    MEDIA_STEPS,
    TABLE_ROWS,
    Server,
    run_code,
)

pytestmark = pytest.mark.browser

WORKSPACE = f"/{MEDIA_ENTITY}/{MEDIA_PROJECT}"
API = f"/projects/{MEDIA_ENTITY}/{MEDIA_PROJECT}"
SEED_CHARTS = {
    "my_custom_plot_id",
    "my_custom_id",
    "my_bar_chart_id",
    "my_histogram",
    "my_line_series",
    "pr",
    "roc",
    "conf_mat",
    "my_custom_chart",
}


def runs_of(server: Server, project: str = API) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = server.get(f"{project}/runs", limit=1000)["runs"]
    return runs


def panel(page: Page, key: str) -> Locator:
    locator = page.locator(tid(f"panel-{key}"))
    expect(locator).to_have_count(1)
    locator.scroll_into_view_if_needed()
    return locator


def wait_vega(
    page: Page, key: str, condition: str = "v.marks > 0", timeout: float = 20_000
) -> dict[str, Any]:
    """Wait for the custom chart `key` to be drawn with `condition` (over `v`, its
    window.__runyardVega entry); return rows, marks, runs and the view's wandb rows."""
    page.wait_for_function(
        f"key => {{ const v = (window.__runyardVega || {{}})[key]; return !!v && ({condition}); }}",
        arg=key,
        timeout=timeout,
    )
    drawn: dict[str, Any] = page.evaluate(
        """key => { const v = window.__runyardVega[key];
            return {rows: v.rows, marks: v.marks, marktypes: v.marktypes, runs: v.runs, preset: v.preset, draws: v.draws,
                    data: v.view.data('wandb').map(r => ({run: r.run, name: r.name, color: r.color}))}; }""",
        key,
    )
    return drawn


def table_rows(server: Server, run: str, key: str) -> int:
    body = server.get(f"{API}/runs/{run}/table", key=key, limit=100000)
    assert body["total"] == len(body["rows"])
    return int(body["total"])


def test_every_custom_chart_draws_all_runs_rows_in_run_colours(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    page = media_page
    runs = runs_of(media_server)
    ids = [r["id"] for r in runs]
    colors = expected_colors(runs)
    charts = media_server.get(f"{API}/charts", runs=",".join(ids))["charts"]
    assert {c["key"] for c in charts} >= SEED_CHARTS
    page.goto(WORKSPACE)
    expect(page.locator(tid("media-section-Custom Charts"))).to_be_visible()
    for chart in charts:
        panel(page, chart["key"])
        drawn = wait_vega(page, chart["key"])
        expected = sum(table_rows(media_server, run, chart["table_key"]) for run in chart["runs"])
        assert drawn["rows"] == expected > 0, chart["key"]
        assert drawn["marks"] > 0, chart["key"]
        assert drawn["preset"] == chart["preset"]
        assert sorted(drawn["runs"]) == sorted(chart["runs"])
        # every row is tagged with its run's id, display name and colour
        names = {r["id"]: r["name"] for r in runs}
        for row in drawn["data"]:
            assert row["name"] == names[row["run"]]
            assert row["color"] == colors[row["run"]]
        expect(page.locator(tid(f"vega-{chart['key']}")).locator("canvas")).to_have_count(1)
    panel(page, "my_custom_plot_id").screenshot(path=str(screenshots / "custom-chart-line.png"))
    panel(page, "conf_mat").screenshot(path=str(screenshots / "custom-chart-confusion.png"))


def test_hiding_a_run_removes_its_rows_from_the_chart(
    media_page: Page, media_server: Server
) -> None:
    page = media_page
    by_name = {r["name"]: r for r in runs_of(media_server)}
    hidden, kept = by_name[MEDIA_RUNS[0]]["id"], by_name[MEDIA_RUNS[1]]["id"]
    page.goto(WORKSPACE)
    panel(page, "my_bar_chart_id")
    both = wait_vega(page, "my_bar_chart_id", "v.runs.length === 2")
    page.locator(tid(f"eye-{hidden}")).click()
    one = wait_vega(page, "my_bar_chart_id", "v.runs.length === 1")
    assert one["runs"] == [kept]
    assert {r["run"] for r in one["data"]} == {kept}
    assert one["rows"] == both["rows"] - table_rows(media_server, hidden, "my_bar_chart_id_table")
    # show it again, and wait until the saved workspace settings say so (other tests
    # expect both runs shown)
    page.locator(tid(f"eye-{hidden}")).click()
    wait_vega(page, "my_bar_chart_id", "v.runs.length === 2")
    eventually(
        lambda: hidden in media_server.get(f"{API}/workspace")["settings"].get("hiddenRuns", []),
        False,
        timeout=10,
    )
    assert hidden not in media_server.get(f"{API}/workspace")["settings"].get("hiddenRuns", [])


def media_steps(server: Server, key: str) -> list[int]:
    ids = ",".join(r["id"] for r in runs_of(server))
    body = server.get(f"{API}/media", runs=ids, key=key)
    return sorted({s["step"] for r in body["runs"] for s in r["steps"]})


def test_images_per_run_with_captions_and_a_step_slider(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    page = media_page
    steps = media_steps(media_server, "samples")
    assert len(steps) == MEDIA_STEPS
    page.goto(WORKSPACE)
    samples = panel(page, "samples")
    images = samples.locator(tid("media-image"))
    expect(images).to_have_count(len(MEDIA_RUNS))
    expect(samples).to_have_attribute("data-step", str(steps[-1]))
    page.wait_for_function(
        "el => [...el.querySelectorAll('img')].every(i => i.complete && i.naturalWidth === 16)",
        arg=samples.element_handle(),
    )
    captions = samples.locator(tid("media-caption"))
    expect(captions).to_have_text(
        [f"{name} step {MEDIA_STEPS - 1}" for name in _names_in_order(page, samples)]
    )
    samples.screenshot(path=str(screenshots / "media-images.png"))

    # the slider, by keyboard: Home goes to the first step, ArrowRight one further
    slider = samples.locator(tid("step-input-samples"))
    slider.focus()
    page.keyboard.press("Home")
    expect(samples).to_have_attribute("data-step", str(steps[0]))
    expect(captions.first).to_contain_text("step 0")
    page.keyboard.press("ArrowRight")
    expect(samples).to_have_attribute("data-step", str(steps[1]))
    expect(captions.first).to_contain_text("step 1")
    expect(samples.locator(tid("step-value-samples"))).to_have_text(str(steps[1]))

    # images/separated: every image of the step, for every run
    gallery = panel(page, "gallery")
    expect(gallery.locator(tid("media-image"))).to_have_count(3 * len(MEDIA_RUNS))
    page.wait_for_function(
        "el => [...el.querySelectorAll('img')].every(i => i.complete && i.naturalWidth === 8)",
        arg=gallery.element_handle(),
    )
    expect(gallery.locator(tid("media-caption")).nth(2)).to_have_text(f"g2 step {MEDIA_STEPS - 1}")
    gallery.locator(tid("step-input-gallery")).fill("0")
    expect(gallery.locator(tid("media-caption")).first).to_have_text("g0 step 0")


def _names_in_order(page: Page, locator: Locator) -> list[str]:
    names: list[str] = locator.locator(".media-run-name").all_inner_texts()
    return [n.split(" (step")[0].strip() for n in names]


def test_html_in_a_sandboxed_frame(media_page: Page, media_server: Server) -> None:
    page = media_page
    page.goto(WORKSPACE)
    html = panel(page, "page")
    frames = html.locator(tid("media-html"))
    expect(frames).to_have_count(len(MEDIA_RUNS))
    for i in range(len(MEDIA_RUNS)):
        frame = frames.nth(i)
        assert frame.get_attribute("sandbox") == "allow-scripts allow-popups"
        src = frame.get_attribute("src") or ""
        assert src.startswith(f"/api/v1{API}/runs/") and "/media/" in src
        content = frame.element_handle().content_frame()
        assert content is not None
        expect(content.locator("#hello")).to_have_text(
            f"Hello from {_names_in_order(page, html)[i]}"
        )
    # the server sandboxes the document itself too
    response = page.request.get(frames.first.get_attribute("src") or "")
    assert response.ok
    assert "sandbox" in response.headers.get("content-security-policy", "")


def test_plotly_figures_draw_their_traces(media_page: Page, media_server: Server) -> None:
    page = media_page
    runs = runs_of(media_server)
    page.goto(WORKSPACE)
    figure = panel(page, "figure")
    page.wait_for_function(
        "n => { const p = (window.__runyardPlotly || {}).figure; return !!p && Object.keys(p.runs).length === n; }",
        arg=len(runs),
        timeout=30_000,
    )
    drawn = page.evaluate("() => window.__runyardPlotly.figure.runs")
    assert drawn == {r["id"]: 2 for r in runs}
    for plot in figure.locator(tid("media-plotly")).all():
        expect(plot).to_have_attribute("data-traces", "2")
        # one scatter and one bar trace in the SVG
        expect(plot.locator(".scatterlayer .trace")).to_have_count(1)
        expect(plot.locator(".barlayer .trace")).to_have_count(1)


def test_table_pages_sorts_filters_and_draws_media_cells(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    page = media_page
    page.goto(WORKSPACE)
    table = panel(page, "predictions")
    rows = table.locator(tid("table-row"))
    expect(rows).to_have_count(20)
    expect(table.locator(tid("table-page-predictions"))).to_have_text(
        f"page 1 of 2 · {TABLE_ROWS} rows"
    )
    first = rows.first.locator("td")
    expect(first.nth(1)).to_have_text("item-00")
    # media cells: a loaded thumbnail and the HTML in a sandboxed frame
    image = rows.first.locator(tid("cell-image"))
    expect(image).to_have_count(1)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 8", arg=image.element_handle()
    )
    frame = rows.first.locator(tid("cell-html"))
    assert frame.get_attribute("sandbox") == "allow-scripts allow-popups"
    content = frame.element_handle().content_frame()
    assert content is not None
    expect(content.locator("#cell")).to_have_text("cell 0")
    table.screenshot(path=str(screenshots / "media-table.png"))

    # next page
    table.locator(tid("table-next-predictions")).click()
    expect(rows).to_have_count(TABLE_ROWS - 20)
    expect(rows.first.locator("td").nth(1)).to_have_text("item-20")
    table.locator(tid("table-prev-predictions")).click()
    expect(rows.first.locator("td").nth(1)).to_have_text("item-00")

    # sort by score: ascending, then descending (scores are i * 7 % 11)
    scores = sorted(float(i * 7 % 11) for i in range(TABLE_ROWS))
    sort = table.locator(tid("table-sort-predictions-score"))
    sort.click()
    expect(table.locator("th").nth(2)).to_have_attribute("aria-sort", "ascending")
    expect(rows.first.locator("td").nth(2)).to_have_text(_num(scores[0]))
    sort.click()
    expect(table.locator("th").nth(2)).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("td").nth(2)).to_have_text(_num(scores[-1]))
    shown = [float(t) for t in table.locator("td[data-column='score']").all_inner_texts()]
    assert shown == sorted(shown, reverse=True) and len(shown) == 20

    # filter on the server: q narrows the rows and the total
    table.locator(tid("table-filter-predictions")).fill("item-07")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(1)).to_have_text("item-07")
    expect(table.locator(tid("table-page-predictions"))).to_have_text(
        f"page 1 of 1 · 1 of {TABLE_ROWS} rows"
    )
    table.locator(tid("table-filter-predictions")).fill("")
    expect(rows).to_have_count(20)


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def test_histograms_over_steps(media_page: Page, media_server: Server, screenshots: Path) -> None:
    page = media_page
    steps = media_steps(media_server, "weights")
    assert len(steps) == MEDIA_STEPS
    page.goto(WORKSPACE)
    weights = panel(page, "weights")
    bars = weights.locator(tid("media-histogram"))
    expect(bars).to_have_count(len(MEDIA_RUNS))
    # num_bins = 20 + step index: the bars drawn follow the slider
    for hist in bars.all():
        expect(hist).to_have_attribute("data-bars", str(20 + MEDIA_STEPS - 1))
        expect(hist.locator("rect")).to_have_count(20 + MEDIA_STEPS - 1)
    weights.screenshot(path=str(screenshots / "media-histogram.png"))
    weights.locator(tid("step-input-weights")).fill("0")
    for hist in bars.all():
        expect(hist).to_have_attribute("data-step", str(steps[0]))
        expect(hist.locator("rect")).to_have_count(20)


def test_run_page_shows_the_runs_media_and_charts(media_page: Page, media_server: Server) -> None:
    page = media_page
    run = next(r for r in runs_of(media_server) if r["name"] == MEDIA_RUNS[1])
    page.goto(f"{WORKSPACE}/runs/{run['id']}")
    expect(page.locator(tid("run-name"))).to_have_text(MEDIA_RUNS[1])
    panel(page, "my_custom_plot_id")
    drawn = wait_vega(page, "my_custom_plot_id")
    assert drawn["runs"] == [run["id"]]
    assert drawn["rows"] == table_rows(media_server, run["id"], "my_custom_plot_id_table")
    samples = panel(page, "samples")
    expect(samples.locator(tid("media-image"))).to_have_count(1)
    expect(samples.locator(tid("media-caption"))).to_have_text(
        f"{MEDIA_RUNS[1]} step {MEDIA_STEPS - 1}"
    )
    expect(panel(page, "predictions").locator(tid("table-row"))).to_have_count(20)


def test_seed_004_workspace_draws_every_block(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    """Every block of seed 004 as the document prints it (tests/seed004.py) gives a
    panel that drew: charts with a stored preset draw every run's rows, a chart naming
    a preset nobody saved (block 8's ``carey/new_chart``) says so, the matplotlib
    chart draws its Plotly traces, the tables show their rows with HTML cells."""
    from tests.seed004 import SEED_004_PANELS

    page = media_page
    entity = next(
        p["entity"] for p in media_server.get("/projects")["projects"] if p["name"] == "seed-004"
    )
    project = f"/projects/{entity}/seed-004"
    runs = media_server.get(f"{project}/runs", limit=1000)["runs"]
    ids = ",".join(r["id"] for r in runs)
    charts = {c["key"]: c for c in media_server.get(f"{project}/charts", runs=ids)["charts"]}
    presets = {p["id"] for p in media_server.get("/presets", entity=entity)["presets"]}
    page.goto(f"/{entity}/seed-004")
    for key, stored in sorted(set(SEED_004_PANELS.values())):
        box = panel(page, key)
        if stored.startswith("chart:"):
            chart = charts[key]
            if chart["preset"] not in presets:
                expect(box.locator(tid(f"chart-missing-{key}"))).to_contain_text(chart["preset"])
                continue
            drawn = wait_vega(page, key)
            expected = 0
            for run in chart["runs"]:
                body = media_server.get(
                    f"{project}/runs/{run}/table", key=chart["table_key"], limit=100000
                )
                expected += body["total"]
            assert drawn["rows"] == expected > 0, key
            assert drawn["marks"] > 0, key
        elif stored == "plotly-file":
            page.wait_for_function(
                "key => Object.values(((window.__runyardPlotly || {})[key] || {runs: {}}).runs).some(n => n > 0)",
                arg=key,
                timeout=30_000,
            )
        elif stored == "table-file":
            expect(box.locator(tid("table-row")).first).to_be_visible()
            nrows = int(box.get_attribute("data-nrows") or 0)
            expect(box.locator(tid("table-row"))).to_have_count(min(nrows, 20))
            frames = box.locator(tid("cell-html"))
            expect(frames.first).to_be_visible()
            content = frames.first.element_handle().content_frame()
            assert content is not None
            content.wait_for_load_state()
            assert content.evaluate("() => document.body.innerHTML.length") > 0
    page.screenshot(path=str(screenshots / "seed-004-workspace.png"))


def test_tables_and_charts_logged_at_several_steps_follow_the_slider(
    media_page: Page, media_server: Server
) -> None:
    page = media_page
    assert len(media_steps(media_server, "evolving")) == EVOLVING_STEPS
    page.goto(WORKSPACE)
    # the table: 3 + 2 * step rows at each step
    table = panel(page, "evolving")
    rows = table.locator(tid("table-row"))
    expect(rows).to_have_count(3 + 2 * (EVOLVING_STEPS - 1))
    table.locator(tid("step-input-evolving")).focus()
    page.keyboard.press("Home")
    expect(rows).to_have_count(3)
    expect(table).to_have_attribute("data-nrows", "3")
    page.keyboard.press("End")
    expect(rows).to_have_count(3 + 2 * (EVOLVING_STEPS - 1))
    # the chart: 4 + 2 * step points per run, the tables of the chosen step
    chart = media_server.get(
        f"{API}/charts", runs=",".join(r["id"] for r in runs_of(media_server))
    )["charts"]
    progress = next(c for c in chart if c["key"] == "progress")
    n = len(progress["runs"])
    box = panel(page, "progress")
    assert (
        wait_vega(page, "progress", f"v.rows === {n * (4 + 2 * (EVOLVING_STEPS - 1))}")["marks"] > 0
    )
    box.locator(tid("step-input-progress")).fill("0")
    drawn = wait_vega(page, "progress", f"v.rows === {n * 4}")
    assert drawn["marks"] > 0


def test_plotly_table_cells_open_a_small_figure(media_page: Page) -> None:
    page = media_page
    page.goto(WORKSPACE)
    table = panel(page, "figures")
    expect(table.locator(tid("table-row"))).to_have_count(2)
    expect(table.locator(tid("cell-plotly"))).to_have_count(0)  # nothing loaded until asked
    table.locator(tid("cell-plotly-open")).first.click()
    figure = table.locator(tid("cell-plotly"))
    expect(figure).to_have_count(1)
    expect(figure).to_have_attribute("data-traces", "2", timeout=30_000)
    expect(figure.locator(".scatterlayer .trace")).to_have_count(1)


LIVE_PROJECT = "live-media"
LIVE_FIRST = f"""
import runyard as wandb
with wandb.init(entity={MEDIA_ENTITY!r}, project={LIVE_PROJECT!r}, name="numbers-only") as run:
    run.log({{"loss": 1.0}})
"""
LIVE_SECOND = f"""
import numpy as np
import runyard as wandb
with wandb.init(entity={MEDIA_ENTITY!r}, project={LIVE_PROJECT!r}, name="with-media") as run:
    table = wandb.Table(data=[[x, x * 2] for x in range(5)], columns=["x", "y"])
    run.log({{"late_chart": wandb.plot.scatter(table, "x", "y", title="Late"),
              "late_image": wandb.Image(np.zeros((4, 4), dtype=np.uint8), caption="late")}})
"""


def test_charts_and_media_logged_while_the_workspace_is_open_appear(
    media_page: Page, media_store_dir: Path
) -> None:
    page = media_page
    run_code(LIVE_FIRST, media_store_dir)
    page.goto(f"/{MEDIA_ENTITY}/{LIVE_PROJECT}")
    expect(page.locator(tid("panel-loss"))).to_be_visible()
    expect(page.locator(tid("panel-late_chart"))).to_have_count(0)
    run_code(LIVE_SECOND, media_store_dir)
    # no reload: the live runs poll brings the new run, its keys and its chart
    chart = page.locator(tid("panel-late_chart"))
    expect(chart).to_have_count(1, timeout=20_000)
    chart.scroll_into_view_if_needed()
    drawn = wait_vega(page, "late_chart")
    assert drawn["rows"] == 5
    image = panel(page, "late_image")
    expect(image.locator(tid("media-caption"))).to_have_text("late")


def test_seed_004_plotly_and_bokeh_html_in_tables_render(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    """The seed's two "HTML in a table" examples draw inside their sandboxed cells:
    Plotly's page draws its figure, Panel's page renders its Bokeh document."""
    page = media_page  # offline: BokehJS and Panel's JS come from the server (conftest.py)
    entity = next(
        p["entity"] for p in media_server.get("/projects")["projects"] if p["name"] == "seed-004"
    )
    page.goto(f"/{entity}/seed-004")
    checks = {
        # plotly's write_html inlines plotly.js: a drawn figure has its SVG traces
        "test_table": "() => document.querySelectorAll('.js-plotly-plot .trace').length > 0",
        # panel's save: BokehJS builds the document's views (roots) once it has run
        "audio_table": (
            "() => !!window.Bokeh && Bokeh.documents.length > 0"
            " && Bokeh.documents[0].roots().length > 0"
            " && Bokeh.index && Object.keys(Bokeh.index).length > 0"
        ),
    }
    for key, drawn in checks.items():
        box = panel(page, key)
        frame = box.locator(tid("cell-html")).first
        expect(frame).to_be_visible()
        content = frame.element_handle().content_frame()
        assert content is not None
        content.wait_for_function(drawn, timeout=30_000)
    page.screenshot(path=str(screenshots / "seed-004-html-tables.png"))


def test_html_cells_open_full_size_and_in_a_tab(
    media_page: Page, media_server: Server, screenshots: Path
) -> None:
    """Issue 18, defect 2: a 260×150 cell cut seed 004's Plotly page to a strip. Each
    HTML cell opens full size in a dialog (the figure redraws at that size) and in a
    tab of its own (still sandboxed by the server)."""
    page = media_page
    entity = next(
        p["entity"] for p in media_server.get("/projects")["projects"] if p["name"] == "seed-004"
    )
    page.goto(f"/{entity}/seed-004")
    box = panel(page, "test_table")
    cell = box.locator(tid("cell-html")).first
    expect(cell).to_be_visible()
    small = cell.bounding_box()
    assert small is not None and small["width"] <= 300
    box.locator(tid("cell-html-expand")).first.click()
    dialog = page.locator(tid("html-dialog"))
    expect(dialog).to_be_visible()
    frame = dialog.locator(tid("html-dialog-frame"))
    large = frame.bounding_box()
    assert large is not None and large["width"] > 0.85 * 1440 and large["height"] > 0.7 * 900
    content = frame.element_handle().content_frame()
    assert content is not None
    content.wait_for_function(
        "() => { const s = document.querySelector('.js-plotly-plot .main-svg');"
        " return !!s && s.getBoundingClientRect().width > 1000; }",
        timeout=30_000,
    )
    page.screenshot(path=str(screenshots / "html-cell-full-size.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    tab = box.locator(tid("cell-html-tab")).first
    assert tab.get_attribute("href") == cell.get_attribute("src")
    with page.context.expect_page() as opened:
        tab.click()
    new = opened.value
    new.wait_for_load_state()
    response = new.request.get(cell.get_attribute("src") or "")
    assert "sandbox" in response.headers.get("content-security-policy", "")
    new.close()
