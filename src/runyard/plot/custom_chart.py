"""``CustomChart``: a table plus the Vega preset that draws it (``wandb.plot.custom_chart``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runyard.data_types.table import Table
from runyard.errors import Error

__all__ = ["CustomChart", "CustomChartSpec", "plot_table", "pop_charts", "require_table"]


def require_table(data_table: object) -> Table:
    """``data_table`` itself, or wandb's error when it is not a :class:`Table`."""
    if not isinstance(data_table, Table):
        raise Error(
            "Expected `data_table` to be `wandb.Table` type, instead got "
            f"{type(data_table).__name__}"
        )
    return data_table


@dataclass
class CustomChartSpec:
    """Which preset draws the chart and how the table's columns map onto its fields."""

    spec_name: str
    fields: dict[str, Any]
    string_fields: dict[str, Any]
    key: str = ""
    panel_type: str = "Vega2"
    split_table: bool = False

    @property
    def table_key(self) -> str:
        """The key the table is logged under: ``K_table`` (``Custom Chart Tables/K_table``)."""
        name = f"{self.key}_table"
        return f"Custom Chart Tables/{name}" if self.split_table else name

    @property
    def config_key(self) -> tuple[str, str, str]:
        """Where wandb puts :attr:`config_value` in the run's config."""
        return ("_wandb", "visualize", self.key)

    @property
    def config_value(self) -> dict[str, Any]:
        """wandb's ``_wandb.visualize.<key>`` config value for this chart."""
        return {
            "panel_type": self.panel_type,
            "panel_config": {
                "panelDefId": self.spec_name,
                "fieldSettings": dict(self.fields),
                "stringSettings": dict(self.string_fields),
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
                                    "args": [{"name": "tableKey", "value": self.table_key}],
                                    "fields": [],
                                },
                            ],
                        }
                    ]
                },
            },
        }


@dataclass
class CustomChart:
    """What every ``runyard.plot.*`` helper returns: a table and its chart spec.

    Nothing is checked against the table (as wandb). A chart is not a history
    value: logged under key ``K`` it becomes the table ``K_table`` (see
    :func:`pop_charts`) plus the config entry ``_wandb.visualize.K``
    (:meth:`visualize_config`), exactly as wandb writes them, and the web app
    draws the panel from that config entry.
    """

    table: Table
    spec: CustomChartSpec

    def set_key(self, key: str) -> None:
        """Record the key the chart is logged under (names its table)."""
        self.spec.key = key

    def visualize_config(self, key: str) -> dict[str, Any]:
        """The ``_wandb.visualize.<key>`` config value wandb writes when logging under ``key``."""
        self.set_key(key)
        return self.spec.config_value


def pop_charts(
    data: Mapping[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, CustomChart]]:
    """Split a logged row into the row without its charts and the charts by key.

    A chart at ``{"a": {"b": chart}}`` is found under the dotted key ``"a.b"``, as
    wandb's ``_pop_all_charts`` names it. The dicts on the way are copied, never
    changed (wandb pops from the caller's nested dicts), and a dict left empty by
    the removal is dropped rather than logged as ``{}``.

    Example:
        >>> import runyard
        >>> t = runyard.Table(columns=["x"], data=[[1]])
        >>> row, charts = pop_charts({"loss": 1.0, "a": {"b": runyard.plot.histogram(t, "x")}})
        >>> row, list(charts)
        ({'loss': 1.0}, ['a.b'])
    """
    row: dict[str, Any] = {}
    charts: dict[str, CustomChart] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, CustomChart):
            charts[path] = value
        elif isinstance(value, dict) and value:
            inner, found = pop_charts(value, path)
            if not found:
                row[key] = value
                continue
            charts.update(found)
            if inner:
                row[key] = inner
        else:
            row[key] = value
    return row, charts


def plot_table(
    vega_spec_name: str,
    data_table: Table,
    fields: dict[str, Any],
    string_fields: dict[str, Any] | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A chart of ``data_table`` drawn by the preset ``vega_spec_name`` (``wandb.plot_table``).

    Raises:
        runyard.Error: ``Expected `data_table` to be `wandb.Table` type, instead got list``.
    """
    table = require_table(data_table)
    spec = CustomChartSpec(
        spec_name=vega_spec_name,
        fields=dict(fields),
        string_fields=dict(string_fields) if string_fields is not None else {},
        split_table=split_table,
    )
    return CustomChart(table, spec)
