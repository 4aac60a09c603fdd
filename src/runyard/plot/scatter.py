"""``scatter``: a scatter plot of two table columns (``wandb/scatter/v0``)."""

from __future__ import annotations

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table, require_table

__all__ = ["scatter"]


def scatter(
    table: Table, x: str, y: str, title: str = "", split_table: bool = False
) -> CustomChart:
    """Scatter plot of ``y`` against ``x`` (as ``wandb.plot.scatter``)."""
    return plot_table(
        "wandb/scatter/v0",
        require_table(table),
        {"x": x, "y": y},
        {"title": title},
        split_table=split_table,
    )
