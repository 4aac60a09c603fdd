""" "Stop run" (the web app's button, wandb's ``stopRun``) stops a Runyard script too: the
run's writer polls the store, the script's main thread gets a KeyboardInterrupt (as
wandb's client does), and the run ends killed with exit code 255, everything logged
before it kept — embedded and through a real ``runyard server``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore
from tests.e2e.server import RunyardServer, client_env

SCRIPT = """
import time
import runyard
import runyard.sdk.writer

runyard.sdk.writer.STOP_POLL_SECONDS = 0.2  # (10 s by default)
run = runyard.init(project="stop", id="s1")
step = 0
while True:
    run.log({"x": float(step)})
    if step == 5:
        print("READY", flush=True)
    step += 1
    time.sleep(0.01)
"""


def _run_until_stopped(env: dict[str, str], cwd: Path, stop: Callable[[], None]) -> str:
    """Start the script, ask for the stop once it logs, and return its stderr once it
    has ended by itself (a script still running after 60 s fails the test)."""
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            line = proc.stdout.readline()
            assert line.strip() == "READY", line + proc.stderr.read()
            _stop_once_stored(stop)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err = proc.stderr.read()
    assert proc.returncode != 0, err
    return err


def _stop_once_stored(stop: Callable[[], None]) -> None:
    """Ask for the stop; the run may not be in the store yet: ask again until it is."""
    deadline = time.monotonic() + 30
    while True:
        try:
            stop()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _check_killed(store: SqlStore) -> None:
    record = store.get_run(RunRef("tester", "stop", "s1"))
    assert record is not None
    assert (record.state, record.exit_code) == ("killed", 255)
    assert record.stop_requested_at is None  # cleared when the run ended
    steps = store.read_series(record.ref, "x").steps
    assert len(steps) > 5 and list(steps) == list(range(len(steps)))  # nothing lost


def test_a_stop_asked_in_the_store_interrupts_an_embedded_run(tmp_path: Path) -> None:
    root = tmp_path / "runyard"
    env = client_env(root, "")
    uri = f"sqlite:///{root / 'runyard.db'}"

    def stop() -> None:
        store = SqlStore(uri)
        try:
            ref = RunRef("tester", "stop", "s1")
            if store.get_run(ref) is None:
                raise LookupError("not stored yet")
            store.write_batch(RunBatch(run=ref, meta={"stop_requested_at": time.time()}))
        finally:
            store.close()

    err = _run_until_stopped(env, tmp_path, stop)
    assert "was asked to stop" in err and "KeyboardInterrupt" in err
    store = SqlStore(uri)
    try:
        _check_killed(store)
    finally:
        store.close()


def test_stop_run_in_the_web_app_interrupts_an_online_run(
    tmp_path: Path, server: RunyardServer
) -> None:
    env = client_env(tmp_path / "client", server.url)

    def stop() -> None:  # what the web app's "Stop run" button sends
        request = urllib.request.Request(
            f"{server.url}/api/v1/projects/tester/stop/runs/s1/stop",
            data=b"{}",
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert "stop_requested_at" in json.loads(answer.read())

    err = _run_until_stopped(env, tmp_path, stop)
    assert "KeyboardInterrupt" in err
    store = SqlStore(server.store_uri)
    try:
        _check_killed(store)
    finally:
        store.close()
