"""Dark mode (issue 18) read from the rendered page: the panel, its title, the chart's
axis labels drawn on the canvas, a histogram's SVG axes and a hidden run's swatch take
the dark theme's colours (not the light theme's literals) with readable contrast, and
axe-core finds no serious or critical violation on the dark pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from tests.browser.charts import eventually, tid, wait_chart
from tests.browser.conftest import ENTITY, Server, close_context, offline, run_code

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PROJECT = "dark-mode"
RUNS = f"""
import numpy as np, runyard as wandb
rng = np.random.default_rng(0)
for i in range(2):
    with wandb.init(project={PROJECT!r}, name=f"dark-{{i}}", config={{"lr": 0.1 * (i + 1)}},
                    reinit="create_new") as run:
        for step in range(30):
            run.log({{"loss": 1 / (step + 1) + i}})
        run.log({{"weights": wandb.Histogram(rng.normal(0, 1, 500), num_bins=20)}})
"""

RGB = tuple[int, int, int]


@pytest.fixture(scope="module")
def project(server: Server) -> str:
    run_code(RUNS, server.root)
    return PROJECT


def _open(browser: Browser, server: Server, scheme: Literal["dark", "light"]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1440, "height": 900}, color_scheme=scheme
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page
        assert errors == []
    finally:
        close_context(context)


@pytest.fixture
def dark(browser: Browser, server: Server) -> Iterator[Page]:
    yield from _open(browser, server, "dark")


@pytest.fixture
def light(browser: Browser, server: Server) -> Iterator[Page]:
    yield from _open(browser, server, "light")


def _parse(value: str) -> RGB:
    parts = [int(float(v)) for v in value[value.index("(") + 1 : -1].split(",")[:3]]
    return parts[0], parts[1], parts[2]


def _css(page: Page, selector: str, prop: str) -> RGB:
    return _parse(page.locator(selector).first.evaluate("(e, p) => getComputedStyle(e)[p]", prop))


def _luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _axis_ink(page: Page, background: RGB) -> RGB:
    """The colour of the y-axis labels the chart drew on its canvas: of the opaque pixels
    in the axis strip, the one farthest from the panel's background (a glyph's core)."""
    pixels: list[list[int]] = page.locator(f"{tid('panel-loss')} canvas").first.evaluate(
        """c => {
          const d = c.getContext('2d').getImageData(0, 0, 45, c.height).data;
          const out = [];
          for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 250) out.push([d[i], d[i + 1], d[i + 2]]);
          return out;
        }"""
    )
    assert pixels, "no axis labels drawn"
    return max(
        ((p[0], p[1], p[2]) for p in pixels),
        key=lambda p: sum(abs(a - b) for a, b in zip(p, background, strict=True)),
    )


def what_shows(page: Page, server: Server) -> dict[str, Any]:
    """The colours the workspace drew for its chrome (panel, title, chart axis, histogram
    axis, a hidden run's swatch)."""
    page.goto(f"/{ENTITY}/{PROJECT}")
    wait_chart(page, "loss", "c.series.length === 2")
    panel = _css(page, tid("panel-loss"), "backgroundColor")
    page.wait_for_timeout(300)  # the theme's redraw of the canvas
    histogram = page.locator(f"{tid('panel-weights')} figure.histogram").first
    histogram.scroll_into_view_if_needed()
    hist_axis = histogram.locator(tid("histogram-y-axis"))
    runs = page.locator("[data-testid^='eye-']")
    runs.first.click()  # hide the first run: its swatch turns to the "hidden" colour
    row = page.locator(".tr.hidden-run").first
    expect(row).to_have_count(1)
    shown = {
        "panel": panel,
        "title": _css(page, tid("panel-title-loss"), "color"),
        "axis": _axis_ink(page, panel),
        "hist_text": _parse(hist_axis.evaluate("e => getComputedStyle(e).fill")),
        "hist_line": _parse(
            hist_axis.locator("line").first.evaluate("e => getComputedStyle(e).stroke")
        ),
        "hidden_swatch": _css(page, ".tr.hidden-run .swatch-picker", "backgroundColor"),
        "hidden_row": _css(page, ".tr.hidden-run .td.pinned", "backgroundColor"),
    }
    runs.first.click()  # show it again, and wait for the workspace to be saved so
    expect(page.locator(".tr.hidden-run")).to_have_count(0)
    workspace = f"/projects/{ENTITY}/{PROJECT}/workspace"
    eventually(lambda: server.get(workspace)["settings"].get("hiddenRuns"), [])
    return shown


def test_dark_mode_draws_the_chrome_in_its_own_readable_colours(
    project: str, dark: Page, light: Page, server: Server, screenshots: Path
) -> None:
    day, night = what_shows(light, server), what_shows(dark, server)
    dark.screenshot(path=str(screenshots / "dark-mode-chrome.png"))
    for key in day:
        assert day[key] != night[key], key
    assert _luminance(night["panel"]) < 0.05 < _luminance(day["panel"])
    for shown in (day, night):
        assert contrast(shown["title"], shown["panel"]) >= 7, shown
        assert contrast(shown["axis"], shown["panel"]) >= 4.5, shown
        assert contrast(shown["hist_text"], shown["panel"]) >= 4.5, shown
        assert contrast(shown["hist_line"], shown["panel"]) >= 2, shown
        # a hidden run's swatch stays visible against its row, yet quieter than the text
        assert 1.3 <= contrast(shown["hidden_swatch"], shown["hidden_row"]) < 7, shown


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


def test_no_serious_accessibility_violations_in_dark_mode(
    project: str, dark: Page, server: Server
) -> None:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): npm --prefix web ci")
    page = dark
    run = server.get(f"/projects/{ENTITY}/{project}/runs")["runs"][0]["id"]
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto("/")
    expect(page.locator(tid("projects-table"))).to_be_visible()
    expect(page.locator("html")).to_have_class("theme-dark")
    found["projects"] = _axe(page)
    page.goto(f"/{ENTITY}/{project}")
    wait_chart(page, "loss", "c.series.length === 2")
    found["workspace"] = _axe(page)
    page.goto(f"/{ENTITY}/{project}/runs/{run}/overview")
    expect(page.locator(tid("run-overview"))).to_be_visible()
    found["run page"] = _axe(page)
    assert found == {"projects": [], "workspace": [], "run page": []}
