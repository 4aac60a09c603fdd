"""The charts route: custom charts read from the runs' ``_wandb.visualize`` config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.entities import RunRecord, RunRef
from runyard.server.app import create_app
from runyard.server.routes.charts import chart_entries
from runyard.settings import Settings
from tests.server.logged import BACKENDS, Logged, P, get, store_uri

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "wandb-examples"


def visualize(preset: str, fields: dict[str, Any], strings: dict[str, Any], table_key: str) -> Any:
    """The config value wandb 0.31 writes for a chart (reference §c)."""
    return {
        "panel_type": "Vega2",
        "panel_config": {
            "panelDefId": preset,
            "fieldSettings": fields,
            "stringSettings": strings,
            "transform": {"name": "tableWithLeafColNames"},
            "userQuery": {
                "queryFields": [
                    {
                        "name": "runSets",
                        "args": [{"name": "runSets", "value": "${runSets}"}],
                        "fields": [
                            {"name": "id", "fields": []},
                            {
                                "name": "summaryTable",
                                "args": [{"name": "tableKey", "value": table_key}],
                                "fields": [],
                            },
                        ],
                    }
                ]
            },
        },
    }


LINE = visualize(
    "wandb/line/v0", {"x": "x", "y": "y", "stroke": None}, {"title": "L"}, "line_table"
)
PR = visualize(
    "wandb/area-under-curve/v0",
    {"x": "recall", "y": "precision", "class": "class"},
    {"title": "PR", "x-axis-title": "Recall", "y-axis-title": "Precision"},
    "Custom Chart Tables/pr_table",
)


@pytest.fixture(params=BACKENDS)
def logged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Logged]:
    logged = Logged(tmp_path, store_uri(request))
    logged.run("a", _wandb={"visualize": {"line": LINE, "pr": PR}}, lr=0.1)
    logged.run("b", _wandb={"visualize": {"line": LINE}})
    logged.run("c", lr=0.2)
    logged.run("d", _wandb={"visualize": {"bad": {"panel_type": "Vega2"}, "worse": 3}})
    yield logged
    logged.store.close()


@pytest.fixture
def client(logged: Logged) -> Iterator[TestClient]:
    with logged.client() as test_client:
        yield test_client


def test_one_entry_per_chart_key_listing_its_runs(client: TestClient) -> None:
    charts = get(client, f"{P}/charts", runs="a,b,c,d")["charts"]
    assert charts == [
        {
            "key": "line",
            "table_key": "line_table",
            "panel_type": "Vega2",
            "preset": "wandb/line/v0",
            "fields": {"x": "x", "y": "y", "stroke": None},
            "string_fields": {"title": "L"},
            "runs": ["a", "b"],
        },
        {
            "key": "pr",
            "table_key": "Custom Chart Tables/pr_table",
            "panel_type": "Vega2",
            "preset": "wandb/area-under-curve/v0",
            "fields": {"x": "recall", "y": "precision", "class": "class"},
            "string_fields": {"title": "PR", "x-axis-title": "Recall", "y-axis-title": "Precision"},
            "runs": ["a"],
        },
    ]


def test_runs_select_and_default_to_every_run(client: TestClient) -> None:
    assert [c["runs"] for c in get(client, f"{P}/charts", runs="b")["charts"]] == [["b"]]
    assert get(client, f"{P}/charts", runs="c")["charts"] == []
    every = get(client, f"{P}/charts")["charts"]
    assert [(c["key"], c["runs"]) for c in every] == [("line", ["a", "b"]), ("pr", ["a"])]


def test_missing_runs_and_bad_parameters(client: TestClient) -> None:
    assert "no run tester/proj/zz" in get(client, f"{P}/charts", 404, runs="a,zz")["detail"]
    assert "runs must name at least one" in get(client, f"{P}/charts", 400, runs=",")["detail"]


def test_wandb_captured_config_reads_as_wandb_wrote_it(logged: Logged) -> None:
    captured = json.loads((EXAMPLES / "media_run_config_wandb_visualize.json").read_text())
    logged.run("w", _wandb={"visualize": captured})
    record = logged.store.get_run(logged.ref("w"))
    assert record is not None
    by_key = {c["key"]: c for c in chart_entries([record])}
    assert by_key["line"]["table_key"] == "line_table"
    assert by_key["bar"]["fields"] == {"label": "l", "value": "v"}
    assert by_key["hist"]["preset"] == "wandb/histogram/v0"
    assert {c["preset"] for c in by_key.values()} >= {"wandb/line/v0", "wandb/scatter/v0"}


def test_table_key_defaults_to_k_table() -> None:
    record = RunRecord(
        ref=RunRef("e", "p", "r"),
        config={"_wandb": {"visualize": {"k": {"panel_config": {"panelDefId": "me/x"}}}}},
    )
    (entry,) = chart_entries([record])
    assert entry["table_key"] == "k_table" and entry["panel_type"] == "Vega2"
    assert entry["fields"] == {} and entry["string_fields"] == {}


def test_charts_logged_by_the_sdk(ry_dir: Path) -> None:
    """End to end: ``log`` of a ``runyard.plot`` chart, then its chart entry and table."""
    for run_id in ("s1", "s2"):
        run = runyard.init(project="proj", id=run_id)
        table = runyard.Table(columns=["x", "y"], data=[[1, 2], [2, 4]])
        run.log({"curve": runyard.plot.line(table, "x", "y", title="Curve")})
        run.finish()
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as client:
        (chart,) = get(client, f"{P}/charts")["charts"]
        assert chart["key"] == "curve" and chart["table_key"] == "curve_table"
        assert chart["preset"] == "wandb/line/v0" and chart["runs"] == ["s1", "s2"]
        assert chart["string_fields"] == {"title": "Curve"}
        body = get(client, f"{P}/runs/s1/table", key=chart["table_key"], limit=100_000)
        assert body["columns"] == ["x", "y"] and body["rows"] == [[1, 2], [2, 4]]
        preset = get(client, f"/api/v1/presets/{chart['preset']}")
        assert set(chart["fields"]) == set(preset["fields"])


def test_the_first_run_asked_for_wins_when_runs_disagree(logged: Logged) -> None:
    other = visualize("me/custom", {"x": "step"}, {"title": "Mine"}, "line_table")
    logged.run("e", _wandb={"visualize": {"line": other}})
    with logged.client() as client:
        (first,) = get(client, f"{P}/charts", runs="e,a,e")["charts"][:1]
        assert first["preset"] == "me/custom" and first["runs"] == ["e", "a"]
        (line,) = get(client, f"{P}/charts", runs="b,e")["charts"]
        assert line["preset"] == "wandb/line/v0" and line["runs"] == ["b", "e"]
