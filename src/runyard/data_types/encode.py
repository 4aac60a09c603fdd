"""How any logged value is encoded: the one entry point of ``run.log``'s slow path.

``run.log`` packs plain rows (numbers, strings, lists of them) with msgpack as they
are; a row msgpack refuses comes here once, through :func:`encode`, which walks it
and turns media into their JSON values (their files go to a
:class:`~runyard.data_types.sink.MediaSink`), a list of images into wandb's
``images/separated`` value, Plotly and matplotlib figures into plot media, and
numpy/torch/… values into plain ones (:func:`~runyard.data_types.value.normalize`).
:func:`encode_summary` does the same for ``run.summary[k] = v``, keeping a large
array whole in a ``.npy`` file beside its statistics.

Nothing here knows the live run: files go to the sink, warnings to the printer.
"""

from __future__ import annotations

import io
from types import ModuleType
from typing import TYPE_CHECKING, Any

from runyard.data_types.sink import MediaSink
from runyard.printer import warn_once

if TYPE_CHECKING:
    import numpy as np

__all__ = ["KEY_TYPE_ERROR", "encode", "encode_summary", "store_tensor"]

KEY_TYPE_ERROR = "Key values passed to `wandb.log` must be strings."
# Values from these packages may be plots (checked by name: nothing is imported).
_PLOT_MODULES = ("matplotlib", "plotly")


def encode(value: Any, sink: MediaSink) -> Any:
    """A logged value as msgpack-ready plain values; media files go to ``sink``.

    Raises:
        TypeError: a dict key that is not a string, or a value that cannot be logged
            (the message names its type); see :func:`~runyard.data_types.value.normalize`.
        ValueError: a media or plot value refused by its type (an empty plot, …).
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(KEY_TYPE_ERROR)
            out[key] = encode(item, sink)
        return out
    if isinstance(value, (list, tuple)):
        if value and type(value[0]).__name__ == "Image":
            images = _image_list(value, sink)
            if images is not None:
                return images
        return [encode(v, sink) for v in value]
    if isinstance(value, ModuleType) or type(value).__module__.startswith(_PLOT_MODULES):
        value = _plot_media(value, sink)
    to_json = getattr(value, "to_json", None)
    if callable(to_json) and not isinstance(value, type):
        try:
            return encode(to_json(sink), sink)
        except TypeError:
            return encode(to_json(), sink)
    from runyard.data_types.value import normalize

    normalized = normalize(value)
    if isinstance(normalized, (dict, list)) and normalized is not value:
        return encode(normalized, sink)
    return normalized


def encode_summary(path: tuple[str, ...], value: Any, sink: MediaSink) -> Any:
    """What ``run.summary[path] = value`` stores: an array of more than 32 elements
    whole in a ``.npy`` file plus its statistics, anything else as :func:`encode`."""
    from runyard.data_types.value import normalize_summary_tensor

    tensor = normalize_summary_tensor(value)
    if tensor is not None:
        return store_tensor(sink, path, *tensor)
    return encode(value, sink)


def store_tensor(
    sink: MediaSink, path: tuple[str, ...], array: np.ndarray, type_name: str
) -> dict[str, Any]:
    """Put ``array`` in a ``.npy`` file beside the run; return the summary's stats dict,
    whose ``path`` is the file's blob key (as :func:`runyard.blobs.tensors.load_tensor`
    reads it)."""
    import numpy as np

    from runyard.blobs.keys import run_prefix, tensor_key
    from runyard.data_types.tensor import summary_stats

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    key = tensor_key(sink.ref, path)
    sink.put(key[len(run_prefix(sink.ref)) + 1 :], buffer.getvalue())
    stats = summary_stats(array, type_name)
    stats["path"] = key
    return stats


def _image_list(values: list[Any] | tuple[Any, ...], sink: MediaSink) -> dict[str, Any] | None:
    """wandb's ``images/separated`` value for a list of images (None: not all images)."""
    from runyard.data_types.image import Image

    if not all(type(v) is Image for v in values):
        return None
    if len(values) > Image.MAX_ITEMS:
        warn_once(
            f"images-max-items-{sink.ref.run_id}",
            f"Only {Image.MAX_ITEMS} Image will be uploaded (a list of {len(values)} "
            "images was logged).",
        )
    return Image.seq_to_json(values, sink)


def _plot_media(value: Any, sink: MediaSink) -> Any:
    """A Plotly or matplotlib value as media; a figure plotly cannot convert as a PNG.

    Other values from those packages (and modules other than ``pyplot``) are
    returned unchanged, for :func:`~runyard.data_types.value.normalize` to judge.
    """
    from runyard.data_types.matplotlib_figure import (
        PlotConversionError,
        as_figure,
        is_matplotlib,
    )
    from runyard.data_types.plotly import is_plotly_figure, plot_media

    if not (is_matplotlib(value) or is_plotly_figure(value)):
        return value
    try:
        return plot_media(value)
    except PlotConversionError as exc:
        from runyard.data_types.image import Image

        warn_once(
            f"plotly-fallback-{sink.ref.run_id}",
            f"{exc}; the figure is logged as a PNG image instead "
            "(log wandb.Image(fig) to choose that yourself)",
        )
        return Image(as_figure(value))
