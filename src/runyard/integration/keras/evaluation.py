"""`EvaluationTable`: the validation set and the model's predictions on it, as a `Table`.

wandb's ``WandbCallback(log_evaluation=True)`` stored the validation data once as
a dataset artifact and logged, at each evaluation, a ``validation_predictions``
table whose ``val_row`` column linked into it. Runyard has no artifacts yet, so
each ``validation_predictions`` table carries the validation columns itself:

``val_row`` · the targets (``target``, or one column per output name) · the
inputs (``input``, or one per input name) · the validation processor's columns ·
the predictions (``output``, or one per output name) · the prediction
processor's columns.

With ``validation_indexes`` (row keys of a table of the user's, for instance
``table.get_index()``), no validation columns are added: ``val_row`` holds those
keys, as in wandb. Processors are called as ``fn(ndx, row)`` with the row's
position and a dict of its values; the prediction processor's ``row`` has
``val_row``, the prediction columns and, for single-input models, ``input``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import runyard
from runyard.integration.keras.processors import RowProcessor, infer_row_processor

__all__ = ["EvaluationTable", "as_numpy", "columns_of"]


def columns_of(data: Any, name: str) -> dict[str, Any]:
    """``{column: per-row values}`` for an array, a dict of arrays or a list of arrays."""
    if isinstance(data, Mapping):
        return {str(k): v for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and hasattr(data[0], "shape"):
        if len(data) == 1:
            return {name: data[0]}
        return {f"{name}_{i}": v for i, v in enumerate(data)}
    return {name: data}


def _rows(columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"validation columns have different lengths: {lengths}")
    count = next(iter(lengths.values()), 0)
    return [{name: values[i] for name, values in columns.items()} for i in range(count)]


class EvaluationTable:
    """Builds the ``validation_predictions`` table for each set of predictions."""

    def __init__(
        self,
        inputs: Any,
        targets: Any,
        indexes: Sequence[Any] | None = None,
        validation_row_processor: RowProcessor | None = None,
        prediction_row_processor: RowProcessor | None = None,
        class_labels: Sequence[Any] | None = None,
        infer_missing_processors: bool = True,
    ) -> None:
        self.inputs = inputs
        self.labels = list(class_labels) if class_labels else None
        self.prediction_row_processor = prediction_row_processor
        self.infer = infer_missing_processors
        input_columns = columns_of(inputs, "input")
        self._single_input = list(input_columns) == ["input"]
        self._inputs = _rows(input_columns)
        if indexes is not None:
            self.indexes = list(indexes)
            if len(self.indexes) != len(self._inputs):
                raise ValueError(
                    f"validation_indexes has {len(self.indexes)} keys for "
                    f"{len(self._inputs)} validation rows"
                )
            self.columns: list[str] = []
            self.rows: list[list[Any]] = [[] for _ in self.indexes]
            return
        if targets is None:
            raise ValueError("log_evaluation needs validation targets or validation_indexes")
        columns = {**columns_of(targets, "target"), **input_columns}
        rows = _rows(columns)
        processor = validation_row_processor
        if processor is None and infer_missing_processors and rows:
            processor = infer_row_processor(rows[0], self.labels, unlabelled=input_columns)
        extra = [dict(processor(i, row)) for i, row in enumerate(rows)] if processor else []
        self.columns = [*columns, *(extra[0] if extra else {})]
        self.rows = [
            [*row.values(), *(extra[i].values() if extra else ())] for i, row in enumerate(rows)
        ]
        self.indexes = list(range(len(rows)))

    def predictions_table(self, predictions: Any) -> Any:
        """The ``validation_predictions`` table for ``predictions`` (one per validation row)."""
        columns = columns_of(predictions, "output")
        rows = _rows(columns)
        if len(rows) != len(self.indexes):
            raise ValueError(f"{len(rows)} predictions for {len(self.indexes)} validation rows")
        if self.prediction_row_processor is None and self.infer and rows:
            self.prediction_row_processor = infer_row_processor(rows[0], self.labels)
        processor = self.prediction_row_processor
        table_rows, names = [], ["val_row", *self.columns, *columns]
        for i, row in enumerate(rows):
            extra: dict[str, Any] = {}
            if processor is not None:
                seen = {"val_row": self.indexes[i], **row}
                if self._single_input:
                    seen["input"] = self._inputs[i]["input"]
                extra = dict(processor(i, seen))
                if i == 0:
                    names.extend(extra)
            table_rows.append([self.indexes[i], *self.rows[i], *row.values(), *extra.values()])
        return runyard.Table(columns=names, data=table_rows, allow_mixed_types=True)


def as_numpy(data: Any) -> Any:
    """Arrays of ``data`` (an array, a dict or a list of them) as numpy arrays."""
    if isinstance(data, Mapping):
        return {k: np.asarray(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [np.asarray(v) for v in data]
    return np.asarray(data)
