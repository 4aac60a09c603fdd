"""A ``log_artifact`` killed mid-upload resumes to a complete, verified version; two
processes logging the same content make one version (issue 14)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import runyard
from tests.e2e.server import RunyardServer, client_env, upgrade_store

BIG = 200 << 20

LOG_BIG = """
import sys, time, runyard
run = runyard.init(project="big", id="killed")
art = runyard.Artifact("weights", type="model")
art.add_file(sys.argv[1], name="model.bin")
run.log_artifact(art)
print("logged", flush=True)
time.sleep(600)  # killed by the test while the writer thread uploads
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunyardServer]:
    store = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(store)
    srv = RunyardServer(tmp_path / "srv", store, f"file://{tmp_path / 'blobs'}").start()
    try:
        yield srv
    finally:
        srv.stop()


def _big_file(path: Path) -> str:
    """200 MB that do not compress (a chain of SHA-256 blocks); returns its SHA-256."""
    whole = hashlib.sha256()
    block = hashlib.sha256(b"runyard").digest() * (1 << 15)  # 1 MiB
    with open(path, "wb") as f:
        for i in range(BIG >> 20):
            chunk = hashlib.sha256(block + i.to_bytes(4, "big")).digest() * (1 << 15)
            f.write(chunk)
            whole.update(chunk)
    return whole.hexdigest()


def _wait_for(predicate: object, proc: subprocess.Popen[str], what: str) -> None:
    """Poll until ``predicate()`` holds (the child must still be alive)."""
    assert callable(predicate)
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(
                f"the child ended before {what}: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.01)


def _written(server: RunyardServer) -> int:
    """Bytes the server process has written so far (``wchar`` of /proc/<pid>/io)."""
    assert server.proc is not None
    io = Path(f"/proc/{server.proc.pid}/io").read_text()
    return int(next(line.split()[1] for line in io.splitlines() if line.startswith("wchar:")))


def test_log_artifact_killed_mid_upload_resumes_on_sync(
    server: RunyardServer, tmp_path: Path
) -> None:
    """SIGKILL once the first part of the 200 MB file has reached the server (so the
    upload has begun and cannot have completed); ``runyard sync`` then finishes it,
    sending only the parts the server does not hold (file-backed blobs: the parts wait
    on the server's disk): one version, complete, whose download verifies."""
    source = tmp_path / "model.bin"
    sha = _big_file(source)
    root = tmp_path / "client"
    env = client_env(root, server.url)
    blobs = tmp_path / "blobs"
    stored = blobs / "artifacts" / "sha256" / sha[:2] / sha
    proc = subprocess.Popen(
        [sys.executable, "-c", LOG_BIG, str(source)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(
            lambda: any((blobs / "artifacts" / "staging").glob("*/00001")),
            proc,
            "the first part reached the server",
        )
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not stored.exists()  # killed mid-upload: the content is not complete
    api = runyard.Api(store=server.url)
    assert not api.artifact_exists("tester/big/weights:v0")
    held = sum(p.stat().st_size for p in (blobs / "artifacts" / "staging").glob("*/0*"))
    assert held > 0
    written_before = _written(server)

    synced = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert synced.returncode == 0, synced.stderr
    # What the server wrote meanwhile: the parts sent again, then the whole content
    # under its key (and a few KB of database). Parts it held were not sent again.
    resent = _written(server) - written_before - BIG
    assert resent <= BIG - held + (1 << 20), (resent, held)
    assert not list(root.rglob("*.spool/*"))  # the staged copy is gone once stored
    assert stored.is_file()
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    art = api.artifact("tester/big/weights:latest")
    assert art.version == "v0"
    assert [(e.path, e.size) for e in art.files()] == [("model.bin", BIG)]
    path = art.download(str(tmp_path / "downloaded"))
    art.verify(path)
    assert [a.version for a in api.artifacts("model", "tester/big/weights")] == ["v0"]
    # A second sync sends nothing again and makes no second version.
    again = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert [a.version for a in api.artifacts("model", "tester/big/weights")] == ["v0"]


LOG_SAME = """
import sys, runyard
run = runyard.init(project="same")
art = runyard.Artifact("shared", type="dataset")
art.add_file(sys.argv[1], name="data.bin")
art.add_file(sys.argv[2], name="labels.txt")
print(run.log_artifact(art, aliases=[sys.argv[3]]).wait(120).version, flush=True)
run.finish()
"""


@pytest.mark.parametrize("where", ["embedded", "server"])
def test_two_processes_logging_the_same_content_make_one_version(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (tmp_path / "data.bin").write_bytes(os.urandom(3 << 20))
    (tmp_path / "labels.txt").write_text("a\nb\n")
    root = tmp_path / "client"
    if where == "server":
        srv: RunyardServer = request.getfixturevalue("server")
        env = client_env(root, srv.url)
        api = runyard.Api(store=srv.url)
    else:
        env = client_env(root, "")
        del env["RUNYARD_BASE_URL"]
        api = runyard.Api(store=f"sqlite:///{root / 'runyard.db'}")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                LOG_SAME,
                str(tmp_path / "data.bin"),
                str(tmp_path / "labels.txt"),
                alias,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for alias in ("first", "second")
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "v0"
    versions = list(api.artifacts("dataset", "tester/same/shared"))
    assert [a.version for a in versions] == ["v0"]
    assert {"latest", "first", "second"} <= set(versions[0].aliases)
