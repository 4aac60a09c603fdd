"""``Runs.histories``: every run's sampled history with its run_id, as wandb's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import runyard


def log_runs() -> None:
    for i in range(3):
        run = runyard.init(project="h", id=f"r{i}", config={"i": i})
        for step in range(5):
            row: dict[str, object] = {"loss": float(10 * i + step)}
            if i == 1:
                row["extra"] = step  # a key only one run has
            run.log(row)
        run.finish()
    runyard.init(project="h", id="empty").finish()  # no history: left out


def test_histories_default_lists_rows_with_run_id(ry_dir: Path) -> None:
    log_runs()
    rows = runyard.Api().runs("h").histories(keys=["loss"])
    got = sorted((r["run_id"], r["_step"], r["loss"]) for r in rows)
    assert got == [(f"r{i}", s, float(10 * i + s)) for i in range(3) for s in range(5)]


def test_histories_pandas_sorted_columns_equal_each_runs_history(ry_dir: Path) -> None:
    log_runs()
    api = runyard.Api()
    frame = api.runs("h").histories(samples=500, format="pandas")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == sorted(frame.columns)
    assert list(frame.index) == list(range(15))
    for run_id in ("r0", "r1", "r2"):
        mine = frame[frame.run_id == run_id].drop(columns="run_id").dropna(axis=1, how="all")
        theirs = api.run(f"h/{run_id}").history(samples=500)
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True)[sorted(theirs.columns)],
            theirs[sorted(theirs.columns)],
            check_dtype=False,
        )
    assert frame[frame.run_id == "r1"]["extra"].tolist() == [0, 1, 2, 3, 4]


def test_histories_polars_stacks_runs_with_different_keys(ry_dir: Path) -> None:
    log_runs()
    frame = runyard.Api().runs("h").histories(keys=["loss"], format="polars")
    assert isinstance(frame, pl.DataFrame)
    assert frame.columns == sorted(frame.columns)
    assert frame.filter(pl.col("run_id") == "r2")["loss"].to_list() == [
        20.0,
        21.0,
        22.0,
        23.0,
        24.0,
    ]
    everything = runyard.Api().runs("h").histories(format="polars")
    assert everything.filter(pl.col("run_id") == "r1")["extra"].to_list() == [0, 1, 2, 3, 4]
    assert everything.filter(pl.col("run_id") == "r0")["extra"].null_count() == 5


def test_histories_empty_and_bad_format(ry_dir: Path) -> None:
    runyard.init(project="none").finish()
    runs = runyard.Api().runs("none")
    assert runs.histories() == []
    assert runs.histories(format="pandas").empty
    assert runs.histories(format="polars").is_empty()
    with pytest.raises(ValueError, match="'arrow'"):
        runs.histories(format="arrow")
