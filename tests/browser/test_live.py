"""Live updates: a running run's new points reach the open workspace without a
reload, by fetching only the new tail of each series."""

from __future__ import annotations

import subprocess
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, Request, expect

from tests.browser.charts import tid, wait_chart
from tests.browser.conftest import ENTITY, Server


def _wait_for_run(server: Server, process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    run_id = process.stdout.readline().strip()
    assert run_id, process.stderr.read() if process.stderr else "no run id"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = server.get(f"/projects/{ENTITY}/live/runs")["runs"]
        if any(r["id"] == run_id and (r["last_step"] or 0) >= 5 for r in runs):
            return run_id
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} never reached the server")


def test_new_points_of_a_running_run_appear_without_reload(
    page: Page, server: Server, logging_run: subprocess.Popen[str]
) -> None:
    run_id = _wait_for_run(server, logging_run)
    series_requests: list[Request] = []
    page.on("request", lambda r: series_requests.append(r) if "/series?" in r.url else None)
    page.goto(f"/{ENTITY}/live")
    first = wait_chart(page, "loss", "c.series.length === 1 && c.series[0].points.length > 0")
    page.evaluate("window.__sameDocument = true")
    seen = len(first["series"][0]["points"])
    last_x = first["series"][0]["points"][-1][0]
    requests_before = len(series_requests)

    grown = wait_chart(page, "loss", f"c.series[0].points.length > {seen} + 3", timeout=3_000)
    # no reload, and the points extend the line
    assert page.evaluate("window.__sameDocument === true")
    xs = [p[0] for p in grown["series"][0]["points"]]
    assert xs == sorted(set(xs)) and xs[-1] > last_x
    # the panel asked only for the new tail
    tails = [parse_qs(urlparse(r.url).query) for r in series_requests[requests_before:]]
    assert tails, "no /series request after the first load"
    for query in tails:
        if "loss" in query["keys"][0].split(","):
            assert "xmin" in query and float(query["xmin"][0]) >= last_x - 1e-9, query
    # other panels and the runs table follow too
    wait_chart(page, "train/acc", f"c.series[0].points.length > {seen}", timeout=5_000)
    row = page.locator(tid(f"run-row-{run_id}"))
    expect(row.locator(tid(f"cell-{run_id}-run:state"))).to_have_text("running")
    runtime: Any = row.locator(tid(f"cell-{run_id}-run:runtime")).inner_text()
    expect(row.locator(tid(f"cell-{run_id}-run:runtime"))).not_to_have_text(runtime, timeout=5_000)
