"""``runyard import mlflow``: an MLflow file store and an MLflow SQLite store, written by
MLflow itself in a fresh process → import → every param, metric point (step and
timestamp), tag, status, time and artifact equal; a second import adds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import runyard
from runyard.cli.main import main
from runyard.importers.mlflow import param_value

WRITE = """
import sys, mlflow
mlflow.set_tracking_uri(sys.argv[1])
folder = sys.argv[2]
mlflow.set_experiment("exp/one")
with mlflow.start_run(run_name="good") as run:
    mlflow.log_params({"lr": 0.1, "opt": "adam", "layers": 3, "flag": True, "tiny": 1e-05})
    for s in range(5):
        mlflow.log_metric("loss", 1.0 / (s + 1), step=s, timestamp=1_700_000_000_000 + s * 500)
        if s % 2 == 0:
            mlflow.log_metric("acc", s / 10, step=s, timestamp=1_700_000_000_000 + s * 500 + 7)
    mlflow.log_metric("loss", 9.0, step=4, timestamp=1_700_000_009_000)  # again at step 4
    mlflow.set_tags({"team": "vision", "note": ""})
    mlflow.set_tag("mlflow.note.content", "a note")
    open(f"{folder}/a.txt", "w").write("hello")
    open(f"{folder}/b.bin", "wb").write(bytes(range(256)))
    mlflow.log_artifact(f"{folder}/a.txt")
    mlflow.log_artifact(f"{folder}/b.bin", artifact_path="sub/dir")
with mlflow.start_run(run_name="bad"):
    mlflow.log_param("lr", 1)
    mlflow.end_run(status="FAILED")
with mlflow.start_run(run_name="gone") as gone:
    pass
mlflow.tracking.MlflowClient().delete_run(gone.info.run_id)
print(run.info.run_id)
"""


def write_store(kind: str, tmp_path: Path) -> tuple[str, str]:
    uri = f"file://{tmp_path}/mlruns" if kind == "file" else f"sqlite:///{tmp_path}/mlflow.db"
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}
    result = subprocess.run(
        [sys.executable, "-c", WRITE, uri, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return uri, result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_mlflow_store_round_trip(
    ry_dir: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    uri, run_id = write_store(kind, tmp_path)
    assert main(["import", "mlflow", "--tracking-uri", uri, "--experiment", "exp/one"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 runs" in out
    assert "skipped 1 in exp-one: deleted MLflow runs" in out
    assert "skipped 1 in exp-one/good: metric 'loss': points at a step already logged" in out

    api = runyard.Api()
    runs = {r.name: r for r in api.runs("exp-one")}
    assert sorted(runs) == ["bad", "good"]
    good = runs["good"]
    assert good.id == f"mlflow-{run_id}"
    assert good.config == {"lr": 0.1, "opt": "adam", "layers": 3, "flag": True, "tiny": 1e-05}
    assert good.state == "finished" and runs["bad"].state == "failed"
    assert runs["bad"].config == {"lr": 1}
    assert good.tags == ["note", "team=vision"] and good.notes == "a note"
    rows = list(good.scan_history())
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["loss"] for r in rows] == [1.0, 0.5, 1 / 3, 0.25, 9.0]
    assert [r.get("acc") for r in rows] == [0.0, None, 0.2, None, 0.4]
    assert [r["_timestamp"] for r in rows] == [1_700_000_000 + s / 2 for s in range(5)]
    assert good.summary["loss"] == 9.0 and good.summary["acc"] == 0.4
    assert good.record.metadata["mlflow"]["tags"]["team"] == "vision"
    assert good.file("a.txt").read() == b"hello"
    assert good.file("sub/dir/b.bin").read() == bytes(range(256))

    # Twice adds nothing.
    assert main(["import", "mlflow", "--tracking-uri", uri]) == 0
    assert "imported 0 runs (0 points), 2 already imported and unchanged" in capsys.readouterr().out
    assert len(runyard.Api().runs("exp-one")) == 2
    assert list(runyard.Api().run(f"exp-one/mlflow-{run_id}").scan_history()) == rows


def test_unknown_experiment_is_named(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri, _ = write_store("sqlite", tmp_path)
    assert main(["import", "mlflow", "--tracking-uri", uri, "--experiment", "nope"]) == 2
    assert "'nope'" in capsys.readouterr().err


def test_param_values() -> None:
    assert param_value("3") == 3 and param_value("0.1") == 0.1 and param_value("True") is True
    assert param_value("1e-3") == "1e-3" and param_value("007") == "007"
    assert param_value("adam") == "adam"
