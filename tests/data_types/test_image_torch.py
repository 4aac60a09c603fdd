"""``Image`` of torch tensors in wandb's layout (CHW, HW, NCHW as a grid)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from runyard.data_types.image import Image

torch = pytest.importorskip("torch")


def _decode(data: bytes) -> np.ndarray:
    from PIL import Image as PILImage

    return np.asarray(PILImage.open(io.BytesIO(data)))


def test_chw_tensor_is_transposed_to_hwc() -> None:
    chw = torch.zeros(3, 4, 5)
    chw[0] = 1.0  # red everywhere
    chw[2, 1, 2] = 1.0
    image = Image(chw, normalize=False)
    pixels = _decode(image.image_bytes)
    assert pixels.shape == (4, 5, 3) and (image.width, image.height) == (5, 4)
    assert pixels[0, 0].tolist() == [255, 0, 0]
    assert pixels[1, 2].tolist() == [255, 0, 255]


def test_normalize_scales_min_max_and_grey_becomes_rgb() -> None:
    tensor = torch.tensor([[[-2.0, 0.0], [2.0, 2.0]]], requires_grad=True)  # 1x2x2
    pixels = _decode(Image(tensor).image_bytes)
    assert pixels.shape == (2, 2, 3)
    assert pixels[:, :, 0].tolist() == [[0, 127], [255, 255]]
    hw = _decode(Image(torch.ones(3, 3), normalize=False).image_bytes)
    assert hw.shape == (3, 3, 3) and hw.min() == 255


def test_batch_is_a_grid_with_padding() -> None:
    batch = torch.ones(3, 3, 4, 4)
    pixels = _decode(Image(batch, normalize=False).image_bytes)
    # make_grid: 3 across (fewer than 8), 2 px padding around and between cells
    assert pixels.shape == (2 + 6, 2 + 3 * 6, 3)
    assert pixels[2, 2].tolist() == [255, 255, 255] and pixels[0, 0].tolist() == [0, 0, 0]


def test_bad_tensor_shape_names_it() -> None:
    with pytest.raises(ValueError, match=r"Un-supported shape for image conversion \[2, 5, 5\]"):
        Image(torch.zeros(2, 5, 5))
