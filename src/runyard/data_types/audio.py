"""``Audio``: a sound clip from samples or a file, wandb's ``wandb.Audio``."""

from __future__ import annotations

import io
import os
import wave
from typing import TYPE_CHECKING, Any

from runyard.data_types.tensor import tensor_type_name, to_numpy

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Audio"]


def _wav_bytes(samples: Any, sample_rate: int) -> bytes:
    """16-bit PCM WAV of float samples in -1..1 (clipped), ``(n,)`` or ``(n, channels)``
    (what wandb's soundfile writes by default); integer samples are taken as int16."""
    import numpy as np

    array = np.asarray(samples)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] < 1:
        raise ValueError(
            f"Audio data must be (samples,) or (samples, channels), got shape {list(array.shape)}"
        )
    if np.issubdtype(array.dtype, np.floating):
        pcm = (np.clip(array, -1.0, 1.0) * 32767).astype("<i2")
    else:
        pcm = array.astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(int(pcm.shape[1]))
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


class Audio:
    """An audio clip logged as an ``audio-file`` (as ``wandb.Audio``).

    ``data_or_path`` is a numpy array or torch/… tensor of samples (``(n,)`` or
    ``(n, channels)``; floats in -1..1), stored as a 16-bit WAV file, which needs
    ``sample_rate``; or the path of an audio file, stored as it is.

    Raises:
        ValueError: ``'Argument "sample_rate" is required when instantiating
            wandb.Audio with raw data.'``, or a shape that is not one of the above.

    Example:
        >>> import numpy as np
        >>> clip = Audio(np.zeros(800), sample_rate=8000, caption="silence")
        >>> clip.format, clip.duration
        ('wav', 0.1)
    """

    def __init__(
        self, data_or_path: Any, sample_rate: int | None = None, caption: str | None = None
    ) -> None:
        self.caption = caption
        self.sample_rate = sample_rate
        self.duration: float | None = None
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            with open(path, "rb") as f:
                self._bytes = f.read()
            self.format = os.path.splitext(path)[1].lstrip(".").lower() or "wav"
            return
        if sample_rate is None:
            raise ValueError(
                'Argument "sample_rate" is required when instantiating wandb.Audio with raw data.'
            )
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate < 1:
            raise ValueError(f"invalid value for sample_rate {sample_rate!r}: expected an int >= 1")
        samples = to_numpy(data_or_path) if tensor_type_name(data_or_path) else data_or_path
        self._bytes = _wav_bytes(samples, sample_rate)
        self.format = "wav"
        import numpy as np

        self.duration = len(np.asarray(samples)) / sample_rate

    @property
    def audio_bytes(self) -> bytes:
        """The file that is stored when the clip is logged."""
        return self._bytes

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the file (content-addressed); return the ``audio-file`` value."""
        from runyard.data_types.media_file import store_media

        value: dict[str, Any] = {"_type": "audio-file"}
        if self.caption is not None:
            value["caption"] = self.caption
        if self.sample_rate is not None:
            value["sample_rate"] = self.sample_rate
        if self.duration is not None:
            value["duration"] = self.duration
        value.update(store_media(sink, "audio", self._bytes, f".{self.format}"))
        return value

    def __repr__(self) -> str:
        return f"<Audio {self.format} {len(self._bytes)} bytes>"
