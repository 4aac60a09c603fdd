"""``Plotly``: figures, the error for other values and the ``plotly-file`` payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import runyard
from runyard.blobs.keys import run_prefix
from runyard.data_types.plotly import Plotly, is_plotly_figure
from runyard.sdk.files import run_blobs

go = pytest.importorskip("plotly.graph_objects")


def test_rejects_non_figures() -> None:
    with pytest.raises(ValueError, match=r"^Logged plots must be plotly figures, or matplotlib"):
        Plotly({"data": []})
    assert not is_plotly_figure([1])


def test_to_json_stores_the_figure(ry_dir: Path) -> None:
    fig = go.Figure(data=[go.Scatter(x=[1, 2], y=[3, 4])])
    assert is_plotly_figure(fig)
    plot = Plotly(fig)
    run = runyard.init(project="plotly")
    try:
        value = plot.to_json(run)
        run.log({"fig": plot})
        stored = json.loads(run_blobs(run.settings).get(f"{run_prefix(run.ref)}/{value['path']}"))
    finally:
        run.finish()
    assert value["_type"] == "plotly-file"
    assert value["size"] == len(plot.json_bytes)
    assert value["path"] == f"media/plotly/{value['sha256'][:2]}/{value['sha256']}.plotly.json"
    assert stored["data"][0]["type"] == "scatter"
    assert stored["data"][0]["y"] == [3, 4]
