"""``plot.scatter``."""

from __future__ import annotations

import pytest

import runyard
from runyard.plot.scatter import scatter


def test_scatter_fields_and_preset() -> None:
    table = runyard.Table(columns=["x", "y"], data=[[1, 2]])
    chart = scatter(table, "x", "y", title="S")
    assert chart.spec.spec_name == "wandb/scatter/v0"
    assert chart.spec.fields == {"x": "x", "y": "y"}
    assert chart.spec.string_fields == {"title": "S"}


def test_scatter_rejects_non_tables() -> None:
    with pytest.raises(runyard.Error, match="instead got list"):
        scatter([], "x", "y")  # type: ignore[arg-type]
