"""``runyard import export``: export → import → identical (issue 19). A project logged
with every kind of config, summary and history value is exported (Parquet and CSV, long
and wide histories), imported into another project, and read back through
``runyard.Api()`` equal to the original; importing again adds nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.export.project import export_project
from runyard.importers.export import import_export
from runyard.store.registry import shared_store


def log_project() -> list[str]:
    ids = []
    for i in range(3):
        run = runyard.init(
            project="src",
            id=f"run{i}",
            name=f"name {i}",
            group="g",
            job_type="train",
            tags=["a", f"t{i}"],
            notes=f"notes {i}",
            config={
                "lr": 0.1 * (i + 1),
                "n": i,
                "flag": i % 2 == 0,
                "code": "007",  # text that looks like a number
                "opt": {"name": "adam", "betas": [0.9, 0.99]},
                "layers": [64, 32],
                "mixed": 1 if i else "one",
            },
        )
        for step in range(20):
            row: dict[str, Any] = {"loss": 1.0 / (step + 1) + i, "epoch": step // 5}
            if step % 4 == 0:
                row["phase"] = f"p{step}"
                row["big"] = 2**60 + step  # an int a float64 cannot hold exactly
            run.log(row)
        run.summary["best"] = {"value": i, "at": "end"}
        run.summary["ratio"] = 0.5 + i
        run.finish()
        ids.append(run.id)
    return ids


def snapshot(api: runyard.Api, path: str) -> dict[str, Any]:
    out = {}
    for run in api.runs(path):
        history = list(run.scan_history())
        out[run.id] = {
            "name": run.name,
            "state": run.state,
            "group": run.group,
            "job_type": run.job_type,
            "tags": list(run.tags),
            "notes": run.notes,
            "config": run.config,
            "summary": {k: v for k, v in run.summary.as_dict().items() if k != "_wandb"},
            "history": history,
        }
    return out


@pytest.mark.parametrize(
    ("fmt", "shape"), [("parquet", "long"), ("csv", "long"), ("parquet", "wide"), ("csv", "wide")]
)
def test_export_then_import_is_identical(
    ry_dir: Path, tmp_path: Path, fmt: str, shape: str
) -> None:
    log_project()
    api = runyard.Api()
    out = tmp_path / "out"
    export_project(api, "tester/src", out, fmt, history=shape)  # type: ignore[arg-type]
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["format"] == "runyard-export/1" and manifest["history_shape"] == shape

    store = shared_store(f"sqlite:///{ry_dir / 'runyard.db'}")
    report = import_export(out, store, "tester", "copy")
    assert sorted(report.imported) == ["copy/run0", "copy/run1", "copy/run2"]
    api = runyard.Api()
    original, copied = snapshot(api, "tester/src"), snapshot(api, "tester/copy")
    for run_id, want in original.items():
        for field, value in want.items():
            assert copied[run_id][field] == value, (run_id, field)
    assert copied["run0"]["config"]["code"] == "007" and copied["run1"]["config"]["mixed"] == 1
    assert copied["run0"]["history"][0]["big"] == 2**60  # every digit

    again = import_export(out, store, "tester", "copy")
    assert again.imported == [] and len(again.unchanged) == 3
    assert snapshot(runyard.Api(), "tester/copy") == original


def test_an_existing_run_of_another_origin_is_not_overwritten(ry_dir: Path, tmp_path: Path) -> None:
    log_project()
    out = tmp_path / "out"
    export_project(runyard.Api(), "tester/src", out, "parquet")
    store = shared_store(f"sqlite:///{ry_dir / 'runyard.db'}")
    with pytest.raises(ValueError, match=r"tester/src/run\d exists and was not imported"):
        import_export(out, store, "tester", "src")
    with pytest.raises(ValueError, match=r"holds no export\.json"):
        import_export(tmp_path, store, "tester", "copy")


def test_the_cli_round_trip(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``runyard export … -o DIR`` then ``runyard import export DIR --to-project copy``."""
    from runyard.cli.main import main

    log_project()
    out = tmp_path / "out"
    assert main(["export", "tester/src", "--format", "csv", "-o", str(out)]) == 0
    assert main(["import", "export", str(out), "--to-project", "copy", "--quiet"]) == 0
    assert "imported 3 runs" in capsys.readouterr().out
    api = runyard.Api()
    assert snapshot(api, "tester/copy") == snapshot(api, "tester/src")
    assert main(["import", "export", str(out), "--to-project", "copy", "--quiet"]) == 0
    assert "0 runs" in capsys.readouterr().out
    assert main(["import", "export", str(tmp_path / "nothing"), "--quiet"]) == 2
    assert "holds no export.json" in capsys.readouterr().err
