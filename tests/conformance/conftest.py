"""The real ``wandb`` client from PyPI, driven against a real ``runyard server``.

``wandb_python`` is the interpreter of a virtual environment of its own,
``.venv-wandb`` at the repository root (git-ignored), with ``wandb==0.31.0`` (its Go
core ships in the wheel) and what seed 004's blocks import. It is made once by this
session fixture — ``make check`` on a fresh machine (CI) makes it from scratch — and
reused while its stamp names the same requirements. Without a package index the tests
are skipped, or fail when ``RUNYARD_REQUIRE_WANDB=1`` (CI, ``.ci/run``).

``team`` (from ``tests/e2e``) is a ``runyard server`` with accounts over PostgreSQL and
S3 (``moto_server``); :class:`WandbClient` runs scripts with ``WANDB_BASE_URL`` at it
and the bootstrapped admin's Runyard key as ``WANDB_API_KEY``. What a test checks is
read back through ``runyard.Api``, never the client's exit code: wandb exits 0 even
when its files were lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runyard import Api
from tests.e2e.conftest import ENTITY, Team, team  # noqa: F401  (the fixture)
from tests.e2e.server import RunyardServer

ROOT = Path(__file__).resolve().parents[2]
#: The client version every conformance test runs.
WANDB_VERSION = "0.31.0"
#: What seed 004's blocks import besides wandb.
SEED_004_PACKAGES = (
    "matplotlib", "plotly", "pillow", "scipy", "scikit-learn", "bokeh", "holoviews", "panel",
)  # fmt: skip


def _unavailable(message: str) -> None:
    if os.environ.get("RUNYARD_REQUIRE_WANDB") == "1":
        pytest.fail(message + " (RUNYARD_REQUIRE_WANDB=1)")
    pytest.skip(message)


def wandb_venv(version: str, extras: tuple[str, ...] = ()) -> Path:
    """The Python of ``.venv-wandb[-<version>]`` with ``wandb==version`` (made if needed)."""
    name = ".venv-wandb" if version == WANDB_VERSION else f".venv-wandb-{version}"
    venv = ROOT / name
    python = venv / "bin" / "python"
    wanted = " ".join([f"wandb=={version}", *sorted(extras)])
    stamp = venv / ".runyard-stamp"
    if stamp.is_file() and stamp.read_text() == wanted and python.is_file():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *wanted.split()],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        _unavailable(f"cannot install {wanted} into {venv}:\n{done.stderr[-2000:]}")
    stamp.write_text(wanted)
    return python


@pytest.fixture(scope="session")
def wandb_python() -> Path:
    return wandb_venv(WANDB_VERSION, SEED_004_PACKAGES)


@dataclass
class WandbClient:
    """Runs scripts under the real wandb client, online against one server."""

    python: Path
    root: Path
    api_key: str

    def env(self, server: RunyardServer, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
        home = self.root / "home"
        home.mkdir(parents=True, exist_ok=True)
        env.update(
            HOME=str(home),
            WANDB_BASE_URL=server.url,
            WANDB_API_KEY=self.api_key,
            WANDB_DIR=str(self.root),
            WANDB_CONFIG_DIR=str(self.root / "wandb-config"),
            WANDB_CACHE_DIR=str(self.root / "wandb-cache"),
            WANDB_DATA_DIR=str(self.root / "wandb-data"),
            WANDB_DISABLE_GIT="true",
            WANDB_ERROR_REPORTING="false",
            MPLBACKEND="Agg",
            **extra,
        )
        return env

    def popen(
        self, code: str, server: RunyardServer, *args: str, **extra: str
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.python), "-c", code, *args],
            env=self.env(server, **extra),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(
        self, code: str, server: RunyardServer, *args: str, timeout: float = 180, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.python), "-c", code, *args],
            env=self.env(server, **extra),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return done

    def check(self, code: str, server: RunyardServer, *args: str, **extra: str) -> str:
        """Run ``code``; its stdout (the script failing is a test failure, with stderr)."""
        done = self.run(code, server, *args, **extra)
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout


@pytest.fixture
def client(wandb_python: Path, team: Team, tmp_path: Path) -> WandbClient:  # noqa: F811
    root = tmp_path / "client"
    root.mkdir()
    return WandbClient(wandb_python, root, team.api_key)


@pytest.fixture
def api(team: Team) -> Iterator[Api]:  # noqa: F811
    """Runyard's public API on the team server (how every test checks what was stored)."""
    reader = Api(store=team.servers[0].url, api_key=team.api_key)
    try:
        yield reader
    finally:
        reader.close()


__all__ = ["ENTITY", "WANDB_VERSION", "WandbClient", "wandb_venv"]
