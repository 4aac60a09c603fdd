"""``Plotly``: figures, the error for other values and the ``plotly-file`` payload."""

from __future__ import annotations

import json

import matplotlib
import plotly.graph_objects as go
import pytest

from runyard.data_types.image import Image
from runyard.data_types.matplotlib_figure import EMPTY_PLOT, PlotConversionError
from runyard.data_types.plotly import Plotly, is_plotly_figure, plot_media
from tests.data_types.conftest import StoredSink

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the headless backend


def test_rejects_non_figures() -> None:
    with pytest.raises(ValueError, match=r"^Logged plots must be plotly figures, or matplotlib"):
        Plotly({"data": []})
    assert not is_plotly_figure([1])


def test_to_json_stores_the_figure(sink: StoredSink) -> None:
    fig = go.Figure(data=[go.Scatter(x=[1, 2], y=[3, 4])])
    assert is_plotly_figure(fig)
    plot = Plotly(fig)
    value = plot.to_json(sink)
    stored = json.loads(sink.read(value["path"]))
    assert value["_type"] == "plotly-file"
    assert value["size"] == len(plot.json_bytes)
    assert value["path"] == f"media/plotly/{value['sha256'][:2]}/{value['sha256']}.plotly.json"
    assert stored["data"][0]["type"] == "scatter"
    assert stored["data"][0]["y"] == [3, 4]


def test_matplotlib_figures_are_converted() -> None:
    fig, ax = plt.subplots()
    try:
        ax.plot([0, 1, 2], [5, 6, 7])
        plot = Plotly(fig)
        again = Plotly(fig)  # the figure is left as it was
        assert is_plotly_figure(plot.figure)
        assert json.loads(plot.json_bytes)["data"][0]["y"] == [5.0, 6.0, 7.0]
        assert again.json_bytes == plot.json_bytes
        assert Plotly(plt).json_bytes == plot.json_bytes
        assert plt.fignum_exists(fig.number)
    finally:
        plt.close("all")


def test_matplotlib_errors_are_wandbs_and_the_seeds() -> None:
    fig, ax = plt.subplots()
    try:
        ax.imshow([[0, 1], [1, 0]])
        with pytest.raises(ValueError, match=r"^Plotly does not currently support converting"):
            Plotly(fig)
        with pytest.raises(ValueError, match=r"^You attempted to log an empty plot") as exc:
            Plotly(plt.figure())
        assert str(exc.value) == EMPTY_PLOT
        hist_fig, hist_ax = plt.subplots()
        hist_ax.hist([1, 2, 2, 3])
        with pytest.raises(PlotConversionError, match=r"^plotly could not convert .*bargap"):
            Plotly(hist_fig)
    finally:
        plt.close("all")


def test_plot_media_is_wandbs_make_plot_media() -> None:
    fig, ax = plt.subplots()
    try:
        assert isinstance(plot_media(go.Figure()), Plotly)
        ax.plot([1, 2])
        assert isinstance(plot_media(fig), Plotly)
        ax.imshow([[0, 1], [1, 0]])
        image = plot_media(ax)  # an artist: its figure
        assert isinstance(image, Image) and image.format == "png"
        assert isinstance(Plotly.make_plot_media(fig), Image)  # wandb's name for it
        with pytest.raises(ValueError, match=r"^Logged plots must be plotly figures"):
            plot_media([1, 2])
    finally:
        plt.close("all")
