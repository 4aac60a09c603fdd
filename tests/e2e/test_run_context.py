"""Issue 13's "done when", end to end: a real script's console (print, stderr,
``os.write``, a subprocess, a tqdm bar) survives SIGKILL into ``output.log``, embedded
and through a real ``runyard server``; system metrics rows with CPU, memory, disk and
network keys; metadata with git fields and a ``diff.patch`` that applies.

Scripts run as users run them (fresh processes, settings from the environment); the
sampling interval is shortened through ``WANDB_X_STATS_SAMPLING_INTERVAL`` instead of
waiting 40 seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import runyard
from tests.e2e.server import RunyardServer, client_env
from tests.helpers import METADATA_OFF

PRINTS = r"""
import os, subprocess, sys, time
import runyard
from tqdm import tqdm

run = runyard.init(project="ctx", id="k1")
print("from print")
print("\x1b[31mred on stderr\x1b[0m", file=sys.stderr)
os.write(1, b"from os.write\n")
subprocess.run([sys.executable, "-c", "print('from a subprocess')"], check=True)
for _ in tqdm(range(40), file=sys.stderr, ncols=60, mininterval=0):
    pass
for i in range(200):
    print(f"line {i}")
run.log({"x": 1.0})
print("READY", flush=True)
time.sleep(120)
"""

EXPECTED = [
    "from print",
    "\x1b[31mred on stderr\x1b[0m",
    "from os.write",
    "from a subprocess",
    *[f"line {i}" for i in range(200)],
    "READY",
]


def _kill_when_ready(code: str, env: dict[str, str], cwd: Path) -> str:
    """Run ``code`` until it prints READY, then SIGKILL it; its stdout so far."""
    seen: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            for line in proc.stdout:
                seen.append(line)
                if line.strip() == "READY":
                    break
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            err = proc.stderr.read()
        assert seen and seen[-1].strip() == "READY", f"ended before READY: {seen}\n{err}"
        assert proc.returncode == -signal.SIGKILL
    return "".join(seen)


def _check_output_log(text: str) -> None:
    lines = text.splitlines()
    others = [line for line in lines if "it/s]" not in line and "%|" not in line]
    assert others == EXPECTED, text[:2000]
    bars = [line for line in lines if "%|" in line]
    assert len(bars) == 1, bars  # one line, as a terminal shows it
    assert bars[0].startswith("100%|") and "40/40" in bars[0], bars


def test_console_survives_sigkill_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "runyard"
    env = client_env(root, "", RUNYARD_CONSOLE="redirect")
    env.pop("RUNYARD_BASE_URL")
    _kill_when_ready(PRINTS, env, tmp_path)
    for name, value in env.items():
        if name.startswith("RUNYARD_"):
            monkeypatch.setenv(name, value)
    api = runyard.Api()  # replays what the killed run left in its journals
    try:
        run = api.run("tester/ctx/k1")
        assert run.state == "crashed"
        _check_output_log(run.file("output.log").read().decode())
        assert [line.text for line in run.logs(search="SUBPROCESS")] == ["from a subprocess"]
    finally:
        api.close()


def test_console_survives_sigkill_through_the_server(tmp_path: Path, server: RunyardServer) -> None:
    root = tmp_path / "client"
    env = client_env(root, server.url, RUNYARD_CONSOLE="redirect")
    _kill_when_ready(PRINTS, env, tmp_path)
    # What the writers had not sent yet waits in the journals: runyard sync sends it.
    sync = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sync.returncode == 0, sync.stdout + sync.stderr
    api = runyard.Api(store=server.url)
    try:
        run = api.run("tester/ctx/k1")
        _check_output_log(run.file("output.log").read().decode())
        assert "output.log" in [f.name for f in run.files()]
    finally:
        api.close()


SAMPLED = """
import time
import runyard

run = runyard.init(project="ctx", id="s1")
for i in range(40):
    run.log({"x": float(i)})
    time.sleep(0.05)
run.finish()
"""


def test_system_metrics_rows_with_cpu_memory_disk_and_network(tmp_path: Path) -> None:
    root = tmp_path / "runyard"
    env = client_env(root, "", WANDB_X_STATS_SAMPLING_INTERVAL="0.2")
    env.pop("RUNYARD_BASE_URL")
    result = subprocess.run(
        [sys.executable, "-c", SAMPLED], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    api = runyard.Api(store=f"sqlite:///{root / 'runyard.db'}")
    try:
        rows = api.run("tester/ctx/s1").history(stream="system", pandas=False)
    finally:
        api.close()
    assert len(rows) >= 3
    keys = set().union(*rows)
    for key in (
        "system.cpu",
        "system.memory_percent",
        "system.proc.memory.rssMB",
        "system.disk./.usagePercent",
        "system.network.sent",
        "system.network.recv",
    ):
        assert key in keys, sorted(keys)
    runtimes = [row["_runtime"] for row in rows]
    assert runtimes == sorted(runtimes)


GIT_SCRIPT = """
import runyard

run = runyard.init(project="ctx", id="g1")
run.log({"x": 1.0})
run.finish()
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_metadata_has_git_fields_and_diff_patch_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.org")
    _git(repo, "config", "user.name", "T")
    _git(repo, "remote", "add", "origin", "https://example.org/team/repo.git")
    (repo / "train.py").write_text(GIT_SCRIPT)
    (repo / "model.py").write_text("LAYERS = 2\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    commit = _git(repo, "rev-parse", "HEAD").strip()
    (repo / "model.py").write_text("LAYERS = 3  # uncommitted\n")
    root = tmp_path / "runyard"
    env = client_env(root, "")
    env.pop("RUNYARD_BASE_URL")
    for name in METADATA_OFF:  # the git state is what this test is about
        env.pop(name)
    result = subprocess.run(
        [sys.executable, "train.py", "--lr", "0.1"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    monkeypatch.setenv("RUNYARD_DIR", str(root))  # its store and its files
    api = runyard.Api()
    try:
        run = api.run("tester/ctx/g1")
        meta = run.metadata
        patch = run.file("diff.patch").read()
    finally:
        api.close()
    assert meta["git"]["commit"] == commit
    assert meta["git"]["branch"] == "main"
    assert meta["git"]["remote"] == "https://example.org/team/repo.git"
    assert meta["args"] == ["--lr", "0.1"]
    assert meta["program"].endswith("train.py")
    for field in ("python", "os", "host", "executable", "startedAt", "cpu_count"):
        assert meta.get(field), (field, meta)
    # diff.patch takes a clean checkout of the commit to the script's working tree.
    clean = tmp_path / "clean"
    _git(tmp_path, "clone", "-q", str(repo), str(clean))
    (tmp_path / "diff.patch").write_bytes(patch)
    _git(clean, "apply", str(tmp_path / "diff.patch"))
    assert (clean / "model.py").read_text() == "LAYERS = 3  # uncommitted\n"
