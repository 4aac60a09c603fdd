"""A bare ASGI path for ``POST /api/v1/projects/{entity}/{project}/runs/{run_id}/batches``.

Ingest is the server's hot path: a training run posts a batch a few times a second,
and a server of many runs spends most of its CPU on them. Through FastAPI a batch
also paid for the body-limit middleware matching the path against every route, the
router doing it again, dependency injection and two worker-thread hops (issue 20:
about a third of a server process's CPU at 16 concurrent runs). This middleware sits
inside :class:`~runyard.server.origin.RequestGuard` (Host, Origin and body-type checks
apply unchanged) and ahead of the body limit and the router; it answers exactly what
the route (:mod:`runyard.server.routes.ingest`) answers, in the same order of checks:

1. ``Content-Length``: 400 when it is not a number, 413 over the route's limit
   (:data:`~runyard.server.routes.ingest.MAX_BODY_BYTES`), as
   :class:`~runyard.server.limits.BodyLimit` does;
2. a NUL in a path or query parameter: 400 naming it (``refuse_nul``);
3. access: ``check_access(..., write=True)`` on the run's own entity and project
   (401/403/404/429), before a byte of the body is read;
4. the run reference (``check_ref``): 400;
5. the body, read in full and counted: 413 past the limit;
6. decode and apply (``apply_batch``, shared with the route) in one worker-thread hop:
   the same 400/409/413/415/422 answers, ``ValueError`` as 400 like the app's handler.

Only requests whose method and path the route would serve take this path; every
other request (other methods, a trailing slash, other paths) goes on to FastAPI.
The route stays registered (OpenAPI, and ``create_app(..., fast_ingest=False)``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from runyard.entities import RunRef, check_ref
from runyard.server.access import check_access
from runyard.server.asgi import ASGIApp, Receive, Scope, Send
from runyard.server.routes.ingest import MAX_BODY_BYTES, apply_batch, refuse_nul

__all__ = ["IngestFastPath"]


_CONTENT_LENGTH = re.compile(rb"\d{1,19}")


class _Disconnected(Exception):
    """The client went away while sending its body: nothing to answer."""


class IngestFastPath:
    """ASGI middleware answering batch posts itself (see the module docstring).

    ``prefix`` is the API's path prefix (``/api/v1``); ``limit`` the largest body
    accepted. ``served`` counts the requests it answered.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/api/v1", limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.served = 0
        # Starlette's "{name}" path parameter: one or more characters other than "/".
        self._path = re.compile(
            re.escape(prefix) + r"/projects/([^/]+)/([^/]+)/runs/([^/]+)/batches"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = self._path.fullmatch(_route_path(scope))
            if match is not None:
                self.served += 1
                await self._ingest(scope, receive, send, *match.groups())
                return
        await self.app(scope, receive, send)

    async def _ingest(
        self, scope: Scope, receive: Receive, send: Send, entity: str, project: str, run_id: str
    ) -> None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                if not _CONTENT_LENGTH.fullmatch(value):
                    detail = f"invalid Content-Length {value.decode('latin-1')!r}"
                    await _answer(send, 400, {"detail": detail}, close=True)
                    return
                if int(value) > self.limit:
                    await _answer(send, 413, {"detail": self._too_large()}, close=True)
                    return
        scope["path_params"] = {"entity": entity, "project": project, "run_id": run_id}
        request = Request(scope, receive)
        try:
            status, answer = await self._apply(request, receive, entity, project, run_id)
        except _Disconnected:
            return
        except _TooLarge:
            await _answer(send, 413, {"detail": self._too_large()}, close=True)
            return
        except StarletteHTTPException as exc:  # FastAPI's too: answered as its handler does
            await _answer(send, exc.status_code, {"detail": exc.detail}, headers=exc.headers)
            return
        except ValueError as exc:  # as the app's ValueError handler answers
            await _answer(send, 400, {"detail": str(exc)})
            return
        await _answer(send, status, answer)

    async def _apply(
        self, request: Request, receive: Receive, entity: str, project: str, run_id: str
    ) -> tuple[int, dict[str, Any]]:
        refuse_nul(request)
        if getattr(request.app.state, "auth", None) is not None:
            # It may query the accounts tables: in a worker thread, as the route does.
            await run_in_threadpool(check_access, request, entity, project, write=True)
        try:  # a name no run may have ("..", "a/b" …) is refused before the body is read
            ref = check_ref(RunRef(entity, project, run_id))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        body = await self._read_body(receive)
        encoding = request.headers.get("content-encoding")
        return await run_in_threadpool(apply_batch, request, ref, body, encoding)

    async def _read_body(self, receive: Receive) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            if message["type"] != "http.request":
                continue
            chunk = message.get("body", b"")
            if chunk:
                total += len(chunk)
                if total > self.limit:
                    raise _TooLarge
                parts.append(chunk)
            if not message.get("more_body", False):
                break
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _too_large(self) -> str:
        return f"request body is larger than the limit of {self.limit} bytes"


class _TooLarge(Exception):
    """The body passed the limit while it was read."""


def _route_path(scope: Scope) -> str:
    """The path the router matches: ``path`` without the app's ``root_path``."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path


async def _answer(
    send: Send,
    status: int,
    answer: dict[str, Any],
    headers: Mapping[str, str] | None = None,
    close: bool = False,
) -> None:
    try:
        body = orjson.dumps(answer)
    except orjson.JSONEncodeError:  # e.g. a lone surrogate in a detail
        body = json.dumps(answer).encode()
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    raw += [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
