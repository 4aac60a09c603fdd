"""matplotlib values: which figure, empty or with images, and a side-effect-free conversion."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import pytest

from runyard.data_types.matplotlib_figure import (
    PlotConversionError,
    as_figure,
    contains_images,
    is_empty,
    is_matplotlib,
    to_plotly,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the headless backend


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_is_matplotlib_by_name() -> None:
    fig, ax = plt.subplots()
    assert is_matplotlib(plt) and is_matplotlib(fig) and is_matplotlib(ax)
    assert is_matplotlib(matplotlib)
    assert not is_matplotlib(pytest) and not is_matplotlib([1]) and not is_matplotlib("plt")


def test_as_figure_of_pyplot_figures_and_artists() -> None:
    fig, ax = plt.subplots()
    (line,) = ax.plot([1, 2])
    assert as_figure(plt) is fig and as_figure(fig) is fig
    assert as_figure(ax) is fig and as_figure(line) is fig
    from matplotlib.text import Text

    for bad in (Text(0, 0, "no figure"), [1], "x"):
        with pytest.raises(
            ValueError,
            match=r"^Only matplotlib.pyplot or matplotlib.pyplot.Figure objects are accepted\.$",
        ):
            as_figure(bad)


def test_empty_and_image_figures() -> None:
    empty = plt.figure()
    assert is_empty(empty) and not contains_images(empty)
    _, ax = plt.subplots()
    assert is_empty(ax.figure)  # axes but nothing drawn
    ax.plot([1, 2])
    assert not is_empty(ax.figure) and not contains_images(ax.figure)
    _, image_ax = plt.subplots()
    image_ax.imshow([[0, 1], [1, 0]])
    assert contains_images(image_ax.figure) and not is_empty(image_ax.figure)


def test_to_plotly_keeps_the_figure_open_and_current() -> None:
    fig = plt.figure()
    plt.plot([1, 2, 3, 4])
    first = to_plotly(fig)
    assert plt.gcf() is fig and plt.fignum_exists(fig.number)  # mpl_to_plotly closes it
    second = to_plotly(fig)
    assert first.to_json() == second.to_json()
    assert list(first.data[0].y) == [1.0, 2.0, 3.0, 4.0]


def test_to_plotly_fits_its_panel_without_unlabelled_mirrored_ticks() -> None:
    """Issue 18, defect 6: mpl_to_plotly fixes 640x480 (clipped on the right in a
    narrower panel) and mirrors every tick on the top and right edges, unlabelled."""
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        ax.plot([1, 2, 3], [1, 4, 9])
    layout = to_plotly(fig).to_plotly_json()["layout"]
    assert layout.get("width") is None and layout.get("height") is None
    assert layout["autosize"] is True
    axes_json = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
    assert len(axes_json) == 4
    for axis in axes_json:
        assert axis["mirror"] is True  # the box's line, no ticks
        assert axis["ticks"] == "inside"  # the labelled side keeps its ticks
    assert layout["margin"]["r"] <= 16


def test_to_plotly_names_the_cause_of_a_failure() -> None:
    _, ax = plt.subplots()
    ax.hist([1, 2, 2, 3])
    with pytest.raises(PlotConversionError) as exc:
        to_plotly(ax.figure)
    message = str(exc.value)
    assert message.startswith("plotly could not convert the matplotlib figure: ValueError: ")
    assert "bargap" in message and "\n" not in message and isinstance(exc.value, ValueError)
