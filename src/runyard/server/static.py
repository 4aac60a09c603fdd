"""Which file answers a web-app path: hashed assets (cached for a year) or the SPA index.

Shared by the FastAPI app and the start-up shim (:mod:`runyard.server.lazy`), which
serves the web app while the API is still being imported.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NOT_BUILT", "STATIC_DIR", "StaticAnswer", "resolve_static"]

#: Where the built web app lives inside the package.
STATIC_DIR = Path(__file__).resolve().parent.parent / "ui" / "static"

NOT_BUILT = (
    b"<h1>Runyard</h1><p>The web app is not built: run <code>make ui</code> (needs Node.js).</p>"
)


#: The app's page: never cached (it names the hashed assets), and never framed by
#: another site (a frame under a decoy page could trick clicks into deleting runs).
_PAGE_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-cache",
    "content-security-policy": "frame-ancestors 'self'",
    "x-frame-options": "SAMEORIGIN",
}


@dataclass(frozen=True)
class StaticAnswer:
    status: int
    path: Path | None
    headers: dict[str, str]


def resolve_static(static: Path, url_path: str) -> StaticAnswer:
    """The answer for ``url_path`` (without the leading ``/``) under ``static``."""
    if url_path.startswith("assets/"):
        root = (static / "assets").resolve()
        path = (static / url_path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return StaticAnswer(404, None, {})
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return StaticAnswer(
            200,
            path,
            {"content-type": kind, "cache-control": "public, max-age=31536000, immutable"},
        )
    page = static / "index.html"
    if not page.is_file():
        return StaticAnswer(503, None, {"content-type": "text/html; charset=utf-8"})
    return StaticAnswer(200, page, dict(_PAGE_HEADERS))
