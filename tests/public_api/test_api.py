"""The public API over the embedded store: paths, queries, edits, history and files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import runyard
from runyard.errors import RunNotFoundError
from tests.helpers import run_script


def make_runs(n: int = 6) -> list[str]:
    ids = []
    for i in range(n):
        run = runyard.init(
            project="proj",
            id=f"run{i}",
            name=f"name-{i}",
            config={"lr": 0.1 * (i + 1), "opt": "adam" if i % 2 else "sgd", "nest": {"d": i}},
            tags=["even" if i % 2 == 0 else "odd", *(["first"] if i == 0 else [])],
            group="g1" if i < 3 else "g2",
            job_type="train",
        )
        run.define_metric("loss", summary="min,max")
        for step in range(10):
            run.log({"loss": (i + 1) * (10 - step), "acc": step / 10})
        run.finish(exit_code=1 if i == 5 else None)
        ids.append(run.id)
    return ids


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tester/proj/run1", "run1"),
        ("tester/proj/runs/run1", "run1"),
        ("tester/proj:run1", "run1"),
        ("proj/run1", "run1"),
        ("proj:run1", "run1"),
        ("/tester/proj/run1", "run1"),
        ("runs/tester/proj/run1", "run1"),
    ],
)
def test_run_path_forms(ry_dir: Path, path: str, expected: str) -> None:
    make_runs(2)
    assert runyard.Api().run(path).id == expected


def test_run_path_errors(ry_dir: Path) -> None:
    make_runs(1)
    api = runyard.Api()
    with pytest.raises(ValueError, match="missing project"):
        api.run("run0")
    with pytest.raises(ValueError, match="Invalid path"):
        api.run("a/b/c/d/e")
    with pytest.raises(ValueError, match="Invalid path"):
        api.run("")
    with pytest.raises(RunNotFoundError, match="Could not find run tester/proj/nope"):
        api.run("tester/proj/nope")
    assert runyard.Api(overrides={"project": "proj"}).run("run0").id == "run0"


def test_run_attributes(ry_dir: Path) -> None:
    make_runs(2)
    run = runyard.Api().run("tester/proj/run1")
    assert (run.id, run.name, run.path) == ("run1", "name-1", ["tester", "proj", "run1"])
    assert run.state == "finished" and run.group == "g1" and run.job_type == "train"
    assert run.tags == ["odd"] and run.config["lr"] == pytest.approx(0.2)
    assert run.summary["loss"] == {"min": 2, "max": 20} and "acc" in run.summary
    assert run.created_at.endswith("Z") and run.lastHistoryStep == 9
    assert run.metadata["host"]


def test_runs_filters_order_and_pages(ry_dir: Path) -> None:
    make_runs(6)
    api = runyard.Api()
    runs = api.runs("tester/proj", per_page=2)
    assert len(runs) == 6
    assert [r.id for r in runs] == ["run5", "run4", "run3", "run2", "run1", "run0"]
    assert runs[1].id == "run4" and [r.id for r in runs[2:4]] == ["run3", "run2"]
    assert runs[-1].id == "run0"
    with pytest.raises(IndexError):
        runs[6]

    def ids(**kwargs: Any) -> list[str]:
        return [r.id for r in api.runs("proj", order="+created_at", **kwargs)]

    assert ids(filters={"summary_metrics.loss.min": {"$lt": 3}}) == ["run0", "run1"]
    assert ids(filters={"config.opt": "adam"}) == ["run1", "run3", "run5"]
    assert ids(filters={"config.opt.value": "sgd", "group": "g1"}) == ["run0", "run2"]
    assert ids(filters={"$or": [{"tags": "first"}, {"state": "failed"}]}) == ["run0", "run5"]
    assert ids(filters={"display_name": {"$regex": "^name-[34]$"}}) == ["run3", "run4"]
    assert ids(filters={"config.nest.d": {"$in": [1, 4]}}) == ["run1", "run4"]
    assert ids(filters={"summary_metrics.nothing": {"$exists": False}}) == [
        f"run{i}" for i in range(6)
    ]
    assert len(api.runs("proj", filters={"state": "finished"})) == 5
    assert [r.id for r in api.runs("proj", order="-summary_metrics.loss.max")][:2] == [
        "run5",
        "run4",
    ]
    assert api.runs("proj", order="config.lr")[0].id == "run0"
    with pytest.raises(ValueError, match=r"\$bogus"):
        api.runs("proj", filters={"state": {"$bogus": 1}})
    with pytest.raises(ValueError, match="colour"):
        api.runs("proj", filters={"colour": "red"})


def test_runs_to_dataframe(ry_dir: Path) -> None:
    make_runs(3)
    frame = runyard.Api().runs("proj").to_dataframe()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 3
    row = frame.set_index("id").loc["run2"]
    assert row["config.lr"] == pytest.approx(0.3) and row["config.nest.d"] == 2
    assert row["summary.loss.min"] == 3 and row["state"] == "finished"


def test_projects(ry_dir: Path) -> None:
    make_runs(1)
    runyard.init(project="other").finish()
    api = runyard.Api()
    assert [p.name for p in api.projects("tester")] == ["other", "proj"]
    project = api.project("proj")
    assert project.path == ["tester", "proj"] and [r.id for r in project.runs()] == ["run0"]
    with pytest.raises(ValueError, match="Could not find project tester/ghost"):
        api.project("ghost")


def test_update_persists_attributes_config_and_summary(ry_dir: Path) -> None:
    make_runs(1)
    run = runyard.Api().run("proj/run0")
    run.name = "renamed"
    run.tags.append("edited")
    run.notes = "a note"
    run.group = "g9"
    run.job_type = "eval"
    run.config["new"] = 1
    run.config["lr"] = 0.5
    del run.config["opt"]
    run.summary["best"] = 0.9
    run.summary["loss"]["median"] = 5
    del run.summary["acc"]
    run.update()
    again = runyard.Api().run("proj/run0")
    assert (again.name, again.notes, again.group, again.job_type) == (
        "renamed",
        "a note",
        "g9",
        "eval",
    )
    assert again.tags == ["even", "first", "edited"]
    assert again.config == {"lr": 0.5, "nest": {"d": 0}, "new": 1}
    assert again.summary["best"] == 0.9 and again.summary["loss"] == {
        "min": 1,
        "max": 10,
        "median": 5,
    }
    assert "acc" not in again.summary


def test_summary_update_with_dict_and_nan(ry_dir: Path) -> None:
    make_runs(1)
    run = runyard.Api().run("proj/run0")
    run.summary.update({"x": float("nan"), "y": {"z": float("inf")}})
    again = runyard.Api().run("proj/run0")
    assert math.isnan(again.summary["x"]) and again.summary["y"] == {"z": math.inf}


SEED_TENSOR = """
import numpy as np, runyard as wandb, sys
api = wandb.Api()
run = api.run(sys.argv[1])
run.summary["tensor"] = np.random.random(1000)
run.summary.update()
np.save(sys.argv[2], run.summary.load_tensor("tensor"))
"""


def test_seed_tensor_snippet_and_reading_it_back(ry_dir: Path, tmp_path: Path) -> None:
    make_runs(1)
    saved = tmp_path / "saved.npy"
    result = run_script(SEED_TENSOR, ry_dir, "tester/proj/run0", str(saved))
    assert result.returncode == 0, result.stderr
    run = runyard.Api().run("tester/proj/run0")  # a fresh process wrote it
    stats = run.summary["tensor"]
    assert stats["_type"] == "numpy.ndarray" and stats["size"] == 1000
    assert 0 <= stats["min"] <= stats["5%"] <= stats["50%"] <= stats["95%"] <= stats["max"] <= 1
    array = run.summary.load_tensor("tensor")
    np.testing.assert_array_equal(array, np.load(saved))
    assert stats["mean"] == pytest.approx(float(array.mean()))
    (npy,) = [f for f in run.files() if f.name.endswith(".npy")]
    with npy.download(tmp_path / "dl") as handle:
        np.testing.assert_array_equal(np.load(handle.name), array)  # text mode, as wandb
    assert run.file(npy.name).size == npy.size
    with pytest.raises(ValueError, match="no file"):
        run.file("missing.txt")


def test_delete_removes_run_history_and_files(ry_dir: Path) -> None:
    make_runs(2)
    api = runyard.Api()
    run = api.run("proj/run0")
    run.summary["t"] = np.arange(100.0)
    run.update()
    assert run.files()
    run.delete()
    with pytest.raises(RunNotFoundError):
        api.run("proj/run0")
    assert [r.id for r in api.runs("proj")] == ["run1"]
    assert not list((ry_dir / "blobs").rglob("*.npy"))


def test_edits_to_a_live_run_survive_its_finish(ry_dir: Path) -> None:
    """wandb#4377: a config or summary edit made through the API must not be erased."""
    live = runyard.Api
    run = runyard.init(project="proj", id="live", config={"lr": 1})
    run.log({"loss": 1.0})
    run.summary["from_run"] = 1
    run.summary._read()  # let the writer fold what is journaled
    _wait_stored(live(), "proj/live", "from_run")
    edit = live().run("proj/live")
    edit.summary["from_api"] = 2
    edit.config["api_cfg"] = 3
    edit.update()
    run.log({"loss": 0.5})
    run.config.update({"later": 4})
    run.finish()
    final = live().run("proj/live")
    assert final.summary["from_api"] == 2 and final.summary["from_run"] == 1
    assert final.summary["loss"] == 0.5
    assert final.config == {"lr": 1, "api_cfg": 3, "later": 4}


def _wait_stored(api: runyard.Api, path: str, key: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if key in api.run(path).summary:
                return
        except RunNotFoundError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{key} never reached the store")


def test_history_samples_keep_extremes(ry_dir: Path) -> None:
    run = runyard.init(project="proj", id="long")
    values = np.sin(np.arange(5000) / 50.0)
    values[1234] = 50.0  # a spike
    values[4321] = -50.0
    for i, v in enumerate(values.tolist()):
        run.log({"v": v, "i": i, **({"sparse": i} if i % 100 == 0 else {})})
    run.finish()
    api_run = runyard.Api().run("proj/long")
    frame = api_run.history(samples=100)
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) <= 100 + 4 * 4 and frame["v"].max() == 50.0 and frame["v"].min() == -50.0
    assert frame["_step"].iloc[0] == 0 and frame["_step"].iloc[-1] == 4999
    rows = api_run.history(samples=20, keys=["sparse"], pandas=False)
    assert all("sparse" in r for r in rows) and rows[-1]["sparse"] == 4900
    with_x = api_run.history(samples=10, keys=["v"], x_axis="i", pandas=False)
    assert all({"v", "i", "_step"} <= set(r) for r in with_x)
    everything = api_run.history(samples=10_000, pandas=False)
    assert len(everything) == 5000 and everything[1234]["v"] == 50.0
    with pytest.raises(ValueError, match="keys must be specified in a list"):
        api_run.history(keys="v")  # type: ignore[arg-type]


def test_scan_history_pages_keys_and_bounds(ry_dir: Path) -> None:
    run = runyard.init(project="proj", id="scan")
    for i in range(3000):
        run.log({"a": i, **({"b": -i} if i % 3 == 0 else {}), "label": f"row{i}"})
    run.log({"a": -1}, step=10**9)  # a huge gap in steps
    run.finish()
    api_run = runyard.Api().run("proj/scan")
    rows = list(api_run.scan_history(page_size=7))
    assert len(rows) == 3001 and rows[-1]["_step"] == 10**9
    assert rows[5] == {
        "a": 5,
        "label": "row5",
        "_step": 5,
        "_runtime": rows[5]["_runtime"],
        "_timestamp": rows[5]["_timestamp"],
    }
    only_b = list(api_run.scan_history(keys=["a", "b"]))
    assert [r["b"] for r in only_b[:3]] == [0, -3, -6] and set(only_b[0]) == {"a", "b", "_step"}
    window = list(api_run.scan_history(keys=["a"], min_step=10, max_step=20))
    assert [r["_step"] for r in window] == list(range(10, 20))
    with pytest.raises(ValueError, match="keys argument must be a list of strings"):
        list(api_run.scan_history(keys=[1]))  # type: ignore[list-item]
