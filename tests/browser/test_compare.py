"""Compare and analyse from the runs table (issue 17), on the seeded 64-run sweep: the run
comparer, parallel coordinates brushing, parameter importance, compound filters checked
against ``runyard.Api().runs(filters=…)``, and the table's run actions (rename, tags, notes,
delete, move, baseline) checked in the store through ``runyard.Api()``."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from tests.browser.charts import eventually, tid
from tests.browser.conftest import ENTITY, Server, open_page, run_code, serve_ui
from tests.browser.sweep import (  # noqa: F401  (the fixture_* register the sweep fixtures)
    PROJECT,
    WORKSPACE,
    fixture_sweep_page,
    fixture_sweep_server,
    fixture_sweep_store,
    sweep_runs,
)

PATH = f"{ENTITY}/{PROJECT}"


def api_ids(root: Path, filters: dict[str, Any] | None = None, path: str = PATH) -> set[str]:
    """Run ids ``runyard.Api().runs(path, filters=…)`` returns (in a fresh process)."""
    code = (
        "import json, runyard\n"
        f"runs = runyard.Api().runs({path!r}, filters=json.loads({json.dumps(filters)!r}))\n"
        "print(json.dumps([r.id for r in runs]))\n"
    )
    return set(json.loads(run_code(code, root).strip().splitlines()[-1]))


def api_runs(root: Path, path: str = PATH) -> dict[str, dict[str, Any]]:
    """Name, tags and notes of every run of ``path`` through ``runyard.Api()``, by id."""
    code = (
        "import json, runyard\n"
        f"runs = runyard.Api().runs({path!r})\n"
        "print(json.dumps({r.id: {'name': r.name, 'tags': list(r.tags), 'notes': r.notes}"
        " for r in runs}))\n"
    )
    result: dict[str, dict[str, Any]] = json.loads(run_code(code, root).strip().splitlines()[-1])
    return result


def table_ids(page: Page) -> set[str]:
    """Ids of the runs the table lists (the page is tall enough to render them all)."""
    rows = page.locator('[data-testid^="run-row-"]')
    return {str(r.get_attribute("data-testid")).removeprefix("run-row-") for r in rows.all()}


def table_count(page: Page) -> int:
    return int(page.locator(tid("runs-count")).inner_text().split(" of ")[0])


def open_workspace(page: Page, runs: int | None = 64) -> Page:
    """The sweep's workspace, tall enough for the table to render every run it lists;
    ``runs``: how many the project holds (None: any number)."""
    page.set_viewport_size({"width": 1500, "height": 1500})
    page.goto(WORKSPACE)
    counted = re.compile(r"\d+ of \d+ runs") if runs is None else re.compile(f" of {runs} runs")
    expect(page.locator(tid("runs-count"))).to_have_text(counted)
    return page


def _flatten(doc: dict[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    """As web/src/lib/flatten.ts: nested dicts are groups, except media and $float markers."""
    out: dict[str, Any] = {}
    for name, value in (doc or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        group = isinstance(value, dict) and value and "_type" not in value and "$float" not in value
        if group:
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def _user(key: str) -> bool:
    return not key.startswith("_") and "._" not in key


def test_comparer_shows_exactly_the_differing_keys(sweep_page: Page, sweep_server: Server) -> None:
    page = open_workspace(sweep_page)
    page.locator(tid("runs-search")).fill("lr0.1-bs32-s")
    expect(page.locator(tid("runs-count"))).to_contain_text("4 of 64 runs")
    page.locator(tid("select-all")).check()
    expect(page.locator(tid("selected-count"))).to_have_text("4 selected")
    ids = sorted(table_ids(page))
    docs = [sweep_server.get(f"/projects/{PATH}/runs/{i}") for i in ids]
    expected: set[str] = set()
    every: set[str] = set()
    for section, field in (("config", "config"), ("summary", "summary"), ("metadata", "metadata")):
        flats = [_flatten(d[field]) for d in docs]
        keys = {k for f in flats for k in f if _user(k)}
        every |= {f"{section}:{k}" for k in keys}
        sentinel = object()
        for key in keys:
            values = [json.dumps(f.get(key, sentinel), sort_keys=True, default=str) for f in flats]
            if len(set(values)) > 1:
                expected.add(f"{section}:{key}")
    assert {"config:seed", "config:optim.name", "config:optim.weight_decay"} <= expected
    assert "config:learning_rate" not in expected and "config:batch_size" not in expected

    page.locator(tid("action-compare")).click()
    comparer = page.locator(tid("run-comparer"))
    expect(comparer).to_be_visible()
    rows = comparer.locator('[data-testid^="compare-row-"]')

    def shown() -> set[str]:
        return {
            str(r.get_attribute("data-testid")).removeprefix("compare-row-") for r in rows.all()
        }

    eventually(shown, expected, timeout=10)  # metadata arrives per run
    page.locator(tid("compare-only-diff")).uncheck()
    eventually(shown, every)
    assert len(every) > len(expected)


def _drag(page: Page, selector: str, top: float, bottom: float) -> None:
    """Drag down an axis from ``top`` to ``bottom`` (fractions of its height from the top)."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * top)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * (top + bottom) / 2, steps=4)
    page.mouse.move(x, box["y"] + box["height"] * bottom, steps=4)
    page.mouse.up()


def test_parallel_coordinates_brushing_filters_the_table(
    sweep_page: Page, sweep_store: Path
) -> None:
    page = open_workspace(sweep_page)
    page.locator(tid("analysis-tab-parallel")).click()
    expect(page.locator(tid("pc-axis-config.learning_rate"))).to_be_visible()
    # learning rates on a log axis, 0.1 at the top: the top tenth holds only it
    _drag(page, tid("pc-axis-config.learning_rate"), 0.0, 0.1)
    expect(page.locator(tid("pc-brush-config.learning_rate"))).to_be_visible()
    expect(page.locator(tid("runs-count"))).to_contain_text("16 of 64 runs")
    assert table_ids(page) == api_ids(sweep_store, {"config.learning_rate": 0.1})
    # categories sorted adam, adamw, sgd bottom to top: the top fifth is sgd
    _drag(page, tid("pc-axis-config.optim.name"), 0.0, 0.2)
    both = {"$and": [{"config.learning_rate": 0.1}, {"config.optim.name": "sgd"}]}
    expected = api_ids(sweep_store, both)
    assert len(expected) == sum(r.lr == 0.1 and r.optimizer == "sgd" for r in sweep_runs())
    expect(page.locator(tid("runs-count"))).to_contain_text(f"{len(expected)} of 64 runs")
    assert table_ids(page) == expected
    assert page.locator(tid("pc-svg")).get_attribute("data-lines") == str(len(expected))
    page.locator(tid("pc-clear")).click()
    expect(page.locator(tid("runs-count"))).to_contain_text("64 of 64 runs")


def test_importance_ranks_the_key_that_drives_the_metric_first(sweep_page: Page) -> None:
    page = open_workspace(sweep_page)
    page.locator(tid("analysis-tab-importance")).click()
    page.locator(tid("importance-metric")).select_option("final_loss")
    table = page.locator(tid("importance-table"))
    expect(table).to_have_attribute("data-metric", "final_loss", timeout=20_000)
    assert table.get_attribute("data-runs") == "64"
    first = page.locator(tid("importance-row-0"))
    assert str(first.get_attribute("data-key")).startswith("optim.name")
    importances = [
        float(r.get_attribute("data-importance") or 0)
        for r in page.locator('[data-testid^="importance-row-"]').all()
    ]
    assert importances == sorted(importances, reverse=True) and importances[0] > 0


def _created_iso(server: Server, index: int) -> str:
    runs = server.get(f"/projects/{PATH}/runs", order="+created_at", limit=100)["runs"]
    created = runs[index]["created_at"]
    return datetime.fromtimestamp(created, timezone.utc).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    "text",
    [
        "optim.name = adam and learning_rate >= 0.03 or tags = plain and batch_size = 32",
        "config.optim.name != sgd and summary.final_loss < 0.3",
        "tags ~ LR-0.0 and batch_size > 100 or seed = 3 and best_acc > 0.8",
        "created_at >= {iso} and optim.name = adamw",
    ],
)
def test_a_compound_filter_returns_the_runs_the_api_returns(
    sweep_page: Page, sweep_server: Server, sweep_store: Path, text: str
) -> None:
    page = open_workspace(sweep_page)
    text = text.format(iso=_created_iso(sweep_server, 40))
    page.locator(tid("filter-builder-toggle")).click()
    page.locator(tid("runs-filter")).fill(text)
    expect(page.locator(tid("filter-error"))).to_have_count(0)
    mongo = json.loads(page.locator(tid("filter-mongo")).inner_text())
    expected = api_ids(sweep_store, mongo)
    assert 0 < len(expected) < 64, (text, mongo)
    expect(page.locator(tid("runs-count"))).to_contain_text(f"{len(expected)} of 64 runs")
    assert table_ids(page) == expected


def test_the_builder_writes_the_filter_box(sweep_page: Page, sweep_store: Path) -> None:
    page = open_workspace(sweep_page)
    page.locator(tid("filter-builder-toggle")).click()
    page.locator(tid("filter-key-0")).select_option("optim.name")
    page.locator(tid("filter-value-0")).fill("adamw")
    page.locator(tid("filter-add")).click()
    page.locator(tid("filter-join-1")).select_option("or")
    page.locator(tid("filter-category-1")).select_option("tags")
    page.locator(tid("filter-value-1")).fill("lr-0.003")
    box = page.locator(tid("runs-filter"))
    expect(box).to_have_value("config.optim.name = adamw or tags = lr-0.003")
    mongo = json.loads(page.locator(tid("filter-mongo")).inner_text())
    assert mongo == {
        "$or": [{"config.optim.name": {"$eq": "adamw"}}, {"tags": {"$eq": "lr-0.003"}}]
    }
    expected = api_ids(sweep_store, mongo)
    expect(page.locator(tid("runs-count"))).to_contain_text(f"{len(expected)} of 64 runs")
    assert table_ids(page) == expected


def test_unknown_keys_and_unparseable_compounds_say_so(sweep_page: Page) -> None:
    page = open_workspace(sweep_page)
    box = page.locator(tid("runs-filter"))
    box.fill("learning_rate > 0.01 and nonexistent = 3")
    expect(page.locator(tid("filter-error"))).to_contain_text('unknown key "nonexistent"')
    expect(page.locator(tid("runs-count"))).to_contain_text("0 of 64 runs")
    box.fill("learning_rate > 0.01 and adam")
    expect(page.locator(tid("filter-error"))).to_contain_text('cannot parse "adam"')


# -- actions that change the store: on a copy of the sweep, served on its own ---------


@pytest.fixture(scope="module")
def edit_server(
    sweep_store: Path, sweep_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("sweep-edits") / "runyard"
    shutil.copytree(sweep_store, root)
    with serve_ui(root) as ready:
        yield ready


@pytest.fixture
def edit_page(
    browser: Browser, edit_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    with open_page(browser, edit_server.url, request, 20_000) as fresh:
        yield fresh


def _put_workspace(server: Server, settings: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{server.url}api/v1/projects/{PATH}/workspace",
        data=json.dumps({"settings": settings}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _select(page: Page, search: str, count: int) -> list[str]:
    """Check the ``count`` runs whose names contain ``search`` (only them); their ids."""
    clear = page.locator(tid("action-clear"))
    if clear.count():
        clear.click()
    page.locator(tid("runs-search")).fill(search)
    expect(page.locator(tid("runs-count"))).to_contain_text(f"{count} of")
    page.locator(tid("select-all")).check()
    expect(page.locator(tid("selected-count"))).to_have_text(f"{count} selected")
    return sorted(table_ids(page))


def test_rename_tag_note_delete_and_move_land_in_the_store(
    edit_page: Page, edit_server: Server
) -> None:
    root = edit_server.root
    page = open_workspace(edit_page, runs=None)

    (one,) = _select(page, "sgd-lr0.1-bs32-s0", 1)
    page.locator(tid("action-rename")).click()
    page.locator(tid("action-name-input")).fill("the chosen one")
    page.locator(tid("action-apply")).click()
    expect(page.locator(tid("action-status"))).to_contain_text("Renamed")
    page.locator(tid("action-note")).click()
    page.locator(tid("action-notes-input")).fill("best sgd so far")
    page.locator(tid("action-apply")).click()
    expect(page.locator(tid("action-status"))).to_contain_text("Notes saved")
    stored = api_runs(root)[one]
    assert (stored["name"], stored["notes"]) == ("the chosen one", "best sgd so far")
    page.locator(tid("runs-search")).fill("the chosen")  # the live poll brings the new name
    expect(page.locator(tid(f"run-link-{one}"))).to_have_text("the chosen one")

    four = _select(page, "lr0.03-bs64-s", 4)
    page.locator(tid("action-tag")).click()
    page.locator(tid("action-tags-input")).fill("keep, v2")
    page.locator(tid("action-add-tags")).click()
    expect(page.locator(tid("action-status"))).to_contain_text("Added")
    page.locator(tid("action-tag")).click()
    page.locator(tid("action-tags-input")).fill("sweep")
    page.locator(tid("action-remove-tags")).click()
    expect(page.locator(tid("action-status"))).to_contain_text("Removed")
    stored_runs = api_runs(root)
    for run_id in four:
        tags = stored_runs[run_id]["tags"]
        assert "keep" in tags and "v2" in tags and "sweep" not in tags, tags
    assert all("sweep" in r["tags"] for i, r in stored_runs.items() if i not in four)

    doomed = _select(page, "lr0.003-bs256-s", 4)[:2]
    page.locator(tid("action-clear")).click()
    for run_id in doomed:
        page.locator(tid(f"select-{run_id}")).check()
    page.locator(tid("action-delete")).click()
    page.locator(tid("action-apply")).click()
    expect(page.locator(tid("action-status"))).to_contain_text("Deleted 2 run(s)")
    expect(page.locator(tid(f"run-row-{doomed[0]}"))).to_have_count(0)
    assert set(api_runs(root)) & set(doomed) == set() and len(api_runs(root)) == 62

    moving = _select(page, "lr0.01-bs128-s", 4)
    page.locator(tid("action-move")).click()
    page.locator(tid("action-move-project")).fill("archive")
    page.locator(tid("action-apply")).click()
    expect(page.locator(tid("action-status"))).to_contain_text("Moved 4 run(s)")
    expect(page.locator(tid("runs-count"))).to_contain_text("0 of 58 runs")
    assert set(api_runs(root, f"{ENTITY}/archive")) == set(moving)
    assert set(api_runs(root)) & set(moving) == set()


def test_baseline_deltas_and_hover(edit_page: Page, edit_server: Server) -> None:
    _put_workspace(edit_server, {"columns": ["summary:final_loss"]})
    page = open_workspace(edit_page, runs=None)
    (base,) = _select(page, "adamw-lr0.1-bs32-s2", 1)
    page.locator(tid("action-baseline")).click()
    expect(page.locator(tid(f"run-row-{base}"))).to_have_attribute("data-baseline", "true")
    # the baseline's line is drawn thick and dashed in the panels (the filter shows it), its
    # legend swatch dashed
    page.wait_for_function("() => !!(window.__runyardCharts || {}).loss", timeout=20_000)
    eventually(lambda: page.evaluate("() => window.__runyardCharts.loss.baseline"), base)
    box = page.locator(f"{tid('panel-loss')} .uplot-box")
    expect(box).to_have_attribute("data-baseline", base)
    expect(box).to_have_attribute("data-emphasis", base)
    swatch = page.locator(f"{tid(f'legend-item-loss-{base}')} .swatch")
    assert swatch.evaluate("e => getComputedStyle(e).outlineStyle") == "dashed"
    (other,) = _select(page, "sgd-lr0.1-bs32-s3", 1)
    runs = {r["id"]: r for r in edit_server.get(f"/projects/{PATH}/runs", limit=100)["runs"]}
    change = runs[other]["summary"]["final_loss"] - runs[base]["summary"]["final_loss"]
    delta = page.locator(tid(f"delta-{other}-summary:final_loss"))
    shown = delta.inner_text()
    assert shown[0] == ("+" if change > 0 else "−")
    assert float(shown[1:]) == pytest.approx(abs(change), rel=1e-3)
    expect(page.locator(tid(f"delta-{base}-summary:final_loss"))).to_have_count(0)
    # hovering a row emphasises its line in the panels (the shared hovered-run store)
    page.locator(tid(f"run-row-{other}")).hover()
    eventually(lambda: page.evaluate("() => window.__runyardCharts.loss.hovered"), other)
    expect(box).to_have_attribute("data-emphasis", other)


def test_grouped_rows_show_counts_and_means(edit_page: Page, edit_server: Server) -> None:
    _put_workspace(
        edit_server, {"groupBy": ["config.optim.name"], "columns": ["summary:final_loss"]}
    )
    runs = edit_server.get(f"/projects/{PATH}/runs", limit=100)["runs"]
    page = open_workspace(edit_page, runs=len(runs))
    for optimizer in ("adam", "adamw", "sgd"):
        members = [r for r in runs if r["config"]["optim"]["name"] == optimizer]
        row = page.locator(tid(f"group-row-{optimizer}"))
        expect(row).to_have_attribute("data-count", str(len(members)))
        mean = float(np.mean([r["summary"]["final_loss"] for r in members]))
        cell = page.locator(tid(f"group-cell-{optimizer}-summary:final_loss"))
        assert float(str(cell.get_attribute("data-mean"))) == pytest.approx(mean, rel=1e-12)
    assert page.locator('[data-testid^="run-row-"]').count() == 0
    # hovering a group's row emphasises the group's line in the (grouped) panels
    page.wait_for_function(
        "() => ((window.__runyardCharts || {}).loss || {}).grouped === true", timeout=20_000
    )
    series = page.evaluate("() => window.__runyardCharts.loss.series")
    (adam_line,) = [s["run"] for s in series if s["label"].startswith("adam (")]
    page.locator(tid("group-row-adam")).hover()
    eventually(lambda: page.evaluate("() => window.__runyardCharts.loss.hovered"), adam_line)
    page.locator(tid("group-toggle-adam")).click()
    adam = {r["id"] for r in runs if r["config"]["optim"]["name"] == "adam"}
    eventually(lambda: table_ids(page), adam)


def test_scatter_and_bar_draw_every_run_or_group(sweep_page: Page) -> None:
    page = open_workspace(sweep_page)
    page.locator(tid("analysis-tab-scatter")).click()
    page.locator(tid("scatter-x")).select_option("config:learning_rate")
    page.locator(tid("scatter-y")).select_option("summary:final_loss")
    expect(page.locator(tid("scatter-chart"))).to_have_attribute("data-rows", "64")
    page.locator(tid("runs-filter")).fill("optim.name = adamw")
    expect(page.locator(tid("scatter-chart"))).to_have_attribute("data-rows", "21")
    page.locator(tid("analysis-tab-bar")).click()
    page.locator(tid("bar-column")).select_option("summary:best_acc")
    expect(page.locator(tid("bar-chart"))).to_have_attribute("data-rows", "21")
