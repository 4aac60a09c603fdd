"""``Plotly``: a Plotly figure, wandb's ``wandb.Plotly``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from runyard.sdk.run import Run

__all__ = ["Plotly"]

_NOT_A_PLOT = (
    "Logged plots must be plotly figures, or matplotlib plots convertible to plotly via "
    "mpl_to_plotly"
)


def is_plotly_figure(value: object) -> bool:
    """Whether ``value`` is a Plotly figure (by type name, so plotly is not imported)."""
    cls = type(value)
    return cls.__module__.startswith("plotly.") and cls.__name__.endswith("Figure")


class Plotly:
    """A Plotly figure logged as a ``plotly-file`` (``.plotly.json``), as ``wandb.Plotly``.

    Only Plotly figures are accepted so far; matplotlib conversion
    (``mpl_to_plotly``) is not implemented yet and raises the error below.

    Raises:
        ValueError: ``"Logged plots must be plotly figures, or matplotlib plots
            convertible to plotly via mpl_to_plotly"``.
    """

    _log_type: ClassVar[str] = "plotly-file"

    def __init__(self, val: Any) -> None:
        if not is_plotly_figure(val):
            raise ValueError(_NOT_A_PLOT)
        self.figure = val
        text: str = val.to_json()
        self._bytes = text.encode()

    @property
    def json_bytes(self) -> bytes:
        """The stored file: the figure's JSON (``fig.to_json()``)."""
        return self._bytes

    def to_json(self, run: Run) -> dict[str, Any]:
        """Store the figure's JSON (content-addressed); return the ``plotly-file`` value."""
        from runyard.data_types.media_file import store_media

        return {"_type": "plotly-file", **store_media(run, "plotly", self._bytes, ".plotly.json")}
