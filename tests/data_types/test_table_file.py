"""Table files: wandb's JSON, the Parquet layout for big tables, and page reads of both."""

from __future__ import annotations

import json
import math
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runyard.data_types.table_file import (
    ROW_GROUP_ROWS,
    ParquetTableFile,
    encode_json,
    encode_parquet,
    read_table_page,
    table_row_count,
)

IMAGE = {"_type": "image-file", "format": "png", "width": 2, "height": 2, "path": "media/x.png"}
COLUMNS: list[Any] = ["i", "f", "s", "b", "mixed", "num", "media", "list", 7, "big"]
ROWS = [
    [1, 0.5, "a", True, 1, 1, IMAGE, [1, 2], {"k": "v"}, 2**70],
    [None, math.nan, None, None, "x", 2.5, None, [], None, None],
    [3, -1.0, "", False, None, None, {"_type": "html-file", "path": "p"}, None, {}, 1],
]


def test_json_is_wandbs_compact_file() -> None:
    data = encode_json(["x", "y", "c"], [[1, 2.5, "a"], [2, 3.5, "b"], [3, None, "a"]])
    # The captured wandb 0.31 file tbl_0_4f7a7d39b34d78412136.table.json (71 bytes).
    assert data == b'{"columns":["x","y","c"],"data":[[1,2.5,"a"],[2,3.5,"b"],[3,null,"a"]]}'
    assert encode_json(["v"], [[math.nan]]) == b'{"columns":["v"],"data":[[NaN]]}'


def test_parquet_round_trips_every_kind_of_cell() -> None:
    data = encode_parquet(COLUMNS, ROWS)
    columns, rows = read_table_page(data, "t.table.parquet")
    assert columns == COLUMNS  # int column names come back as ints
    assert len(rows) == len(ROWS)
    for got, want in zip(rows, ROWS, strict=True):
        for a, b in zip(got, want, strict=True):
            if isinstance(b, float) and math.isnan(b):
                assert math.isnan(a)
            else:
                assert a == b
            assert type(a) is type(b)  # 1 stays int and 2.5 float in the mixed-number column


def test_parquet_columns_are_native_where_one_type_and_json_text_otherwise() -> None:
    table = pq.read_table(pa.BufferReader(encode_parquet(COLUMNS, ROWS)))
    types = {name: str(t) for name, t in zip(table.schema.names, table.schema.types, strict=True)}
    assert types == {
        "i": "int64",
        "f": "double",
        "s": "string",
        "b": "bool",
        "mixed": "string",
        "num": "string",
        "media": "string",
        "list": "string",
        "7": "string",
        "big": "string",
    }
    metadata = table.schema.metadata
    assert json.loads(metadata[b"runyard.json_columns"]) == [4, 5, 6, 7, 8, 9]
    assert json.loads(table.column("media")[0].as_py()) == IMAGE  # readable without Runyard
    assert table.column("media")[1].as_py() is None  # None stays a null, not "null"


def test_pages_read_only_the_rows_asked_for_across_row_groups() -> None:
    n = 2 * ROW_GROUP_ROWS + 5
    rows = [[i, f"r{i}"] for i in range(n)]
    data = encode_parquet(["i", "s"], rows)
    assert pq.ParquetFile(pa.BufferReader(data)).metadata.num_row_groups == 3
    assert table_row_count(data, "x.table.parquet") == n
    _, page = read_table_page(data, "x.table.parquet", ROW_GROUP_ROWS - 2, 4)
    assert page == rows[ROW_GROUP_ROWS - 2 : ROW_GROUP_ROWS + 2]
    assert read_table_page(data, "x.table.parquet", n - 1)[1] == [rows[-1]]
    assert read_table_page(data, "x.table.parquet", n + 10, 5)[1] == []
    assert read_table_page(data, "x.table.parquet", 0, 0)[1] == []
    parquet = ParquetTableFile(data)
    assert parquet.rows([n - 1, 0, ROW_GROUP_ROWS]) == [rows[-1], rows[0], rows[ROW_GROUP_ROWS]]
    assert parquet.column(0) == list(range(n))
    with pytest.raises(IndexError, match=r"^row 20005 is outside the table's 20005 rows$"):
        parquet.rows([n])


def test_json_pages_and_row_count() -> None:
    data = encode_json(["a"], [[i] for i in range(5)])
    assert read_table_page(data, "media/table/ab/abc.table.json", 3) == (["a"], [[3], [4]])
    assert read_table_page(data, "t.table.json", 1, 2) == (["a"], [[1], [2]])
    assert table_row_count(data, "t.table.json") == 5


def test_bad_paths_pages_and_files_are_named() -> None:
    data = encode_json(["a"], [[1]])
    with pytest.raises(ValueError, match=r"not a table file .*: 'media/x\.png'$"):
        read_table_page(data, "media/x.png")
    with pytest.raises(ValueError, match=r"^offset must be >= 0, got -1$"):
        read_table_page(data, "t.table.json", -1)
    with pytest.raises(ValueError, match=r"^limit must be >= 0 or None, got -2$"):
        read_table_page(data, "t.table.json", 0, -2)
    with pytest.raises(ValueError, match=r"^table file is not Parquet"):
        ParquetTableFile(b"not parquet")


def test_repeated_column_names_stay_readable() -> None:
    columns: list[Any] = [1, "1", "a", "a"]
    rows = [[1, "x", 2.0, [1]], [2, "y", 3.0, None]]
    data = encode_parquet(columns, rows)
    names = pq.read_schema(pa.BufferReader(data)).names
    assert names == ["1__0", "1__1", "a__2", "a__3"]
    parquet = ParquetTableFile(data)
    assert parquet.columns == columns
    assert [parquet.column(i) for i in range(4)] == [[1, 2], ["x", "y"], [2.0, 3.0], [[1], None]]
    assert read_table_page(data, "t.table.parquet") == (columns, rows)
    clash = pq.read_schema(pa.BufferReader(encode_parquet(["a", "a", "a__1"], [[1, 2, 3]])))
    assert clash.names == ["a__0", "a__1", "a__1__2"]
