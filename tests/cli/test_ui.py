"""``runyard ui`` as users start it: a subprocess that prints its URL and serves at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run_script


@pytest.fixture
def ui_url(ry_dir: Path) -> Iterator[str]:
    seeded = run_script(
        "import runyard\nrun = runyard.init(project='p', id='one')\nrun.log({'loss': 1.0})\nrun.finish()",
        ry_dir,
    )
    assert seeded.returncode == 0, seeded.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
    env.update(RUNYARD_DIR=str(ry_dir), RUNYARD_ENTITY="tester")
    with subprocess.Popen(
        [sys.executable, "-m", "runyard.cli.main", "ui", "--port", "0", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Runyard UI: http://127.0.0.1:"), line
        try:
            yield line.split()[-1]
        finally:
            proc.terminate()
            proc.communicate(timeout=30)


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
