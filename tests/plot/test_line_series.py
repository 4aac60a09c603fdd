"""``plot.line_series``."""

from __future__ import annotations

import pytest

from runyard.plot.line_series import line_series


def test_shared_xs_default_keys() -> None:
    chart = line_series([0, 1], [[10, 11], [20, 21]], title="T")
    assert chart.spec.spec_name == "wandb/lineseries/v0"
    assert chart.spec.fields == {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"}
    assert chart.spec.string_fields == {"title": "T", "xname": "x"}
    assert chart.table.columns == ["step", "lineKey", "lineVal"]
    assert chart.table.data == [
        [0, "line_0", 10],
        [1, "line_0", 11],
        [0, "line_1", 20],
        [1, "line_1", 21],
    ]


def test_per_series_xs_keys_and_truncation() -> None:
    chart = line_series([[0, 1, 2], [5]], [[1, 2], [3, 4]], keys=["a", "b"], xname="epoch")
    assert chart.table.data == [[0, "a", 1], [1, "a", 2], [5, "b", 3]]
    assert chart.spec.string_fields["xname"] == "epoch"


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"^Number of x-series \(3\) must match y-series \(2\)\.$"):
        line_series([[0], [1], [2]], [[1], [2]])
    with pytest.raises(ValueError, match=r"^Number of keys \(1\) must match y-series \(2\)\.$"):
        line_series([0], [[1], [2]], keys=["a"])
