"""``runyard ui`` as users start it: a subprocess that prints its URL and serves at once."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import run_script

SEED = "import runyard\nrun = runyard.init(project='p', id='one')\nrun.log({'loss': 1.0})\nrun.finish()"


@contextmanager
def serving(
    ry_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    stderr: list[str] | None = None,
) -> Iterator[str]:
    """``runyard ui --port 0 --no-browser *args`` on ``ry_dir``; yields its URL (and
    appends what it wrote to stderr to ``stderr`` once stopped)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
    environ.update(RUNYARD_DIR=str(ry_dir), RUNYARD_ENTITY="tester", **(env or {}))
    command = [sys.executable, "-m", "runyard.cli.main", "ui", "--port", "0", "--no-browser"]
    with subprocess.Popen(
        [*prefix, *command, *args],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Runyard UI: http://127.0.0.1:"), (line, proc.stderr)
        try:
            yield line.split()[-1]
        finally:
            proc.terminate()
            _out, err = proc.communicate(timeout=30)
            if stderr is not None:
                stderr.append(err)


@pytest.fixture
def ui_url(ry_dir: Path) -> Iterator[str]:
    seeded = run_script(SEED, ry_dir)
    assert seeded.returncode == 0, seeded.stderr
    with serving(ry_dir) as url:
        yield url


def test_ui_serves_the_app_and_the_api(ui_url: str) -> None:
    with urllib.request.urlopen(ui_url, timeout=30) as response:
        page = response.read().decode()
        assert response.status in (200, 503) and "Runyard" in page
    with urllib.request.urlopen(ui_url + "api/v1/projects", timeout=30) as response:
        projects = json.loads(response.read())["projects"]
    assert projects == [
        {
            "entity": "tester",
            "name": "p",
            "run_count": 1,
            "last_activity": projects[0]["last_activity"],
        }
    ]
    with urllib.request.urlopen(ui_url + "tester/p/runs/one", timeout=30) as response:
        assert response.status in (200, 503)  # the SPA handles its own routes


def test_ui_refuses_a_port_in_use(ry_dir: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_script(
            f"import sys; from runyard.cli.main import main; sys.exit(main(['ui', '--port', '{port}', '--no-browser']))",
            ry_dir,
        )
    assert result.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def get_as(url: str, path: str, host: str) -> tuple[int, bytes]:
    """GET ``path`` from the server at ``url`` with the ``Host`` header a browser at
    ``host`` would send (a DNS-rebinding page's, or a proxy's public name)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_ui_answers_only_the_host_names_it_serves(ry_dir: Path) -> None:
    """DNS rebinding (issue 12, point 3): a page at evil.example:<port> re-pointed to
    127.0.0.1 sends its own name as Host; names from --allowed-host and
    RUNYARD_ALLOWED_HOSTS (a reverse proxy's) are served."""
    assert run_script(SEED, ry_dir).returncode == 0
    env = {"RUNYARD_ALLOWED_HOSTS": "from-env.example, other.example"}
    with serving(ry_dir, "--allowed-host", "proxy.example", env=env) as url:
        port = urllib.parse.urlsplit(url).port
        # the first request may come while the API is still importing: "/" too
        for path in ("/", "/api/v1/projects", "/api/v1/projects/tester/p/runs"):
            status, body = get_as(url, path, f"evil.example:{port}")
            assert status == 400, body
            assert b"tester" not in body and b"--allowed-host" in body
        for host in (
            f"127.0.0.1:{port}",
            f"localhost:{port}",
            "proxy.example",
            "from-env.example",
            f"other.example:{port}",
        ):
            status, body = get_as(url, "/api/v1/projects", host)
            assert status == 200 and b'"tester"' in body, (host, status, body)


def test_ui_and_api_read_a_read_only_store(ry_dir: Path) -> None:
    """Issue 12, point 9: ``runyard ui`` answered 500 on a store it cannot write (its
    opening wrote PRAGMAs and replayed journals); a leftover journal is reported, not
    replayed, and stays where it is."""
    from tests.readonly import read_only

    assert run_script(SEED, ry_dir).returncode == 0
    journals = ry_dir / "journals"
    journals.mkdir(exist_ok=True)
    (journals / "leftover-1-1.journal").write_bytes(b"not a journal")
    before = sorted(str(p.relative_to(ry_dir)) for p in ry_dir.rglob("*"))
    stderr: list[str] = []
    with read_only(ry_dir) as prefix:
        with serving(ry_dir, prefix=prefix, stderr=stderr) as url:
            with urllib.request.urlopen(url + "api/v1/projects", timeout=30) as response:
                assert [p["name"] for p in json.loads(response.read())["projects"]] == ["p"]
            runs = url + "api/v1/projects/tester/p/runs"
            with urllib.request.urlopen(runs, timeout=30) as response:
                assert [r["id"] for r in json.loads(response.read())["runs"]] == ["one"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
        env.update(RUNYARD_DIR=str(ry_dir), RUNYARD_ENTITY="tester")
        code = "import runyard\nprint([r.id for r in runyard.Api().runs('tester/p')])"
        api = subprocess.run(
            [*prefix, sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert api.returncode == 0 and api.stdout.strip() == "['one']", api.stderr
    assert sorted(str(p.relative_to(ry_dir)) for p in ry_dir.rglob("*")) == before
    assert "is read-only here" in "".join(stderr)
