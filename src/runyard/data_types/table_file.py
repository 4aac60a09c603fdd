"""Table files: the bytes a logged ``Table`` is stored as, and reading them back by pages.

Two formats, told apart by the file name (the ``path`` of the ``table-file`` value):

``*.table.json``
    wandb's file, byte for byte: ``{"columns": [...], "data": [[...], ...]}`` in
    compact JSON. Used for tables of up to 10,000 rows (``Table.MAX_ROWS``), and
    for bigger ones when pyarrow is missing (never truncated, unlike wandb).

``*.table.parquet``
    Tables of more than 10,000 rows (wandb would cut them to 10,000 without a
    word). Row groups of :data:`ROW_GROUP_ROWS` rows, so a page is read without
    decoding the whole file. Each column is stored natively when all its values
    (``None`` aside) are of one plain type — ``bool``, ``int`` (within int64),
    ``float`` or ``str`` — and otherwise as JSON text, one JSON document per cell
    (``None`` stays a Parquet null): media cells (their ``image-file``/
    ``html-file``/``plotly-file`` value), lists, dicts, mixed types. The file's
    key-value metadata says how to read it back: ``runyard.columns`` holds the
    column names as JSON (they may be ints or repeat; Parquet field names are
    their ``str``, suffixed ``__<position>`` where that would repeat),
    ``runyard.json_columns`` the positions of the JSON-text columns.

:func:`read_table_page` reads either format and returns exactly what the JSON
file would hold for those rows, so a reader (the server's table route) never
cares which one it got. pyarrow is imported only for Parquet files.
"""

from __future__ import annotations

import bisect
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "JSON_SUFFIX",
    "PARQUET_SUFFIX",
    "ROW_GROUP_ROWS",
    "ParquetTableFile",
    "encode_json",
    "encode_parquet",
    "read_table_page",
    "table_row_count",
]

JSON_SUFFIX = ".table.json"
PARQUET_SUFFIX = ".table.parquet"
#: Rows per Parquet row group: the unit a page read decodes.
ROW_GROUP_ROWS = 10_000

_COLUMNS_KEY = b"runyard.columns"
_JSON_COLUMNS_KEY = b"runyard.json_columns"
_INT64 = (-(2**63), 2**63 - 1)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=True)


def encode_json(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> bytes:
    """wandb's table file: ``{"columns":[...],"data":[[...]]}``, compact, NaN kept."""
    return _dumps({"columns": list(columns), "data": [list(r) for r in rows]}).encode()


def _kind(values: Sequence[Any]) -> str:
    """``bool``, ``int``, ``float``, ``str``: the one type of all non-None values; else ``json``."""
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) != 1:
        return "json" if kinds else "str"
    (kind,) = kinds
    if kind is int:
        low, high = _INT64
        return "int" if all(low <= v <= high for v in values if v is not None) else "json"
    if kind in (bool, float, str):
        return kind.__name__
    return "json"


def encode_parquet(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> bytes:
    """The rows as a Parquet file (see the module docstring for the layout).

    ``rows`` hold JSON-ready values (media cells already turned into their
    ``*-file`` dicts). Needs pyarrow (the ``tables`` extra).

    Raises:
        ImportError: pyarrow is not installed.
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    types = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}
    arrays = []
    json_columns = []
    for index in range(len(columns)):
        values = [row[index] for row in rows]
        kind = _kind(values)
        if kind == "json":
            json_columns.append(index)
            values = [None if v is None else _dumps(v) for v in values]
            kind = "str"
        arrays.append(pa.array(values, type=types[kind]))
    table = pa.Table.from_arrays(arrays, names=_field_names(columns))
    table = table.replace_schema_metadata(
        {_COLUMNS_KEY: _dumps(list(columns)), _JSON_COLUMNS_KEY: _dumps(json_columns)}
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=ROW_GROUP_ROWS)
    return buffer.getvalue()


def _field_names(columns: Sequence[Any]) -> list[str]:
    """Parquet field names: ``str(column)``, made unique with ``__<position>`` when needed.

    Table columns may be ints or repeat (``1`` and ``"1"``); the real names are
    in the metadata, and unique fields let every column be read by name.
    """
    plain = [str(c) for c in columns]
    names = [f"{n}__{i}" if plain.count(n) > 1 else n for i, n in enumerate(plain)]
    if len(set(names)) < len(names):  # a suffixed name met a real one: suffix all
        names = [f"{n}__{i}" for i, n in enumerate(plain)]
    return names


def _is_parquet(path: str) -> bool:
    if path.endswith(PARQUET_SUFFIX):
        return True
    if path.endswith(JSON_SUFFIX):
        return False
    raise ValueError(f"not a table file (expected {JSON_SUFFIX} or {PARQUET_SUFFIX}): {path!r}")


def _check_page(offset: int, limit: int | None) -> None:
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit!r}")


def read_table_page(
    data: bytes, path: str, offset: int = 0, limit: int | None = None
) -> tuple[list[Any], list[list[Any]]]:
    """Columns and rows ``offset .. offset+limit`` of a stored table file.

    Args:
        data: The file's bytes, as read from the blob store.
        path: Its path or key; the suffix (``.table.json``/``.table.parquet``)
            gives the format.
        offset: The first row to return (0-based).
        limit: At most this many rows; None for all rows from ``offset`` on.

    Returns:
        ``(columns, rows)``: the column names and the rows, with the values the
        JSON file holds (media cells as their ``*-file`` dicts).

    Raises:
        ValueError: ``path`` has neither suffix, or ``offset``/``limit`` is negative.

    Example:
        >>> read_table_page(b'{"columns":["a"],"data":[[1],[2],[3]]}', "t.table.json", 1, 1)
        (['a'], [[2]])
    """
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit!r}")
    end = None if limit is None else offset + limit
    if not _is_parquet(path):
        doc = json.loads(data)
        return list(doc["columns"]), [list(r) for r in doc["data"][offset:end]]
    table = ParquetTableFile(data)
    stop = table.nrows if end is None else min(end, table.nrows)
    return table.columns, table.rows(range(offset, stop))


def table_row_count(data: bytes, path: str) -> int:
    """How many rows the table file holds (Parquet: from the footer, nothing decoded)."""
    if not _is_parquet(path):
        return len(json.loads(data)["data"])
    return ParquetTableFile(data).nrows


class ParquetTableFile:
    """A ``.table.parquet`` file opened for reading rows and columns, decoded as JSON would be.

    Only the footer is read on opening; :meth:`rows` decodes just the row groups
    holding the rows asked for, and :meth:`column` just one column (to sort by
    it, say, before fetching a page of rows).

    Raises:
        ValueError: ``data`` is not a Parquet file.
    """

    def __init__(self, data: bytes) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as exc:
            raise ValueError(f"table file is not Parquet: {exc}") from None
        schema = self._file.schema_arrow
        metadata = schema.metadata or {}
        raw_columns = metadata.get(_COLUMNS_KEY)
        self.columns: list[Any] = (
            json.loads(raw_columns) if raw_columns is not None else list(schema.names)
        )
        self._json_columns = set(json.loads(metadata.get(_JSON_COLUMNS_KEY, b"[]")))
        meta = self._file.metadata
        self.nrows: int = meta.num_rows
        self._starts = [0]
        for group in range(meta.num_row_groups):
            self._starts.append(self._starts[-1] + meta.row_group(group).num_rows)

    def _decode(self, index: int, values: list[Any]) -> list[Any]:
        if index in self._json_columns:
            return [None if v is None else json.loads(v) for v in values]
        return values

    def column(self, index: int) -> list[Any]:
        """Every value of the column at position ``index``."""
        values = self._file.read(columns=[self._file.schema_arrow.names[index]]).column(0)
        return self._decode(index, values.to_pylist())

    def rows(self, indices: Iterable[int]) -> list[list[Any]]:
        """The rows at ``indices``, in that order; only their row groups are read.

        Raises:
            IndexError: an index is outside ``0 .. nrows-1``.
        """
        import pyarrow as pa

        wanted = list(indices)
        for i in wanted:
            if not 0 <= i < self.nrows:
                raise IndexError(f"row {i} is outside the table's {self.nrows} rows")
        if not wanted:
            return []
        starts = self._starts
        group_of = [bisect.bisect_right(starts, i) - 1 for i in wanted]
        groups = sorted(set(group_of))
        begins: dict[int, int] = {}  # where each group starts among the groups read
        position = 0
        for group in groups:
            begins[group] = position
            position += starts[group + 1] - starts[group]
        table = self._file.read_row_groups(groups).take(
            pa.array([begins[g] + i - starts[g] for g, i in zip(group_of, wanted, strict=True)])
        )
        values = [self._decode(c, table.column(c).to_pylist()) for c in range(table.num_columns)]
        return [list(row) for row in zip(*values, strict=True)] if values else []
