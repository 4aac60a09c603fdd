"""Resume, rewind, fork, crashes, kills and many processes at once.

What was stored is checked from a fresh store or process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.errors import CommError, UsageError
from tests.helpers import run_script


def api_run(path: str) -> Any:
    return runyard.Api().run(path)


def test_resume_continues_steps_aggregates_and_runtime(ry_dir: Path) -> None:
    run = runyard.init(project="p", id="resumable", config={"lr": 0.1})
    run.define_metric("x", summary="max,mean")
    for i in range(10):
        run.log({"x": i})
    run.finish()
    first_runtime = api_run(run.path).record.runtime

    with pytest.raises(UsageError, match="'never' is not a valid option"):
        runyard.init(project="p", id="resumable", resume="never")
    with pytest.raises(UsageError, match="already exists"):
        runyard.init(project="p", id="resumable")
    with pytest.raises(UsageError, match="'must' is not a valid option"):
        runyard.init(project="p", id="missing", resume="must")

    again = runyard.init(project="p", id="resumable", resume="must", config={"batch": 8})
    assert again.resumed and again.step == 10 and again.config.lr == 0.1
    for i in range(10, 20):
        again.log({"x": i})
    assert again.summary["x"] == {"max": 19, "mean": 9.5}  # wandb#9684: not 9
    again.finish()
    stored = api_run(again.path)
    assert [r["_step"] for r in stored.scan_history(keys=["x"])] == list(range(20))
    assert stored.summary["x"] == {"max": 19, "mean": 9.5}
    assert stored.config == {"lr": 0.1, "batch": 8}
    assert stored.record.sessions == 2 and stored.state == "finished"
    runtimes = [r["_runtime"] for r in stored.scan_history(keys=["_runtime"])]
    assert runtimes[10] >= first_runtime - 1e-6  # runtime accumulates across sessions


def test_resume_allow_creates_or_continues(ry_dir: Path) -> None:
    run = runyard.init(project="p", id="maybe", resume="allow")
    assert not run.resumed
    run.log({"a": 1})
    run.finish()
    run = runyard.init(project="p", id="maybe", resume=True)
    assert run.resumed and run.step == 1
    run.finish()


def test_resume_from_rewinds_history(ry_dir: Path) -> None:
    run = runyard.init(project="p", id="rewind")
    run.define_metric("loss", summary="min")
    for i in range(10):
        run.log({"loss": 10.0 - i})
    run.finish()
    again = runyard.init(project="p", resume_from="rewind?_step=4")
    assert again.id == "rewind" and again.step == 5
    again.log({"loss": 100.0})
    again.finish()
    stored = api_run(again.path)
    assert [(r["_step"], r["loss"]) for r in stored.scan_history(keys=["loss"])] == [
        (0, 10.0),
        (1, 9.0),
        (2, 8.0),
        (3, 7.0),
        (4, 6.0),
        (5, 100.0),
    ]
    assert stored.summary["loss"] == {"min": 6.0}  # 1.0 was logged after the rewind point
    with pytest.raises(ValueError, match="resume_from must look like"):
        runyard.init(project="p", resume_from="rewind")


def test_fork_from_copies_history_up_to_the_step(ry_dir: Path) -> None:
    parent = runyard.init(project="p", id="parent", config={"lr": 1})
    for i in range(10):
        parent.log({"acc": i / 10})
    parent.finish()
    child = runyard.init(project="p", fork_from="parent?_step=3", config={"lr": 2})
    assert child.id != "parent" and child.step == 4
    child.log({"acc": 0.99})
    child.finish()
    stored = api_run(child.path)
    assert [r["acc"] for r in stored.scan_history(keys=["acc"])] == [0.0, 0.1, 0.2, 0.3, 0.99]
    assert stored.config == {"lr": 2}
    assert stored.record.forked_from == "tester/p/parent?_step=3"
    assert len(list(api_run(parent.path).scan_history())) == 10
    with pytest.raises(UsageError, match="does not exist"):
        runyard.init(project="p", fork_from="ghost?_step=1")


KILLED_AFTER_LOG = """
import os, sys, runyard
run = runyard.init(project="p", id="victim")
run.define_metric("loss", summary="min")
for i in range(int(sys.argv[1])):
    run.log({"loss": 1.0 / (i + 1), "i": i})
run.summary["note"] = "kept"
print("logged", flush=True)
os.kill(os.getpid(), 9)
"""


def test_sigkill_right_after_log_loses_nothing(ry_dir: Path) -> None:
    result = run_script(KILLED_AFTER_LOG, ry_dir, "5000")
    assert result.returncode == -signal.SIGKILL and "logged" in result.stdout
    run = api_run("tester/p/victim")  # opening the store replays the journal
    rows = list(run.scan_history(keys=["i"]))
    assert [r["i"] for r in rows] == list(range(5000))
    assert run.state == "crashed"
    assert run.summary["loss"] == {"min": 1.0 / 5000} and run.summary["note"] == "kept"
    assert not list((ry_dir / "journals").glob("*.journal"))
    # a later resume continues the crashed run
    again = runyard.init(project="p", id="victim", resume="allow")
    assert again.step == 5000
    again.finish()
    assert api_run("tester/p/victim").state == "finished"


def test_sigterm_marks_the_run_killed(ry_dir: Path) -> None:
    code = textwrap.dedent(
        """
        import time, runyard
        run = runyard.init(project="p", id="termed")
        run.log({"a": 1})
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
    env.update(RUNYARD_DIR=str(ry_dir), RUNYARD_ENTITY="tester")
    with subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 128 + signal.SIGTERM
    run = api_run("tester/p/termed")
    assert run.state == "killed" and run.record.exit_code == 128 + signal.SIGTERM
    assert [r["a"] for r in run.scan_history(keys=["a"])] == [1]


def test_uncaught_exception_marks_the_run_failed(ry_dir: Path) -> None:
    result = run_script(
        "import runyard\nrun = runyard.init(project='p', id='boom')\nrun.log({'a': 1})\n"
        "raise ValueError('bad')",
        ry_dir,
    )
    assert result.returncode == 1 and "ValueError: bad" in result.stderr
    run = api_run("tester/p/boom")
    assert run.state == "failed" and run.record.exit_code == 1


def test_script_without_finish_is_finished_at_exit(ry_dir: Path) -> None:
    result = run_script(
        "import runyard\nrunyard.init(project='p', id='lazy')\nrunyard.log({'a': 1})", ry_dir
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr  # no finish timeout was hit
    # the exiting process stored everything itself: no journal is left to replay
    assert not list((ry_dir / "journals").glob("*.journal"))
    run = api_run("tester/p/lazy")
    assert run.state == "finished" and run.summary["a"] == 1


CONCURRENT = """
import sys, runyard
n = int(sys.argv[1])
run = runyard.init(project="many", id=f"proc{n}")
for i in range(2000):
    run.log({"v": i * n, "w": float(i)})
run.finish()
"""


@pytest.mark.slow
def test_eight_processes_logging_at_once_lose_nothing(ry_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
    env.update(RUNYARD_DIR=str(ry_dir), RUNYARD_ENTITY="tester")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(n)], env=env, stderr=subprocess.PIPE, text=True
        )
        for n in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert "locked" not in err and "WARNING" not in err, err
    api = runyard.Api()
    runs = api.runs("tester/many")
    assert len(runs) == 8
    for n in range(8):
        rows = list(api.run(f"tester/many/proc{n}").scan_history(keys=["v", "w"]))
        assert [r["v"] for r in rows] == [i * n for i in range(2000)]
        assert api.run(f"tester/many/proc{n}").state == "finished"


BROKEN_STORE = """
import runyard
run = runyard.init(project="p", settings={"finish_timeout": 2})
for i in range(100):
    run.log({"v": i})
run.finish()
print("done", flush=True)
"""


def test_store_failure_warns_once_and_keeps_the_journal(ry_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's directory should be")
    env_code = (
        f"import os; os.environ['RUNYARD_STORE'] = 'sqlite:///{blocker}/sub/runyard.db'\n"
        + BROKEN_STORE
    )
    result = run_script(env_code, ry_dir)
    assert result.returncode == 0 and "done" in result.stdout
    assert result.stderr.count("could not open the store") == 1, result.stderr
    assert "kept in" in result.stderr
    # the run's journal is kept, with the side journal of its console and system metrics
    kept = sorted(p.name for p in (ry_dir / "journals").glob("*.journal"))
    assert len(kept) == 2 and kept[1] == kept[0].replace(".journal", ".side.journal")
    (run,) = runyard.Api().runs("tester/p")  # the healthy store replays the journal
    assert [r["v"] for r in run.scan_history(keys=["v"])] == list(range(100))
    assert run.state == "finished"


def test_init_that_must_read_a_broken_store_raises(ry_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CommError, match="could not read the store"):
        runyard.init(project="p", id="x", settings={"store": f"sqlite:///{blocker}/db/r.db"})


def test_writer_keeps_up_with_30_000_logs(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    for i in range(30_000):
        run.log({"a": float(i), "b": i})
    run.finish()  # (how fast log() is, bench/ measures; a test only sees it finish)
    assert len(list(api_run(run.path).scan_history(keys=["a"]))) == 30_000


def test_resume_auto_continues_only_an_unfinished_run(ry_dir: Path) -> None:
    code = (
        "import os, runyard\nrun = runyard.init(project='p', resume='auto')\n"
        "print(run.id, run.step, flush=True)\nrun.log({'a': 1})\n"
        "if os.environ.get('CRASH'):\n    os.kill(os.getpid(), 9)\n"
    )
    crashed = run_script("import os; os.environ['CRASH'] = '1'\n" + code, ry_dir)
    first_id = crashed.stdout.split()[0]
    resumed = run_script(code, ry_dir)
    assert resumed.stdout.split() == [first_id, "1"], resumed.stderr
    fresh = run_script(code, ry_dir)  # the resumed run finished: start a new one
    assert fresh.stdout.split()[0] != first_id and fresh.stdout.split()[1] == "0"


def test_keyboard_interrupt_marks_the_run_killed(ry_dir: Path) -> None:
    result = run_script(
        "import runyard\nrun = runyard.init(project='p', id='ctrlc')\nrun.log({'a': 1})\n"
        "raise KeyboardInterrupt",
        ry_dir,
    )
    assert result.returncode != 0
    run = api_run("tester/p/ctrlc")
    assert run.state == "killed" and run.summary["a"] == 1
