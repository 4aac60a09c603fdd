"""The wandb calls frameworks make beyond init/log: ``_attach``, ``require``,
``termlog``/``termwarn``/``termerror``, ``restore``, ``sweep``/``agent``, ``run._label``,
``run.get_url``, ``mark_preempting`` (issue 15)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

import runyard


def _child(attach_id: str) -> None:
    run = runyard._attach(attach_id)
    for value in (0.5, 0.25):
        run.log({"child_loss": value})
    run.config.update({"child": True})


def test_a_spawned_child_logs_into_the_parents_run(ry_dir: Path) -> None:
    run = runyard.init(project="attach", config={"lr": 0.1})
    run.log({"parent_loss": 1.0})
    attach_id = run._attach_id
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_child, args=(attach_id,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    run.finish()
    stored = runyard.Api().run(f"attach/{run.id}")
    rows = [
        {k: v for k, v in r.items() if not k.startswith("_") or k == "_step"}
        for r in stored.scan_history()
    ]
    assert rows == [
        {"_step": 0, "parent_loss": 1.0},
        {"_step": 1, "child_loss": 0.5},
        {"_step": 2, "child_loss": 0.25},
    ]
    assert stored.config["lr"] == 0.1 and stored.config["child"] is True
    assert len(runyard.Api().runs("attach")) == 1


def test_attach_in_the_same_process_returns_the_run(ry_dir: Path) -> None:
    run = runyard.init(project="attach")
    assert runyard._attach(run._attach_id) is run
    assert runyard._attach(run=run) is run
    run.finish()
    with pytest.raises(runyard.UsageError, match="invalid attach_id 'nope'"):
        runyard._attach("nope")


def test_term_functions_and_repeat(capsys: pytest.CaptureFixture[str]) -> None:
    runyard.termlog("hello")
    runyard.termwarn("careful", repeat=False)
    runyard.termwarn("careful", repeat=False)
    runyard.termerror("broken")
    runyard.termlog("raw", prefix=False, newline=False)
    err = capsys.readouterr().err
    assert err == ("runyard: hello\nrunyard: WARNING careful\nrunyard: ERROR broken\nraw")


def test_require_label_url_preempting(ry_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runyard.require("service")
    run = runyard.init(project="calls")
    run._label(code="transformers_trainer")
    assert run.get_url() == run.url
    runyard.mark_preempting()
    assert "marked as preempting" in capsys.readouterr().err
    run.finish()


def test_sweep_and_agent_say_not_supported() -> None:
    with pytest.raises(runyard.UsageError, match="sweeps are not supported by Runyard yet"):
        runyard.sweep({"method": "grid"}, project="p")
    with pytest.raises(runyard.UsageError, match="sweeps are not supported by Runyard yet"):
        runyard.agent("abc", function=print, count=1)


def test_restore_downloads_a_run_file(ry_dir: Path, tmp_path: Path) -> None:
    run = runyard.init(project="restore")
    (Path(run.dir) / "weights.txt").write_text("w=1")
    run.save(str(Path(run.dir) / "weights.txt"), base_path=run.dir)
    run.finish()
    with pytest.raises(ValueError, match="run_path required"):
        runyard.restore("weights.txt")
    target = tmp_path / "out"
    with runyard.restore("weights.txt", run_path=f"restore/{run.id}", root=str(target)) as f:
        assert f.read() == "w=1"
    (target / "weights.txt").write_text("changed")
    with runyard.restore("weights.txt", run_path=f"restore/{run.id}", root=str(target)) as f:
        assert f.read() == "changed"  # kept unless replace
    with runyard.restore(
        "weights.txt", run_path=f"restore/{run.id}", root=str(target), replace=True
    ) as f:
        assert f.read() == "w=1"
    assert runyard.restore("missing.txt", run_path=f"restore/{run.id}") is None
    resumed = runyard.init(project="restore", id=run.id, resume="must")
    (Path(resumed.dir) / "weights.txt").unlink(missing_ok=True)
    with runyard.restore("weights.txt") as f:  # the current run, into its run.dir
        assert f.name == str(Path(resumed.dir) / "weights.txt") and f.read() == "w=1"
    resumed.finish()
    disabled = runyard.init(mode="disabled")
    assert runyard.restore("weights.txt") is None
    disabled.finish()


def test_module_level_artifact_calls(ry_dir: Path, tmp_path: Path) -> None:
    """XGBoost's callback calls ``wandb.log_artifact``; Lightning ``use_artifact``."""
    model = tmp_path / "model.json"
    model.write_text("{}")
    with pytest.raises(runyard.Error, match=r"wandb\.init\(\) before wandb\.log_artifact"):
        runyard.log_artifact(str(model))
    run = runyard.init(project="arts")
    artifact = runyard.Artifact("booster", type="model")
    artifact.add_file(str(model))
    runyard.log_artifact(artifact, aliases=["best"])
    run.finish()
    stored = runyard.Api().artifact("arts/booster:best", type="model")
    assert [f.name for f in stored.files()] == ["model.json"]
    second = runyard.init(project="arts")
    assert runyard.use_artifact("booster:best").name == "booster:v0"
    second.finish()


def test_a_disabled_run_has_nothing_to_attach_to() -> None:
    import pickle

    run = runyard.init(mode="disabled")
    assert run._attach_id is None
    pickle.dumps({"_attach_id": run._attach_id})  # as Lightning's logger __getstate__
    run.finish()


ATTACH_SCRIPT = """
import multiprocessing, runyard

def child(attach_id):
    run = runyard._attach(attach_id)
    print("child line")
    run.log({"c": 1})

if __name__ == "__main__":
    run = runyard.init(project="console")
    print("parent line 1")
    run.log({"p": 1})
    attach_id = run._attach_id
    process = multiprocessing.get_context("spawn").Process(target=child, args=(attach_id,))
    process.start()
    process.join()
    print("parent line 2")
    run.finish()
    print("RUN", run.id)
"""


def test_an_attached_childs_console_joins_the_runs_output(ry_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "attach_console.py"
    script.write_text(ATTACH_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    run_id = done.stdout.split("RUN ")[-1].strip()
    stored = runyard.Api().run(f"console/{run_id}")
    # the child's session says nothing of its own (no "Resuming run" lines)
    assert stored.file("output.log").read().decode() == (
        "parent line 1\nchild line\nparent line 2\n"
    )
    assert [r.get("c", r.get("p")) for r in stored.scan_history()] == [1, 1]
