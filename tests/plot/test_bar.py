"""``plot.bar``."""

from __future__ import annotations

import pytest

import runyard
from runyard.plot.bar import bar


def test_bar_fields_and_preset() -> None:
    table = runyard.Table(columns=["l", "v"], data=[["a", 2]])
    chart = bar(table, "l", "v", title="B")
    assert chart.spec.spec_name == "wandb/bar/v0"
    assert chart.spec.fields == {"label": "l", "value": "v"}
    assert chart.spec.string_fields == {"title": "B"}


def test_bar_rejects_non_tables() -> None:
    with pytest.raises(runyard.Error, match="instead got list"):
        bar([], "l", "v")  # type: ignore[arg-type]
