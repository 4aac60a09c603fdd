"""`LazyApp`: the API built in the background, then frozen out of the collector's way."""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path
from typing import Any

from runyard.server.lazy import LazyApp


def test_the_built_app_answers_and_what_it_made_is_frozen_for_the_collector(
    tmp_path: Path,
) -> None:
    calls: list[str] = []

    async def api(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    gc.unfreeze()
    try:
        app = LazyApp(lambda: api, tmp_path)
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/api/v1/projects"}
        # On a thread of its own: the suite may have an event loop running on this one.
        runner = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
        runner.start()
        runner.join(60)
        assert calls == ["/api/v1/projects"] and sent[0]["status"] == 204
        # The loader froze what existed once the app was built (imports, routes).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
