"""`verify_key` (``runyard login``'s check of a key) against servers that answer each way.

The whole command against a real ``runyard server`` with accounts is in
tests/cli/test_login.py.
"""

from __future__ import annotations

import socket
from typing import Any

from runyard.store.rest.login import verify_key
from tests.store.rest.faults import Recorder


def test_the_auth_route_names_the_user(flaky_server: Any) -> None:
    recorder = Recorder(lambda path: (200, b'{"user": {"username": "ann", "email": "a@x"}}'))
    result = verify_key(flaky_server(recorder), "ry_k")
    assert (result.status, result.user) == ("ok", "ann")
    assert [path for _, path, _ in recorder.seen] == ["/api/v1/auth/me"]


def test_a_server_without_accounts_is_asked_for_any_read(flaky_server: Any) -> None:
    recorder = Recorder(lambda path: (200, b"[]") if path.endswith("/projects") else (404, b"{}"))
    result = verify_key(flaky_server(recorder) + "/", "ry_k")
    assert (result.status, result.user) == ("ok", None)
    assert [path for _, path, _ in recorder.seen] == ["/api/v1/auth/me", "/api/v1/projects"]


def test_a_refused_key(flaky_server: Any) -> None:
    result = verify_key(flaky_server(Recorder(lambda path: (401, b"{}"))), "ry_bad")
    assert (result.status, result.detail) == ("refused", "HTTP 401")


def test_an_unreachable_or_failing_server_is_tried_once(flaky_server: Any) -> None:
    """Someone waits at the terminal: no backoff, the key is saved with a warning."""
    recorder = Recorder(lambda path: (503, b'{"detail": "starting"}'))
    result = verify_key(flaky_server(recorder), "ry_k")
    assert result.status == "unreachable" and "HTTP 503: starting" in result.detail
    assert len(recorder.seen) == 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    result = verify_key(f"http://127.0.0.1:{port}", "ry_k")
    assert result.status == "unreachable" and "ConnectError" in result.detail
    nothing = Recorder()  # 404 everywhere: not a Runyard server
    assert verify_key(flaky_server(nothing), "ry_k").detail == (
        "the server has no Runyard API under /api/v1"
    )
