"""``runyard.plot``: wandb's chart presets (``wandb.plot.*``): a table plus a Vega preset."""

from __future__ import annotations

from runyard.plot.bar import bar
from runyard.plot.confusion_matrix import confusion_matrix
from runyard.plot.custom_chart import CustomChart, CustomChartSpec, plot_table
from runyard.plot.histogram import histogram
from runyard.plot.line import line
from runyard.plot.line_series import line_series
from runyard.plot.pr_curve import pr_curve
from runyard.plot.roc_curve import roc_curve
from runyard.plot.scatter import scatter

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
