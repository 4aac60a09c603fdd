"""``run.log`` with media, charts, plots and big tables, read back from the store."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

import runyard
from runyard.blobs.keys import run_prefix
from runyard.data_types.matplotlib_figure import EMPTY_PLOT
from runyard.data_types.table_file import read_table_page
from runyard.journal.frames import MAGIC, read_frames
from runyard.journal.records import Rec
from runyard.sdk.files import run_blobs
from tests.helpers import run_script

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the headless backend

EXAMPLES = Path("/work/shared/reference/wandb-examples")


def stored(run: Any) -> Any:
    return runyard.Api().run(run.path)


def blob(run: Any, path: str) -> bytes:
    data: bytes = run_blobs(run.settings).get(f"{run_prefix(run.ref)}/{path}")
    return data


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


# -- custom charts --------------------------------------------------------------------
def test_a_logged_chart_becomes_its_table_and_wandbs_visualize_config(ry_dir: Path) -> None:
    table = runyard.Table(columns=["x", "y"], data=[[1, 1], [2, 4]])  # the captured run's
    chart = runyard.plot.line(table, "x", "y", title="L")
    run = runyard.init(project="charts")
    run.log({"line": chart, "loss": 0.5})
    run.finish()
    api_run = stored(run)
    (row,) = list(api_run.scan_history())
    assert "line" not in row and row["loss"] == 0.5
    value = row["line_table"]
    assert value["_type"] == "table-file" and value["path"].endswith(".table.json")
    assert (value["nrows"], value["ncols"], value["log_mode"]) == (2, 2, "IMMUTABLE")
    captured = json.loads((EXAMPLES / "media_run_config_wandb_visualize.json").read_text())
    assert api_run.config["_wandb"] == {"visualize": {"line": captured["line"]}}
    # The table file is byte-identical to wandb's (media_run_history.json: line_table).
    assert blob(run, value["path"]) == b'{"columns":["x","y"],"data":[[1,1],[2,4]]}'
    assert value["size"] == 42
    assert value["sha256"] == "d4b1d7b295d37943bf36c57a545b8b6b1294f6def2b8df2869cbb2d5d2f6aebb"
    assert api_run.summary["line_table"] == value and "line" not in api_run.summary


def test_nested_split_and_later_charts_all_stay_in_config(ry_dir: Path) -> None:
    table = runyard.Table(columns=["a"], data=[[1]])
    run = runyard.init(project="charts")
    run.log({"a": {"b": runyard.plot.histogram(table, "a"), "n": 1}})
    run.log({"pt": runyard.plot_table("me/spec", table, {"x": "a"}, split_table=True)})
    run.log({"a": {"b": runyard.plot.bar(table, "a", "a", title="again")}})
    run.finish()
    api_run = stored(run)
    rows = list(api_run.scan_history())
    assert rows[0]["a.b_table"]["_type"] == "table-file", rows[0]
    assert rows[0]["a.n"] == 1  # scan_history gives nested keys dotted
    assert "Custom Chart Tables/pt_table" in rows[1] and "pt" not in rows[1]
    visualize = api_run.config["_wandb"]["visualize"]
    assert sorted(visualize) == ["a.b", "pt"]
    assert visualize["a.b"]["panel_config"]["panelDefId"] == "wandb/bar/v0"  # the latest
    query = visualize["pt"]["panel_config"]["userQuery"]["queryFields"][0]["fields"][3]
    assert query["args"] == [{"name": "tableKey", "value": "Custom Chart Tables/pt_table"}]


def test_user_config_and_charts_live_side_by_side(ry_dir: Path) -> None:
    table = runyard.Table(columns=["a"], data=[[1]])
    run = runyard.init(project="charts", config={"lr": 0.1})
    run.log({"h": runyard.plot.histogram(table, "a")})
    run.config.update({"epochs": 3})
    assert run.config["_wandb"]["visualize"]["h"]["panel_type"] == "Vega2"
    run.finish()
    config = stored(run).config
    assert config["lr"] == 0.1 and config["epochs"] == 3 and "h" in config["_wandb"]["visualize"]


def test_summary_set_of_a_chart_stores_its_table_and_config(ry_dir: Path) -> None:
    table = runyard.Table(columns=["a"], data=[[1]])
    run = runyard.init(project="charts")
    run.summary["final"] = runyard.plot.histogram(table, "a", title="F")
    run.summary["group"] = {"inner": runyard.plot.histogram(table, "a"), "k": 2}
    run.finish()
    api_run = stored(run)
    summary = api_run.summary
    assert summary["final_table"]["_type"] == "table-file" and "final" not in summary
    assert summary["group.inner_table"]["nrows"] == 1 and summary["group"] == {"k": 2}
    visualize = api_run.config["_wandb"]["visualize"]
    assert visualize["final"]["panel_config"]["stringSettings"] == {"title": "F"}
    assert "group.inner" in visualize


def test_a_chart_inside_a_list_is_refused_by_name(ry_dir: Path) -> None:
    table = runyard.Table(columns=["a"], data=[[1]])
    run = runyard.init(project="charts")
    with pytest.raises(TypeError, match="CustomChart"):
        run.log({"charts": [runyard.plot.histogram(table, "a")]})
    assert run.step == 0
    run.finish()


# -- images -------------------------------------------------------------------------
def test_a_list_of_images_is_wandbs_images_separated(ry_dir: Path) -> None:
    images = [runyard.Image(np.full((4, 6), i / 3), caption=f"c{i}") for i in range(3)]
    run = runyard.init(project="media")
    run.log({"imgs": images, "plain": [runyard.Image(np.zeros((2, 2)))]})
    run.finish()
    (row,) = list(stored(run).scan_history())
    value = row["imgs"]
    assert list(value) == ["_type", "width", "height", "format", "count", "filenames", "captions"]
    assert value["_type"] == "images/separated"
    assert (value["width"], value["height"], value["format"], value["count"]) == (6, 4, "png", 3)
    assert value["captions"] == ["c0", "c1", "c2"]
    for path, image in zip(value["filenames"], images, strict=True):
        assert path.startswith("media/images/") and path.endswith(".png")
        assert blob(run, path) == image.image_bytes
    assert "captions" not in row["plain"] and row["plain"]["count"] == 1


def test_more_than_108_images_keep_the_first_108_with_one_warning(
    ry_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    images = [runyard.Image(np.full((2, 2), i, dtype=np.uint8)) for i in range(110)]
    run = runyard.init(project="media")
    run.log({"many": images})
    run.log({"many": images})
    run.finish()
    rows = list(stored(run).scan_history())
    assert [r["many"]["count"] for r in rows] == [108, 108]
    assert len(set(rows[0]["many"]["filenames"])) == 108
    assert capfd.readouterr().err.count("Only 108 Image will be uploaded") == 1


# -- matplotlib and Plotly -----------------------------------------------------------------
def _plotly_json(run: Any, value: dict[str, Any]) -> Any:
    assert value["_type"] == "plotly-file" and value["path"].endswith(".plotly.json")
    return json.loads(blob(run, value["path"]))


def test_a_line_figure_the_plt_module_and_a_scatter_convert_to_plotly(ry_dir: Path) -> None:
    run = runyard.init(project="mpl")
    fig = plt.figure()
    plt.plot([1, 2, 3, 4])
    plt.ylabel("some interesting numbers")
    run.log({"fig": fig})
    run.log({"fig": fig})  # the same figure again (fails in wandb 0.31)
    run.log({"chart": plt})  # the module: plt.gcf(), still the same figure
    fig2, ax = plt.subplots()
    ax.scatter([1, 2, 3], [3, 1, 2])
    run.log({"scatter": fig2})
    run.finish()
    rows = list(stored(run).scan_history())
    first = _plotly_json(run, rows[0]["fig"])
    assert first["data"][0]["y"] == [1.0, 2.0, 3.0, 4.0]
    assert first["layout"]["yaxis"]["title"]["text"] == "some interesting numbers"
    assert rows[1]["fig"] == rows[0]["fig"] == rows[2]["chart"]
    scatter = _plotly_json(run, rows[3]["scatter"])
    assert scatter["data"][0]["mode"] == "markers"


def test_a_figure_with_an_image_is_logged_as_a_png(ry_dir: Path) -> None:
    from PIL import Image as PILImage

    fig, ax = plt.subplots()
    ax.imshow(np.eye(4))
    run = runyard.init(project="mpl")
    run.log({"im": fig})
    run.finish()
    (row,) = list(stored(run).scan_history())
    value = row["im"]
    assert value["_type"] == "image-file" and value["format"] == "png"
    assert (value["width"], value["height"]) == (640, 480)
    assert PILImage.open(io.BytesIO(blob(run, value["path"]))).size == (640, 480)


def test_an_empty_figure_raises_the_seed_error_and_takes_no_step(ry_dir: Path) -> None:
    run = runyard.init(project="mpl")
    run.log({"loss": 1.0})
    with pytest.raises(ValueError, match=r"^You attempted to log an empty plot") as exc:
        run.log({"chart": plt.figure(), "loss": 2.0})
    assert str(exc.value) == EMPTY_PLOT
    assert str(exc.value).startswith("You attempted to log an empty plot")
    assert "fig = plt.figure()" in str(exc.value)
    plt.close("all")
    with pytest.raises(ValueError, match="empty plot"):
        run.log({"chart": plt})  # pyplot with no figure: a new, empty one
    assert run.step == 1
    run.log({"loss": 3.0})
    run.finish()
    rows = list(stored(run).scan_history())
    assert [(r["_step"], r["loss"]) for r in rows] == [(0, 1.0), (1, 3.0)]


def test_a_figure_plotly_cannot_convert_falls_back_to_png_with_one_warning(
    ry_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fig, ax = plt.subplots()
    ax.hist([1, 2, 2, 3])  # mpl_to_plotly fails on it with matplotlib 3.11 / plotly 7
    with pytest.raises(runyard.data_types.matplotlib_figure.PlotConversionError):
        runyard.Plotly(fig)
    run = runyard.init(project="mpl")
    run.log({"hist": fig})
    run.log({"hist": fig})
    run.finish()
    rows = list(stored(run).scan_history())
    assert [r["hist"]["_type"] for r in rows] == ["image-file", "image-file"]
    assert rows[0]["hist"]["format"] == "png"
    err = capfd.readouterr().err
    assert err.count("plotly could not convert the matplotlib figure") == 1
    assert "logged as a PNG image instead" in err


WITHOUT_PLOTLY = """
import sys, json
sys.modules["plotly"] = None  # what Python does for a module that cannot be imported
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import runyard
run = runyard.init(project="mpl")
plt.plot([1, 2, 3])
run.log({"chart": plt})
run.log({"chart": plt})
run.finish()
print(json.dumps([r["chart"] for r in runyard.Api().run(run.path).scan_history()]))
"""


def test_without_plotly_figures_are_logged_as_pngs_with_one_warning(ry_dir: Path) -> None:
    result = run_script(WITHOUT_PLOTLY, ry_dir)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert [v["_type"] for v in values] == ["image-file", "image-file"]
    assert values[0]["format"] == "png" and values[0]["width"] == 640
    assert result.stderr.count("plotly is required to log interactive plots") == 1, result.stderr


def test_a_plotly_figure_is_logged_as_plotly_file(ry_dir: Path) -> None:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[0, 1], y=[2, 3]))
    run = runyard.init(project="plotly")
    run.log({"p": fig})
    run.summary["s"] = fig
    run.finish()
    api_run = stored(run)
    (row,) = list(api_run.scan_history())
    assert _plotly_json(run, row["p"])["data"][0]["y"] == [2, 3]
    assert api_run.summary["s"] == row["p"]


def test_image_of_a_figure_and_of_pyplot_render_pngs() -> None:
    fig = plt.figure()
    plt.plot([1, 2])
    assert (runyard.Image(fig).width, runyard.Image(fig).height) == (640, 480)
    assert runyard.Image(plt).image_bytes == runyard.Image(fig).image_bytes
    assert runyard.Image(plt.figure()).width == 640  # empty: blank, as in wandb


def test_only_figures_and_pyplot_are_accepted() -> None:
    from matplotlib.text import Text

    with pytest.raises(ValueError, match=r"^Only matplotlib.pyplot or matplotlib.pyplot"):
        runyard.Image(Text(0, 0, "orphan"))


# -- big tables ---------------------------------------------------------------------
def test_a_table_over_10000_rows_is_stored_whole_as_parquet(ry_dir: Path) -> None:
    n = 10_001
    table = runyard.Table(columns=["i", "name"], data=[[i, f"r{i}"] for i in range(n)])
    table.add_column("img", [runyard.Image(np.zeros((2, 2))) if i == 5 else None for i in range(n)])
    run = runyard.init(project="tables")
    run.log({"big": table})
    run.finish()
    (row,) = list(stored(run).scan_history())
    value = row["big"]
    assert value["_type"] == "table-file" and value["path"].endswith(".table.parquet")
    assert (value["nrows"], value["ncols"]) == (n, 3)
    data = blob(run, value["path"])
    assert value["size"] == len(data)
    columns, rows = read_table_page(data, value["path"])
    assert columns == ["i", "name", "img"] and len(rows) == n
    assert rows[-1] == [10_000, "r10000", None]
    assert rows[5][2]["_type"] == "image-file" and rows[5][2]["width"] == 2


def test_a_table_of_10000_rows_stays_wandbs_json(ry_dir: Path) -> None:
    table = runyard.Table(columns=["i"], data=[[i] for i in range(10_000)])
    run = runyard.init(project="tables")
    run.log({"t": table})
    run.finish()
    (row,) = list(stored(run).scan_history())
    assert row["t"]["path"].endswith(".table.json")
    expected = {"columns": ["i"], "data": [[i] for i in range(10_000)]}
    assert blob(run, row["t"]["path"]) == json.dumps(expected, separators=(",", ":")).encode()


WITHOUT_PYARROW = """
import sys, json
sys.modules["pyarrow"] = None  # what Python does for a module that cannot be imported
import runyard
run = runyard.init(project="tables")
table = runyard.Table(columns=["i"], data=[[i] for i in range(10_001)])
run.log({"t": table})
run.log({"t": table})
run.finish()
(row, _) = list(runyard.Api().run(run.path).scan_history())
print(json.dumps(row["t"]))
"""


def test_without_pyarrow_a_big_table_is_full_json_with_one_warning(ry_dir: Path) -> None:
    result = run_script(WITHOUT_PYARROW, ry_dir)
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout)
    assert value["path"].endswith(".table.json") and value["nrows"] == 10_001, result.stderr
    warning = "is stored as JSON because pyarrow is not installed"
    assert result.stderr.count(warning) == 1, result.stderr


# -- media go through the journal ---------------------------------------------------------
def test_logged_media_are_spooled_and_journalled_before_the_row(ry_dir: Path) -> None:
    """log() writes the file to the spool beside the journal and journals it before the
    row that refers to it; the blob store is the writer's (here: offline, no writer)."""
    image = runyard.Image(np.full((4, 4, 3), 9, dtype=np.uint8))
    run = runyard.init(project="media", mode="offline")
    run.log({"img": image})
    run.finish()
    journal = run._journal.path
    with open(journal, "rb") as f:
        records = [rec for _, rec in read_frames(f.fileno(), len(MAGIC))]
    codes = [rec[0] for rec in records]
    assert codes == [Rec.START, Rec.START, Rec.FILE, Rec.LOG, Rec.EXIT]  # START twice
    file, log = records[2], records[3]
    assert file[1] == log[5]["img"]["path"] and file[3] == len(image.image_bytes)
    spool = journal.with_name(journal.name + ".spool")
    assert (spool / file[2]).read_bytes() == image.image_bytes
    assert not (ry_dir / "blobs").exists()


KILLED = """
import os, signal, sys, numpy as np, runyard
run = runyard.init(project="media", id="killed")
run.log({"img": runyard.Image(np.full((4, 4, 3), 7, dtype=np.uint8)), "step": 0})
with open(sys.argv[1], "w") as f:
    f.write("saved before the kill")
run.save(sys.argv[1], policy="now")
print(run.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_media_and_saved_files_of_a_killed_run_are_stored_once_on_replay(
    ry_dir: Path, tmp_path: Path
) -> None:
    """SIGKILL right after log(Image) and run.save: opening the store replays the journal
    and uploads the spooled files, once."""
    killed = run_script(KILLED, ry_dir, str(tmp_path / "notes.txt"))
    assert killed.returncode == -9, killed.stderr
    api = runyard.Api()  # opening the store replays what the killed run left
    run = api.run("tester/media/killed")
    assert run.state == "crashed"
    (row,) = list(run.scan_history())
    expected = runyard.Image(np.full((4, 4, 3), 7, dtype=np.uint8)).image_bytes
    assert run.file(row["img"]["path"]).read() == expected
    assert run.file("notes.txt").read() == b"saved before the kill"
    names = sorted(f.name for f in run.files())
    # Each once, nothing else (output.log: the console lines, it printed its id).
    assert names == sorted([row["img"]["path"], "notes.txt", "output.log"])
    assert not list((ry_dir / "journals").glob("*.journal*"))  # journal and spool gone
    assert runyard.Api().run("tester/media/killed").file("notes.txt").read() == (
        b"saved before the kill"
    )
