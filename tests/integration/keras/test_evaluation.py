"""`EvaluationTable`: the validation_predictions table (pure, no Keras)."""

from __future__ import annotations

import numpy as np
import pytest

from runyard.integration.keras.evaluation import EvaluationTable, columns_of


def test_columns_of_arrays_dicts_and_lists() -> None:
    a, b = np.zeros(2), np.ones(2)
    assert columns_of(a, "input") == {"input": a}
    assert columns_of({"x": a, 3: b}, "input") == {"x": a, "3": b}
    assert columns_of([a, b], "output") == {"output_0": a, "output_1": b}
    assert columns_of([a], "output") == {"output": a}


def test_table_carries_validation_columns_and_inferred_processors() -> None:
    x = np.array([[0.5, 1.0], [2.0, 3.0]])
    y = np.array([[1], [0]])
    evaluation = EvaluationTable(x, y, class_labels=["cat", "dog"])
    table = evaluation.predictions_table(np.array([[0.2, 0.8], [0.9, 0.1]]))
    assert table.columns == [
        "val_row",
        "target",
        "input",
        "target:class",
        "input:node",
        "input:argmax",
        "input:argmin",
        "output",
        "output:max_class",
        "output:score",
    ]
    first = dict(zip(table.columns, table.data[0], strict=True))
    assert first["val_row"] == 0 and first["target:class"] == "dog"
    assert first["output:max_class"] == "dog"
    assert first["output:score"] == {"cat": 0.2, "dog": 0.8}


def test_user_processors_see_the_row_and_index() -> None:
    seen = []

    def validation(ndx: int, row: dict[str, object]) -> dict[str, object]:
        seen.append(ndx)
        return {"double": np.asarray(row["a"]) * 2}

    evaluation = EvaluationTable(
        {"a": np.array([1.0, 2.0])},
        np.array([0, 1]),
        validation_row_processor=validation,
        prediction_row_processor=lambda ndx, row: {"ok": row["val_row"] == ndx},
    )
    table = evaluation.predictions_table(np.array([5.0, 6.0]))
    assert seen == [0, 1]
    assert table.columns == ["val_row", "target", "a", "double", "output", "ok"]
    assert [row[-1] for row in table.data] == [True, True]


def test_no_inference_when_disabled() -> None:
    evaluation = EvaluationTable(np.zeros((2, 2)), np.zeros((2, 1)), infer_missing_processors=False)
    table = evaluation.predictions_table(np.zeros((2, 3)))
    assert table.columns == ["val_row", "target", "input", "output"]


def test_validation_indexes_replace_the_validation_columns() -> None:
    evaluation = EvaluationTable(np.zeros((3, 2)), None, indexes=["r1", "r2", "r3"])
    table = evaluation.predictions_table(np.zeros((3, 1)))
    assert table.columns[:2] == ["val_row", "output"]
    assert [row[0] for row in table.data] == ["r1", "r2", "r3"]


def test_bad_shapes_name_the_counts() -> None:
    with pytest.raises(ValueError, match="3 keys for 2 validation rows"):
        EvaluationTable(np.zeros((2, 2)), None, indexes=[1, 2, 3])
    with pytest.raises(ValueError, match="needs validation targets"):
        EvaluationTable(np.zeros((2, 2)), None)
    evaluation = EvaluationTable(np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="3 predictions for 2 validation rows"):
        evaluation.predictions_table(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="different lengths"):
        EvaluationTable({"a": np.zeros(2), "b": np.zeros(3)}, np.zeros(2))
