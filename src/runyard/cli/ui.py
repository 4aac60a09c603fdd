"""``runyard ui`` (the embedded store) and ``runyard server`` (any store): serve the web app.

The socket is bound before anything heavy is imported and the URL is printed at
once: a browser (or test) connecting early just waits in the listen backlog.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

__all__ = ["serve"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"runyard: cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def serve(
    host: str,
    port: int,
    store_uri: str | None = None,
    blobs_uri: str | None = None,
    open_browser: bool = False,
    recover: bool = True,
) -> int:
    """Serve the API and web app until interrupted; ``port=0`` picks a free port."""
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    print(f"Runyard UI: {url}", flush=True)

    import uvicorn

    from runyard.server.lazy import LazyApp
    from runyard.server.static import STATIC_DIR

    def build() -> Any:
        from runyard.server.app import create_app
        from runyard.settings import Settings
        from runyard.store.registry import shared_store

        settings = Settings.from_env()
        store = shared_store(store_uri or settings.store_uri)
        if recover:
            from runyard.sdk.recovery import recover_journals

            recover_journals(settings.journal_dir, store)
        return create_app(store, blobs_uri or settings.blobs_uri)

    app = LazyApp(build, STATIC_DIR)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("runyard: server stopped", file=sys.stderr)
    return 0
