"""The FastAPI application: ``/api/v1`` routes and the built web app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from runyard.blobs.base import BlobStore
from runyard.store.base import TrackingStore

__all__ = ["STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "ui" / "static"
API = "/api/v1"


def create_app(
    store: TrackingStore | str, blobs: BlobStore | str, static_dir: Path | None = None
) -> FastAPI:
    """Build the app over a store and a blob store (objects or URIs)."""
    from runyard.server.routes import files, keys, projects, runs, series, workspace

    if isinstance(store, str):
        from runyard.store.registry import shared_store

        store = shared_store(store)
    if isinstance(blobs, str):
        from runyard.blobs.registry import open_blobs

        blobs = open_blobs(blobs)
    app = FastAPI(
        title="Runyard",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
    )
    app.state.store = store
    app.state.blobs = blobs
    for module in (projects, runs, keys, series, files, workspace):
        app.include_router(module.router, prefix=API)

    @app.exception_handler(ValueError)
    async def _bad_value(_request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    _mount_ui(app, static_dir or STATIC_DIR)
    return app


def _mount_ui(app: FastAPI, static: Path) -> None:
    """Hashed assets are cached for a year; every other path gets the SPA's index."""

    @app.get("/assets/{name:path}", include_in_schema=False)
    def asset(name: str) -> Response:
        path = (static / "assets" / name).resolve()
        if not path.is_relative_to((static / "assets").resolve()) or not path.is_file():
            raise HTTPException(404, f"no asset {name!r}")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @app.get("/{path:path}", include_in_schema=False)
    def index(path: str) -> Response:
        if path.startswith("api/"):
            raise HTTPException(404, f"no API route /{path}")
        page = static / "index.html"
        if not page.is_file():
            return Response(
                "<h1>Runyard</h1><p>The web app is not built: run <code>make ui</code> "
                "(needs Node.js).</p>",
                media_type="text/html",
                status_code=503,
            )
        return FileResponse(page, headers={"Cache-Control": "no-cache"})
