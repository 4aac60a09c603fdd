"""``line_series``: y-series over shared or per-series x values (``wandb/lineseries/v0``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from runyard.data_types.table import Table
from runyard.plot.custom_chart import CustomChart, plot_table

__all__ = ["line_series"]


def line_series(
    xs: Sequence[Any],
    ys: Sequence[Iterable[Any]],
    keys: Sequence[str] | None = None,
    title: str = "",
    xname: str = "x",
    split_table: bool = False,
) -> CustomChart:
    """One line per y-series in a ``step, lineKey, lineVal`` table (as ``wandb.plot.line_series``).

    ``xs`` is shared by every series when ``xs[0]`` is not iterable (or is a
    string); otherwise it holds one x-series per y-series. Each x/y pair is
    zipped, so unequal lengths are truncated to the shorter, as in wandb.

    Raises:
        ValueError: ``Number of x-series (3) must match y-series (2).`` and
            ``Number of keys (1) must match y-series (2).``
    """
    first = xs[0]
    if not isinstance(first, Iterable) or isinstance(first, (str, bytes)):
        x_series: Sequence[Any] = [xs for _ in range(len(ys))]
    else:
        x_series = xs
    if len(x_series) != len(ys):
        raise ValueError(f"Number of x-series ({len(x_series)}) must match y-series ({len(ys)}).")
    if keys is None:
        keys = [f"line_{i}" for i in range(len(ys))]
    if len(keys) != len(ys):
        raise ValueError(f"Number of keys ({len(keys)}) must match y-series ({len(ys)}).")
    data = [
        [x, keys[i], y]
        for i, (xx, yy) in enumerate(zip(x_series, ys, strict=True))
        for x, y in zip(xx, yy, strict=False)
    ]
    table = Table(data=data, columns=["step", "lineKey", "lineVal"])
    return plot_table(
        "wandb/lineseries/v0",
        table,
        {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
        {"title": title, "xname": xname},
        split_table=split_table,
    )
