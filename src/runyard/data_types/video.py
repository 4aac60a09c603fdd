"""``Video``: a clip from frames or a file, wandb's ``wandb.Video``."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

from runyard.data_types.tensor import tensor_type_name, to_numpy

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Video"]

_FORMATS = ("gif", "mp4", "webm", "ogg")


def _frames_hwc(data: Any) -> Any:
    """wandb's layout ``(time, channel, height, width)``, or a batch ``(batch, time,
    channel, height, width)`` tiled side by side, as uint8 ``(time, height, width, 3)``."""
    import numpy as np

    array = to_numpy(data) if tensor_type_name(data) else np.asarray(data)
    if array.ndim == 5:  # a batch: frames of each clip side by side (wandb tiles a grid)
        array = np.concatenate(list(array), axis=3)
    if array.ndim != 4 or array.shape[1] not in (1, 3, 4):
        raise ValueError(
            "Video data must be (time, channel, height, width) or (batch, time, channel, "
            f"height, width) with 1, 3 or 4 channels, got shape {list(array.shape)}"
        )
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    frames = array.transpose(0, 2, 3, 1)
    if frames.shape[-1] == 1:
        frames = np.repeat(frames, 3, axis=-1)
    return frames[..., :3]


def _gif_bytes(frames: Any, fps: int) -> bytes:
    from PIL import Image as PILImage

    images = [PILImage.fromarray(frame) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=max(1, round(1000 / fps)),
        loop=0,
    )
    return buffer.getvalue()


class Video:
    """A video logged as a ``video-file`` (as ``wandb.Video``).

    ``data_or_path`` is the path of a video file (stored as it is), or frames as a
    numpy array or tensor in wandb's layout ``(time, channel, height, width)`` (or a
    batch with a leading axis, tiled side by side), uint8 values. Frames are encoded
    as an animated GIF with Pillow (``format="gif"``, the default); mp4, webm and ogg
    need a video encoder Runyard does not ship yet, and raise saying so.

    Raises:
        ValueError: a format not in gif/mp4/webm/ogg, a frames shape not as above,
            or frames with a format other than gif.
    """

    def __init__(
        self,
        data_or_path: Any,
        caption: str | None = None,
        fps: int | None = None,
        format: str | None = None,
    ) -> None:
        if format is not None and format not in _FORMATS:
            raise ValueError(f"invalid value for format {format!r}: expected one of {_FORMATS}")
        self.caption = caption
        self.width: int | None = None
        self.height: int | None = None
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            with open(path, "rb") as f:
                self._bytes = f.read()
            self.format = format or os.path.splitext(path)[1].lstrip(".").lower() or "mp4"
            return
        self.format = format or "gif"
        if self.format != "gif":
            raise ValueError(
                f"Video frames as {self.format!r} need a video encoder Runyard does not ship "
                "yet; log them with format='gif', or encode the file yourself and pass its path"
            )
        frames = _frames_hwc(data_or_path)
        self.height, self.width = int(frames.shape[1]), int(frames.shape[2])
        self._bytes = _gif_bytes(frames, fps or 4)

    @property
    def video_bytes(self) -> bytes:
        """The file that is stored when the video is logged."""
        return self._bytes

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the file (content-addressed); return the ``video-file`` value."""
        from runyard.data_types.media_file import store_media

        value: dict[str, Any] = {"_type": "video-file"}
        if self.width is not None:
            value.update(width=self.width, height=self.height)
        if self.caption is not None:
            value["caption"] = self.caption
        value.update(store_media(sink, "videos", self._bytes, f".{self.format}"))
        return value

    def __repr__(self) -> str:
        return f"<Video {self.format} {len(self._bytes)} bytes>"
