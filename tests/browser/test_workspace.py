"""The project workspace: panels per metric, pinned summary columns, hiding runs,
x-axis choice, zoom at full resolution, stable colours, persisted layout."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, Request, expect

from tests.browser.charts import eventually, expected_colors, runs_drawn, tid, wait_chart
from tests.browser.conftest import ENTITY, LONG_STEPS, PROJECT, Server

WORKSPACE = f"/{ENTITY}/{PROJECT}"
SWEEP_NAMES = ("sweep-lr-0.1", "sweep-lr-0.03", "sweep-lr-0.01", "sweep-lr-0.003")
PINNED = (("summary:loss.min", "loss", "min"), ("summary:acc.max", "acc", "max"))


@pytest.fixture
def workspace(page: Page, server: Server) -> Page:
    """The seeded workspace with its saved layout reset."""
    _reset_layout(server)
    page.goto(WORKSPACE)
    expect(page.locator(tid("panel-grid"))).to_be_visible()
    return page


def _reset_layout(server: Server) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{server.url}api/v1{server.project()}/workspace",
        data=json.dumps({"settings": {}}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _saved(server: Server, name: str) -> Any:
    """One field of the workspace settings the server holds."""
    return server.get(f"{server.project()}/workspace")["settings"].get(name)


def _project_runs(stored_runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in stored_runs if r["project"] == PROJECT]


def _sweep_run(stored_runs: list[dict[str, Any]], lr: float) -> dict[str, Any]:
    return next(r for r in stored_runs if r["name"] == f"sweep-lr-{lr}")


def test_a_panel_per_numeric_metric_in_sections(workspace: Page, server: Server) -> None:
    keys = server.get(f"{server.project()}/keys")["keys"]
    shown = [k["key"] for k in keys if k["numeric"] and not k["hidden"]]
    assert {"loss", "acc", "train/grad_norm", "val/loss", "epoch"} <= set(shown)
    for key in shown:
        expect(workspace.locator(tid(f"panel-{key}"))).to_have_count(1)
    # define_metric(hidden=True) keeps its panel out
    assert any(k["key"] == "debug/secret" and k["hidden"] for k in keys)
    expect(workspace.locator(tid("panel-debug/secret"))).to_have_count(0)
    # sections by prefix; keys without one under "Charts"
    for section, key in (("Charts", "loss"), ("train", "train/grad_norm"), ("val", "val/loss")):
        expect(
            workspace.locator(f"{tid(f'section-{section}')} {tid(f'panel-{key}')}")
        ).to_have_count(1)
    # collapsing a section removes its panels, and the choice is saved
    workspace.locator(tid("section-toggle-train")).click()
    expect(workspace.locator(tid("panel-train/grad_norm"))).to_have_count(0)
    eventually(lambda: _saved(server, "collapsedSections"), ["train"])
    # val/* metrics default to their step_metric as x-axis
    assert wait_chart(workspace, "val/loss")["xKey"] == "epoch"
    assert wait_chart(workspace, "loss")["xKey"] == "_step"


def test_pinned_summary_columns_show_the_api_values(
    workspace: Page, server: Server, stored_runs: list[dict[str, Any]], screenshots: Path
) -> None:
    # define_metric's summaries are pinned by default (issue 18, defect 8); unpinning
    # and pinning one again saves the layout
    workspace.locator(tid("column-chooser")).click()
    chooser = workspace.locator(tid("column-chooser-panel"))
    for column, _key, _agg in PINNED:
        expect(chooser.locator(tid(f"pin-{column}"))).to_have_attribute("aria-pressed", "true")
    acc_pin = chooser.locator(tid(f"pin-{PINNED[1][0]}"))
    acc_pin.click()
    expect(acc_pin).to_have_attribute("aria-pressed", "false")
    acc_pin.click()
    expect(acc_pin).to_have_attribute("aria-pressed", "true")
    workspace.locator(tid("column-chooser-close")).click()

    # pinned columns come right after the name, in pin order
    headers = workspace.locator(".thead [data-testid^='header-']")
    expect(headers.nth(0)).to_have_attribute("data-testid", "header-run:name")
    expect(headers.nth(1)).to_have_attribute("data-testid", "header-summary:loss.min")
    expect(headers.nth(2)).to_have_attribute("data-testid", "header-summary:acc.max")

    checked = 0
    for run in _project_runs(stored_runs):
        for column, key, agg in PINNED:
            cell = workspace.locator(tid(f"cell-{run['id']}-{column}"))
            value = run["summary"].get(key)
            if isinstance(value, dict) and agg in value:
                expect(cell).to_have_text(re.compile(r"\S"))
                shown = float(cell.inner_text())
                assert math.isclose(shown, value[agg], rel_tol=1e-5), (run["id"], column, shown)
                checked += 1
            else:
                expect(cell).to_have_text("")
    assert checked >= 2 * (len(SWEEP_NAMES) + 2)  # the sweep and both seed runs

    # the layout is saved on the server and comes back after a reload
    eventually(lambda: _saved(server, "pinned"), ["summary:loss.min", "summary:acc.max"])
    workspace.reload()
    expect(workspace.locator(tid("header-summary:acc.max"))).to_be_visible()
    wait_chart(workspace, "loss", "c.series.length > 0")
    workspace.screenshot(path=str(screenshots / "workspace.png"), full_page=False)


def test_pinned_columns_stay_put_while_the_rest_scroll_sideways(workspace: Page) -> None:
    # the runs table's pinned cells (check box, eye, colour, name, pinned summaries) sit in
    # one sticky block a row; the other columns scroll under it
    row = workspace.locator("[data-testid^='run-row-']").first
    name, last = row.locator(".td.name"), row.locator(".td").last
    expect(last).to_be_attached()
    name_x, last_x = name.bounding_box()["x"], last.bounding_box()["x"]  # type: ignore[index]
    scroller = workspace.locator(tid("runs-scroll"))
    moved = scroller.evaluate("e => { e.scrollLeft = 80; return e.scrollLeft; }")
    assert moved > 0
    eventually(lambda: round(last.bounding_box()["x"] - last_x), -moved)  # type: ignore[index]
    assert round(name.bounding_box()["x"]) == round(name_x)  # type: ignore[index]
    header = workspace.locator(tid("header-run:name"))
    assert abs(header.bounding_box()["x"] - name_x) < 8  # type: ignore[index]


def test_runs_have_stable_colours_and_hiding_removes_the_line(
    workspace: Page, server: Server, stored_runs: list[dict[str, Any]]
) -> None:
    colors = expected_colors(server.get(f"{server.project()}/runs")["runs"])
    assert len(set(colors.values())) == len(colors)  # fewer runs than colours: all distinct
    project_runs = {r["id"] for r in _project_runs(stored_runs)}
    with_loss = len(project_runs) - _without_loss(stored_runs)
    drawn = wait_chart(workspace, "loss", f"c.series.length === {with_loss}")
    for series in drawn["series"]:
        assert series["color"] == colors[series["run"]]
        assert series["points"], series["run"]
    target = _sweep_run(stored_runs, 0.03)["id"]
    assert target in runs_drawn(drawn)
    swatch = workspace.locator(f"{tid(f'run-row-{target}')} .swatch")
    assert swatch.get_attribute("data-color") == colors[target]

    workspace.locator(tid(f"eye-{target}")).click()
    expect(workspace.locator(tid(f"eye-{target}"))).to_have_attribute("aria-pressed", "false")
    after = wait_chart(workspace, "loss", f"!c.series.some(s => s.run === {target!r})")
    assert runs_drawn(after) == runs_drawn(drawn) - {target}
    assert runs_drawn(wait_chart(workspace, "acc", f"!c.series.some(s => s.run === {target!r})"))

    workspace.locator(tid(f"eye-{target}")).click()
    wait_chart(workspace, "loss", f"c.series.some(s => s.run === {target!r})")


def _without_loss(stored_runs: list[dict[str, Any]]) -> int:
    """Runs of the project that never logged loss (the best_accuracy seed)."""
    return sum(1 for r in _project_runs(stored_runs) if "loss" not in r["summary"])


def test_show_only_the_filtered_runs(workspace: Page, stored_runs: list[dict[str, Any]]) -> None:
    workspace.locator(tid("runs-filter")).fill("learning_rate >= 0.03")
    keep = {_sweep_run(stored_runs, 0.1)["id"], _sweep_run(stored_runs, 0.03)["id"]}
    expect(workspace.locator("[data-testid^='run-row-']")).to_have_count(2)
    workspace.locator(tid("show-only")).click()
    workspace.locator(tid("runs-filter")).fill("")
    expect(workspace.locator("[data-testid^='run-row-'][data-visible='true']")).to_have_count(2)
    drawn = wait_chart(workspace, "loss", "c.series.length === 2")
    assert runs_drawn(drawn) == keep
    workspace.locator(tid("show-all")).click()
    wait_chart(workspace, "loss", "c.series.length > 2")


def test_sorting_and_search(workspace: Page, stored_runs: list[dict[str, Any]]) -> None:
    workspace.locator(tid("runs-search")).fill("sweep")
    rows = workspace.locator("[data-testid^='run-row-']")
    expect(rows).to_have_count(len(SWEEP_NAMES))
    workspace.locator(tid("column-chooser")).click()
    workspace.locator(tid("column-toggle-config:learning_rate")).check()
    workspace.locator(tid("column-chooser-close")).click()
    workspace.locator(tid("sort-config:learning_rate")).click()  # ascending

    def order() -> list[str]:
        return [
            (rows.nth(i).get_attribute("data-testid") or "").removeprefix("run-row-")
            for i in range(rows.count())
        ]

    sweep = [r for r in stored_runs if r["name"] in SWEEP_NAMES]
    by_lr = sorted(sweep, key=lambda r: r["config"]["learning_rate"])
    eventually(order, [r["id"] for r in by_lr])
    workspace.locator(tid("sort-config:learning_rate")).click()  # descending
    eventually(order, [r["id"] for r in reversed(by_lr)])


def test_changing_the_x_axis_changes_the_plotted_x(workspace: Page, server: Server) -> None:
    before = wait_chart(workspace, "loss", "c.series.length > 0 && c.xKey === '_step'")
    steps = {s["run"]: [p[0] for p in s["points"]] for s in before["series"]}
    workspace.locator(tid("xaxis-select")).select_option("_runtime")
    after = wait_chart(workspace, "loss", "c.xKey === '_runtime' && c.series.length > 0")
    for series in after["series"]:
        xs = [p[0] for p in series["points"]]
        assert xs != steps[series["run"]]
        assert xs == sorted(xs) and xs[-1] < max(steps[series["run"]]), series["run"]
    # Wall Time is seconds since the epoch
    workspace.locator(tid("xaxis-select")).select_option("_timestamp")
    wall = wait_chart(workspace, "loss", "c.xKey === '_timestamp' && c.series.length > 0")
    assert all(p[0] > 1.5e9 for s in wall["series"] for p in s["points"])
    # a panel's own choice wins over the workspace's: acc against epoch
    workspace.locator(tid("xaxis-select-acc")).select_option("epoch")
    by_epoch = wait_chart(workspace, "acc", "c.xKey === 'epoch' && c.series.length > 0")
    long_run = max(by_epoch["series"], key=lambda s: len(s["points"]))
    assert [p[0] for p in long_run["points"][:3]] == [0, 1, 2]
    # persisted (the workspace's and the panel's choice: both must be saved before reloading)
    eventually(lambda: _saved(server, "xAxis"), "_timestamp")
    eventually(lambda: (_saved(server, "panels") or {}).get("acc", {}).get("x"), "epoch")
    workspace.reload()
    expect(workspace.locator(tid("xaxis-select"))).to_have_value("_timestamp")
    expect(workspace.locator(tid("xaxis-select-acc"))).to_have_value("epoch")


def test_drag_zoom_refetches_at_full_resolution(
    workspace: Page, server: Server, stored_runs: list[dict[str, Any]]
) -> None:
    long_run = _sweep_run(stored_runs, 0.1)["id"]
    # only the long run, so the panel's x range is its 5000 steps
    workspace.locator(tid("runs-search")).fill("sweep-lr-0.1")
    workspace.locator(tid("show-only")).click()
    workspace.locator(tid("runs-search")).fill("")
    only_long = f"c.series.length === 1 && c.series[0].run === {long_run!r}"
    drawn = wait_chart(workspace, "loss", f"{only_long} && c.reduced")
    assert len(drawn["series"][0]["points"]) <= 1100
    assert drawn["rawPoints"] == LONG_STEPS
    expect(workspace.locator(tid("reduced-note-loss"))).to_contain_text(
        f"reduced from {LONG_STEPS} points"
    )
    # the spike at step LONG_STEPS // 3 survives reduction, in the min/max band
    band = drawn["series"][0]["band"]
    assert max(hi for _x, _lo, hi in band) > 2.0

    over = workspace.locator(f"{tid('panel-loss')} .u-over")
    box = over.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    x0, x1 = box["x"] + box["width"] * 0.40, box["x"] + box["width"] * 0.48

    def zoom_request(request: Request) -> bool:
        query = parse_qs(urlparse(request.url).query)
        return (
            "/series" in request.url
            and {"xmin", "xmax"} <= query.keys()
            and query["keys"] == ["loss"]
        )

    with workspace.expect_request(zoom_request) as request_info:
        workspace.mouse.move(x0, y)
        workspace.mouse.down()
        workspace.mouse.move(x1, y, steps=8)
        workspace.mouse.up()
    params = parse_qs(urlparse(request_info.value.url).query)
    xmin, xmax = float(params["xmin"][0]), float(params["xmax"][0])
    assert 0 < xmin < xmax < LONG_STEPS

    zoomed = wait_chart(workspace, "loss", "c.zoom !== null && !c.reduced")
    points = zoomed["series"][0]["points"]
    raw = server.get(
        f"{server.project()}/series", runs=long_run, keys="loss", xmin=xmin, xmax=xmax, points=10000
    )["series"][0]
    assert raw["reduced"] is False
    assert [p[0] for p in points] == raw["x"]
    assert [p[1] for p in points] == pytest.approx(raw["y"])
    expect(workspace.locator(tid("reduced-note-loss"))).to_have_count(0)
    expect(workspace.locator(tid("zoom-note-loss"))).to_be_visible()

    over.dblclick()
    wait_chart(workspace, "loss", "c.zoom === null && c.reduced")
    workspace.locator(tid("show-all")).click()


def test_smoothing_and_log_scale_change_what_is_drawn(workspace: Page) -> None:
    raw = wait_chart(workspace, "acc", "c.series.length > 0 && c.smoothing === 0")
    workspace.locator(tid("smoothing-slider")).fill("0.9")
    smooth = wait_chart(workspace, "acc", "c.smoothing > 0.8")
    by_run = {s["run"]: s["points"] for s in raw["series"]}
    changed = [s for s in smooth["series"] if s["points"] != by_run[s["run"]]]
    assert changed
    workspace.locator(tid("logscale-toggle")).check()
    wait_chart(workspace, "acc", "c.logY === true")
    expect(workspace.locator(tid("logscale-loss"))).to_be_checked()


# The browser never reports an element in view.
NO_INTERSECTIONS = """
window.IntersectionObserver = class {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() { return []; }
};
"""


def test_the_first_panels_load_without_waiting_to_be_seen(page: Page, server: Server) -> None:
    """The workspace's first three panels ask for their series when they mount (they are
    on screen); the others wait for the browser to report them in view."""
    _reset_layout(server)
    page.add_init_script(NO_INTERSECTIONS)
    page.goto(WORKSPACE)
    panels = page.locator(f"{tid('panel-grid')} [data-panel-id]")
    expect(panels.first).to_be_visible()
    ids = panels.evaluate_all("els => els.map((e) => e.dataset.panelId)")
    assert len(ids) > 3, ids
    for key in ids[:3]:
        wait_chart(page, key, "c.series.length > 0")
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # a late ask would show
    drawn = page.evaluate(
        "keys => keys.filter((k) => k in (window.__runyardCharts || {}))", ids[3:]
    )
    assert drawn == []
    for key in ids[3:]:
        expect(page.locator(tid(f"panel-{key}"))).to_contain_text("Loading")


MAIN_BUNDLE = "**/assets/index-*.js"


def test_the_first_panels_series_are_asked_before_the_app_has_loaded(
    page: Page, server: Server
) -> None:
    """src/earlyGroups.ts asks for the first panels' /series (the first section's first
    keys, the runs they draw) while the app's main bundle is still held back; the panels
    then take that answer: no key is asked twice for the same runs, and each line is the
    one /series gives."""
    _reset_layout(server)
    sent: list[dict[str, list[str]]] = []

    def note(request: Request) -> None:
        if "/series?" in request.url:
            sent.append(parse_qs(urlparse(request.url).query))

    page.on("request", note)
    held: list[Any] = []
    page.route(MAIN_BUNDLE, lambda route: held.append(route))
    with page.expect_request(lambda r: "/series?" in r.url):
        page.goto(WORKSPACE, wait_until="commit")
    assert held, "the main bundle was not asked for"
    assert page.evaluate("typeof window.__runyardCharts") == "undefined"  # no app yet
    (first,) = sent
    early_keys = first["keys"][0].split(",")
    assert 1 <= len(early_keys) <= 3
    page.unroute(MAIN_BUNDLE)
    for route in held:
        route.continue_()
    panels = page.locator(f"{tid('panel-grid')} [data-panel-id]")
    expect(panels.first).to_be_visible()
    ids = panels.evaluate_all("els => els.map((e) => e.dataset.panelId)")
    assert ids[: len(early_keys)] == early_keys  # the panels the early request was for
    runs = first["runs"][0]
    for key in early_keys:
        chart = wait_chart(page, key, "c.series.length > 0")
        assert runs_drawn(chart) <= set(runs.split(","))
        # each line is /series's own answer for that run and key
        for one in chart["series"]:
            body = server.get(
                f"{server.project()}/series",
                runs=one["run"],
                keys=key,
                x=first["x"][0],
                points=1000,
            )
            (expected,) = body["series"]
            points = [
                [x, y] for x, y in zip(expected["x"], expected["y"], strict=True) if y is not None
            ]
            assert one["points"] == points
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # a late ask would show
    asked = [
        (key, q["runs"][0], q["x"][0])
        for q in sent
        if "xmin" not in q
        for key in q["keys"][0].split(",")
    ]
    assert len(asked) == len(set(asked)), sent
