"""``deploy/local-team-server.sh`` end to end: PostgreSQL + moto_server + runyard server.

Started on free ports in a fresh data directory, used over HTTP (a run's file
goes to the bucket), stopped with Ctrl-C (SIGINT to its process group), then
started again on the same directory: the cluster, the schema and the admin's key
are reused.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.store.rest.blobs import HttpBlobStore
from runyard.store.sql.local_pg import pg_bindir
from tests.postgres import _unavailable
from tests.s3 import s3_environ

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local-team-server.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def data_dir() -> Iterator[Path]:
    if pg_bindir() is None:
        _unavailable("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
    # Not under pytest's tmp_path: as root, the cluster's user must reach it.
    path = Path(tempfile.mkdtemp(prefix="runyard-team-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def team_server(data: Path, ports: dict[str, int]) -> Iterator[tuple[str, str]]:
    """Run the script; yield (server URL, admin key); Ctrl-C it and check all stopped."""
    env = {k: v for k, v in s3_environ().items() if not k.startswith(("RUNYARD_", "AWS_"))}
    env["PYTHON"] = sys.executable
    args = [
        "--data", str(data), "--port", str(ports["http"]),
        "--pg-port", str(ports["pg"]), "--s3-port", str(ports["s3"]),
    ]  # fmt: skip
    with subprocess.Popen(
        ["bash", str(SCRIPT), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        url = f"http://127.0.0.1:{ports['http']}/"
        try:
            line = proc.stdout.readline()
            if not line.startswith(f"Runyard UI: {url}"):
                os.killpg(proc.pid, signal.SIGINT)
                raise AssertionError(f"no server: {line!r}\n{proc.communicate(timeout=60)}")
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(url + "api/v1/projects", timeout=10) as response:
                        assert response.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, "the server never answered"
                    time.sleep(0.2)
            yield url, (data / "admin-key").read_text().strip()
        finally:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
            _out, err = proc.communicate(timeout=120)
        assert "local-team-server: stopped" in err, err
    for name, port in ports.items():
        assert not _listening(port), f"{name} still listening on {port} after Ctrl-C"
    assert not (data / "postgres" / "data" / "postmaster.pid").exists()


def test_one_command_team_server_starts_serves_and_stops(data_dir: Path) -> None:
    ports = {"http": _free_port(), "pg": _free_port(), "s3": _free_port()}
    ref = RunRef("admin", "demo", "r1")
    with team_server(data_dir, ports) as (url, key):
        assert key.startswith("ry_")
        request = urllib.request.Request(
            url + "api/v1/projects", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read()) == {"projects": []}
        blobs = HttpBlobStore(url, key, runs=[ref])
        blobs.put("admin/demo/r1/notes.txt", b"hello")  # presigned PUT into moto
        assert blobs.exists("admin/demo/r1/notes.txt")
        blobs.close()
        assert stat_mode(data_dir / "admin-key") == 0o600
        assert stat_mode(data_dir / "pg-password") == 0o600

    with team_server(data_dir, ports) as (_url, again):
        assert again == key  # same cluster, schema and admin


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"RUNYARD_PG_BINDIR": "/nonexistent"}, [], "apt-get install postgresql"),
        ({}, ["--port", "80a"], "ports must be numbers, got '80a'"),
        ({}, ["--bogus"], "unknown option '--bogus'"),
        ({"PYTHON": "/bin/false"}, [], "cannot import runyard"),
    ],
)
def test_missing_prerequisites_and_bad_options_are_named(
    data_dir: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    full = {**os.environ, "PYTHON": sys.executable, **env}
    result = subprocess.run(
        ["bash", str(SCRIPT), "--data", str(data_dir), *args],
        env=full, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert not (data_dir / "postgres").exists()
