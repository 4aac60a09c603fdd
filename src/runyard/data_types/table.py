"""``Table``: rows of typed columns, wandb's ``wandb.Table``."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from runyard.data_types.matplotlib_figure import PlotConversionError, as_figure, is_matplotlib
from runyard.data_types.plotly import is_plotly_figure

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Table"]

_LOG_MODES = ["IMMUTABLE", "MUTABLE", "INCREMENTAL"]
_DEFAULT_COLUMNS = ["Input", "Output", "Expected"]


def _type_name(value: object) -> str:
    """wandb's type name of one cell: ``None``, ``Number``, ``String``, ``Boolean`` or the class."""
    if value is None:
        return "None"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "Boolean"
    if isinstance(value, numbers.Number):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, (list, tuple)):
        return "List"
    if isinstance(value, dict):
        return "Dict"
    return type(value).__name__


def _type_dict(types: dict[Any, str]) -> str:
    """``{'a': None or Number}``: keys repr'd, type names bare, as wandb prints them."""
    return "{" + ", ".join(f"{k!r}: {v}" for k, v in types.items()) + "}"


def _is_dataframe(obj: object) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python values; everything else unchanged."""
    if (
        hasattr(value, "item")
        and type(value).__module__ == "numpy"
        and getattr(value, "ndim", 1) == 0
    ):
        return value.item()
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


class Table:
    """A table of rows, logged as a ``table-file`` (wandb's ``wandb.Table``).

    Column types are inferred from the first row that has a value in that column
    and every column is optional (``None`` is always allowed); a row whose cell has
    another type raises wandb's ``TypeError`` unless ``allow_mixed_types=True``.
    Unlike wandb, nothing is truncated: a logged table keeps all its rows. Up to
    :attr:`MAX_ROWS` rows it is stored as wandb's JSON file; beyond, as Parquet
    (see :mod:`runyard.data_types.table_file`).

    Raises:
        ValueError: ``"This table expects 2 columns: ['a', 'b'], found 1"``.
        TypeError: ``"Data row contained incompatible types:\\n…"``.
        AssertionError: ``"columns argument expects list of strings or ints"`` and
            ``"Invalid log_mode: X. Must be one of [...]"`` (as wandb).

    Example:
        >>> t = Table(columns=["a", "b"], data=[[1, "x"]])
        >>> t.add_data(2, "y")
        >>> t.get_column("a")
        [1, 2]
    """

    MAX_ROWS: ClassVar[int] = 10000
    MAX_ARTIFACT_ROWS: ClassVar[int] = 200000
    _log_type: ClassVar[str] = "table"

    columns: list[Any]
    data: list[list[Any]]

    def __init__(
        self,
        columns: Sequence[Any] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: Any = True,
        allow_mixed_types: bool = False,
        log_mode: str | None = "IMMUTABLE",
    ) -> None:
        mode = log_mode if log_mode is not None else "IMMUTABLE"
        assert mode in _LOG_MODES, f"Invalid log_mode: {mode}. Must be one of {_LOG_MODES}"
        self.log_mode = mode
        self.allow_mixed_types = allow_mixed_types
        self._types: dict[Any, str | None] = {}
        if rows is not None and data is None:
            data = rows
        if dataframe is not None:
            data = dataframe
        if data is not None and _is_dataframe(data):
            columns = [str(c) if not isinstance(c, int) else c for c in data.columns]
            data = data.to_numpy(dtype=object).tolist()
        elif data is not None and type(data).__module__ == "numpy" and hasattr(data, "tolist"):
            data = data.tolist()
        if columns is None:
            columns = list(_DEFAULT_COLUMNS)
        assert isinstance(columns, (list, tuple)) and all(
            isinstance(c, (str, int)) and not isinstance(c, bool) for c in columns
        ), "columns argument expects list of strings or ints"
        self.columns = list(columns)
        self._types = dict.fromkeys(self.columns)
        self.data = []
        for row in data if data is not None else []:
            self.add_data(*row)

    # -- rows and columns -----------------------------------------------------------
    def _check_row(self, row: list[Any]) -> None:
        if self.allow_mixed_types:
            return
        bad = False
        for col, cell in zip(self.columns, row, strict=True):
            want = self._types[col]
            got = _type_name(cell)
            if cell is not None and want is not None and got != want:
                bad = True
        if bad:
            values = dict(zip(self.columns, row, strict=True))
            got_types = _type_dict({c: _type_name(v) for c, v in values.items()})
            allowed = _type_dict(
                {c: "None" if t is None else f"None or {t}" for c, t in self._types.items()}
            )
            raise TypeError(
                "Data row contained incompatible types:\n"
                f"{values} of type {got_types} is not assignable to {allowed}"
            )

    def add_data(self, *data: Any) -> None:
        """Append one row; its length and cell types must match the columns."""
        if len(data) != len(self.columns):
            raise ValueError(
                f"This table expects {len(self.columns)} columns: {self.columns}, found {len(data)}"
            )
        row = [_plain(v) for v in data]
        self._check_row(row)
        for col, cell in zip(self.columns, row, strict=True):
            if cell is not None and self._types[col] is None:
                self._types[col] = _type_name(cell)
        self.data.append(row)

    def add_row(self, *row: Any) -> None:
        """Deprecated alias of :meth:`add_data` (as wandb)."""
        self.add_data(*row)

    def add_column(self, name: str | int, data: Sequence[Any], optional: bool = False) -> None:
        """Add a column of ``len(data) == number of rows`` values."""
        assert isinstance(name, (str, int)), "name must be str or int"
        if name in self.columns:
            raise ValueError(f"Column {name} already exists in table")
        values = [_plain(v) for v in data]
        if self.data and len(values) != len(self.data):
            raise ValueError(f"Expected length {len(self.data)}, found {len(values)}")
        if not self.data:
            self.data = [[] for _ in values]
        kinds = {_type_name(v) for v in values if v is not None}
        if len(kinds) > 1 and not self.allow_mixed_types:
            raise TypeError(f"Column {name} contained incompatible types: {sorted(kinds)}")
        self.columns.append(name)
        self._types[name] = next(iter(kinds)) if len(kinds) == 1 else None
        for row, value in zip(self.data, values, strict=True):
            row.append(value)

    def get_column(self, name: str | int, convert_to: str | None = None) -> Any:
        """The values of column ``name``; ``convert_to="numpy"`` gives an array."""
        if name not in self.columns:
            raise ValueError(f"Column {name} not found in table")
        if convert_to not in (None, "numpy"):
            raise ValueError("convert_to must be one of None or 'numpy'")
        index = self.columns.index(name)
        values = [row[index] for row in self.data]
        if convert_to == "numpy":
            import numpy as np

            return np.array(values)
        return values

    def get_index(self) -> list[int]:
        """Row indices ``0..n-1`` (wandb returns ``_TableIndex`` ints)."""
        return list(range(len(self.data)))

    def get_dataframe(self) -> Any:
        """The table as a pandas ``DataFrame`` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame.from_records(self.data, columns=self.columns)

    @property
    def ncols(self) -> int:
        return len(self.columns)

    @property
    def nrows(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Table) and self.columns == other.columns and self.data == other.data
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Table {self.ncols} columns, {self.nrows} rows>"

    # -- logging --------------------------------------------------------------------
    def _file_bytes(self, sink: MediaSink | None) -> tuple[bytes, str]:
        """The stored file and its suffix: wandb's JSON, or Parquet beyond :attr:`MAX_ROWS`."""
        from runyard.data_types import table_file

        rows = [[_cell_json(cell, sink) for cell in row] for row in self.data]
        if len(rows) > self.MAX_ROWS:
            try:
                return table_file.encode_parquet(self.columns, rows), table_file.PARQUET_SUFFIX
            except ImportError:
                from runyard.printer import warn_once

                warn_once(
                    "table-without-pyarrow",
                    f"a table of {len(rows)} rows is stored as JSON because pyarrow is not "
                    "installed; install runyard[tables] to store big tables as Parquet",
                )
        return table_file.encode_json(self.columns, rows), table_file.JSON_SUFFIX

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Put the table file in the run's sink and return the ``table-file`` value.

        Up to :attr:`MAX_ROWS` (10,000) rows, the file is wandb's
        ``{"columns": [...], "data": [[...], ...]}`` in compact JSON
        (byte-identical to wandb's for plain values) and ``path`` ends in
        ``.table.json``. Bigger tables keep every row, as Parquet in row groups
        of 10,000 (``path`` ends in ``.table.parquet``; JSON when pyarrow is
        missing, with a warning). :mod:`runyard.data_types.table_file` reads
        both formats. Files are stored content-addressed under
        ``<run prefix>/media/table/``, so logging the same table twice stores it
        once; ``path`` is the blob key relative to the run prefix.
        """
        from runyard.data_types.media_file import store_media

        data, suffix = self._file_bytes(sink)
        return {
            "_type": "table-file",
            **store_media(sink, "table", data, suffix),
            "ncols": self.ncols,
            "nrows": self.nrows,
            "log_mode": self.log_mode,
        }


def _cell_json(cell: Any, sink: MediaSink | None) -> Any:
    if is_matplotlib(cell) or is_plotly_figure(cell):
        cell = _plot_cell(cell)
    to_json = getattr(cell, "to_json", None)
    if callable(to_json) and not isinstance(cell, type):
        try:
            return to_json(sink)
        except TypeError:
            return to_json()
    if isinstance(cell, (list, tuple)):
        return [_cell_json(c, sink) for c in cell]
    if isinstance(cell, dict):
        return {str(k): _cell_json(v, sink) for k, v in cell.items()}
    return _plain(cell)


def _plot_cell(value: Any) -> Any:
    """A Plotly or matplotlib figure in a cell, as ``log`` stores it (PNG when plotly fails)."""
    from runyard.data_types.plotly import plot_media

    try:
        return plot_media(value)
    except PlotConversionError as exc:
        from runyard.data_types.image import Image
        from runyard.printer import warn_once

        warn_once("table-cell-plotly-fallback", f"{exc}; the figure is stored as a PNG image")
        return Image(as_figure(value))
