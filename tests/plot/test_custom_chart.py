"""``CustomChart``/``plot_table``: the spec, wandb's visualize config, the error and logging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import runyard
from runyard.blobs.keys import run_prefix
from runyard.plot.custom_chart import CustomChart, plot_table
from runyard.sdk.files import run_blobs

EXAMPLES = Path("/work/shared/reference/wandb-examples/media_run_config_wandb_visualize.json")


def test_plot_table_builds_the_spec() -> None:
    table = runyard.Table(columns=["a"], data=[[1]])
    chart = plot_table("me/my_chart", table, {"x": "a"})
    assert isinstance(chart, CustomChart)
    assert chart.table is table
    assert chart.spec.spec_name == "me/my_chart"
    assert chart.spec.fields == {"x": "a"}
    assert chart.spec.string_fields == {}
    assert chart.spec.panel_type == "Vega2"
    assert chart.spec.split_table is False


def test_plot_table_rejects_non_tables() -> None:
    with pytest.raises(runyard.Error) as exc:
        plot_table("wandb/line/v0", [[1]], {"x": "a"})  # type: ignore[arg-type]
    assert str(exc.value) == "Expected `data_table` to be `wandb.Table` type, instead got list"


def test_facade_exposes_plot_table() -> None:
    assert runyard.plot_table is plot_table
    assert runyard.plot.plot_table is plot_table


def test_table_key_and_split_table() -> None:
    table = runyard.Table(columns=["a"], data=[[1]])
    assert (
        plot_table("p", table, {}).visualize_config("k")["panel_config"]["userQuery"][
            "queryFields"
        ][0]["fields"][3]["args"][0]["value"]
        == "k_table"
    )
    split = plot_table("p", table, {}, split_table=True)
    split.set_key("pt")
    assert split.spec.table_key == "Custom Chart Tables/pt_table"


def test_visualize_config_matches_wandb() -> None:
    expected = {
        "panel_type": "Vega2",
        "panel_config": {
            "panelDefId": "wandb/line/v0",
            "fieldSettings": {"x": "x", "y": "y", "stroke": None},
            "stringSettings": {"title": "L"},
            "transform": {"name": "tableWithLeafColNames"},
            "userQuery": {
                "queryFields": [
                    {
                        "name": "runSets",
                        "args": [{"name": "runSets", "value": "${runSets}"}],
                        "fields": [
                            {"name": "id", "fields": []},
                            {"name": "name", "fields": []},
                            {"name": "_defaultColorIndex", "fields": []},
                            {
                                "name": "summaryTable",
                                "args": [{"name": "tableKey", "value": "line_table"}],
                                "fields": [],
                            },
                        ],
                    }
                ]
            },
        },
    }
    table = runyard.Table(columns=["x", "y"], data=[[1, 2]])
    chart = runyard.plot.line(table, "x", "y", title="L")
    assert chart.visualize_config("line") == expected
    if EXAMPLES.exists():  # the captured wandb 0.31 output, when the reference is present
        assert json.loads(EXAMPLES.read_text())["line"] == expected


def test_logging_a_chart_stores_its_table_and_preset(ry_dir: Path) -> None:
    table = runyard.Table(columns=["x", "y"], data=[[1, 2.0], [2, 3.0]])
    chart = runyard.plot.scatter(table, "x", "y", title="S")
    run = runyard.init(project="charts")
    try:
        value = chart.to_json(run)
        run.log({"scatter": chart})
        stored = json.loads(
            run_blobs(run.settings).get(f"{run_prefix(run.ref)}/{value['table']['path']}")
        )
    finally:
        run.finish()
    assert value["_type"] == "custom-chart"
    assert value["spec_name"] == "wandb/scatter/v0"
    assert value["panel_type"] == "Vega2"
    assert value["fields"] == {"x": "x", "y": "y"}
    assert value["string_fields"] == {"title": "S"}
    assert value["table"]["_type"] == "table-file"
    assert stored == {"columns": ["x", "y"], "data": [[1, 2.0], [2, 3.0]]}
