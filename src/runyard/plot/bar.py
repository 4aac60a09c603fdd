"""``bar``: a bar chart of labelled values (``wandb/bar/v0``)."""

from __future__ import annotations

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table, require_table

__all__ = ["bar"]


def bar(
    table: Table, label: str, value: str, title: str = "", split_table: bool = False
) -> CustomChart:
    """Bar chart, one bar per row: ``label`` column against ``value`` (as ``wandb.plot.bar``)."""
    return plot_table(
        "wandb/bar/v0",
        require_table(table),
        {"label": label, "value": value},
        {"title": title},
        split_table=split_table,
    )
