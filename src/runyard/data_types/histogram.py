"""``Histogram``: binned counts of a sequence, wandb's ``wandb.Histogram``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from runyard.data_types.tensor import tensor_type_name, to_numpy

__all__ = ["Histogram"]

_EXPECTED_PAIR = (
    "Expected np_histogram to be a tuple of (values, bin_edges) or sequence to be specified"
)


def _as_list(values: Any) -> list[Any]:
    """``values.tolist()`` when available (numpy arrays, tensors), else ``list(values)``."""
    if hasattr(values, "tolist"):
        result: list[Any] = values.tolist()
        return result
    return list(values)


class Histogram:
    """A histogram of values, logged as ``{"_type": "histogram", "values", "bins"}``.

    Behaves as ``wandb.Histogram``: either ``sequence`` is binned with
    ``np.histogram(sequence, bins=num_bins)``, or a precomputed
    ``np_histogram=(values, bin_edges)`` is used verbatim. ``sequence`` may be a
    list, a numpy array or a torch/tensorflow/jax tensor; it is flattened. As in
    wandb, NaN or ±inf in ``sequence`` make numpy raise ``ValueError`` (``run.log``
    of a large array does not: see :func:`runyard.data_types.tensor.history_value`).

    Two small differences from wandb: ``Histogram()`` with neither argument
    raises the ``ValueError`` below instead of a numpy error, and a bool sequence
    is counted as 0/1 without numpy's conversion warning.

    Attributes:
        histogram: The counts, one per bin.
        bins: The bin edges, ``len(histogram) + 1`` of them.

    Raises:
        ValueError: ``"The maximum length of a histogram is 512"`` when there are
            more than :attr:`MAX_LENGTH` counts (checked after binning, so
            ``num_bins=513`` fails); ``"Expected np_histogram to be a tuple of
            (values, bin_edges) or sequence to be specified"``; ``"len(bins) must
            be len(histogram) + 1"``.

    Example:
        >>> h = Histogram([1, 2, 2, 3], num_bins=2)
        >>> h.histogram, h.bins
        ([1, 3], [1.0, 2.0, 3.0])
        >>> Histogram(np_histogram=([2, 5], [0.0, 0.5, 1.0])).to_json()
        {'_type': 'histogram', 'values': [2, 5], 'bins': [0.0, 0.5, 1.0]}
    """

    MAX_LENGTH: ClassVar[int] = 512
    _log_type: ClassVar[str] = "histogram"

    histogram: list[Any]
    bins: list[Any]

    def __init__(
        self,
        sequence: object | None = None,
        np_histogram: Sequence[Any] | None = None,
        num_bins: int = 64,
    ) -> None:
        if np_histogram is not None:
            if len(np_histogram) != 2:
                raise ValueError(_EXPECTED_PAIR)
            self.histogram = _as_list(np_histogram[0])
            self.bins = _as_list(np_histogram[1])
        elif sequence is None:
            raise ValueError(_EXPECTED_PAIR)
        else:
            data = to_numpy(sequence) if tensor_type_name(sequence) else np.asarray(sequence)
            if data.dtype.kind == "b":
                data = data.astype(np.uint8)
            counts, edges = np.histogram(data, bins=num_bins)
            self.histogram = counts.tolist()
            self.bins = edges.tolist()
        if len(self.histogram) > self.MAX_LENGTH:
            raise ValueError(f"The maximum length of a histogram is {self.MAX_LENGTH}")
        if len(self.histogram) + 1 != len(self.bins):
            raise ValueError("len(bins) must be len(histogram) + 1")

    def to_json(self, run: object | None = None) -> dict[str, Any]:
        """Return the JSON form stored in history and summary.

        Args:
            run: Accepted for compatibility with wandb's ``to_json(run)``; unused.

        Returns:
            ``{"_type": "histogram", "values": counts, "bins": edges}``.

        Example:
            >>> Histogram([0.0, 1.0], num_bins=1).to_json()
            {'_type': 'histogram', 'values': [2], 'bins': [0.0, 1.0]}
        """
        return {"_type": self._log_type, "values": self.histogram, "bins": self.bins}

    def __repr__(self) -> str:
        return f"<Histogram with {len(self.histogram)} bins>"
