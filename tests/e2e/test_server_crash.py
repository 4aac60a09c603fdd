"""A team server is SIGKILLed in the middle of a run and restarted on the same port.

The run keeps logging to its journal while the server is gone and catches up when
it is back; the stored run has every step exactly once (a batch that was being
written when the server died is retried, and the store applies it once).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from runyard import Api
from runyard.entities import RunRef
from tests.e2e.conftest import ENTITY, Team

STEPS = 3000

TRAIN = f"""
import sys, time, runyard
run = runyard.init(project="p", id="crash", config={{"lr": 0.1}})
with open("weights.txt", "w") as f:
    f.write("w" * 1000)
for i in range({STEPS}):
    run.log({{"x": float(i), "y": i}})
    if i == 200:
        print("logging", flush=True)
    time.sleep(0.002)
run.save("weights.txt", policy="now")
run.finish()
print("finished", flush=True)
"""


def test_every_step_once_after_a_server_crash(team: Team, tmp_path: Path) -> None:
    server = team.servers[0]
    client = tmp_path / "client"
    client.mkdir()
    with subprocess.Popen(
        [sys.executable, "-c", TRAIN],
        env=team.env(client, RUNYARD_FINISH_TIMEOUT="60"),
        cwd=client,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "logging\n"
        time.sleep(1.0)  # a few batches in
        server.kill()
        killed_at = len(team.steps("crash"))
        time.sleep(1.5)  # the run keeps logging while the server is gone
        server.start()
        out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert out.strip() == "finished", err
    assert 0 < killed_at < STEPS, "the server was not killed mid-run"

    api = Api(store=server.url, api_key=team.api_key)
    try:
        check_run(api, team)
    finally:
        api.close()
    assert list((client / "journals").rglob("*.journal")) == []


def check_run(api: Api, team: Team) -> None:
    run = api.run(f"{ENTITY}/p/crash")
    rows = list(run.scan_history(keys=["x", "y"]))
    assert [r["_step"] for r in rows] == list(range(STEPS))
    assert [r["x"] for r in rows] == [float(i) for i in range(STEPS)]
    assert team.steps("crash") == list(range(STEPS))  # PostgreSQL itself, no duplicates
    assert run.state == "finished" and run.config == {"lr": 0.1}
    assert run.summary["x"] == STEPS - 1
    assert run.file("weights.txt").read() == b"w" * 1000  # through S3
    record = api.store.get_run(RunRef(ENTITY, "p", "crash"))
    assert record is not None and record.last_step == STEPS - 1
