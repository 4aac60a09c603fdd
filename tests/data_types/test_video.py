"""``Video``: frames as an animated GIF, files as they are, logged and read back."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.data_types.video import Video
from tests.data_types.conftest import StoredSink


def _gif(data: bytes) -> list[np.ndarray]:
    from PIL import Image as PILImage
    from PIL import ImageSequence

    with PILImage.open(io.BytesIO(data)) as gif:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]


def test_tchw_frames_become_a_gif(sink: StoredSink) -> None:
    frames = np.zeros((3, 3, 4, 6), dtype=np.uint8)
    frames[1, 0] = 255  # the second frame is red
    video = Video(frames, caption="clip", fps=10)
    decoded = _gif(video.video_bytes)
    assert len(decoded) == 3 and decoded[0].shape == (4, 6, 3)
    assert decoded[1][0, 0].tolist() == [255, 0, 0] and decoded[0][0, 0].tolist() == [0, 0, 0]
    value = video.to_json(sink)
    assert value["_type"] == "video-file" and (value["width"], value["height"]) == (6, 4)
    assert value["path"].endswith(".gif") and sink.read(value["path"]) == video.video_bytes


def test_batch_and_grey_torch_frames() -> None:
    torch = pytest.importorskip("torch")
    frames = torch.zeros(2, 5, 1, 4, 4, dtype=torch.uint8)
    for t in range(5):
        frames[1, t] = 50 * t  # the second clip brightens; the first stays black
    video = Video(frames)
    assert (video.width, video.height) == (8, 4)
    decoded = _gif(video.video_bytes)
    assert len(decoded) == 5
    assert decoded[4][0, 0].tolist() == [0, 0, 0] and decoded[4][0, 4].tolist() == [200] * 3


def test_path_is_stored_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    video = Video(path)
    assert video.format == "mp4" and video.video_bytes == path.read_bytes()


def test_errors_name_the_value() -> None:
    with pytest.raises(ValueError, match="invalid value for format 'avi'"):
        Video(np.zeros((1, 3, 2, 2)), format="avi")
    with pytest.raises(ValueError, match="need a video encoder"):
        Video(np.zeros((1, 3, 2, 2)), format="mp4")
    with pytest.raises(ValueError, match=r"got shape \[3, 2, 2\]"):
        Video(np.zeros((3, 2, 2)))


def test_logged_video_is_read_back(ry_dir: Path) -> None:
    run = runyard.init(project="video")
    run.log({"clip": runyard.Video(np.zeros((2, 3, 2, 2), dtype=np.uint8))})
    run.finish()
    stored = runyard.Api().run(f"video/{run.id}")
    value = next(iter(stored.scan_history()))["clip"]
    assert value["_type"] == "video-file"
    assert stored.file(value["path"]).read()[:6] == b"GIF89a"
