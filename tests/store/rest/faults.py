"""Real faults for the server client's tests: an ASGI app in front of a real server that
fails the first requests (:class:`Flaky`), one that records what it is sent
(:class:`Recorder`), both run under uvicorn in threads (:class:`ThreadServer`), and a
fake clock the retry policy waits on instead of the real one (:class:`FakeClock`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn

from runyard.store.rest.client import RetryPolicy


class FakeClock:
    """A monotonic clock that moves only when the policy sleeps; ``sleeps`` records
    each wait. ``jitter`` is the identity (waits are the backoff caps)."""

    def __init__(self, on_sleep: Any = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(float(seconds))
        self.now += float(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    def policy(self, deadline: float = 60.0, **options: Any) -> RetryPolicy:
        return RetryPolicy(
            deadline=deadline,
            clock=self,
            sleep=self.sleep,
            jitter=lambda cap: cap,
            wall_clock=lambda: 1_000_000_000.0 + self.now,
            **options,
        )


class Flaky:
    """Answers the first ``failures`` requests with ``status`` (and ``Retry-After``),
    then forwards everything to the real server."""

    def __init__(
        self,
        upstream: str,
        status: int,
        failures: int,
        retry_after: str | None,
        lose_answers: bool = False,
    ) -> None:
        self.upstream = upstream
        self.status = status
        self.failures = failures
        self.retry_after = retry_after
        #: Forward the failing requests too, then drop the server's answer (a response
        #: lost on the way back: the request did run).
        self.lose_answers = lose_answers
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.seen.append((scope["method"], scope["path"]))
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        failing = len(self.seen) <= self.failures
        if failing and self.lose_answers:
            await self._forward(scope, body)
        if failing:
            headers = (
                [] if self.retry_after is None else [(b"retry-after", self.retry_after.encode())]
            )
            await send({"type": "http.response.start", "status": self.status, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"detail": "try later"}'})
            return
        status, out, content = await self._forward(scope, body)
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": content})

    async def _forward(self, scope: Any, body: bytes) -> tuple[int, list[Any], bytes]:
        headers = {
            k.decode(): v.decode()
            for k, v in scope["headers"]
            if k not in (b"host", b"accept-encoding", b"content-length")
        }
        headers["accept-encoding"] = "identity"
        url = self.upstream + scope["path"]
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode()
        async with httpx.AsyncClient() as client:
            answer = await client.request(scope["method"], url, content=body, headers=headers)
        out = [
            (k.encode(), v.encode())
            for k, v in answer.headers.items()
            if k not in ("content-length", "content-encoding", "transfer-encoding")
        ]
        return answer.status_code, out, answer.content


class Recorder:
    """An ASGI app that records each request's method, path and headers and answers
    ``answer(path) -> (status, json body)``."""

    def __init__(self, answer: Callable[[str], tuple[int, bytes]] | None = None) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.answer = answer or (lambda path: (404, b'{"detail": "no"}'))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.seen.append((scope["method"], scope["path"], headers))
        status, body = self.answer(scope["path"])
        if scope["method"] == "HEAD":
            body = b""
        out = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


class ThreadServer:
    """ASGI apps under uvicorn in threads of this process: ``start(app) -> url``."""

    def __init__(self) -> None:
        self.servers: list[tuple[uvicorn.Server, threading.Thread]] = []
        self._sockets: list[socket.socket] = []

    def start(self, app: Any) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="error", lifespan="off", timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)
        # uvicorn closes the listening socket when it stops; one that never started
        # is closed by stop().
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        self.servers.append((server, thread))
        self._sockets.append(sock)
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for server, thread in self.servers:
            server.should_exit = True
            thread.join(10)
        for sock in self._sockets:
            sock.close()
