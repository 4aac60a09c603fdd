"""``plot.histogram``."""

from __future__ import annotations

from typing import Any

import pytest

import runyard
from runyard.plot.histogram import histogram


def test_histogram_fields_and_preset() -> None:
    table = runyard.Table(columns=["v"], data=[[1], [2]])
    chart = histogram(table, "v", title="H")
    assert chart.spec.spec_name == "wandb/histogram/v0"
    assert chart.spec.fields == {"value": "v"}
    assert chart.spec.string_fields == {"title": "H"}


def test_histogram_has_no_num_bins_and_rejects_non_tables() -> None:
    table = runyard.Table(columns=["v"], data=[[1]])
    kwargs: dict[str, Any] = {"num_bins": 3}
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_bins'"):
        histogram(table, "v", **kwargs)
    with pytest.raises(runyard.Error, match="instead got list"):
        histogram([], "v")  # type: ignore[arg-type]
