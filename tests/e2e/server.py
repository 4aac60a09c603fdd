"""``runyard server`` as a real child process, started and killed the way operators do.

The store's schema is created first with ``runyard db upgrade`` (the server never
migrates on its own). The server is started in its own process group with
``python -m runyard.cli.main server``; it prints its URL at once and answers once
the app is built, which :meth:`RunyardServer.start` waits for. ``kill()`` is
SIGKILL (a crash); ``start()`` again reuses the same port, as a restarted server
behind a fixed address would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.helpers import METADATA_OFF

__all__ = ["RunyardServer", "bootstrap_admin", "client_env", "free_port", "upgrade_store"]


_CLI = (sys.executable, "-m", "runyard.cli.main")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(METADATA_OFF)  # no git state or requirements.txt of the checkout tests run in
    env.update(extra or {})
    return env


def client_env(root: Path, base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a training script in online mode against ``base_url``."""
    return _clean_env(
        {
            "RUNYARD_DIR": str(root),
            "RUNYARD_CONFIG_DIR": str(root / "config"),
            "RUNYARD_ENTITY": "tester",
            "RUNYARD_BASE_URL": base_url,
            **extra,
        }
    )


def upgrade_store(store_uri: str) -> None:
    subprocess.run(
        [*_CLI, "db", "upgrade", "--store", store_uri],
        env=_clean_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )


def bootstrap_admin(store_uri: str, username: str = "root") -> str:
    """``runyard admin bootstrap``: the first admin of a fresh store; returns their API key."""
    done = subprocess.run(
        [*_CLI, "admin", "bootstrap", "--store", store_uri, "--username", username],
        env=_clean_env(),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout.strip()


class RunyardServer:
    """One ``runyard server`` process over ``store_uri`` and ``blobs_uri``."""

    def __init__(
        self,
        root: Path,
        store_uri: str,
        blobs_uri: str,
        port: int | None = None,
        env: dict[str, str] | None = None,
        api_key: str | None = None,
    ) -> None:
        self.root = root
        self.store_uri = store_uri
        self.blobs_uri = blobs_uri
        self.port = port or free_port()
        self.env = env or {}
        #: With a key the server runs with auth (the key's user must exist in the
        #: store, see bootstrap_admin), and readiness is checked with it.
        self.api_key = api_key
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> RunyardServer:
        self.root.mkdir(parents=True, exist_ok=True)
        env = _clean_env({"RUNYARD_DIR": str(self.root / "server-dir"), **self.env})
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    *_CLI,
                    "server",
                    *("--port", str(self.port), "--store", self.store_uri),
                    *("--blobs", self.blobs_uri),
                    *([] if self.api_key else ["--no-auth"]),
                ],
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            ready = urllib.request.Request(f"{self.url}/api/v1/projects")
            if self.api_key:
                ready.add_header("Authorization", f"Bearer {self.api_key}")
            try:
                with urllib.request.urlopen(ready, timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"runyard server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM killer would."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
            self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        self.proc = None
