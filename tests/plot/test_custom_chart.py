"""``CustomChart``/``plot_table``: the spec, wandb's visualize config, the error and logging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import runyard
from runyard.plot.custom_chart import CustomChart, plot_table, pop_charts

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
    assert json.loads(EXAMPLES.read_text())["line"] == expected


def test_every_captured_wandb_visualize_value_is_reproduced() -> None:
    """The nine charts of the captured wandb 0.31 run, rebuilt with the same arguments."""
    t2 = runyard.Table(columns=["x", "y"], data=[[1, 2.0], [2, 3.0]])
    lv = runyard.Table(columns=["l", "v"], data=[["a", 1], ["b", 2]])
    truth = [0, 1, 2, 0, 1, 2]
    probas = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]] * 2
    charts = {
        "line": runyard.plot.line(t2, "x", "y", title="L"),
        "scatter": runyard.plot.scatter(t2, "x", "y", title="S"),
        "bar": runyard.plot.bar(lv, "l", "v", title="B"),
        "hist": runyard.plot.histogram(lv, "v", title="H"),
        "ls": runyard.plot.line_series([0, 1], [[1, 2], [3, 4]], title="LS", xname="epoch"),
        "pr": runyard.plot.pr_curve(truth, probas),
        "roc": runyard.plot.roc_curve(truth, probas),
        "cm": runyard.plot.confusion_matrix(y_true=truth, preds=truth, class_names=["a", "b", "c"]),
        "pt": plot_table("my/spec/v1", t2, {"x": "a"}, {"title": "T"}, split_table=True),
    }
    expected = json.loads(EXAMPLES.read_text())
    assert sorted(expected) == sorted(charts)
    for key, chart in charts.items():
        assert chart.visualize_config(key) == expected[key], key
        assert chart.spec.config_key == ("_wandb", "visualize", key)


def test_pop_charts_takes_charts_out_of_a_row_with_dotted_keys() -> None:
    table = runyard.Table(columns=["x"], data=[[1]])
    line, bar = runyard.plot.histogram(table, "x"), runyard.plot.bar(table, "x", "x")
    inner = {"c": bar, "d": 2}
    data = {"loss": 0.5, "a": {"b": line}, "n": inner, "plain": {"k": 1}, "empty": {}}
    row, charts = pop_charts(data)
    assert row == {"loss": 0.5, "n": {"d": 2}, "plain": {"k": 1}, "empty": {}}
    assert charts == {"a.b": line, "n.c": bar}
    assert data["a"] == {"b": line} and inner == {"c": bar, "d": 2}  # the caller's dicts kept
    assert pop_charts({"x": 1}, "pre") == ({"x": 1}, {})
    assert pop_charts({"c": line}, "pre")[1] == {"pre.c": line}


def test_a_chart_is_not_a_history_value() -> None:
    chart = plot_table("p", runyard.Table(columns=["a"], data=[[1]]), {})
    assert not hasattr(chart, "to_json")  # log turns it into K_table + config, never a payload


def test_every_helper_takes_split_table_last_as_wandb() -> None:
    import inspect

    table = runyard.Table(columns=["x", "y"], data=[[0, 1.0], [1, 0.0]])
    truth, probas = [0, 1], [[0.9, 0.1], [0.2, 0.8]]
    charts = [
        runyard.plot.line(table, "x", "y", split_table=True),
        runyard.plot.scatter(table, "x", "y", split_table=True),
        runyard.plot.bar(table, "x", "y", split_table=True),
        runyard.plot.histogram(table, "y", split_table=True),
        runyard.plot.line_series([0, 1], [[1, 2]], split_table=True),
        runyard.plot.pr_curve(truth, probas, split_table=True),
        runyard.plot.roc_curve(truth, probas, split_table=True),
        runyard.plot.confusion_matrix(y_true=truth, preds=truth, split_table=True),
        plot_table("p", table, {}, split_table=True),
    ]
    for chart in charts:
        chart.set_key("k")
        assert chart.spec.table_key == "Custom Chart Tables/k_table"
    helpers = [n for n in runyard.plot.__all__ if not n.startswith("CustomChart")]
    assert len(helpers) == len(charts)
    for helper in (getattr(runyard.plot, n) for n in helpers):
        params = list(inspect.signature(helper).parameters.values())
        assert params[-1].name == "split_table" and params[-1].default is False, helper
