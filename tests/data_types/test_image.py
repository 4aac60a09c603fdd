"""``Image``: arrays, PIL images, files, captions, errors and the ``image-file`` payload."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.data_types.image import Image
from tests.data_types.conftest import StoredSink

PIL = pytest.importorskip("PIL.Image")


def _decode(data: bytes) -> np.ndarray:
    with PIL.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def test_rgb_array_roundtrips_as_png() -> None:
    array = np.arange(8 * 6 * 3, dtype=np.uint8).reshape(8, 6, 3)
    image = Image(array, caption="cap")
    assert (image.width, image.height, image.format) == (6, 8, "png")
    assert image.image_bytes.startswith(b"\x89PNG")
    assert np.array_equal(_decode(image.image_bytes), array)


def test_float_grayscale_is_scaled_and_single_channel_squeezed() -> None:
    image = Image(np.array([[0.0, 1.0]]).reshape(1, 2, 1))
    assert _decode(image.image_bytes).tolist() == [[0, 255]]
    negative = Image(np.array([[-1.0, 1.0]]))
    assert _decode(negative.image_bytes).tolist() == [[0, 255]]


def test_pil_image_path_and_file_type(tmp_path: Path) -> None:
    pil = PIL.new("RGB", (4, 3), (255, 0, 0))
    assert (Image(pil).width, Image(pil).height) == (4, 3)
    jpg = Image(pil, file_type="jpg")
    assert jpg.format == "jpg" and jpg.image_bytes.startswith(b"\xff\xd8")
    path = tmp_path / "pic.bmp"
    pil.save(path)
    from_path = Image(str(path))
    assert from_path.format == "bmp"
    assert from_path.image_bytes == path.read_bytes()
    assert (from_path.width, from_path.height) == (4, 3)


def test_errors() -> None:
    with pytest.raises(
        ValueError, match=r"^file_type must be one of \['png', 'jpg', 'jpeg', 'bmp'\]$"
    ):
        Image(np.zeros((2, 2)), file_type="gif")
    with pytest.raises(ValueError, match=r"^Un-supported shape for image conversion \[5, 5, 7\]$"):
        Image(np.zeros((5, 5, 7)))


def test_to_json(sink: StoredSink) -> None:
    image = Image(np.zeros((8, 8, 3), dtype=np.uint8), caption="cap")
    value = image.to_json(sink)
    stored = sink.read(value["path"])
    bare = Image(np.zeros((8, 8, 3), dtype=np.uint8)).to_json(sink)
    assert value["_type"] == "image-file"
    assert (value["format"], value["width"], value["height"]) == ("png", 8, 8)
    assert value["caption"] == "cap"
    assert value["size"] == len(image.image_bytes)
    assert value["path"] == f"media/images/{value['sha256'][:2]}/{value['sha256']}.png"
    assert stored == image.image_bytes
    assert "caption" not in bare
    assert bare["path"] == value["path"]  # same bytes, stored once


def test_images_in_table_cells(sink: StoredSink) -> None:
    table = runyard.Table(columns=["img"], data=[[Image(np.zeros((2, 2)))]])
    value = table.to_json(sink)
    stored = json.loads(sink.read(value["path"]))
    assert stored["data"][0][0]["_type"] == "image-file"


def test_matplotlib_figure_and_pyplot_module_render_png() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    try:
        plt.plot([1, 2, 3])
        from_fig = Image(fig)
        from_module = Image(plt)
        assert (from_fig.width, from_fig.height) == (640, 480)
        assert from_fig.image_bytes.startswith(b"\x89PNG")
        assert from_module.image_bytes == from_fig.image_bytes
        empty = plt.figure()
        assert Image(empty).width == 640  # an empty figure is a blank image, as wandb
    finally:
        plt.close("all")


def test_seq_to_json_is_wandbs_images_separated(sink: StoredSink) -> None:
    images = [
        Image(np.zeros((4, 6, 3), dtype=np.uint8), caption="first"),
        Image(np.ones((4, 6, 3), dtype=np.uint8)),
    ]
    uncaptioned = [Image(np.zeros((3, 3), dtype=np.uint8)), Image(np.ones((3, 3)), caption="x")]
    value = Image.seq_to_json(images, sink)
    without = Image.seq_to_json(uncaptioned, sink)
    single = images[0].to_json(sink)
    with pytest.raises(ValueError, match=r"^cannot log an empty list of images$"):
        Image.seq_to_json([], sink)
    assert value == {
        "_type": "images/separated",
        "width": 6,
        "height": 4,
        "format": "png",
        "count": 2,
        "filenames": [single["path"], value["filenames"][1]],
        "captions": ["first", None],
    }
    assert value["filenames"][1] != single["path"]
    assert "captions" not in without  # only when the first image has one, as wandb


def test_overlays_are_not_dropped_silently(capfd: pytest.CaptureFixture[str]) -> None:
    from runyard import printer

    printer._seen.discard("image-overlays")  # once per process: start from unseen
    Image(np.zeros((2, 2)), boxes={"predictions": {"box_data": []}})
    Image(np.zeros((2, 2)), masks={"predictions": {"mask_data": np.zeros((2, 2))}})
    assert capfd.readouterr().err.count("Image boxes, masks and classes are not stored yet") == 1
