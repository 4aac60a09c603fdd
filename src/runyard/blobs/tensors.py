"""Summary tensors: the whole array in a ``.npy`` blob, its statistics in the summary."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import tensor_key
from runyard.data_types.tensor import summary_stats
from runyard.entities import RunRef

__all__ = ["load_tensor", "store_tensor"]


def store_tensor(
    blobs: BlobStore, ref: RunRef, path: tuple[str, ...], array: np.ndarray, type_name: str
) -> dict[str, Any]:
    """Save ``array`` beside the run; return the summary's stats dict (with ``path``)."""
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    key = tensor_key(ref, path)
    blobs.put(key, buf.getvalue())
    stats = summary_stats(array, type_name)
    stats["path"] = key
    return stats


def load_tensor(blobs: BlobStore, stats: Any) -> np.ndarray:
    """The array a summary stats dict describes; ``ValueError`` if it is not one."""
    if not isinstance(stats, dict) or "path" not in stats or "_type" not in stats:
        raise ValueError(f"not a stored tensor: {stats!r}")
    array: np.ndarray = np.load(io.BytesIO(blobs.get(stats["path"])), allow_pickle=False)
    return array
