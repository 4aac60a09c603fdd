"""The custom-chart editor: edit a preset's spec with a live preview, save it as a
preset of the project's entity, log a table to it from a script, and see the chart
drawn with the edited spec after a reload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from tests.browser.charts import eventually, tid
from tests.browser.conftest import MEDIA_ENTITY, MEDIA_PROJECT, Server, run_code
from tests.browser.test_media_panels import panel, wait_vega

pytestmark = pytest.mark.browser

CHART = "my_custom_chart"  # wandb/line/v0 over columns step, height (MEDIA_SEED)
EDITED_PROJECT = "chart-editor"

LOG_TO_SAVED_PRESET = f"""
import runyard as wandb
table = wandb.Table(data=[[i, i * i] for i in range(7)], columns=["epoch", "score"])
chart = wandb.plot_table(vega_spec_name="{MEDIA_ENTITY}/my_chart", data_table=table,
                         fields={{"x": "epoch", "y": "score"}}, string_fields={{"title": "Scores"}})
with wandb.init(entity={MEDIA_ENTITY!r}, project={EDITED_PROJECT!r}, name="uses-my-chart") as run:
    run.log({{"edited_chart": chart}})
"""


# points coloured by run, x and y from the chart's fields
POINTS = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "title": "${string:title}",
    "data": {"name": "wandb"},
    "mark": {"type": "point", "filled": True, "size": 80, "tooltip": True},
    "encoding": {
        "x": {"field": "${field:x}", "type": "quantitative"},
        "y": {"field": "${field:y}", "type": "quantitative"},
        "color": {"field": "name", "type": "nominal", "title": "Run"},
    },
}


def preview(page: Page) -> dict[str, Any]:
    return wait_vega(page, f"editor:{CHART}", "v.marks > 0")


def test_edit_save_as_and_log_to_the_saved_preset(
    media_page: Page, media_server: Server, media_store_dir: Path, screenshots: Path
) -> None:
    page = media_page
    page.goto(f"/{MEDIA_ENTITY}/{MEDIA_PROJECT}")
    chart = panel(page, CHART)
    original = wait_vega(page, CHART)
    assert original["preset"] == "wandb/line/v0"
    assert "line" in page.evaluate(f"() => window.__runyardVega[{CHART!r}].marktypes")

    chart.locator(tid(f"chart-edit-{CHART}")).click()
    editor = page.locator(tid("chart-editor"))
    expect(editor).to_be_visible()
    # the table's columns and the spec's placeholders, mapped as logged
    expect(editor.locator(tid("chart-editor-columns")).locator("li")).to_have_text(
        ["step", "height"]
    )
    expect(editor.locator(tid("chart-editor-field-x"))).to_have_value("step")
    expect(editor.locator(tid("chart-editor-field-y"))).to_have_value("height")
    expect(editor.locator(tid("chart-editor-field-stroke"))).to_have_value("")
    expect(editor.locator(tid("chart-editor-string-title"))).to_have_value("Height")
    assert "line" in preview(page)["marktypes"]

    # a parse error is shown, not thrown; the save button waits for valid JSON
    textarea = editor.locator(tid("chart-editor-spec"))
    spec = json.loads(textarea.input_value())
    textarea.fill('{"mark": ')
    expect(editor.locator(tid("chart-editor-error"))).to_be_visible()
    expect(editor.locator(tid("chart-editor-save"))).to_be_disabled()

    # a spec of our own with points instead of lines: the preview redraws with symbols
    assert spec["data"] == {"name": "wandb"}
    textarea.fill(json.dumps(POINTS, indent=2))
    expect(editor.locator(tid("chart-editor-error"))).to_have_count(0)
    expect(editor.locator(tid("chart-editor-field-stroke"))).to_have_count(0)  # not in the new spec
    page.wait_for_function(
        "() => { const t = (window.__runyardVega['editor:" + CHART + "'] || {}).marktypes || [];"
        " return t.includes('symbol') && !t.includes('line'); }"
    )
    drawn = preview(page)
    assert drawn["rows"] == original["rows"]
    # field mapping: y from another column redraws the preview with that field
    editor.locator(tid("chart-editor-field-y")).fill("step")
    page.wait_for_function(
        "() => (window.__runyardVega['editor:"
        + CHART
        + "'] || {}).spec?.encoding?.y?.field === 'step'"
    )
    editor.locator(tid("chart-editor-field-y")).fill("height")
    page.wait_for_function(
        "() => (window.__runyardVega['editor:"
        + CHART
        + "'] || {}).spec?.encoding?.y?.field === 'height'"
    )
    editor.screenshot(path=str(screenshots / "chart-editor.png"))

    editor.locator(tid("chart-editor-name")).fill("my_chart")
    editor.locator(tid("chart-editor-save")).click()
    expect(editor).to_have_count(0)
    # the panel now draws the saved preset
    expect(chart).to_have_attribute("data-preset", f"{MEDIA_ENTITY}/my_chart")
    page.wait_for_function(
        f"() => (window.__runyardVega[{CHART!r}] || {{}}).preset === '{MEDIA_ENTITY}/my_chart'"
    )
    types = wait_vega(page, CHART)["marktypes"]
    assert "symbol" in types and "line" not in types
    saved = media_server.get(f"/presets/{MEDIA_ENTITY}/my_chart")
    assert saved["spec"] == POINTS
    assert saved["entity"] == MEDIA_ENTITY

    # the workspace keeps the panel's new preset: after a reload it is still drawn with it
    workspace = f"/projects/{MEDIA_ENTITY}/{MEDIA_PROJECT}/workspace"
    eventually(
        lambda: (
            media_server.get(workspace)["settings"].get("charts", {}).get(CHART, {}).get("preset")
        ),
        f"{MEDIA_ENTITY}/my_chart",
        timeout=10,
    )
    page.reload()
    chart = panel(page, CHART)
    expect(chart).to_have_attribute("data-preset", f"{MEDIA_ENTITY}/my_chart")
    types = wait_vega(page, CHART, f"v.preset === '{MEDIA_ENTITY}/my_chart'")["marktypes"]
    assert "symbol" in types and "line" not in types
    # Reset draws it with the logged preset again (and saves that)
    chart.locator(tid(f"chart-reset-{CHART}")).click()
    expect(chart).to_have_attribute("data-preset", "wandb/line/v0")
    assert "line" in wait_vega(page, CHART, "v.preset === 'wandb/line/v0'")["marktypes"]
    expect(chart.locator(tid(f"chart-reset-{CHART}"))).to_have_count(0)
    eventually(
        lambda: CHART in media_server.get(workspace)["settings"].get("charts", {}),
        False,
        timeout=10,
    )

    # a script logs a table to the saved preset; after a reload it is drawn with it
    run_code(LOG_TO_SAVED_PRESET, media_store_dir)
    page.goto(f"/{MEDIA_ENTITY}/{EDITED_PROJECT}")
    page.reload()
    edited = panel(page, "edited_chart")
    expect(edited).to_have_attribute("data-preset", f"{MEDIA_ENTITY}/my_chart")
    drawn = wait_vega(page, "edited_chart")
    assert drawn["preset"] == f"{MEDIA_ENTITY}/my_chart"
    assert drawn["rows"] == 7
    assert drawn["marks"] == 7  # one point per row
    types = page.evaluate("() => window.__runyardVega.edited_chart.marktypes")
    assert "symbol" in types and "line" not in types
    spec_drawn = page.evaluate("() => window.__runyardVega.edited_chart.spec")
    assert spec_drawn["encoding"]["x"]["field"] == "epoch"
    assert spec_drawn["title"] == "Scores"
    edited.screenshot(path=str(screenshots / "chart-from-saved-preset.png"))


def test_editor_closes_with_escape_and_keeps_the_preset(media_page: Page) -> None:
    page = media_page
    page.goto(f"/{MEDIA_ENTITY}/{MEDIA_PROJECT}")
    chart = panel(page, "my_bar_chart_id")
    wait_vega(page, "my_bar_chart_id")
    chart.locator(tid("chart-edit-my_bar_chart_id")).click()
    editor = page.locator(tid("chart-editor"))
    expect(editor).to_be_visible()
    expect(editor.locator(tid("chart-editor-spec"))).to_be_focused()
    page.keyboard.press("Escape")
    expect(editor).to_have_count(0)
    expect(chart).to_have_attribute("data-preset", "wandb/bar/v0")


def test_a_chart_naming_an_unsaved_preset_gets_one_from_the_editor(
    media_page: Page, media_server: Server
) -> None:
    """Seed 004's last chart block logs to ``carey/new_chart``, which nobody saved: the
    panel says so, and the editor starts from a spec over the chart's fields."""
    page = media_page
    entity = next(
        p["entity"] for p in media_server.get("/projects")["projects"] if p["name"] == "seed-004"
    )
    page.goto(f"/{entity}/seed-004")
    box = panel(page, CHART)
    expect(box.locator(tid(f"chart-missing-{CHART}"))).to_contain_text("carey/new_chart")
    box.locator(tid(f"chart-edit-{CHART}")).click()
    editor = page.locator(tid("chart-editor"))
    expect(editor).to_be_visible()
    expect(editor.locator(tid("chart-editor-field-x"))).to_have_value("step")
    expect(editor.locator(tid("chart-editor-field-value"))).to_have_value("height")
    expect(editor.locator(tid("chart-editor-string-title"))).to_have_value("Height Histogram")
    drawn = wait_vega(page, f"editor:{CHART}", "v.marks === 4")
    assert drawn["rows"] == 4  # the block's four rows
    editor.locator(tid("chart-editor-name")).fill("new_chart")
    editor.locator(tid("chart-editor-save")).click()
    expect(editor).to_have_count(0)
    expect(box).to_have_attribute("data-preset", f"{entity}/new_chart")
    drawn = wait_vega(page, CHART, f"v.preset === '{entity}/new_chart'")
    assert drawn["rows"] == 4 and drawn["marks"] == 4
    assert media_server.get(f"/presets/{entity}/new_chart")["spec"]["data"] == {"name": "wandb"}
    # back to the logged (missing) preset, saved, for the other tests of this store
    box.locator(tid(f"chart-reset-{CHART}")).click()
    expect(box.locator(tid(f"chart-missing-{CHART}"))).to_be_visible()
    workspace = f"/projects/{entity}/seed-004/workspace"
    eventually(
        lambda: CHART in media_server.get(workspace)["settings"].get("charts", {}),
        False,
        timeout=10,
    )
