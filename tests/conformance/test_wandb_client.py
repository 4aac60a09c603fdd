"""The unchanged ``wandb==0.31.0`` client logs into ``runyard server`` (issue 16).

Every scenario runs the real client (its Go core included) in ``.venv-wandb`` against
a ``runyard server`` with accounts over PostgreSQL and S3, with a Runyard API key as
``WANDB_API_KEY``, and checks what the server stored through ``runyard.Api`` — never
the client's exit code alone, since wandb exits 0 when its data was silently lost.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import time

from runyard import Api
from runyard.entities import RunRef
from tests import seed004
from tests.conformance.conftest import ENTITY, WandbClient
from tests.e2e.conftest import Team
from tests.test_seeds import snippets


def _run(api: Api, project: str, run_id: str):  # type: ignore[no-untyped-def]
    return api.run(f"{ENTITY}/{project}/{run_id}")


def _runs(api: Api, project: str) -> list:  # type: ignore[type-arg]
    return list(api.runs(f"{ENTITY}/{project}"))


def _steps(run, key: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [r["_step"] for r in run.scan_history(keys=[key])]


def test_seed_000_and_002_loops_with_define_metric(
    client: WandbClient, team: Team, api: Api
) -> None:
    server = team.servers[0]
    (metric_loop,) = [s for s in snippets("000") if "define_metric" in s]
    client.check(metric_loop, server, WANDB_PROJECT="seed-000")
    loop, config = snippets("002")
    client.check(loop, server)
    client.check(config, server)

    (run,) = _runs(api, "seed-000")
    random.seed(1)  # what the document's loop draws
    losses, accs = [], []
    for i in range(10):
        losses.append(random.uniform(0, 1 / (i + 1)))
        accs.append(random.uniform(1 / (i + 1), 1))
    assert run.state == "finished"
    assert run.summary["loss"] == {"min": min(losses)}
    assert run.summary["acc"] == {"max": max(accs)}
    assert [r["loss"] for r in run.scan_history(keys=["loss"])] == losses
    assert _steps(run, "acc") == list(range(10))
    # define_metric arrives as Runyard's definitions (the web app pins loss.min)
    assert {(m["name"], tuple(m["summary"])) for m in run.record.metrics} == {
        ("loss", ("min",)),
        ("acc", ("max",)),
    }

    runs = _runs(api, "basic-intro")
    assert len(runs) == 2
    logged = next(r for r in runs if "acc" in r.summary)
    assert _steps(logged, "acc") == list(range(8))
    assert isinstance(logged.summary["acc"], float) and logged.summary["_step"] == 7
    configured = next(r for r in runs if "acc" not in r.summary)
    shown = {k: v for k, v in configured.config.items() if not k.startswith("_")}
    assert shown == {"learning_rate": 0.01, "batch_size": 32, "optimizer": "adam"}
    assert all(r.state == "finished" for r in runs)


SEED_004 = (
    seed004.PRELUDE
    + r"""
import json, re, sys
import matplotlib.pyplot
for index, code in enumerate(json.loads(sys.argv[1])):
    namespace = {k: v for k, v in globals().items() if not k.startswith("__")}
    exec(compile(code, f"<seed 004 block {index}>", "exec"), namespace)
    matplotlib.pyplot.close("all")
"""
)


#: wandb 0.31's ``pr_curve``/``roc_curve`` index ``y_probas[:, class]``: the seed's
#: one-dimensional example scores raise IndexError in wandb itself (Runyard takes
#: them as the positive class's probability), so blocks 5 and 6 get the same scores
#: as two columns for the real client.
_SCORES = "predictions = [0.1, 0.4, 0.35, 0.8]"
_PROBAS = "predictions = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]"


def test_seed_004_every_chart(client: WandbClient, team: Team, api: Api) -> None:
    blocks = [
        re.sub(r'project="[^"]*"', 'project="seed-004"', b).replace(_SCORES, _PROBAS)
        for b in seed004.blocks()
    ]
    client.check(SEED_004, team.servers[0], json.dumps(blocks), WANDB_PROJECT="seed-004")
    runs = _runs(api, "seed-004")
    assert len(runs) == len(seed004.SEED_004_PANELS)
    found = []
    for run in runs:
        assert run.state == "finished"
        visualize = (run.config.get("_wandb") or {}).get("visualize") or {}
        if visualize:
            ((key, chart),) = visualize.items()
            table = run.summary[f"{key}_table"]
            assert table["_type"] == "table-file"
            data = json.loads(run.file(table["path"]).read())  # the bytes, through S3
            assert data["data"], key
            found.append((key, "chart:" + chart["panel_config"]["panelDefId"]))
            continue
        (key,) = [k for k in run.summary.as_dict() if not k.startswith("_")]
        value = run.summary[key]
        payload = json.loads(run.file(value["path"]).read())
        if value["_type"] == "table-file":
            # A table's Html cells travel in wandb's run_table artifact (stored as an
            # artifact of the run): the run's own table file names the cell type.
            assert payload["data"] == [["Html"]], payload
        else:
            assert payload["data"], payload  # the matplotlib figure as Plotly
        found.append((key, value["_type"]))
    assert sorted(found) == sorted(seed004.SEED_004_PANELS.values())


RESUME = """
import sys, wandb
run = wandb.init(project="p", id=sys.argv[1], resume=sys.argv[2], config={"lr": 0.1})
start = int(sys.argv[3])
for i in range(start, start + 5):
    run.log({"x": float(i)})
run.summary["session"] = start
run.finish()
print(run.resumed, run.starting_step)
"""


def test_resume_allow_and_must(client: WandbClient, team: Team, api: Api) -> None:
    server = team.servers[0]
    assert client.check(RESUME, server, "res1", "allow", "0").split() == ["False", "0"]
    assert client.check(RESUME, server, "res1", "must", "5").split() == ["True", "5"]
    assert client.check(RESUME, server, "res1", "allow", "10").split() == ["True", "10"]
    run = _run(api, "p", "res1")
    rows = list(run.scan_history(keys=["x"]))
    assert [r["_step"] for r in rows] == list(range(15))
    assert [r["x"] for r in rows] == [float(i) for i in range(15)]
    assert run.state == "finished" and run.summary["session"] == 10
    assert run.config["lr"] == 0.1

    missing = client.run(RESUME, server, "nosuchrun", "must", "0")
    assert missing.returncode != 0
    assert api.store.get_run(RunRef(ENTITY, "p", "nosuchrun")) is None


OFFLINE = """
import wandb
run = wandb.init(project="p", id="offline1", mode="offline", config={"k": 3})
for i in range(20):
    run.log({"x": float(i), "y": i})
    print("line", i)
run.summary["best"] = 7
run.finish()
"""


def test_offline_run_synced_twice_lands_once(client: WandbClient, team: Team, api: Api) -> None:
    server = team.servers[0]
    client.check(OFFLINE, server)
    (folder,) = (client.root / "wandb").glob("offline-run-*")
    wandb_cli = str(client.python.parent / "wandb")
    for _ in range(2):
        for marker in folder.glob("*.synced"):
            marker.unlink()  # make the second sync send everything again
        done = subprocess.run(
            [wandb_cli, "sync", str(folder)],
            env=client.env(server),
            cwd=client.root,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    run = _run(api, "p", "offline1")
    assert _steps(run, "x") == list(range(20))
    assert [r["y"] for r in run.scan_history(keys=["y"])] == list(range(20))
    assert run.summary["best"] == 7 and run.config["k"] == 3
    assert run.state == "finished"
    lines = [line.text for line in run.logs()]
    assert [t for t in lines if t.startswith("line ")] == [f"line {i}" for i in range(20)]
    assert team.steps("offline1") == list(range(20))  # PostgreSQL itself: no duplicates


LOGGED = """
import wandb
run = wandb.init(project="p", id="apirun", config={"lr": 0.5}, tags=["a"])
for i in range(30):
    run.log({"loss": 1.0 / (i + 1), "i": i})
with open("notes.txt", "w") as f:
    f.write("hello")
run.save("notes.txt", policy="now")
run.finish()
"""

READ = """
import json, wandb
api = wandb.Api()
run = api.run("root/p/apirun")
out = {
    "state": run.state,
    "config": {k: v for k, v in run.config.items()},
    "tags": run.tags,
    "summary_loss": run.summary["loss"],
    "history": [r["loss"] for r in run.history(keys=["loss"], pandas=False)],
    "scan": [r["_step"] for r in run.scan_history(keys=["i"])],
    "scan_all": len(list(run.scan_history())),
    "files": sorted(f.name for f in run.files()),
    "runs": [r.id for r in api.runs("root/p")],
    "filtered": [r.id for r in api.runs("root/p", filters={"config.lr": 0.5})],
}
run.file("notes.txt").download(root="dl", replace=True)
out["notes"] = open("dl/notes.txt").read()
run.summary["edited"] = 5
run.summary.update()
run.tags = ["a", "b"]
run.update()
print(json.dumps(out))
"""


def test_wandb_api_reads_and_edits_a_summary(client: WandbClient, team: Team, api: Api) -> None:
    server = team.servers[0]
    client.check(LOGGED, server)
    out = json.loads(client.check(READ, server).strip().splitlines()[-1])
    assert out["state"] == "finished"
    assert out["config"]["lr"] == 0.5 and out["tags"] == ["a"]
    assert out["summary_loss"] == 1.0 / 30
    assert out["history"] == [1.0 / (i + 1) for i in range(30)]
    assert out["scan"] == list(range(30)) and out["scan_all"] == 30
    assert {"notes.txt", "output.log", "wandb-metadata.json"} <= set(out["files"])
    assert out["runs"] == ["apirun"] and out["filtered"] == ["apirun"]
    assert out["notes"] == "hello"
    run = _run(api, "p", "apirun")
    assert run.summary["edited"] == 5 and run.summary["loss"] == 1.0 / 30
    assert sorted(run.tags) == ["a", "b"] and run.config["lr"] == 0.5


KILLED = """
import time, wandb
run = wandb.init(project="p", id="killed1")
for i in range(100000):
    run.log({"x": float(i)})
    if i == 100:
        print("logging", flush=True)
    time.sleep(0.004)
"""


def test_client_killed_with_sigkill_ends_crashed(client: WandbClient, team: Team, api: Api) -> None:
    server = team.servers[0]
    server.stop()  # again with a short heartbeat timeout (300 s by default)
    server.env["RUNYARD_WANDB_TIMEOUT"] = "4"
    server.start()
    proc = client.popen(KILLED, server, WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL="1")
    assert proc.stdout is not None
    assert proc.stdout.readline() == "logging\n"
    time.sleep(4)  # a few file_stream requests in (one a second, not wandb's 15 s)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 60
    while _run(api, "p", "killed1").state == "running" and time.monotonic() < deadline:
        time.sleep(1)
    run = _run(api, "p", "killed1")
    assert run.state == "crashed"
    steps = team.steps("killed1")
    assert steps and steps == list(range(len(steps)))  # a prefix, each step once


SERVER_CRASH = """
import time, wandb
run = wandb.init(project="p", id="srvcrash", config={"lr": 0.1})
for i in range(1500):
    run.log({"x": float(i), "y": i})
    if i == 100:
        print("logging", flush=True)
    time.sleep(0.01)
run.finish()
print("finished", flush=True)
"""


def test_server_killed_mid_run_every_step_once(client: WandbClient, team: Team, api: Api) -> None:
    server = team.servers[0]
    proc = client.popen(SERVER_CRASH, server, WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL="1")
    assert proc.stdout is not None
    assert proc.stdout.readline() == "logging\n"
    time.sleep(3)  # a few file_stream requests in (one a second)
    server.kill()
    before = len(team.steps("srvcrash"))
    time.sleep(3)
    server.start()
    out, err = proc.communicate(timeout=300)
    assert "finished" in out, err[-3000:]
    assert 0 < before < 1500, "the server was not killed mid-run"
    run = _run(api, "p", "srvcrash")
    assert run.state == "finished" and run.config["lr"] == 0.1
    assert team.steps("srvcrash") == list(range(1500))
    assert [r["y"] for r in run.scan_history(keys=["y"])] == list(range(1500))


STOPPED = """
import time, wandb
run = wandb.init(project="p", id="stopme")
try:
    for i in range(100000):
        run.log({"x": float(i)})
        if i == 10:
            print("logging", flush=True)
        time.sleep(0.01)
except KeyboardInterrupt:
    print("stopped", flush=True)
    raise
"""


def test_stop_run_from_the_web_app_stops_the_client(
    client: WandbClient, team: Team, api: Api
) -> None:
    import httpx

    server = team.servers[0]
    proc = client.popen(STOPPED, server, WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL="1")
    assert proc.stdout is not None
    assert proc.stdout.readline() == "logging\n"
    answer = httpx.post(
        f"{server.url}/api/v1/projects/{ENTITY}/p/runs/stopme/stop",
        headers={"Authorization": f"Bearer {team.api_key}"},
    )
    assert answer.status_code == 200, answer.text
    out, err = proc.communicate(timeout=120)  # the next file_stream answer says stopped
    assert "stopped" in out, err[-3000:]
    run = _run(api, "p", "stopme")
    assert run.state == "killed"
    assert run.record.stop_requested_at is None
    steps = team.steps("stopme")
    assert steps == list(range(len(steps))) and len(steps) > 10
