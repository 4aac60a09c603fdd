"""``runyard export``: the runs table and histories, read back with pyarrow/pandas, hold
the values ``runyard.Api()`` gives."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import runyard
from runyard.cli.main import main
from runyard.export.project import column_values


def log_project() -> None:
    for i in range(3):
        run = runyard.init(
            project="ex",
            id=f"run{i}",
            name=f"name-{i}",
            config={"lr": 0.1 * (i + 1), "opt": {"name": "adam", "betas": [0.9, 0.99]}, "n": i},
            tags=["a", f"t{i}"],
            group="g",
        )
        for step in range(6):
            row: dict[str, Any] = {"loss": 1.0 / (step + 1) + i, "epoch": step // 2}
            if step % 3 == 0:
                row["note"] = f"s{step}"
                row["h"] = runyard.Histogram(np_histogram=([1, step], [0.0, 0.5, 1.0]))
            run.log(row)
        run.summary["best"] = {"value": i, "at": "end"}
        run.finish()


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    return pd.read_csv(path)


def same(a: Any, b: Any) -> bool:
    if isinstance(b, float) and isinstance(a, (int, float)):
        return math.isclose(a, b, rel_tol=1e-12)
    return bool(a == b)


def cell(value: Any) -> Any:
    """A cell read back: JSON text decoded where the exporter encoded it."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_runs_table_round_trip(ry_dir: Path, tmp_path: Path, fmt: str) -> None:
    log_project()
    out = tmp_path / "out"
    assert main(["export", "tester/ex", "--format", fmt, "-o", str(out), "--history", "none"]) == 0
    table = read(out / f"runs.{fmt}").set_index("id")
    api = runyard.Api()
    assert sorted(table.index) == ["run0", "run1", "run2"]
    for run in api.runs("tester/ex"):
        row = table.loc[run.id]
        assert row["name"] == run.name and row["state"] == run.state == "finished"
        assert cell(row["tags"]) == run.tags
        assert row["created_at"] == pytest.approx(run.record.created_at)
        assert same(row["config.lr"], run.config["lr"])
        assert row["config.n"] == run.config["n"]
        assert row["config.opt.name"] == "adam"
        assert cell(row["config.opt.betas"]) == run.config["opt"]["betas"]
        summary = run.summary.as_dict()
        assert same(row["summary.loss"], summary["loss"])
        assert row["summary.best.value"] == summary["best"]["value"]
        assert cell(row["summary.h"]) == summary["h"]
        assert row["summary._step"] == summary["_step"] == 5


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_long_history_round_trip(ry_dir: Path, tmp_path: Path, fmt: str) -> None:
    log_project()
    out = tmp_path / "out"
    assert main(["export", "ex", "--format", fmt, "-o", str(out)]) == 0
    frame = read(out / f"history.{fmt}")
    assert list(frame.columns) == ["run_id", "step", "key", "value", "value_json"]
    got: dict[tuple[str, int, str], Any] = {}
    for r in frame.itertuples(index=False):
        value = r.value_json if isinstance(r.value_json, str) else None
        got[(r.run_id, int(r.step), r.key)] = json.loads(value) if value else r.value
    expected: dict[tuple[str, int, str], Any] = {}
    for run in runyard.Api().runs("ex"):
        for row in run.scan_history():
            for key, value in row.items():
                if key != "_step":
                    expected[(run.id, row["_step"], key)] = value
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert same(got[k], v), (k, got[k], v)


def test_wide_history_and_filters(ry_dir: Path, tmp_path: Path) -> None:
    log_project()
    out = tmp_path / "out"
    filters = json.dumps({"config.n": {"$gte": 1}})
    argv = ["export", "ex", "--history", "wide", "--filters", filters, "-o", str(out)]
    assert main(argv) == 0
    frame = pq.read_table(out / "history.parquet").to_pandas()
    assert sorted(set(frame.run_id)) == ["run1", "run2"]
    assert sorted(pq.read_table(out / "runs.parquet").column("id").to_pylist()) == ["run1", "run2"]
    for run_id, rows in frame.groupby("run_id"):
        api_rows = list(runyard.Api().run(f"ex/{run_id}").scan_history())
        assert rows["_step"].tolist() == [r["_step"] for r in api_rows]
        for (_, mine), theirs in zip(rows.iterrows(), api_rows, strict=True):
            for key, value in theirs.items():
                assert same(cell(mine[key]), value), (run_id, key, mine[key], value)
            assert pd.isna(mine["note"]) == ("note" not in theirs)


def test_bad_arguments_name_the_value(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_project()
    assert main(["export", "ex", "--filters", "{nope", "-o", str(tmp_path)]) == 2
    assert "'{nope'" in capsys.readouterr().err
    assert main(["export", "ex", "--filters", '{"colour": 1}', "-o", str(tmp_path)]) == 2
    assert "colour" in capsys.readouterr().err


def test_column_values_one_type_per_column() -> None:
    assert column_values([1, None, 2]) == [1, None, 2]
    assert column_values([1, 2.5]) == [1.0, 2.5]
    assert column_values([True, None]) == [True, None]
    assert column_values(["a", 1]) == ['"a"', "1"]
    assert column_values([{"b": 1}, None]) == ['{"b": 1}', None]
