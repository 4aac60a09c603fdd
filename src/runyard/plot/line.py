"""``line``: a line chart of two table columns (``wandb/line/v0``)."""

from __future__ import annotations

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table, require_table

__all__ = ["line"]


def line(
    table: Table,
    x: str,
    y: str,
    stroke: str | None = None,
    title: str = "",
    split_table: bool = False,
) -> CustomChart:
    """Line chart of ``y`` against ``x``, one line per ``stroke`` value (as ``wandb.plot.line``)."""
    return plot_table(
        "wandb/line/v0",
        require_table(table),
        {"x": x, "y": y, "stroke": stroke},
        {"title": title},
        split_table=split_table,
    )
