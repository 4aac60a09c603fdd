"""Request body size limits and per-caller rate limits.

Body size: :class:`BodyLimit` is a pure ASGI middleware (not Starlette's
``BaseHTTPMiddleware``, which would buffer) that refuses a declared
``Content-Length`` over the limit at once and counts the bytes of streamed
(chunked) bodies as the app reads them: past the limit, ``receive`` raises and the
answer is ``413`` naming the limit. Ingest and upload routes get the large limit
(64 MiB by default), every other route the small one (1 MiB); a route opts in with
the :func:`large_body` decorator, or sets its own with FastAPI's route option
``max_body_size=``.

Rate: a token bucket per caller (API key, login session, or client address for
anonymous requests and failed logins), checked when the request is authenticated
(:mod:`runyard.server.auth.caller`); over the limit the answer is ``429`` with
``Retry-After``. Buckets are in process memory: with several replicas behind a
load balancer the limit is per replica. The defaults (100 requests/s sustained,
bursts of 1000, per key) are far above what a training run sends — the SDK batches
rows and flushes a few times a second — and the SDK backs off and retries on 429,
so a limit slows a client down but never drops its data.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import HTTPException
from fastapi.routing import iter_route_contexts
from starlette.routing import Match

from runyard.server.asgi import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "BodyLimit",
    "BodyTooLarge",
    "Limits",
    "RateLimiter",
    "large_body",
]

MiB = 1 << 20

_F = TypeVar("_F", bound=Callable[..., Any])


def large_body(endpoint: _F) -> _F:
    """Mark a route function as an ingest or upload route (the large body limit)."""
    endpoint._runyard_large_body = True  # type: ignore[attr-defined]
    return endpoint


@dataclass(frozen=True)
class Limits:
    """Every limit the server enforces; ``create_app(..., limits=Limits(...))``."""

    body_bytes: int = 1 * MiB
    large_body_bytes: int = 64 * MiB
    #: Requests per second, and burst, per API key or session.
    rate: float = 100.0
    burst: float = 1000.0
    #: Per client address, for requests without credentials (and failed ones).
    anonymous_rate: float = 20.0
    anonymous_burst: float = 200.0
    #: Login attempts per client address and per username.
    login_rate: float = 0.2
    login_burst: float = 10.0


class RateLimiter:
    """Token buckets by name; thread-safe; forgets full buckets so memory stays bounded."""

    _PRUNE_AT = 10_000

    def __init__(self) -> None:
        # name -> (tokens, last refill, rate, burst)
        self._buckets: dict[str, tuple[float, float, float, float]] = {}
        self._lock = threading.Lock()
        self._prune_at = self._PRUNE_AT

    def wait_time(self, name: str, rate: float, burst: float) -> float:
        """Take a token from bucket ``name``: 0 if there was one, else seconds until one."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp, _rate, _burst = self._buckets.get(name, (burst, now, rate, burst))
            tokens = min(burst, tokens + (now - stamp) * rate)
            allowed = tokens >= 1.0
            self._buckets[name] = (tokens - 1.0 if allowed else tokens, now, rate, burst)
            if len(self._buckets) > self._prune_at:
                self._prune(now)
        if allowed:
            return 0.0
        return (1.0 - tokens) / rate if rate > 0 else math.inf

    def _prune(self, now: float) -> None:
        """Drop buckets that have refilled (a new one starts full: the same state). If
        most are still in use, wait for twice as many before trying again, so a flood
        of names costs amortised constant time per request."""
        self._buckets = {
            name: bucket
            for name, bucket in self._buckets.items()
            if bucket[0] + (now - bucket[1]) * bucket[2] < bucket[3]
        }
        self._prune_at = max(self._PRUNE_AT, 2 * len(self._buckets))

    def check(self, name: str, rate: float, burst: float) -> None:
        """Raise ``429`` with ``Retry-After`` when bucket ``name`` is empty."""
        wait = self.wait_time(name, rate, burst)
        if wait > 0:
            seconds = max(1, math.ceil(min(wait, 3600.0)))
            raise HTTPException(
                429,
                f"rate limit exceeded ({rate:g} requests/s, bursts of {burst:g}); "
                f"retry after {seconds} s",
                headers={"Retry-After": str(seconds)},
            )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")


_CONTENT_LENGTH = re.compile(rb"\d{1,19}")


class BodyLimit:
    """ASGI middleware: 413 for bodies over the route's limit, streamed or not."""

    def __init__(self, app: ASGIApp, limits: Limits, routes: Callable[[], list[Any]]) -> None:
        self.app = app
        self.limits = limits
        self._routes = routes

    def limit_for(self, scope: Scope) -> int:
        """The matching route's limit: its own ``max_body_size`` (FastAPI's route
        option), the large limit for :func:`large_body` routes, else the default."""
        for context in iter_route_contexts(self._routes()):
            match, _child = context.matches(scope)
            if match != Match.FULL:
                continue
            own = getattr(context.original_route, "max_body_size", None)
            if isinstance(own, int):
                return own
            if getattr(context.endpoint, "_runyard_large_body", False):
                return self.limits.large_body_bytes
            break
        return self.limits.body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not _CONTENT_LENGTH.fullmatch(value):
                    await _answer(send, 400, f"invalid Content-Length {value.decode('latin-1')!r}")
                    return
                if int(value) > limit:
                    await _answer(send, 413, str(BodyTooLarge(limit).detail))
                    return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _answer(send, 413, str(exc.detail))


async def _answer(send: Send, status: int, detail: str) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
