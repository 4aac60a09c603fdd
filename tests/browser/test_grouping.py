"""Grouped line panels, smoothing and hover emphasis on the seeded sweep (issue 17).

What the page drew is read from ``window.__runyardCharts`` and checked against numpy over
the numbers the sweep logged (:func:`tests.browser.sweep.history`) and against
:mod:`runyard.metrics.smoothing`, the reference implementation.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import numpy as np
import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from runyard.metrics.smoothing import running_average, twema
from tests.browser.charts import eventually, tid, wait_chart
from tests.browser.conftest import Server
from tests.browser.sweep import (  # noqa: F401  (the fixture_* register the sweep fixtures)
    OPTIMIZERS,
    PROJECT,
    WORKSPACE,
    by_name,
    fixture_sweep_page,
    fixture_sweep_server,
    fixture_sweep_store,
    history,
    sweep_runs,
)

OPTIM = "config.optim.name"


def _reset(server: Server, settings: dict[str, Any] | None = None) -> None:
    request = urllib.request.Request(
        f"{server.url}api/v1{server.project(PROJECT)}/workspace",
        data=json.dumps({"settings": settings or {}}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _saved(server: Server, name: str) -> Any:
    return server.get(f"{server.project(PROJECT)}/workspace")["settings"].get(name)


@pytest.fixture
def workspace(sweep_page: Page, sweep_server: Server) -> Page:
    _reset(sweep_server)
    sweep_page.goto(WORKSPACE)
    expect(sweep_page.locator(tid("panel-grid"))).to_be_visible()
    return sweep_page


def _lines(key: str) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Every run's logged (steps, values) of ``key``, by optimizer."""
    out: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {o: [] for o in OPTIMIZERS}
    for run in sweep_runs():
        out[run.optimizer].append(history(run)[key])
    return out


def _expected(key: str, agg: str, band: str) -> dict[str, tuple[np.ndarray, ...]]:
    """numpy's aggregate and band per optimizer over the runs' aligned steps."""
    out = {}
    for optimizer, lines in _lines(key).items():
        steps = lines[0][0]
        assert all(np.array_equal(s, steps) for s, _ in lines)  # the sweep logs alike
        matrix = np.vstack([v for _, v in lines])
        y = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}[agg](
            matrix, axis=0
        )
        if band == "minmax":
            lo, hi = matrix.min(axis=0), matrix.max(axis=0)
        else:
            spread = matrix.std(axis=0)  # population std (ddof=0), as the server documents
            if band == "stderr":
                spread = spread / np.sqrt(matrix.shape[0])
            lo, hi = y - spread, y + spread
        out[optimizer] = (steps, y, lo, hi, matrix.shape[0])
    return out


def _check_groups(chart: dict[str, Any], key: str, agg: str, band: str) -> None:
    assert chart["grouped"] is True and chart["by"] == [OPTIM]
    assert (chart["agg"], chart["band"]) == (agg, band)
    expected = _expected(key, agg, band)
    drawn = {s["group"]["values"][OPTIM]: s for s in chart["series"]}
    assert sorted(drawn) == sorted(OPTIMIZERS)
    for optimizer, (steps, y, lo, hi, count) in expected.items():
        series = drawn[optimizer]
        assert series["group"]["count"] == count
        assert series["label"] == f"{optimizer} ({count})"
        points = np.array(series["points"])
        np.testing.assert_array_equal(points[:, 0], steps)
        np.testing.assert_allclose(points[:, 1], y, rtol=1e-9, atol=1e-12)
        bands = np.array(series["band"])
        np.testing.assert_array_equal(bands[:, 0], steps)
        np.testing.assert_allclose(bands[:, 1], lo, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bands[:, 2], hi, rtol=1e-9, atol=1e-12)
    # key-based group colours: one per group
    assert len({s["color"] for s in chart["series"]}) == len(OPTIMIZERS)


def test_group_by_optimizer_draws_three_lines_with_numpy_means_and_bands(
    workspace: Page, sweep_server: Server
) -> None:
    workspace.locator(tid("groupby-select")).select_option(OPTIM)
    expect(workspace.locator(tid(f"groupby-chip-{OPTIM}"))).to_be_visible()
    chart = wait_chart(workspace, "loss", "c.grouped && c.series.length === 3")
    _check_groups(chart, "loss", "mean", "std")
    # the legend names each group with its run count
    legend = workspace.locator(tid("legend-loss"))
    for optimizer, count in (("sgd", 22), ("adam", 21), ("adamw", 21)):
        expect(legend).to_contain_text(f"{optimizer} ({count})")
    # acc is logged every 5th step: its groups are aligned on those steps only
    _check_groups(
        wait_chart(workspace, "acc", "c.grouped && c.series.length === 3"), "acc", "mean", "std"
    )

    workspace.locator(tid("group-agg-select")).select_option("median")
    workspace.locator(tid("group-band-select")).select_option("minmax")
    chart = wait_chart(
        workspace, "loss", "c.agg === 'median' && c.band === 'minmax' && c.series.length === 3"
    )
    _check_groups(chart, "loss", "median", "minmax")
    workspace.locator(tid("group-band-select")).select_option("stderr")
    chart = wait_chart(workspace, "loss", "c.band === 'stderr' && c.series.length === 3")
    _check_groups(chart, "loss", "median", "stderr")

    # the grouping is saved with the workspace and comes back after a reload
    eventually(lambda: _saved(sweep_server, "groupBand"), "stderr")
    assert _saved(sweep_server, "groupBy") == [OPTIM]
    workspace.goto(WORKSPACE)  # the bare workspace URL: its address carries no view
    chart = wait_chart(
        workspace, "loss", "c.grouped && c.band === 'stderr' && c.series.length === 3"
    )
    _check_groups(chart, "loss", "median", "stderr")
    # removing the field draws the runs again
    workspace.locator(tid(f"groupby-remove-{OPTIM}")).click()
    chart = wait_chart(workspace, "loss", "!c.grouped && c.series.length > 3")
    assert set(by_name(sweep_server).values()) >= {s["run"] for s in chart["series"]}


def test_grouped_lines_cover_only_the_visible_runs(workspace: Page, sweep_server: Server) -> None:
    ids = by_name(sweep_server)
    hidden = [ids[r.name] for r in sweep_runs() if r.optimizer == "sgd" and r.seed == 0]
    _reset(sweep_server, {"groupBy": [OPTIM], "hiddenRuns": hidden})
    workspace.goto(WORKSPACE)
    chart = wait_chart(workspace, "loss", "c.grouped && c.series.length === 3")
    counts = {s["group"]["values"][OPTIM]: s["group"]["count"] for s in chart["series"]}
    assert counts == {"sgd": 22 - len(hidden), "adam": 21, "adamw": 21}
    shown = {s["group"]["values"][OPTIM]: set(s["group"]["runs"]) for s in chart["series"]}
    assert not shown["sgd"] & set(hidden)


def test_twema_in_the_ui_matches_the_reference(workspace: Page, sweep_server: Server) -> None:
    names = {run_id: name for name, run_id in by_name(sweep_server).items()}
    specs = {r.name: r for r in sweep_runs()}
    workspace.locator(tid("smoothing-kind-select")).select_option("twema")
    workspace.locator(tid("smoothing-slider")).fill("0.8")
    chart = wait_chart(
        workspace,
        "loss",
        "c.smoothingKind === 'twema' && c.smoothing === 0.8 && c.series.length > 0",
    )
    assert len(chart["series"]) >= 10
    for series in chart["series"]:
        steps, loss = history(specs[names[series["run"]]])["loss"]
        raw = np.array(series["unsmoothed"])  # the faint raw line behind: what was logged
        np.testing.assert_array_equal(raw[:, 0], steps)
        np.testing.assert_allclose(raw[:, 1], loss, rtol=1e-12)
        drawn = np.array(series["points"])
        np.testing.assert_allclose(drawn[:, 1], twema(steps, loss, 0.8), rtol=1e-9)

    # a panel's own smoothing wins over the workspace's
    workspace.locator(tid("smoothing-select-acc")).select_option("running_average")
    workspace.locator(tid("smoothing-amount-acc")).fill("5")
    acc = wait_chart(workspace, "acc", "c.smoothingKind === 'running_average' && c.smoothing === 5")
    for series in acc["series"]:
        _steps, values = history(specs[names[series["run"]]])["acc"]
        np.testing.assert_allclose(
            np.array(series["points"])[:, 1], running_average(values, 5), rtol=1e-9
        )
    assert wait_chart(workspace, "loss")["smoothingKind"] == "twema"

    # grouped lines are smoothed too: TWEMA over the group mean, raw mean faint behind
    workspace.locator(tid("groupby-select")).select_option(OPTIM)
    chart = wait_chart(
        workspace, "loss", "c.grouped && c.series.length === 3 && c.smoothing === 0.8"
    )
    expected = _expected("loss", "mean", "std")
    for series in chart["series"]:
        steps, mean, *_ = expected[series["group"]["values"][OPTIM]]
        np.testing.assert_allclose(np.array(series["unsmoothed"])[:, 1], mean, rtol=1e-9)
        np.testing.assert_allclose(
            np.array(series["points"])[:, 1], twema(steps, mean, 0.8), rtol=1e-9
        )


def _emphasis(page: Page, key: str) -> tuple[str | None, int]:
    """The line uPlot draws thick in the panel (None: none) and how many it fades."""
    box = page.locator(f"{tid(f'panel-{key}')} .uplot-box")
    return box.get_attribute("data-emphasis") or None, int(box.get_attribute("data-faded") or 0)


def test_hovering_a_legend_entry_or_a_table_row_emphasises_the_line_in_every_panel(
    workspace: Page,
) -> None:
    loss = wait_chart(workspace, "loss", "c.series.length > 1")
    wait_chart(workspace, "acc", "c.series.length > 1")
    run = loss["series"][1]["run"]
    workspace.locator(tid(f"legend-item-loss-{run}")).hover()
    for key in ("loss", "acc"):
        drawn = wait_chart(workspace, key, f"c.hovered === {json.dumps(run)}")
        assert _emphasis(workspace, key) == (run, len(drawn["series"]) - 1)
    workspace.mouse.move(0, 0)
    for key in ("loss", "acc"):
        wait_chart(workspace, key, "c.hovered === null")
        assert _emphasis(workspace, key) == (None, 0)

    # a row of the runs table emphasises its run the same way
    first = loss["series"][0]["run"]
    workspace.locator(tid(f"run-row-{first}")).hover()
    for key in ("loss", "acc"):
        drawn = wait_chart(workspace, key, f"c.hovered === {json.dumps(first)}")
        assert _emphasis(workspace, key) == (first, len(drawn["series"]) - 1)
    workspace.mouse.move(0, 0)
    wait_chart(workspace, "loss", "c.hovered === null")

    # grouped lines too
    workspace.locator(tid("groupby-select")).select_option(OPTIM)
    chart = wait_chart(workspace, "loss", "c.grouped && c.series.length === 3")
    wait_chart(workspace, "acc", "c.grouped && c.series.length === 3")
    line = next(s["run"] for s in chart["series"] if s["group"]["values"][OPTIM] == "adamw")
    workspace.locator(tid(f"legend-item-acc-{line}")).hover()
    for key in ("loss", "acc"):
        wait_chart(workspace, key, f"c.hovered === {json.dumps(line)}")
        assert _emphasis(workspace, key) == (line, 2)
    # and from the table's grouped row
    workspace.mouse.move(0, 0)
    sgd = next(s["run"] for s in chart["series"] if s["group"]["values"][OPTIM] == "sgd")
    workspace.locator(tid("group-row-sgd")).hover()
    for key in ("loss", "acc"):
        wait_chart(workspace, key, f"c.hovered === {json.dumps(sgd)}")
        assert _emphasis(workspace, key) == (sgd, 2)


def _groups_requests(page: Page) -> list[dict[str, list[str]]]:
    """The query of every GET /groups the page sends from now on (filled as they go)."""
    sent: list[dict[str, list[str]]] = []

    def note(request: Any) -> None:
        url = urllib.parse.urlsplit(request.url)
        if url.path.endswith("/groups"):
            sent.append(urllib.parse.parse_qs(url.query))

    page.on("request", note)
    return sent


RUNS_LIST = "**/api/v1/projects/*/*/runs?*"


def _hold_runs(page: Page) -> list[Any]:
    """Holds back the page's run list requests (released by :func:`_release_runs`)."""
    held: list[Any] = []
    page.route(RUNS_LIST, lambda route: held.append(route))
    return held


def _release_runs(page: Page, held: list[Any]) -> None:
    assert held, "the run list was not asked for"
    page.unroute(RUNS_LIST)
    for route in held:
        route.continue_()


def _frames(page: Page, count: int = 3) -> None:
    """Lets the page draw `count` frames (a panel that was going to ask has asked)."""
    page.evaluate(
        "n => new Promise((done) => { const f = (k) => (k ? requestAnimationFrame(() => f(k - 1)) "
        ": done(null)); f(n); })",
        count,
    )


def test_the_first_grouped_panel_asks_while_the_runs_still_load(
    sweep_page: Page, sweep_server: Server
) -> None:
    """/groups needs the grouping and the metric, not the run list: with /runs held
    back, the first panel's request goes out anyway, and once the runs arrive nothing
    is asked again (the query stays the same)."""
    _reset(sweep_server, {"groupBy": [OPTIM]})
    sent = _groups_requests(sweep_page)
    held = _hold_runs(sweep_page)
    with sweep_page.expect_request(lambda r: "/groups?" in r.url and "keys=loss" in r.url):
        sweep_page.goto(WORKSPACE)
    _release_runs(sweep_page, held)
    expect(sweep_page.locator(tid("runs-table"))).to_contain_text("adam")
    chart = wait_chart(sweep_page, "loss", "c.grouped && c.series.length === 3")
    _check_groups(chart, "loss", "mean", "std")
    _frames(sweep_page)
    loss = [q for q in sent if q["keys"] == ["loss"]]
    assert len(loss) == 1 and "filters" not in loss[0], loss


MAIN_BUNDLE = "**/assets/index-*.js"


def test_the_first_grouped_panel_is_asked_before_the_app_has_loaded(
    sweep_page: Page, sweep_server: Server
) -> None:
    """index.html's early requests (settings, keys) and src/earlyGroups.ts ask for the
    first panel's /groups while the app's main bundle is still held back; the panel then
    takes that answer: no /groups is asked twice, and the lines are right."""
    _reset(sweep_server, {"groupBy": [OPTIM]})
    sent = _groups_requests(sweep_page)
    held: list[Any] = []
    sweep_page.route(MAIN_BUNDLE, lambda route: held.append(route))
    with sweep_page.expect_request(lambda r: "/groups?" in r.url):
        sweep_page.goto(WORKSPACE, wait_until="commit")
    assert held, "the main bundle was not asked for"
    assert sweep_page.evaluate("typeof window.__runyardCharts") == "undefined"  # no app yet
    (first,) = sent
    sweep_page.unroute(MAIN_BUNDLE)
    for route in held:
        route.continue_()
    panels = sweep_page.locator('[data-testid="panel-grid"] [data-panel-id]')
    expect(panels.first).to_be_visible()
    assert panels.first.get_attribute("data-panel-id") == first["keys"][0]
    chart = wait_chart(sweep_page, first["keys"][0], "c.grouped && c.series.length === 3")
    _check_groups(chart, first["keys"][0], "mean", "std")
    wait_chart(sweep_page, "loss", "c.grouped && c.series.length === 3")
    _frames(sweep_page)
    asked = [json.dumps(q, sort_keys=True) for q in sent]
    assert len(asked) == len(set(asked)), sent


def test_a_filtered_grouped_view_asks_once_for_the_filtered_runs(
    sweep_page: Page, sweep_server: Server
) -> None:
    """A filter in the URL narrows the grouped runs: the panels wait for the run list
    (which the filter needs) and ask once, for those runs, not first for every run."""
    _reset(sweep_server, {"groupBy": [OPTIM]})
    sent = _groups_requests(sweep_page)
    held = _hold_runs(sweep_page)
    text = urllib.parse.quote("config.optim.name = adam")
    sweep_page.goto(f"{WORKSPACE}?filter={text}")
    expect(sweep_page.locator(tid("panel-loss"))).to_be_visible()
    _frames(sweep_page)
    assert sent == []  # the grouped runs are not known yet
    _release_runs(sweep_page, held)
    chart = wait_chart(sweep_page, "loss", "c.grouped && c.series.length === 1")
    ids = by_name(sweep_server)
    adam = {ids[r.name] for r in sweep_runs() if r.optimizer == "adam"}
    assert set(chart["series"][0]["group"]["runs"]) == adam
    _frames(sweep_page)
    loss = [q for q in sent if q["keys"] == ["loss"]]
    assert len(loss) == 1, loss
    (filters,) = loss[0]["filters"]
    assert set(json.loads(filters)["name"]["$in"]) == adam
