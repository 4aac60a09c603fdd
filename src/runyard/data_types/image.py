"""``Image``: a picture from an array, a PIL image or a file, wandb's ``wandb.Image``."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from runyard.data_types.matplotlib_figure import as_figure, is_matplotlib
from runyard.data_types.tensor import tensor_type_name

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Image"]

_FILE_TYPES = ["png", "jpg", "jpeg", "bmp"]
_PIL_FORMAT = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP"}


def _to_uint8(data: Any) -> Any:
    """wandb's conversion: shift negatives to 0..1, scale 0..1 floats to 0..255, clip."""
    import numpy as np

    data = np.asarray(data)
    if data.dtype == np.uint8:
        return data
    if data.size and np.min(data) < 0:
        data = (data - np.min(data)) / np.ptp(data)
    if data.size and np.max(data) <= 1.0:
        data = (data * 255).astype(np.int32)
    return np.asarray(data).clip(0, 255).astype(np.uint8)


def _torch_to_hwc(data: Any, normalize: bool) -> Any:
    """wandb's path for torch tensors (``torchvision.utils.make_grid``, without needing
    torchvision): ``C×H×W`` (C 1, 3 or 4; 1 becomes grey RGB), ``H×W``, or a batch
    ``N×C×H×W`` laid out in a grid of 8 per row with 2-pixel padding; values in 0..1
    (``normalize`` first scales min..max to 0..1), then ×255 as ``H×W×C`` uint8."""
    import numpy as np

    array = data.detach().cpu().float().numpy()
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        if array.shape[0] == 1:
            array = np.repeat(array, 3, axis=0)
        array = array[None]
    if array.ndim != 4 or array.shape[1] not in (1, 3, 4):
        raise ValueError(f"Un-supported shape for image conversion {list(data.shape)}")
    if array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    if normalize:
        low, high = float(array.min()), float(array.max())
        array = (array - low) / max(high - low, 1e-5)
    count, channels, height, width = array.shape
    if count == 1:
        grid = array[0]
    else:
        columns = min(8, count)
        rows = -(-count // columns)
        cell_h, cell_w = height + 2, width + 2
        grid = np.zeros((channels, rows * cell_h + 2, columns * cell_w + 2), dtype=array.dtype)
        for index in range(count):
            top, left = (index // columns) * cell_h + 2, (index % columns) * cell_w + 2
            grid[:, top : top + height, left : left + width] = array[index]
    return (grid * 255).clip(0, 255).astype(np.uint8).transpose(1, 2, 0)


def _render_matplotlib(value: Any, file_type: str) -> Any:
    """``savefig`` of the figure (``plt.gcf()`` for the module), opened with PIL."""
    from PIL import Image as PILImage

    figure = as_figure(value)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=_PIL_FORMAT[file_type].lower())
    buffer.seek(0)
    image = PILImage.open(buffer)
    image.load()
    return image


class Image:
    """An image logged as an ``image-file`` (as ``wandb.Image``).

    ``data_or_path`` is a numpy array (``H×W``, ``H×W×1``, ``H×W×3`` or
    ``H×W×4``; floats in 0..1 are scaled to 0..255), a torch tensor in wandb's
    layout (``C×H×W``, ``H×W`` or a batch ``N×C×H×W`` shown as a grid; values in 0..1,
    or any range with ``normalize``, the default), a PIL image, a matplotlib
    figure or the ``pyplot`` module (``savefig``, so an empty figure gives a blank
    image) or the path of an image file (stored as it is, in its own format).
    Needs Pillow.

    Raises:
        ValueError: ``"file_type must be one of ['png', 'jpg', 'jpeg', 'bmp']"``,
            ``"Un-supported shape for image conversion [5, 5, 7]"``.
    """

    MAX_ITEMS: ClassVar[int] = 108
    MAX_DIMENSION: ClassVar[int] = 65500
    _log_type: ClassVar[str] = "image-file"

    def __init__(
        self,
        data_or_path: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Any = None,
        boxes: Any = None,
        masks: Any = None,
        file_type: str | None = None,
        normalize: bool = True,
    ) -> None:
        if file_type is not None and file_type not in _FILE_TYPES:
            raise ValueError(f"file_type must be one of {_FILE_TYPES}")
        self.caption = caption
        self._grouping = grouping
        if boxes is not None or masks is not None or classes is not None:
            from runyard.printer import warn_once

            warn_once(
                "image-overlays",
                "Image boxes, masks and classes are not stored yet; the image itself is logged",
            )
        if isinstance(data_or_path, (str, os.PathLike)):
            self._init_from_path(os.fspath(data_or_path))
            return
        self.format = file_type or "png"
        from PIL import Image as PILImage

        if isinstance(data_or_path, PILImage.Image):
            image = data_or_path
        elif is_matplotlib(data_or_path):
            image = _render_matplotlib(data_or_path, self.format)
        elif tensor_type_name(data_or_path) == "torch.Tensor":
            image = PILImage.fromarray(_torch_to_hwc(data_or_path, normalize))
            image = image.convert(mode) if mode and mode != image.mode else image
        else:
            image = self._from_array(data_or_path, mode)
        buffer = io.BytesIO()
        if self.format in ("jpg", "jpeg") and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(buffer, format=_PIL_FORMAT[self.format])
        self._bytes = buffer.getvalue()
        self.width, self.height = image.size

    def _init_from_path(self, path: str) -> None:
        from PIL import Image as PILImage

        with open(path, "rb") as f:
            self._bytes = f.read()
        ext = os.path.splitext(path)[1].lstrip(".").lower()
        with PILImage.open(io.BytesIO(self._bytes)) as image:
            self.width, self.height = image.size
            self.format = ext or (image.format or "png").lower()

    @staticmethod
    def _from_array(data: Any, mode: str | None) -> Any:
        import numpy as np
        from PIL import Image as PILImage

        array = np.asarray(data)
        if array.ndim == 3 and array.shape[-1] == 1:
            array = array[:, :, 0]
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
            raise ValueError(f"Un-supported shape for image conversion {list(array.shape)}")
        image = PILImage.fromarray(_to_uint8(array))
        return image.convert(mode) if mode and mode != image.mode else image

    @property
    def image_bytes(self) -> bytes:
        """The encoded file that is stored when the image is logged."""
        return self._bytes

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the file (content-addressed); return the ``image-file`` value."""
        from runyard.data_types.media_file import store_media

        value: dict[str, Any] = {
            "_type": "image-file",
            "format": self.format,
            "width": self.width,
            "height": self.height,
        }
        if self.caption is not None:
            value["caption"] = self.caption
        value.update(store_media(sink, "images", self._bytes, f".{self.format}"))
        return value

    @classmethod
    def seq_to_json(cls, images: Sequence[Image], sink: MediaSink) -> dict[str, Any]:
        """Store every image; return wandb's ``images/separated`` value for the list.

        ``{"_type": "images/separated", "width", "height", "format", "count",
        "filenames": [paths], "captions": [...]}``: width, height and format are
        the first image's; ``captions`` is there only when the first image has a
        caption (then it lists every image's, ``None`` included), as in wandb.
        Only the first :attr:`MAX_ITEMS` (108) images are kept; the caller warns.
        """
        if not images:
            raise ValueError("cannot log an empty list of images")
        items = list(images[: cls.MAX_ITEMS])
        values = [image.to_json(sink) for image in items]
        first = items[0]
        meta: dict[str, Any] = {
            "_type": "images/separated",
            "width": first.width,
            "height": first.height,
            "format": values[0]["format"],
            "count": len(items),
            "filenames": [value["path"] for value in values],
        }
        if first.caption is not None:
            meta["captions"] = [image.caption for image in items]
        return meta

    def __repr__(self) -> str:
        return f"<Image {self.width}x{self.height} {self.format}>"
