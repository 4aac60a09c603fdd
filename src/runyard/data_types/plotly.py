"""``Plotly``: a Plotly figure, wandb's ``wandb.Plotly``; and :func:`plot_media` for ``log``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from runyard.data_types.matplotlib_figure import (
    EMPTY_PLOT,
    PlotConversionError,
    as_figure,
    contains_images,
    is_empty,
    is_matplotlib,
    to_plotly,
)

if TYPE_CHECKING:
    from runyard.data_types.image import Image
    from runyard.data_types.sink import MediaSink

__all__ = ["Plotly", "is_plotly_figure", "plot_media"]

_NOT_A_PLOT = (
    "Logged plots must be plotly figures, or matplotlib plots convertible to plotly via "
    "mpl_to_plotly"
)
_HAS_IMAGES = (
    "Plotly does not currently support converting matplotlib figures containing images. "
    "You can convert the plot to a static image with `wandb.Image(plt)`"
)


def is_plotly_figure(value: object) -> bool:
    """Whether ``value`` is a Plotly figure (by type name, so plotly is not imported)."""
    cls = type(value)
    return cls.__module__.startswith("plotly.") and cls.__name__.endswith("Figure")


class Plotly:
    """A Plotly figure logged as a ``plotly-file`` (``.plotly.json``), as ``wandb.Plotly``.

    ``val`` is a Plotly figure or a matplotlib figure (or ``pyplot``), which is
    converted with ``plotly.tools.mpl_to_plotly``. The stored file is the
    figure's ``to_json()``.

    Raises:
        ValueError: ``"Logged plots must be plotly figures, or matplotlib plots
            convertible to plotly via mpl_to_plotly"``; wandb's "Plotly does not
            currently support converting matplotlib figures containing images…";
            the empty-plot error (:data:`EMPTY_PLOT`).
        PlotConversionError: (a ``ValueError``) plotly is missing or could not
            convert the matplotlib figure. ``run.log`` logs such a figure as a PNG
            instead (see :func:`plot_media`).
    """

    _log_type: ClassVar[str] = "plotly-file"

    def __init__(self, val: Any) -> None:
        if is_matplotlib(val):
            figure = as_figure(val)
            if contains_images(figure):
                raise ValueError(_HAS_IMAGES)
            if is_empty(figure):
                raise ValueError(EMPTY_PLOT)
            val = to_plotly(figure)
            try:
                text: str = val.to_json()
            except Exception as exc:  # the converter built a figure plotly cannot serialise
                raise PlotConversionError(
                    f"plotly could not serialise the converted figure: {type(exc).__name__}: "
                    f"{' '.join(str(exc).split())[:200]}"
                ) from exc
        elif not is_plotly_figure(val):
            raise ValueError(_NOT_A_PLOT)
        else:
            text = val.to_json()
        self.figure = val
        self._bytes = text.encode()

    @classmethod
    def make_plot_media(cls, val: Any) -> Plotly | Image:
        """wandb's name for :func:`plot_media` (a PNG ``Image`` for figures with images)."""
        return plot_media(val)

    @property
    def json_bytes(self) -> bytes:
        """The stored file: the figure's JSON (``fig.to_json()``)."""
        return self._bytes

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the figure's JSON (content-addressed); return the ``plotly-file`` value."""
        from runyard.data_types.media_file import store_media

        return {"_type": "plotly-file", **store_media(sink, "plotly", self._bytes, ".plotly.json")}


def plot_media(value: Any) -> Plotly | Image:
    """What ``run.log`` stores for a Plotly or matplotlib value (wandb's ``make_plot_media``).

    A Plotly figure becomes :class:`Plotly`. A matplotlib figure (or ``pyplot``)
    that shows images becomes a PNG :class:`~runyard.data_types.image.Image`; an
    empty one raises the empty-plot ``ValueError``; any other is converted to
    Plotly.

    Raises:
        ValueError: the empty-plot error or wandb's "Only matplotlib.pyplot…".
        PlotConversionError: the conversion failed; the caller decides whether to
            fall back to ``Image(figure)`` (``run.log`` does, with a warning).
    """
    if not is_matplotlib(value):
        return Plotly(value)
    figure = as_figure(value)
    if contains_images(figure):
        from runyard.data_types.image import Image

        return Image(figure)
    return Plotly(figure)
