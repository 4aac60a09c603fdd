"""matplotlib figures as logged media: which figure, whether it is empty or holds images.

``run.log({"chart": fig})`` (or the ``pyplot`` module itself) logs a Plotly
conversion of the figure, as wandb does; a figure drawn with ``imshow`` becomes an
:class:`~runyard.data_types.image.Image` instead, because Plotly's converter cannot
draw images. matplotlib and plotly are imported only when such a value is logged:
the checks here go by type and module names.
"""

from __future__ import annotations

import types
import warnings
from typing import Any

__all__ = [
    "EMPTY_PLOT",
    "PlotConversionError",
    "as_figure",
    "contains_images",
    "fit_layout",
    "is_empty",
    "is_matplotlib",
    "to_plotly",
]

#: The seed's error (wandb removed it in 0.10.10; Runyard keeps it, see docs/compat.md),
#: followed by the seed's advice.
EMPTY_PLOT = (
    "You attempted to log an empty plot, pass a figure directly or ensure the global plot "
    "isn't closed. Keep the figure apart from the plotting calls with `fig = plt.figure()` "
    'and log `fig`: run.log({"chart": fig})'
)


class PlotConversionError(ValueError):
    """plotly's ``mpl_to_plotly`` could not convert a figure (or plotly is missing)."""


def is_matplotlib(value: object) -> bool:
    """A matplotlib object or the ``pyplot`` module itself (by name: nothing is imported)."""
    module = value.__name__ if isinstance(value, types.ModuleType) else type(value).__module__
    return module == "matplotlib" or module.startswith("matplotlib.")


def as_figure(value: Any) -> Any:
    """The ``Figure`` behind ``value``: ``plt.gcf()`` for the module, ``.figure`` of an artist.

    Raises:
        ValueError: ``"Only matplotlib.pyplot or matplotlib.pyplot.Figure objects are
            accepted."`` (wandb's message) for anything else.
    """
    from matplotlib.figure import Figure

    if isinstance(value, types.ModuleType) and callable(getattr(value, "gcf", None)):
        value = value.gcf()
    elif not isinstance(value, Figure):
        value = getattr(value, "figure", None)
    if not isinstance(value, Figure):
        raise ValueError("Only matplotlib.pyplot or matplotlib.pyplot.Figure objects are accepted.")
    return value


def contains_images(figure: Any) -> bool:
    """Whether any axes of ``figure`` shows an image (``imshow``, ``matshow``)."""
    return any(ax.images for ax in figure.axes)


def is_empty(figure: Any) -> bool:
    """Whether nothing is drawn in ``figure``: no axes, or no axes with data."""
    return not any(ax.has_data() for ax in figure.axes)


#: Right margin of a converted figure: matplotlib's (~60 px) wastes a panel's width.
_RIGHT_MARGIN = 16
_MIRRORED_TICKS = ("ticks", "all", "allticks")


def fit_layout(plotly_figure: Any) -> Any:
    """``plotly_figure`` made to fill the panel that shows it, as drawn in place.

    ``mpl_to_plotly`` fixes the size at matplotlib's (640x480, autosize off), so a
    narrower panel clips it on the right, and sets ``mirror="ticks"`` on every axis,
    repeating each tick on the top and right edges without labels. The size is left
    to the panel, the right margin made small, and the axes mirror their line only
    (matplotlib's box) — the labelled sides keep their ticks.
    """
    layout = plotly_figure.layout
    layout.width = None
    layout.height = None
    layout.autosize = True
    if layout.margin.r is None or layout.margin.r > _RIGHT_MARGIN:
        layout.margin.r = _RIGHT_MARGIN
    for name in list(layout.to_plotly_json()):
        if name.startswith(("xaxis", "yaxis")) and layout[name].mirror in _MIRRORED_TICKS:
            layout[name].mirror = True
    return plotly_figure


def to_plotly(figure: Any) -> Any:
    """The Plotly figure ``plotly.tools.mpl_to_plotly(figure)`` gives, without its side effects.

    ``mpl_to_plotly`` closes the figure it converts, so ``plt`` logged after ``fig``
    would be a new, empty figure (the root of wandb's "empty plot" reports). This
    runs the same renderer and exporter with ``close_mpl=False`` and silences the
    converter's own warnings (deprecated matplotlib attributes, skipped artists),
    which say nothing to the user about their data. The figure is left as it was,
    so it converts again later (wandb's ``Spine`` patch made that fail). The result
    fills the panel it is drawn in (:func:`fit_layout`).

    Raises:
        PlotConversionError: plotly is missing or cannot convert this figure (for
            example a ``hist`` with recent matplotlib); the message names the cause.
    """
    try:
        from plotly.matplotlylib import (  # type: ignore[import-untyped]
            Exporter,
            PlotlyRenderer,
        )
    except ImportError as exc:
        raise PlotConversionError(
            "plotly is required to log interactive plots, install with: `pip install plotly` "
            "or convert the plot to an image with `wandb.Image(plt)`"
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            renderer = PlotlyRenderer()
            Exporter(renderer, close_mpl=False).run(figure)
            return fit_layout(renderer.plotly_fig)
    except Exception as exc:
        raise PlotConversionError(
            f"plotly could not convert the matplotlib figure: {type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]}"
        ) from exc
