"""Logged tables read page by page: search, sort and slice a ``table-file``.

A table is stored as wandb's ``.table.json`` (``{"columns": [...], "data": [[...]]}``)
or, beyond 10,000 rows, as Parquet. Without a search or sort only the page's rows
are decoded: the Parquet row groups that hold them (the file's other row groups are
never read), or a slice of the JSON rows. Sorting a Parquet table reads the sort
column first and then only the row groups holding the page's rows; a search reads
every cell, since any cell may match.

Parquet files are read with :mod:`runyard.data_types.table_file`, the SDK's writer
of them: columns that hold media, lists or mixed types are JSON text there, and its
reader turns them back into what the JSON file would hold. JSON files are parsed
here, checking their shape, so a broken file is a 400 naming it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

__all__ = ["TablePage", "UnknownColumn", "cell_text", "read_table_page", "sort_order"]


@dataclass
class TablePage:
    """One page of a table after search and sort."""

    columns: list[str]
    rows: list[list[Any]]
    total: int  # rows matching the search
    nrows: int  # rows in the table


def cell_text(cell: Any) -> str:
    """A cell's text for the search: media match their caption, not their file paths."""
    kind = type(cell)
    if kind is str:
        return cast(str, cell)
    if cell is None:
        return ""
    if kind is bool:
        return "true" if cell else "false"
    if kind is int or kind is float:
        return str(cell)
    if isinstance(cell, Mapping):
        if "_type" in cell:
            caption = cell.get("caption")
            return caption if isinstance(caption, str) else ""
        return json.dumps(cell, default=str)
    if isinstance(cell, list):
        return json.dumps(cell, default=str)
    return str(cell)


def _is_number(cell: Any) -> bool:
    return isinstance(cell, int | float) and not isinstance(cell, bool)


def sort_order(cells: Sequence[Any], desc: bool) -> list[int]:
    """Row indices ordered by ``cells``: numbers by value, everything else by its text.

    Numbers come before text; nulls (and NaN) come last in both directions, so
    sorting descending does not bring the empty rows to the top.
    """
    numbers = [i for i, c in enumerate(cells) if _is_number(c) and not math.isnan(c)]
    texts = [i for i, c in enumerate(cells) if c is not None and not _is_number(c)]
    nulls = [i for i, c in enumerate(cells) if c is None or (_is_number(c) and math.isnan(c))]
    numbers.sort(key=lambda i: cells[i], reverse=desc)
    texts.sort(key=lambda i: cell_text(cells[i]), reverse=desc)
    return [*numbers, *texts, *nulls]


def _matches(row: Sequence[Any], needle: str) -> bool:
    # One lowered text per row; NUL cannot be in a needle that matches (see _page).
    return needle in "\0".join([cell_text(cell) for cell in row]).lower()


class UnknownColumn(ValueError):
    """The sort names no column of the table."""


def _column_index(columns: Sequence[str], sort: str) -> int:
    try:
        return list(columns).index(sort)
    except ValueError:
        raise UnknownColumn(
            f"unknown sort column {sort!r}; the table has {list(columns)}"
        ) from None


def read_table_page(
    data: bytes,
    path: str,
    offset: int,
    limit: int,
    sort: str | None = None,
    desc: bool = False,
    q: str | None = None,
) -> TablePage:
    """A page of the table file ``data`` (named ``path``: ``.parquet`` or JSON).

    Raises:
        ValueError: the file is not a table, or ``sort`` names no column.
    """
    if path.lower().endswith(".parquet"):
        import pyarrow as pa  # type: ignore[import-untyped]  # no stubs

        try:
            return _parquet_page(data, offset, limit, sort, desc, q)
        except UnknownColumn:
            raise
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ValueError(f"table file {path!r} is not readable Parquet: {exc}") from None
    columns, rows = _json_table(data, path)
    return _page(columns, rows, offset, limit, sort, desc, q)


def _json_table(data: bytes, path: str) -> tuple[list[str], list[list[Any]]]:
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"table file {path!r} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list):
        raise ValueError(f"table file {path!r} has no columns list")
    rows = doc.get("data") or []
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ValueError(f"table file {path!r} has no data rows")
    return [str(c) for c in doc["columns"]], rows


def _page(
    columns: list[str],
    rows: list[list[Any]],
    offset: int,
    limit: int,
    sort: str | None,
    desc: bool,
    q: str | None,
) -> TablePage:
    nrows = len(rows)
    if q:
        needle = q.lower()
        rows = [r for r in rows if _matches(r, needle)] if "\0" not in needle else []
    if sort is not None:
        index = _column_index(columns, sort)
        order = sort_order([r[index] if index < len(r) else None for r in rows], desc)
        rows = [rows[i] for i in order]
    return TablePage(columns, rows[offset : offset + limit], len(rows), nrows)


def _parquet_page(
    data: bytes, offset: int, limit: int, sort: str | None, desc: bool, q: str | None
) -> TablePage:
    from runyard.data_types.table_file import ParquetTableFile

    file = ParquetTableFile(data)
    columns = [str(c) for c in file.columns]
    nrows = file.nrows
    if q:
        # Any cell may match: every row is read once.
        return _page(columns, file.rows(range(nrows)), offset, limit, sort, desc, q)
    if sort is not None:
        wanted = sort_order(file.column(_column_index(columns, sort)), desc)[
            offset : offset + limit
        ]
    else:
        wanted = list(range(offset, min(offset + limit, nrows)))
    return TablePage(columns, file.rows(wanted), nrows, nrows)
