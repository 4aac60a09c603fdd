"""Key-based run colours (seed 002's semantic legend) and run colours set from code or
picked in the runs table: what the legend lists and what the charts actually drew."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from runyard.metrics.colors import KeyColors, assign_key_colors
from tests.browser.charts import eventually, tid, wait_chart
from tests.browser.conftest import (
    ENTITY,
    KEY_COLORS_LRS,
    KEY_COLORS_PROJECT,
    KEY_COLORS_RUN_COLOR,
    Server,
    _runyard_env,
    _stop,
    run_code,
)

WORKSPACE = f"/{ENTITY}/{KEY_COLORS_PROJECT}"
LIVE_PROJECT = "semantic-live"


def _put_settings(server: Server, project: str, settings: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{server.url}api/v1{server.project(project)}/workspace",
        data=json.dumps({"settings": settings}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _saved(server: Server, project: str = KEY_COLORS_PROJECT) -> dict[str, Any]:
    settings: dict[str, Any] = server.get(f"{server.project(project)}/workspace")["settings"]
    return settings


@pytest.fixture
def legend_page(page: Page, server: Server) -> Iterator[Page]:
    """The seed-002 project's workspace with its saved settings reset."""
    _put_settings(server, KEY_COLORS_PROJECT, {})
    page.goto(WORKSPACE)
    expect(page.locator(tid("panel-grid"))).to_be_visible()
    yield page
    _put_settings(server, KEY_COLORS_PROJECT, {})


def _runs(server: Server, project: str = KEY_COLORS_PROJECT) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = server.get(f"{server.project(project)}/runs")["runs"]
    return runs


def _history(server: Server, runs: list[dict[str, Any]], key: str) -> dict[str, list[float]]:
    """Every logged value of `key` per run (raw points: these series are short)."""
    body = server.get(
        f"{server.project(KEY_COLORS_PROJECT)}/series",
        runs=",".join(r["id"] for r in runs),
        keys=key,
        points=10_000,
    )
    out: dict[str, list[float]] = {}
    for series in body["series"]:
        assert not series["reduced"]
        if series["y"]:
            out[series["run"]] = series["y"]
    return out


def _expected(runs: list[dict[str, Any]], values: dict[str, Any], buckets: int) -> KeyColors:
    """The assignment for the project's runs (runs without a value included, as grey)."""
    return assign_key_colors({r["id"]: values.get(r["id"]) for r in runs}, buckets, "viridis")


def _check(page: Page, expected: KeyColors, key: str, y: str) -> None:
    """The legend lists the expected buckets and runs; the `acc` panel's drawn lines and
    the runs table's swatches have the expected colours."""
    legend = page.locator(tid("key-color-legend"))
    expect(legend).to_have_attribute("data-key", key)
    expect(legend).to_have_attribute("data-y", y)
    expect(legend).to_have_attribute("data-ready", "true")
    buckets = page.locator("[data-testid^='key-color-bucket-']")
    expect(buckets).to_have_count(len(expected.buckets))
    for i, bucket in enumerate(expected.buckets):
        shown = page.locator(tid(f"key-color-bucket-{i}"))
        expect(shown).to_have_attribute("data-label", bucket.label)
        expect(shown).to_have_attribute("data-color", bucket.color)
        expect(shown).to_contain_text(bucket.label)
        assert set((shown.get_attribute("data-runs") or "").split(",")) - {""} == set(bucket.runs)
    missing = page.locator(tid("key-color-missing"))
    if expected.missing:
        assert set((missing.get_attribute("data-runs") or "").split(",")) == set(expected.missing)
    else:
        expect(missing).to_have_count(0)

    colors = json.dumps(expected.colors)
    drawn = wait_chart(
        page,
        "acc",
        f"c.series.length > 0 && c.series.every(s => ({colors})[s.run] === s.color)",
    )
    assert len(drawn["series"]) == len(KEY_COLORS_LRS)
    for run_id, color in expected.colors.items():
        swatch = page.locator(f"{tid(f'run-row-{run_id}')} .swatch")
        expect(swatch).to_have_attribute("data-color", color)


def _choose_key(page: Page, search: str, key: str) -> None:
    page.locator(tid("key-colors-key")).click()
    page.locator(tid("key-colors-key-search")).fill(search)
    page.locator(tid(f"key-option-{key}")).click()
    expect(page.locator(tid("key-colors-key"))).to_have_attribute("data-value", key)


def test_the_seed_example_max_acc_in_six_buckets_then_min_config_and_wall_time(
    legend_page: Page, server: Server, screenshots: Path
) -> None:
    page = legend_page
    runs = _runs(server)
    assert len(runs) == len(KEY_COLORS_LRS) + 1
    acc = _history(server, runs, "acc")
    assert len(acc) == len(KEY_COLORS_LRS)

    # ⚙ → drawer → Runs → Key-based colors
    page.locator(tid("workspace-settings-button")).click()
    drawer = page.locator(tid("settings-drawer"))
    expect(drawer).to_be_visible()
    expect(drawer.locator(tid("drawer-tab-runs"))).to_have_attribute("aria-selected", "true")
    # the key picker is grouped by kind and searchable
    page.locator(tid("key-colors-key")).click()
    for group in ("Metrics", "Config", "Default metrics"):
        expect(page.locator(tid(f"key-group-{group}"))).to_be_visible()
    for label in ("Relative Time (Process)", "Relative Time (Wall)", "Wall Time", "Step"):
        expect(page.locator(tid("key-group-Default metrics"))).to_contain_text(label)
    page.locator(tid("key-colors-key")).click()
    _choose_key(page, "ac", "acc")
    expect(page.locator(tid("key-colors-toggle"))).to_be_checked()
    page.locator(tid("key-colors-y")).select_option("max")
    page.locator(tid("key-colors-buckets")).select_option("6")

    # Key = acc, Y value = Max, Buckets = 6: buckets from the runs' max accuracies
    maxima = {run: max(values) for run, values in acc.items()}
    expected = _expected(runs, maxima, 6)
    labels = [b.label for b in expected.buckets]
    assert labels[0].startswith("Min – ") and labels[-1].endswith(" – Max") and len(labels) == 6
    # the server's /colors (what scripts get) agrees
    served = server.get(
        f"{server.project(KEY_COLORS_PROJECT)}/colors", key="acc", y="max", buckets=6
    )
    assert [b["label"] for b in served["legend"]] == labels
    assert {r["id"]: r["color"] for r in served["runs"]} == expected.colors
    _check(page, expected, "acc", "max")
    no_acc = next(r["id"] for r in runs if r["name"] == "no-acc")
    assert expected.missing == [no_acc]
    page.screenshot(path=str(screenshots / "key-colors.png"))

    # Min
    page.locator(tid("key-colors-y")).select_option("min")
    minima = {run: min(values) for run, values in acc.items()}
    _check(page, _expected(runs, minima, 6), "acc", "min")

    # a config key: learning_rate (y does not apply)
    _choose_key(page, "learning", "config:learning_rate")
    expect(page.locator(tid("key-colors-y"))).to_be_disabled()
    rates = {r["id"]: r["config"]["learning_rate"] for r in runs if "learning_rate" in r["config"]}
    by_rate = _expected(runs, rates, 6)
    _check(page, by_rate, "config:learning_rate", "min")
    highest = next(r["id"] for r in runs if r["config"].get("learning_rate") == 0.1)
    assert by_rate.bucket_of[highest] == 5

    # Relative Time (Wall), latest: seconds from each run's first row to its last
    _choose_key(page, "wall", "_wall")
    page.locator(tid("key-colors-y")).select_option("latest")
    stamps = _history(server, runs, "_timestamp")
    wall = {run: values[-1] - values[0] for run, values in stamps.items()}
    assert len(set(wall.values())) == len(wall)  # every run took a different time
    expected_wall = _expected(runs, wall, 6)
    assert not expected_wall.missing
    _check(page, expected_wall, "_wall", "latest")

    # saved on the server, and back after a reload
    eventually(
        lambda: _saved(server).get("keyColors"),
        {"enabled": True, "key": "_wall", "y": "latest", "buckets": 6, "palette": "viridis"},
    )
    page.reload()
    expect(page.locator(tid("settings-drawer"))).to_have_count(0)
    _check(page, expected_wall, "_wall", "latest")

    # off: the runs' own colours come back
    page.locator(tid("workspace-settings-button")).click()
    page.locator(tid("key-colors-toggle")).uncheck()
    expect(page.locator(tid("key-color-legend"))).to_have_count(0)
    wait_chart(
        page,
        "loss",
        f"c.series.some(s => s.run === {no_acc!r} && s.color === {KEY_COLORS_RUN_COLOR!r})",
    )


def test_run_colours_from_code_and_from_the_table_and_key_colours_override_them(
    legend_page: Page, server: Server
) -> None:
    page = legend_page
    runs = _runs(server)
    no_acc = next(r["id"] for r in runs if r["name"] == "no-acc")
    target = next(r["id"] for r in runs if r["name"] == "acc-lr-0.01")
    # init(settings={"run_color": ...}) is honoured in the table and the charts
    expect(page.locator(f"{tid(f'run-row-{no_acc}')} .swatch")).to_have_attribute(
        "data-color", KEY_COLORS_RUN_COLOR
    )
    wait_chart(
        page,
        "loss",
        f"c.series.some(s => s.run === {no_acc!r} && s.color === {KEY_COLORS_RUN_COLOR!r})",
    )

    # pick a colour in the runs table: drawn at once, saved in the workspace
    page.locator(tid(f"color-input-{target}")).fill("#ff00ff")
    expect(page.locator(f"{tid(f'run-row-{target}')} .swatch")).to_have_attribute(
        "data-color", "#ff00ff"
    )
    wait_chart(page, "acc", f"c.series.some(s => s.run === {target!r} && s.color === '#ff00ff')")
    eventually(lambda: _saved(server).get("runColors"), {target: "#ff00ff"})
    colors = server.get(f"{server.project(KEY_COLORS_PROJECT)}/colors")
    assert {r["id"]: r["color"] for r in colors["runs"]}[target] == "#ff00ff"

    # key-based colours override picked and stored colours while on
    settings = _saved(server)
    settings["keyColors"] = {"enabled": True, "key": "acc", "y": "max", "buckets": 3}
    _put_settings(server, KEY_COLORS_PROJECT, settings)
    page.reload()
    expect(page.locator(tid("key-color-legend"))).to_have_attribute("data-ready", "true")
    expected = _expected(runs, {run: max(v) for run, v in _history(server, runs, "acc").items()}, 3)
    assert expected.colors[target] != "#ff00ff"
    _check(page, expected, "acc", "max")
    expect(page.locator(tid(f"color-input-{target}"))).to_be_disabled()
    wait_chart(page, "loss", f"c.series.some(s => s.run === {no_acc!r} && s.color === '#bdbdbd')")

    # the run page shows a run in the workspace's colour
    page.goto(f"/{ENTITY}/{KEY_COLORS_PROJECT}/runs/{target}")
    expect(page.locator(tid("run-color"))).to_have_attribute("data-color", expected.colors[target])


MOVER = """
import os, time
import runyard as wandb
with wandb.init(project={project!r}, name="mover") as run:
    for _ in range(5):
        run.log({{"loss": 0.9}})
    print(run.id, flush=True)
    while not os.path.exists({go!r}):
        time.sleep(0.05)
    run.log({{"loss": 0.1}})
    time.sleep(120)
"""


@pytest.fixture
def mover(store_dir: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A finished run with loss 0.5 and a running one at 0.9 that drops to 0.1 on a signal."""
    run_code(
        f"import runyard as wandb\n"
        f"with wandb.init(project={LIVE_PROJECT!r}, name='steady') as run:\n"
        f"    run.log({{'loss': 0.5}})\n",
        store_dir,
    )
    go = tmp_path / "go"
    process = subprocess.Popen(
        [sys.executable, "-c", MOVER.format(project=LIVE_PROJECT, go=str(go))],
        env=_runyard_env(store_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, go
    finally:
        _stop(process)
        for pipe in (process.stdout, process.stderr):
            if pipe:
                pipe.close()


def test_live_runs_move_between_buckets(
    page: Page, server: Server, mover: tuple[subprocess.Popen[str], Path]
) -> None:
    process, go = mover
    assert process.stdout is not None
    moving = process.stdout.readline().strip()
    assert moving, process.stderr.read() if process.stderr else "no run id"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = _runs(server, LIVE_PROJECT)
        if any(r["id"] == moving and r["summary"].get("loss") == 0.9 for r in runs):
            break
        time.sleep(0.1)
    steady = next(r["id"] for r in runs if r["name"] == "steady")
    key_colors = {"enabled": True, "key": "loss", "y": "latest", "buckets": 2}
    _put_settings(server, LIVE_PROJECT, {"keyColors": key_colors})

    page.goto(f"/{ENTITY}/{LIVE_PROJECT}")
    low, high = page.locator(tid("key-color-bucket-0")), page.locator(tid("key-color-bucket-1"))
    expect(high).to_have_attribute("data-runs", moving)
    expect(low).to_have_attribute("data-runs", steady)
    dark = high.get_attribute("data-color")
    wait_chart(page, "loss", f"c.series.some(s => s.run === {moving!r} && s.color === {dark!r})")

    go.touch()  # the running run's loss drops below the finished run's
    expect(low).to_have_attribute("data-runs", moving, timeout=10_000)
    expect(high).to_have_attribute("data-runs", steady)
    wait_chart(page, "loss", f"c.series.some(s => s.run === {steady!r} && s.color === {dark!r})")
