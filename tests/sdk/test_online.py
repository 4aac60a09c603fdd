"""Online mode against a real ``runyard server`` process (SQLite behind it, for speed).

Scripts run in fresh processes with ``RUNYARD_BASE_URL`` set, as users run them; the
server is started late, killed or never started to see the run keep logging to its
journal and catch up (SPEC §9: the training loop never breaks).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.store.registry import open_store
from tests.e2e.server import RunyardServer, client_env, free_port, upgrade_store

REF = RunRef("tester", "p", "onl")


@pytest.fixture
def store_uri(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(uri)
    return uri


@pytest.fixture
def server(tmp_path: Path, store_uri: str) -> Iterator[RunyardServer]:
    srv = RunyardServer(tmp_path / "srv", store_uri, f"file://{tmp_path / 'blobs'}").start()
    yield srv
    srv.stop()


def script(
    code: str, root: Path, base_url: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=client_env(root, base_url, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def page_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as page:
            return int(page.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def stored_steps(store_uri: str, ref: RunRef = REF, key: str = "x") -> list[int]:
    store = open_store(store_uri)
    try:
        return [int(s) for s in store.read_series(ref, key).steps.tolist()]
    finally:
        store.close()


LOG = """
import runyard
run = runyard.init(project="p", id="onl", config={"lr": 0.1})
for i in range(5000):
    run.log({"x": float(i)})
run.summary["note"] = "done"
run.finish()
api = runyard.Api()
back = api.run("tester/p/onl")
print(back.state, back.config["lr"], back.summary["x"], back.summary["note"])
print(sum(1 for _ in back.scan_history(keys=["x"])))
back.summary["edited"] = 1
back.update()
print(len(api.runs("tester/p", filters={"config.lr": {"$gte": 0.1}})), [p.name for p in api.projects()])
"""


def test_online_run_is_stored_on_the_server(
    tmp_path: Path, server: RunyardServer, store_uri: str
) -> None:
    result = script(LOG, tmp_path / "client", server.url)
    assert result.returncode == 0, result.stderr
    url = f"{server.url}/tester/p/runs/onl"
    assert f"runyard: View run onl at {url}" in result.stderr  # the web app's run page
    assert page_status(url) in (200, 503)  # 503: the web app is not built here
    assert result.stdout.split() == ["finished", "0.1", "4999.0", "done", "5000", "1", "['p']"]
    assert stored_steps(store_uri) == list(range(5000))
    store = open_store(store_uri)
    try:
        record = store.get_run(REF)
    finally:
        store.close()
    assert record is not None and record.summary["edited"] == 1  # Api() edits went there too
    assert list((tmp_path / "client" / "journals").rglob("*.journal")) == []
    assert not (tmp_path / "client" / "runyard.db").exists()  # nothing went to the embedded store


SLOW = """
import sys, threading, time, runyard
# Connections the training thread opens: none may (the writer thread talks to the server).
connects = []
def hook(event, args):
    if event == "socket.connect" and threading.current_thread() is threading.main_thread():
        connects.append(args[1])
sys.addaudithook(hook)
run = runyard.init(project="p")  # no id: nothing to look up, so no network in init
print("started", run.id, flush=True)
for i in range(400):
    run.log({"x": float(i)})
    if i % 100 == 0:
        run.summary.get("x")  # reading the summary must not wait for a server that is down
    time.sleep(0.01)
print("logged", connects, flush=True)
sys.stdin.readline()  # the server is up
run.finish()
"""


def test_server_down_at_start_then_up(tmp_path: Path, store_uri: str) -> None:
    """init never waits for the network; the run catches up once the server answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = client_env(tmp_path / "client", url, RUNYARD_FINISH_TIMEOUT="60")
    with subprocess.Popen(
        [sys.executable, "-c", SLOW],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        started, run_id = proc.stdout.readline().split()
        assert started == b"started"
        # init, log() and summary reads all done with no server: nothing waited for it
        assert proc.stdout.readline() == b"logged []\n"
        srv = RunyardServer(tmp_path / "srv", store_uri, f"file://{tmp_path}/b", port=port)
        srv.start()
        try:
            _, err = proc.communicate(b"up\n", timeout=120)
        finally:
            srv.stop()
    assert proc.returncode == 0, err.decode()
    assert stored_steps(store_uri, RunRef("tester", "p", run_id.decode())) == list(range(400))


DOWN_AT_FINISH = """
import runyard
run = runyard.init(project="p", name="onl")
for i in range(300):
    run.log({"x": float(i)})
run.finish()
print("finished", flush=True)
"""


def test_server_down_at_finish_leaves_a_journal_for_sync(tmp_path: Path, store_uri: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = tmp_path / "client"
    result = script(DOWN_AT_FINISH, client, url, RUNYARD_FINISH_TIMEOUT="1")
    assert result.returncode == 0 and "finished" in result.stdout, result.stderr
    # The run's journal (and the side journal of its console and system metrics).
    (journal,) = [
        p for p in (client / "journals").rglob("*.journal") if not p.name.endswith(".side.journal")
    ]
    assert f"runyard sync {journal}" in result.stderr
    assert result.stderr.count("WARNING") <= 3, result.stderr  # warned once, not per batch

    srv = RunyardServer(tmp_path / "srv", store_uri, f"file://{tmp_path}/b", port=port).start()
    try:
        synced = subprocess.run(
            [sys.executable, "-m", "runyard.cli.main", "sync"],
            env=client_env(client, url),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        srv.stop()
    assert synced.returncode == 0, synced.stderr
    assert ", 300 rows, finished" in synced.stdout, synced.stdout
    run_id = synced.stdout.split("done: tester/p/")[1].split(",")[0]
    assert stored_steps(store_uri, RunRef("tester", "p", run_id)) == list(range(300))
    assert not journal.exists()


FILES = """
import numpy as np, runyard
run = runyard.init(project="p", id="files")
run.summary["w"] = np.arange(100.0)
with open("notes.txt", "w") as f:
    f.write("hello from the run")
run.save("notes.txt", policy="now")
run.finish()
back = runyard.Api().run("tester/p/files")
print(back.summary.load_tensor("w").sum(), back.file("notes.txt").read().decode())
"""


def test_run_files_and_tensors_go_to_the_server(
    tmp_path: Path, server: RunyardServer, store_uri: str
) -> None:
    client = tmp_path / "client"
    client.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", FILES],
        env=client_env(client, server.url),
        cwd=client,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1) == ["4950.0", "hello from the run\n"]
    blobs = tmp_path / "blobs"  # the server's blob directory, not the client's
    assert [p.name for p in blobs.rglob("notes.txt")] == ["notes.txt"]
    assert list(blobs.rglob("*.npy"))
    assert not (client / "blobs").exists()


OFFLINE_FILES = """
import numpy as np, runyard
run = runyard.init(project="p", id="offfiles", mode="offline")
run.summary["w"] = np.arange(50.0)
with open("notes.txt", "w") as f:
    f.write("written offline")
run.save("notes.txt", policy="now")
run.log({"x": 1.0})
run.finish()
"""


def test_offline_files_stay_local_until_sync(
    tmp_path: Path, server: RunyardServer, store_uri: str
) -> None:
    """RUNYARD_BASE_URL is set but the run is offline: nothing goes to the server
    until `runyard sync`, which sends the run's files with it, once."""
    client = tmp_path / "client"
    client.mkdir()
    env = client_env(client, server.url)
    made = subprocess.run(
        [sys.executable, "-c", OFFLINE_FILES], env=env, cwd=client, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    server_blobs = tmp_path / "blobs"
    assert not list(server_blobs.rglob("notes.txt"))
    # The files wait in the offline journal's spool; nothing went to a blob store.
    (spool,) = (client / "offline").glob("*.journal.spool")
    assert b"written offline" in [p.read_bytes() for p in spool.iterdir()]
    assert not (client / "blobs").exists()

    def sync() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "runyard.cli.main", "sync", "--include-synced"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "sent 2 file(s) of tester/p/offfiles" in sync()
    assert "sent" not in sync().replace("synced", "")  # the second sync sends nothing
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runyard\nr = runyard.Api().run('tester/p/offfiles')\n"
            "print(r.file('notes.txt').read().decode(), r.summary.load_tensor('w').sum())",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert read.stdout.split() == ["written", "offline", "1225.0"], read.stderr

    assert [p.name for p in server_blobs.rglob("notes.txt")] == ["notes.txt"]  # once
    assert len(list(server_blobs.rglob("*.npy"))) == 1
    assert spool.is_dir()  # an offline journal keeps its spool (for another server)


READ_FILES = """
import hashlib, os, runyard
run = runyard.Api().run(os.environ["RUN_PATH"])
(row,) = list(run.scan_history())
print(run.state, hashlib.sha256(run.file(row["img"]["path"]).read()).hexdigest())
print(run.file("notes.txt").read().decode())
print(len(list(run.files())))
"""

IMAGE = "np.full((8, 8, 3), 3, dtype=np.uint8)"

DOWN_WHEN_LOGGED = f"""
import os, sys, threading, time, numpy as np, runyard
# Every connection the training thread opens (none may: the writer uploads).
connects = []
def hook(event, args):
    if event == "socket.connect" and threading.current_thread() is threading.main_thread():
        connects.append(args[1])
sys.addaudithook(hook)
run = runyard.init(project="p")  # no id: init itself needs no server
run.log({{"img": runyard.Image({IMAGE})}})
with open("notes.txt", "w") as f:
    f.write("saved while the server was down")
run.save("notes.txt", policy="now")
print(run.id, len(connects), flush=True)
while not os.path.exists(sys.argv[1]):  # the test starts the server, then creates it
    time.sleep(0.05)
run.finish()
print("training-thread connections:", len(connects), flush=True)
"""


def _image_sha() -> str:
    import hashlib

    import numpy as np

    import runyard

    image = runyard.Image(np.full((8, 8, 3), 3, dtype=np.uint8))
    return hashlib.sha256(image.image_bytes).hexdigest()


def test_media_logged_while_the_server_is_down_arrive_when_it_is_back(
    tmp_path: Path, store_uri: str
) -> None:
    """log(Image) and run.save with the server down: no exception, no network on the
    training thread; the writer uploads the files once the server answers (by finish)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = tmp_path / "client"
    client.mkdir()
    go = tmp_path / "server-is-up"
    env = client_env(client, url, RUNYARD_FINISH_TIMEOUT="120")
    with subprocess.Popen(
        [sys.executable, "-c", DOWN_WHEN_LOGGED, str(go)],
        env=env,
        cwd=client,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        if len(first) != 2:
            proc.kill()
            raise AssertionError(proc.communicate(timeout=60)[1])
        run_id, connections = first
        assert connections == "0"
        srv = RunyardServer(tmp_path / "srv", store_uri, f"file://{tmp_path}/blobs", port=port)
        srv.start()
        try:
            go.touch()
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err
            assert out.strip() == "training-thread connections: 0"
            read = script(READ_FILES, tmp_path / "reader", url, 120, RUN_PATH=f"tester/p/{run_id}")
        finally:
            srv.stop()
    assert "Traceback" not in err
    assert read.stdout.splitlines() == [
        f"finished {_image_sha()}",
        "saved while the server was down",
        "3",  # the image, notes.txt and output.log (it printed), each once
    ], read.stderr
    assert [p.name for p in (tmp_path / "blobs").rglob("*.png")] == [f"{_image_sha()}.png"]
    assert not list((client / "journals").rglob("*.journal*"))  # journal and spool gone


KILLED_WHILE_DOWN = f"""
import os, signal, numpy as np, runyard
run = runyard.init(project="p")
run.log({{"img": runyard.Image({IMAGE})}})
with open("notes.txt", "w") as f:
    f.write("saved before the kill")
run.save("notes.txt", policy="now")
print(run.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_media_of_a_run_killed_while_the_server_is_down_are_sent_once_by_sync(
    tmp_path: Path, store_uri: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = tmp_path / "client"
    client.mkdir()
    env = client_env(client, url)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_DOWN],
        env=env,
        cwd=client,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    run_id = killed.stdout.strip()
    (spool,) = (client / "journals").rglob("*.journal.spool")
    assert len(list(spool.iterdir())) == 2

    def sync() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "runyard.cli.main", "sync"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    srv = RunyardServer(tmp_path / "srv", store_uri, f"file://{tmp_path}/blobs", port=port).start()
    try:
        first = sync()
        assert f"sent 2 file(s) of tester/p/{run_id}" in first, first
        assert "nothing to sync" in sync()
        read = script(READ_FILES, tmp_path / "reader", url, 120, RUN_PATH=f"tester/p/{run_id}")
    finally:
        srv.stop()
    assert read.stdout.splitlines() == [
        f"crashed {_image_sha()}",
        "saved before the kill",
        "3",  # the image, notes.txt and output.log (it printed its id)
    ], read.stderr
    blobs = tmp_path / "blobs"
    assert [p.name for p in blobs.rglob("*.png")] == [f"{_image_sha()}.png"]
    assert [p.name for p in blobs.rglob("notes.txt")] == ["notes.txt"]
    assert not spool.exists()


TOO_LARGE = """
import numpy as np, runyard
run = runyard.init(project="p", id="big")
noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
run.log({"img": runyard.Image(noise), "x": 1.0})
run.log({"x": 2.0})
run.finish()
print("finished", flush=True)
"""


def test_a_file_the_server_refuses_is_skipped_not_retried_forever(
    tmp_path: Path, store_uri: str
) -> None:
    """A file over the server's upload limit (HTTP 413) would be refused on every retry:
    it is dropped with a warning naming it, and the rows around it are stored."""
    srv = RunyardServer(
        tmp_path / "srv",
        store_uri,
        f"file://{tmp_path}/blobs",
        env={"RUNYARD_MAX_UPLOAD_BYTES": "1000"},
    ).start()
    try:
        result = script(TOO_LARGE, tmp_path / "client", srv.url, RUNYARD_FINISH_TIMEOUT="60")
    finally:
        srv.stop()
    assert result.returncode == 0 and result.stdout.strip() == "finished", result.stderr
    assert "the blob store refused 'media/images/" in result.stderr
    assert "413" in result.stderr
    assert stored_steps(store_uri, RunRef("tester", "p", "big")) == [0, 1]
    assert not list((tmp_path / "client" / "journals").rglob("*.journal*"))
