"""Summary tensors: the whole array in a ``.npy`` blob, its statistics in the summary."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import file_key, legacy_run_prefix, run_prefix, tensor_name
from runyard.data_types.tensor import summary_stats
from runyard.entities import RunRef

__all__ = ["load_tensor", "store_tensor", "tensor_file"]


def store_tensor(
    blobs: BlobStore, ref: RunRef, path: tuple[str, ...], array: np.ndarray, type_name: str
) -> dict[str, Any]:
    """Save ``array`` beside the run; return the summary's stats dict, whose ``path``
    is the file's name under the run (``summary/w.npy``), like a media payload's."""
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    name = tensor_name(path)
    blobs.put(file_key(ref, name), buf.getvalue())
    stats = summary_stats(array, type_name)
    stats["path"] = name
    return stats


def tensor_file(ref: RunRef, stats: Any) -> str:
    """The blob key of the tensor a summary stats dict of run ``ref`` describes.

    ``path`` is a name under the run; summaries written before it was one hold the
    whole blob key (under the run's current or legacy prefix), read as the name below
    it. Any other path is read as a name under ``ref``: a summary can only ever
    reach its own run's files.
    """
    if (
        not isinstance(stats, dict)
        or "_type" not in stats
        or not isinstance(stats.get("path"), str)
    ):
        raise ValueError(f"not a stored tensor: {stats!r}")
    path: str = stats["path"]
    for prefix in (run_prefix(ref), legacy_run_prefix(ref)):
        if path.startswith(prefix + "/"):
            path = path[len(prefix) + 1 :]
            break
    return file_key(ref, path)


def load_tensor(blobs: BlobStore, ref: RunRef, stats: Any) -> np.ndarray:
    """The array a summary stats dict of run ``ref`` describes; ``ValueError`` if it is
    not one."""
    array: np.ndarray = np.load(io.BytesIO(blobs.get(tensor_file(ref, stats))), allow_pickle=False)
    return array
