"""``CustomChart``: a table plus the Vega preset that draws it (``wandb.plot.custom_chart``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runyard.data_types.table import Table
from runyard.errors import Error

if TYPE_CHECKING:
    from runyard.sdk.run import Run

__all__ = ["CustomChart", "CustomChartSpec", "plot_table", "require_table"]


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

    Nothing is checked against the table (as wandb). Logged, it stores the table
    through the blob store and returns a ``custom-chart`` value holding the
    ``table-file`` value and the preset reference (see :meth:`to_json`).
    """

    table: Table
    spec: CustomChartSpec
    _key: str = field(default="", repr=False)

    def set_key(self, key: str) -> None:
        """Record the history key the chart is logged under (names its table)."""
        self.spec.key = key

    def visualize_config(self, key: str) -> dict[str, Any]:
        """The ``_wandb.visualize.<key>`` config value wandb writes when logging under ``key``."""
        self.set_key(key)
        return self.spec.config_value

    def to_json(self, run: Run) -> dict[str, Any]:
        """Store the table; return ``{"_type": "custom-chart", "table": <table-file>, ...}``."""
        return {
            "_type": "custom-chart",
            "panel_type": self.spec.panel_type,
            "spec_name": self.spec.spec_name,
            "fields": dict(self.spec.fields),
            "string_fields": dict(self.spec.string_fields),
            "split_table": self.spec.split_table,
            "table": self.table.to_json(run),
        }


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
