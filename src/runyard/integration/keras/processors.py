"""Row processors inferred from example data, as wandb's ``infer_missing_processors``.

A row processor is ``fn(ndx, row) -> {column: value}``; its columns are added to
the evaluation table. When the user gives none, one is inferred from the first
example of each column (wandb's rules, with the class label written as a plain
string instead of a link into a labels table):

- a vector as long as ``labels``: ``max_class`` (the label of the arg-max) and,
  unless one-hot, ``score`` (``{label: value}``);
- one integer: ``class`` (its label) when there are labels, else ``val``;
- another vector: ``node`` (the values, when there are at most 10),
  ``argmax`` and, unless one-hot, ``argmin``;
- a 2-D or 3-D array: ``image`` (a ``runyard.Image``).

Columns are named ``<column>:<processor>``, such as ``output:max_class``.
(wandb also turned 4-D examples into videos; Runyard has no video type yet.)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

import runyard

__all__ = ["RowProcessor", "infer_row_processor"]

RowProcessor = Callable[[int, Mapping[str, Any]], Mapping[str, Any]]
_KeyProcessor = Callable[[Any], Any]


def _is_one_hot(example: np.ndarray) -> bool:
    values = np.unique(example)
    return len(values) == 2 and set(values.tolist()) == {0, 1}


def _key_processors(example: Any, labels: Sequence[Any] | None) -> dict[str, _KeyProcessor]:
    array = np.asarray(example)
    shape = array.shape
    out: dict[str, _KeyProcessor] = {}
    if labels and len(shape) == 1 and shape[0] == len(labels):
        out["max_class"] = lambda d: labels[int(np.argmax(d))]
        if not _is_one_hot(array):
            out["score"] = lambda d: {str(labels[i]): float(d[i]) for i in range(len(labels))}
    elif len(shape) == 1 and shape[0] == 1 and np.issubdtype(array.dtype, np.integer):
        if labels:
            out["class"] = lambda d: labels[int(d[0])] if int(d[0]) < len(labels) else int(d[0])
        else:
            out["val"] = lambda d: int(d[0])
    elif len(shape) == 1:
        if shape[0] <= 10:
            out["node"] = lambda d: np.asarray(d).tolist()
        out["argmax"] = lambda d: int(np.argmax(d))
        if not _is_one_hot(array):
            out["argmin"] = lambda d: int(np.argmin(d))
    elif len(shape) in (2, 3):
        out["image"] = lambda d: runyard.Image(np.asarray(d))
    return out


def infer_row_processor(
    examples: Mapping[str, Any],
    labels: Sequence[Any] | None,
    unlabelled: Collection[str] = (),
) -> RowProcessor | None:
    """A processor for rows with the columns of ``examples`` (one example per column).

    ``labels`` are used for every column but those in ``unlabelled`` (wandb reads
    class labels into targets and outputs, never into inputs).

    Example:
        >>> p = infer_row_processor({"output": np.array([0.1, 0.9])}, ["cat", "dog"])
        >>> p(0, {"output": np.array([0.8, 0.2])})
        {'output:max_class': 'cat', 'output:score': {'cat': 0.8, 'dog': 0.2}}
    """
    processors = {
        f"{column}:{name}": (column, fn)
        for column, example in examples.items()
        for name, fn in _key_processors(example, None if column in unlabelled else labels).items()
    }
    if not processors:
        return None

    def processor(ndx: int, row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: fn(row[column]) for name, (column, fn) in processors.items()}

    return processor
