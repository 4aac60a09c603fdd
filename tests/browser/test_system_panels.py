"""System metrics in the web app: the run page's System tab (a panel per system key, GPUs
of one measure in one panel) and the workspace's collapsed System section comparing
runs in their colours."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from tests.browser.charts import eventually, expected_colors, tid, wait_chart
from tests.browser.conftest import ENTITY, Server
from tests.browser.run_context import GPUS, LIVE_PROJECT, PROJECT, SAMPLES, system_values

GROUPS = {
    "system.cpu": "Process CPU Utilization (%)",
    "system.memory_percent": "System Memory Utilization (%)",
    "system.proc.memory.rssMB": "Process Memory In Use (non-swap) (MB)",
    "system.disk./.usagePercent": "Disk Utilization (%) /",
    "system.network.sent": "Network Traffic Sent (bytes)",
    "system.network.recv": "Network Traffic Received (bytes)",
    "system.gpu.*.gpu": "GPU Utilization (%)",
    "system.gpu.*.temp": "GPU Temp (°C)",
}


def points(run: int, samples: int, key: str) -> list[list[float]]:
    """What a panel draws for a key of run number ``run``: (runtime, value) per sample."""
    return [[s * 15.0 + 0.5, system_values(run, s, GPUS)[key]] for s in range(samples)]


def close(a: list[list[float]], b: list[list[float]]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x1, x2) and math.isclose(y1, y2)
        for (x1, y1), (x2, y2) in zip(a, b, strict=True)
    )


def test_system_tab_draws_a_panel_per_key_with_gpus_grouped(
    context_page: Page, context_store: tuple[Path, dict[str, str]], screenshots: Path
) -> None:
    page = context_page
    run_id = context_store[1]["main"]
    page.goto(f"/{ENTITY}/{PROJECT}/runs/{run_id}/system")
    panels = page.locator(tid("system-panels"))
    expect(panels).to_have_attribute("data-samples", str(SAMPLES))
    expect(panels.locator(".system-panel")).to_have_count(len(GROUPS))
    for group, title in GROUPS.items():
        panel = page.locator(tid(f"system-panel-{group}"))
        expect(panel.locator(".panel-title")).to_have_text(title)
        expect(panel).to_have_attribute("data-lines", str(GPUS if "*" in group else 1))

    # one line per GPU in one panel, over the run's runtime
    drawn = wait_chart(page, "system:system.gpu.*.gpu", "c.series.length === 2")
    assert drawn["xKey"] == "_runtime"
    assert [s["label"] for s in drawn["series"]] == ["GPU 0", "GPU 1"]
    assert len({s["color"] for s in drawn["series"]}) == 2
    for gpu, series in enumerate(drawn["series"]):
        assert close(series["points"], points(0, SAMPLES, f"system.gpu.{gpu}.gpu"))
    expect(page.locator(tid("system-legend-system.gpu.*.gpu"))).to_have_text("GPU 0GPU 1")
    cpu = wait_chart(page, "system:system.cpu", "c.series.length === 1")
    assert close(cpu["series"][0]["points"], points(0, SAMPLES, "system.cpu"))
    page.screenshot(path=str(screenshots / "run-system.png"), full_page=True)


def test_system_tab_says_when_a_run_has_no_samples(
    context_page: Page, context_store: tuple[Path, dict[str, str]]
) -> None:
    run_id = context_store[1]["unnamed1"]
    context_page.goto(f"/{ENTITY}/{PROJECT}/runs/{run_id}/system")
    expect(context_page.locator(tid("system-empty"))).to_contain_text("No system metrics")


def _runs(server: Server) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = server.get(f"/projects/{ENTITY}/{PROJECT}/runs")["runs"]
    return runs


def test_workspace_system_section_compares_runs_in_their_colours(
    context_page: Page, context_server: Server, context_store: tuple[Path, dict[str, str]]
) -> None:
    page = context_page
    ids = context_store[1]
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/system?" in r.url else None)
    page.goto(f"/{ENTITY}/{PROJECT}")
    toggle = page.locator(tid("system-section-toggle"))
    # collapsed: nothing drawn, nothing asked of the server
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(tid("panel-loss"))).to_be_visible()
    expect(page.locator(tid("section-System")).locator(tid("system-panels"))).to_have_count(0)
    assert asked == []

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    section = page.locator(tid("section-System"))
    expect(section.locator(".system-panel")).to_have_count(len(GROUPS))
    runs = _runs(context_server)
    colors = expected_colors(runs)
    names = {r["id"]: r["name"] for r in runs}
    # a line per run that has the key, in the run's colour, named as the run
    with_samples = {
        ids["main"]: (0, SAMPLES),
        ids["other"]: (1, SAMPLES // 2),
        ids["unnamed0"]: (2, SAMPLES // 4),
    }
    drawn = wait_chart(page, "system:system.cpu", "c.series.length === 3")
    by_run = {s["run"]: s for s in drawn["series"]}
    assert set(by_run) == set(with_samples)
    for run_id, (number, samples) in with_samples.items():
        assert by_run[run_id]["color"] == colors[run_id]
        assert by_run[run_id]["label"] == names[run_id]
        assert close(by_run[run_id]["points"], points(number, samples, "system.cpu"))
    # GPUs: a line per run and GPU (the main run has two, "other" one, the third none)
    gpus = wait_chart(page, "system:system.gpu.*.gpu", "c.series.length === 3")
    assert sorted((s["run"], s["label"], s["color"]) for s in gpus["series"]) == sorted(
        [
            (f"{ids['main']}:0", f"{names[ids['main']]} GPU 0", colors[ids["main"]]),
            (f"{ids['main']}:1", f"{names[ids['main']]} GPU 1", colors[ids["main"]]),
            (f"{ids['other']}:0", f"{names[ids['other']]} GPU 0", colors[ids["other"]]),
        ]
    )
    # the generated name of a run without name= in the legend
    legend = page.locator(tid("system-legend-system.cpu"))
    expect(legend).to_contain_text(names[ids["unnamed0"]])
    assert asked and all(f"/projects/{ENTITY}/{PROJECT}/system?" in url for url in asked)

    # the choice is saved with the workspace
    workspace = f"/projects/{ENTITY}/{PROJECT}/workspace"
    eventually(lambda: context_server.get(workspace)["settings"].get("systemOpen"), True)
    page.reload()
    expect(page.locator(tid("system-section-toggle"))).to_have_attribute("aria-expanded", "true")
    expect(page.locator(tid("section-System")).locator(".system-panel")).to_have_count(len(GROUPS))
    page.locator(tid("system-section-toggle")).click()
    expect(page.locator(tid("section-System")).locator(".system-panel")).to_have_count(0)
    eventually(lambda: context_server.get(workspace)["settings"].get("systemOpen"), False)


SAMPLER = """
import time
import runyard as wandb
with wandb.init(project={project!r}, name="sampled", settings={{"x_stats_sampling_interval": 0.5}}) as run:
    deadline = time.time() + 3
    while time.time() < deadline:
        sum(i * i for i in range(20000))
    print(run.id)
"""


def test_system_tab_draws_what_the_sdk_sampler_recorded(
    context_page: Page, context_server: Server, context_store: tuple[Path, dict[str, str]]
) -> None:
    """The SDK's sampler end to end: a run sampled every 0.5 s gets a panel per key
    group the server holds, drawing the samples it holds."""
    from tests.browser.conftest import run_code

    page = context_page
    run_id = (
        run_code(SAMPLER.format(project=LIVE_PROJECT), context_store[0]).strip().splitlines()[-1]
    )
    stored = context_server.get(f"/projects/{ENTITY}/{LIVE_PROJECT}/runs/{run_id}/system")
    assert len(stored["runtime"]) >= 3
    keys = set(stored["keys"])
    assert {"system.cpu", "system.memory_percent", "system.proc.memory.rssMB"} <= keys
    groups = {
        k if not re.search(r"\.\d+\.", k) else re.sub(r"\.\d+\.", ".*.", k, count=1) for k in keys
    }

    page.goto(f"/{ENTITY}/{LIVE_PROJECT}/runs/{run_id}/system")
    panels = page.locator(tid("system-panels"))
    expect(panels).to_have_attribute("data-samples", str(len(stored["runtime"])))
    expect(panels.locator(".system-panel")).to_have_count(len(groups))
    for group in groups:
        expect(page.locator(tid(f"system-panel-{group}"))).to_have_count(1)
    drawn = wait_chart(page, "system:system.memory_percent", "c.series.length === 1")
    expected = [
        [t, v]
        for t, v in zip(stored["runtime"], stored["values"]["system.memory_percent"], strict=True)
        if v is not None
    ]
    assert close(drawn["series"][0]["points"], expected)
