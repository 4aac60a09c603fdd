"""Fixtures of the server client's tests: a real server process with a fresh store per
test (see tests/store/http_server.py) and fault-injecting apps in threads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.store.http_server import Server, ServerProcess
from tests.store.rest.faults import ThreadServer


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("stores")).start()
    yield proc
    proc.stop()


@pytest.fixture
def server(shared_server: ServerProcess) -> Server:
    return Server(shared_server)


@pytest.fixture
def flaky_server() -> Iterator[Any]:
    """Start ASGI apps (a :class:`~tests.store.rest.faults.Flaky`) under uvicorn in
    threads: ``start(app) -> url``; all are stopped, and their sockets closed, after."""
    servers = ThreadServer()
    yield servers.start
    servers.stop()
