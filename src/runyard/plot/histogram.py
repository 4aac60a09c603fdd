"""``histogram``: a histogram of one table column, binned by the preset (``wandb/histogram/v0``)."""

from __future__ import annotations

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table, require_table

__all__ = ["histogram"]


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """Histogram of column ``value`` (as ``wandb.plot.histogram``: no ``num_bins``)."""
    return plot_table(
        "wandb/histogram/v0",
        require_table(table),
        {"value": value},
        {"title": title},
        split_table=split_table,
    )
