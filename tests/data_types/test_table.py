"""``Table``: construction, row/column API, wandb's errors and the ``table-file`` payload."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pytest

from runyard.data_types.table import Table
from runyard.data_types.table_file import read_table_page
from tests.data_types.conftest import StoredSink


def test_default_columns() -> None:
    assert Table().columns == ["Input", "Output", "Expected"]


def test_data_rows_ndarray_and_dataframe() -> None:
    assert Table(columns=["a", "b"], data=[[1, 2], [3, 4]]).data == [[1, 2], [3, 4]]
    assert Table(columns=["a", "b"], rows=[[1, 2]]).data == [[1, 2]]
    assert Table(columns=["a", "b"], data=np.array([[1, 2], [3, 4]])).data == [[1, 2], [3, 4]]
    pd = pytest.importorskip("pandas")
    t = Table(columns=["ignored"], dataframe=pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))
    assert t.columns == ["x", "y"]
    assert t.data == [[1, "a"], [2, "b"]]
    assert t.get_dataframe().equals(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))


def test_add_data_get_column_get_index() -> None:
    t = Table(columns=["a", "b"])
    t.add_data(1, "x")
    t.add_data(np.float32(2.5), None)
    assert t.get_column("a") == [1, 2.5]
    assert type(t.get_column("a")[1]) is float
    assert t.get_column("b", convert_to="numpy").tolist() == ["x", None]
    assert t.get_index() == [0, 1]
    with pytest.raises(ValueError, match="not found"):
        t.get_column("zzz")


def test_add_column() -> None:
    t = Table(columns=["a"], data=[[1], [2]])
    t.add_column("b", ["x", "y"])
    assert t.columns == ["a", "b"]
    assert t.data == [[1, "x"], [2, "y"]]
    with pytest.raises(ValueError, match="Expected length 2, found 1"):
        t.add_column("c", [1])
    with pytest.raises(ValueError, match="already exists"):
        t.add_column("a", [1, 2])
    empty = Table(columns=[])
    empty.add_column("z", [1, 2, 3])
    assert empty.data == [[1], [2], [3]]


def test_wrong_row_length_error() -> None:
    with pytest.raises(ValueError, match="expects 2 columns") as exc:
        Table(columns=["a", "b"], data=[[1]])
    assert str(exc.value) == "This table expects 2 columns: ['a', 'b'], found 1"


def test_incompatible_types_error() -> None:
    t = Table(columns=["a", "b"], data=[[1, "x"]])
    with pytest.raises(TypeError) as exc:
        t.add_data("oops", "y")
    msg = str(exc.value)
    assert msg.startswith("Data row contained incompatible types:\n")
    assert "is not assignable to {'a': None or Number, 'b': None or String}" in msg
    assert t.nrows == 1  # the bad row was not added


def test_none_first_then_value_and_mixed_types_allowed() -> None:
    t = Table(columns=["a"], data=[[None], [1], [None]])
    assert t.get_column("a") == [None, 1, None]
    with pytest.raises(TypeError):
        t.add_data("s")
    mixed = Table(columns=["a"], data=[[1], ["s"]], allow_mixed_types=True)
    assert mixed.nrows == 2


def test_bad_columns_and_log_mode() -> None:
    with pytest.raises(AssertionError, match="columns argument expects list of strings or ints"):
        Table(columns=[1.5])
    with pytest.raises(AssertionError) as exc:
        Table(log_mode="X")
    assert str(exc.value) == (
        "Invalid log_mode: X. Must be one of ['IMMUTABLE', 'MUTABLE', 'INCREMENTAL']"
    )


def test_no_truncation() -> None:
    t = Table(columns=["v"], data=[[i] for i in range(10_005)])
    assert t.nrows == 10_005


def _logged_value(sink: StoredSink, table: Table) -> tuple[dict[str, Any], bytes]:
    value = table.to_json(sink)
    return value, sink.read(value["path"])


def test_to_json_matches_wandb_bytes_and_payload(sink: StoredSink) -> None:
    table = Table(columns=["x", "y", "c"], data=[[1, 2.5, "a"], [2, 3.5, "b"], [3, None, "a"]])
    value, data = _logged_value(sink, table)
    # Byte-identical to the file wandb 0.31 wrote for the same table (reference §c).
    sha = "4f7a7d39b34d7841213686fe9b922384797e4f363891c0d72f266afd8fd02ebb"
    assert hashlib.sha256(data).hexdigest() == sha
    assert value == {
        "_type": "table-file",
        "sha256": sha,
        "size": 71,
        "path": f"media/table/4f/{sha}.table.json",
        "ncols": 3,
        "nrows": 3,
        "log_mode": "IMMUTABLE",
    }


def test_large_table_is_stored_whole_and_once(sink: StoredSink) -> None:
    table = Table(columns=["v"], data=[[i] for i in range(10_005)])
    first = table.to_json(sink)
    second = table.to_json(sink)
    listed = sink.names("media/table")
    stored = sink.read(first["path"])
    assert first == second
    assert len(listed) == 1
    assert first["nrows"] == 10_005 and first["path"].endswith(".table.parquet")
    columns, rows = read_table_page(stored, first["path"])
    assert columns == ["v"] and rows == [[i] for i in range(10_005)]


def test_cells_with_to_json_are_serialised(sink: StoredSink) -> None:
    class Media:
        def to_json(self, run: object) -> dict[str, str]:
            return {"_type": "fake", "ok": "yes"}

    table = Table(columns=["m"], data=[[Media()]])
    _, data = _logged_value(sink, table)
    assert json.loads(data)["data"] == [[{"_type": "fake", "ok": "yes"}]]


def test_plot_cells_are_stored_as_log_stores_them(sink: StoredSink) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    line, ax = plt.subplots()
    ax.plot([1, 2])
    hist, hist_ax = plt.subplots()
    hist_ax.hist([1, 2, 2, 3])  # plotly cannot convert it: a PNG
    try:
        table = Table(columns=["p"], data=[[go.Figure()], [line], [hist]])
        _, data = _logged_value(sink, table)
    finally:
        plt.close("all")
    cells = [row[0]["_type"] for row in json.loads(data)["data"]]
    assert cells == ["plotly-file", "plotly-file", "image-file"]
