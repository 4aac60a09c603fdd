"""``Audio``: samples as WAV, files as they are, logged and read back."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.data_types.audio import Audio
from tests.data_types.conftest import StoredSink


def _frames(data: bytes) -> tuple[int, int, int, np.ndarray]:
    with wave.open(io.BytesIO(data)) as clip:
        raw = clip.readframes(clip.getnframes())
        return (
            clip.getnchannels(),
            clip.getframerate(),
            clip.getnframes(),
            np.frombuffer(raw, "<i2"),
        )


def test_float_samples_become_16_bit_wav(sink: StoredSink) -> None:
    samples = np.array([0.0, 0.5, -1.0, 2.0])
    clip = Audio(samples, sample_rate=8000, caption="beep")
    channels, rate, count, pcm = _frames(clip.audio_bytes)
    assert (channels, rate, count) == (1, 8000, 4)
    assert pcm.tolist() == [0, 16383, -32767, 32767]  # clipped to -1..1
    value = clip.to_json(sink)
    assert value["_type"] == "audio-file" and value["caption"] == "beep"
    assert value["path"].startswith("media/audio/") and value["path"].endswith(".wav")
    assert sink.read(value["path"]) == clip.audio_bytes


def test_stereo_and_torch_tensor() -> None:
    torch = pytest.importorskip("torch")
    channels, _, count, _ = _frames(Audio(torch.zeros(10, 2), sample_rate=100).audio_bytes)
    assert (channels, count) == (2, 10)


def test_path_is_stored_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp3"
    path.write_bytes(b"ID3fake")
    clip = Audio(path)
    assert clip.audio_bytes == b"ID3fake" and clip.format == "mp3"


def test_errors_name_the_value() -> None:
    with pytest.raises(ValueError, match='"sample_rate" is required'):
        Audio(np.zeros(3))
    with pytest.raises(ValueError, match="invalid value for sample_rate 0"):
        Audio(np.zeros(3), sample_rate=0)
    with pytest.raises(ValueError, match=r"got shape \[2, 2, 2\]"):
        Audio(np.zeros((2, 2, 2)), sample_rate=10)


def test_logged_audio_is_read_back(ry_dir: Path) -> None:
    run = runyard.init(project="audio")
    run.log({"clip": runyard.Audio(np.zeros(16), sample_rate=16, caption="c")})
    run.finish()
    stored = runyard.Api().run(f"audio/{run.id}")
    value = next(iter(stored.scan_history()))["clip"]
    assert value["_type"] == "audio-file" and value["duration"] == 1.0
    assert stored.file(value["path"]).read()[:4] == b"RIFF"
