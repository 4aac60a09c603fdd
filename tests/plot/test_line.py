"""``plot.line``."""

from __future__ import annotations

import pytest

import runyard
from runyard.plot.line import line


def test_line_fields_and_preset() -> None:
    table = runyard.Table(columns=["x", "y", "s"], data=[[1, 2, "a"]])
    chart = line(table, "x", "y", stroke="s", title="T", split_table=True)
    assert chart.spec.spec_name == "wandb/line/v0"
    assert chart.spec.fields == {"x": "x", "y": "y", "stroke": "s"}
    assert chart.spec.string_fields == {"title": "T"}
    assert chart.spec.split_table is True
    assert chart.table is table
    assert line(table, "x", "y").spec.fields["stroke"] is None


def test_line_rejects_non_tables() -> None:
    with pytest.raises(runyard.Error, match="instead got dict"):
        line({}, "x", "y")  # type: ignore[arg-type]
