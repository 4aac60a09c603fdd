"""A real Runyard server process for the HTTP store's tests.

Run as a script (``python http_server.py ROOT [STORE_URI]``), it binds a free port
on 127.0.0.1, prints it, and serves with uvicorn:

- with ``STORE_URI``: ``create_app`` over that one store (what ``runyard server``
  serves);
- without: one server for a whole test session, where every test gets a fresh
  SQLite store of its own under ``ROOT``, reached through a path prefix
  (``http://127.0.0.1:PORT/<name>`` is the base URL of the store
  ``ROOT/<name>.db``). Starting a process per test would cost a second each; the
  prefix gives every test a clean store and still goes through uvicorn, HTTP and
  the real app. The dispatcher only picks the app; everything else is real.

:class:`ServerProcess` starts and stops such a process from a test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

__all__ = ["Server", "ServerProcess"]


class ServerProcess:
    """``python http_server.py ROOT [STORE_URI]`` as a child process."""

    def __init__(self, root: Path, store_uri: str | None = None, port: int = 0) -> None:
        self.root = root
        self.store_uri = store_uri
        self.port = port
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServerProcess:
        args = [sys.executable, __file__, str(self.root), self.store_uri or "", str(self.port)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
        env["RUNYARD_DIR"] = str(self.root / "runyard-dir")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line)
        deadline = time.monotonic() + timeout
        while True:  # the socket is bound at once; wait until the app answers
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("server process did not become ready") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None


class Server:
    """One test's store behind a shared :class:`ServerProcess` (started without a store
    URI): ``url`` is its base URL, ``db`` its SQLite file."""

    def __init__(self, process: ServerProcess) -> None:
        name = f"t{uuid.uuid4().hex}"
        self.url = f"{process.url}/{name}"
        self.db = process.root / f"{name}.db"


# -- the child process -----------------------------------------------------------------


def _ready_or(app: Any) -> Any:
    """Answer ``GET /ready`` once the app is built; pass everything else on."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/ready":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        await app(scope, receive, send)

    return wrapped


class _PerTestStores:
    """``/<name>/...`` → the app over ``sqlite:///ROOT/<name>.db`` (made on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.apps: dict[str, Any] = {}

    def _app(self, name: str) -> Any:
        app = self.apps.get(name)
        if app is None:
            from runyard.server.app import create_app

            app = self.apps[name] = create_app(
                f"sqlite:///{self.root}/{name}.db", f"file://{self.root}/{name}-blobs"
            )
        return app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        name, _, rest = scope["path"].lstrip("/").partition("/")
        if not name.isidentifier():
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"no such test store"})
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        inner = dict(scope, path="/" + rest, raw_path=raw[len(name) + 1 :])
        await self._app(name)(inner, receive, send)


def _main(root: str, store_uri: str, port: int) -> None:
    import uvicorn

    from runyard.server.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    print(sock.getsockname()[1], flush=True)
    app = create_app(store_uri, f"file://{root}/blobs") if store_uri else _PerTestStores(Path(root))
    config = uvicorn.Config(_ready_or(app), log_level="error", access_log=False, lifespan="auto")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
