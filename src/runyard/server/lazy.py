"""`LazyApp`: answer the web app's first requests while the API is still importing.

FastAPI and pydantic take several hundred milliseconds to import on a small
machine. ``runyard ui`` starts serving at once with this ASGI shim: the API app is
built in a background thread, static web-app files are served directly in the
meantime, and API requests wait for the app. Once it is ready, every request goes
to it.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from pathlib import Path

from runyard.server.asgi import ASGIApp, Receive, Scope, Send
from runyard.server.static import NOT_BUILT, resolve_static

__all__ = ["LazyApp"]


class LazyApp:
    """An ASGI app that builds the real one in the background."""

    def __init__(self, build: Callable[[], ASGIApp], static_dir: Path) -> None:
        self._build = build
        self._static = static_dir
        self._app: ASGIApp | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._load, name="runyard-app-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            self._app = self._build()
            # What the imports and the app made lives as long as the server: moved out of
            # the collector's sight, a full collection (80-90 ms of a fresh server's, in
            # whichever request set it off: a first grouped panel's) has far less to walk.
            gc.freeze()
        except BaseException as exc:  # surfaced on the next API request
            self._error = exc
        finally:
            self._ready.set()

    async def _wait(self) -> ASGIApp:
        if not self._ready.is_set():
            await asyncio.to_thread(self._ready.wait)
        if self._app is None:
            raise RuntimeError(f"the Runyard API failed to start: {self._error!r}")
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self._app is None and scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = str(scope["path"]).lstrip("/")
            if not path.startswith("api/"):
                await self._static_response(path, scope["method"], send)
                return
        app = await self._wait()
        await app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _static_response(self, path: str, method: str, send: Send) -> None:
        answer = resolve_static(self._static, path)
        if answer.path is not None:
            body = answer.path.read_bytes()
        elif answer.status == 404:
            body = b'{"detail":"not found"}'
            answer = type(answer)(404, None, {"content-type": "application/json"})
        else:
            body = NOT_BUILT
        headers = [(k.encode(), v.encode()) for k, v in answer.headers.items()]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
