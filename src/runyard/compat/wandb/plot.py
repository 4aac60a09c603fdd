"""``wandb.plot``: Runyard's chart presets."""

from __future__ import annotations

from runyard.plot import (
    CustomChart,
    CustomChartSpec,
    bar,
    confusion_matrix,
    histogram,
    line,
    line_series,
    plot_table,
    pr_curve,
    roc_curve,
    scatter,
)

__all__ = [
    "CustomChart",
    "CustomChartSpec",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "roc_curve",
    "scatter",
]
