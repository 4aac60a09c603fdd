"""The run page: overview, config, summary with nested aggregates, charts, files."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from tests.browser.charts import expected_colors, tid, wait_chart
from tests.browser.conftest import ENTITY, PROJECT, Server


def test_run_page_shows_overview_config_summary_charts_and_files(
    page: Page, server: Server, stored_runs: list[dict[str, Any]], screenshots: Path
) -> None:
    run = next(r for r in stored_runs if r["name"] == "sweep-lr-0.1")
    page.goto(f"/{ENTITY}/{PROJECT}/runs/{run['id']}")
    expect(page.locator(tid("run-name"))).to_have_text("sweep-lr-0.1")
    # the same colour as in the workspace
    colors = expected_colors(server.get(f"/projects/{ENTITY}/{PROJECT}/runs")["runs"])
    expect(page.locator(tid("run-color"))).to_have_attribute("data-color", colors[run["id"]])
    # its charts, drawn for this run only
    keys = server.get(f"/projects/{ENTITY}/{PROJECT}/keys", runs=run["id"])["keys"]
    for key in (k["key"] for k in keys if k["numeric"] and not k["hidden"]):
        expect(page.locator(tid(f"panel-{key}"))).to_have_count(1)
    drawn = wait_chart(page, "loss", "c.series.length === 1")
    assert drawn["series"][0]["run"] == run["id"]
    assert drawn["series"][0]["color"] == colors[run["id"]]

    # the overview tab: facts, config, summary
    page.locator(tid("run-tab-overview")).click()
    overview = page.locator(tid("run-overview"))
    expect(overview.locator(tid("run-fact-state"))).to_contain_text("finished")
    expect(overview.locator(tid("run-fact-id"))).to_contain_text(run["id"])
    expect(overview.locator(tid("run-fact-tags"))).to_contain_text("sweep")
    expect(overview.locator(tid("run-fact-notes"))).to_contain_text("learning-rate sweep")
    expect(overview.locator(tid("run-fact-group"))).to_contain_text("lr-sweep")
    expect(overview.locator(tid("run-fact-duration"))).to_contain_text("s")
    expect(overview.locator(tid("run-fact-host"))).not_to_be_empty()

    config = page.locator(tid("run-config"))
    expect(config.locator(tid("run-config-learning_rate")).locator("td")).to_have_text("0.1")
    expect(config.locator(tid("run-config-optimizer")).locator("td")).to_have_text("adam")
    expect(config.locator(tid("run-config-model.depth")).locator("td")).to_have_text("4")

    summary = page.locator(tid("run-summary"))
    for name, (key, agg) in (("loss.min", ("loss", "min")), ("acc.max", ("acc", "max"))):
        cell = summary.locator(tid(f"run-summary-{name}")).locator("td")
        expect(cell).not_to_be_empty()
        assert math.isclose(float(cell.inner_text()), run["summary"][key][agg], rel_tol=1e-5)
    expect(summary.locator(tid("run-summary-tensor")).locator("td")).not_to_be_empty()

    # files, downloadable
    page.locator(tid("run-tab-files")).click()
    files = server.get(f"/projects/{ENTITY}/{PROJECT}/runs/{run['id']}/files")["files"]
    assert files, "the summary tensor should be stored as a file"
    for file in files:
        link = page.locator(tid(f"file-{file['name']}")).locator("a")
        expect(link).to_have_text(file["name"])
        response = page.request.get(link.get_attribute("href") or "")
        assert response.ok
        assert len(response.body()) == file["size"]
    page.screenshot(path=str(screenshots / "run-page.png"), full_page=True)


def test_projects_list_links_to_workspaces(page: Page, server: Server) -> None:
    projects = server.get("/projects")["projects"]
    page.goto("/")
    for project in projects:
        row = page.locator(tid(f"project-row-{project['entity']}/{project['name']}"))
        expect(row).to_contain_text(project["name"])
        expect(row.locator("td.num")).to_have_text(str(project["run_count"]))
    page.locator(tid(f"project-link-{ENTITY}/basic-intro")).click()
    expect(page).to_have_url(f"{server.url}{ENTITY}/basic-intro")
    expect(page.locator(tid("panel-acc"))).to_be_visible()


GENERATED_NAME = re.compile(r"^[a-z]+-[a-z]+-\d+$")


def test_runs_without_a_name_show_generated_names_everywhere(
    context_page: Page, context_server: Server, context_store: tuple[Path, dict[str, str]]
) -> None:
    """Runs started without ``name=`` get an adjective-noun-N name (unique in the
    project), shown in the runs table, the panels' legends and the run page."""
    from tests.browser.run_context import PROJECT as CONTEXT

    page = context_page
    ids = context_store[1]
    runs = context_server.get(f"/projects/{ENTITY}/{CONTEXT}/runs")["runs"]
    names = {r["id"]: r["name"] for r in runs}
    unnamed = [ids["unnamed0"], ids["unnamed1"]]
    for run_id in unnamed:
        assert GENERATED_NAME.match(names[run_id] or ""), names
    assert len(set(names.values())) == len(names)

    page.goto(f"/{ENTITY}/{CONTEXT}")
    for run_id in unnamed:
        expect(page.locator(tid(f"run-link-{run_id}"))).to_have_text(names[run_id])
    drawn = wait_chart(page, "loss", f"c.series.length === {len(runs)}")
    labels = {s["run"]: s["label"] for s in drawn["series"]}
    legend = page.locator(tid("legend-loss"))
    for run_id in unnamed:
        assert labels[run_id] == names[run_id]
        expect(legend).to_contain_text(names[run_id])

    page.locator(tid(f"run-link-{unnamed[0]}")).click()
    expect(page.locator(tid("run-name"))).to_have_text(names[unnamed[0]])
    drawn = wait_chart(page, "loss", "c.series.length === 1")
    assert drawn["series"][0]["label"] == names[unnamed[0]]
    expect(page.locator(tid("legend-loss"))).to_have_text(names[unnamed[0]])
