"""The FastAPI application: ``/api/v1`` routes and the built web app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from runyard.blobs.base import BlobStore
from runyard.server.auth.install import AuthOption
from runyard.server.auth.install import install as install_auth
from runyard.server.limits import Limits
from runyard.server.origin import HostNames, RequestGuard
from runyard.server.static import NOT_BUILT, STATIC_DIR, resolve_static
from runyard.store.base import TrackingStore

__all__ = ["STATIC_DIR", "create_app"]

API = "/api/v1"


def create_app(
    store: TrackingStore | str,
    blobs: BlobStore | str,
    static_dir: Path | None = None,
    *,
    auth: AuthOption = None,
    limits: Limits | None = None,
    hosts: HostNames | None = None,
    fast_ingest: bool = True,
) -> FastAPI:
    """Build the app over a store and a blob store (objects or URIs).

    ``auth=None`` is the single-user app (``runyard ui``); ``auth=True`` turns on
    accounts in the store's database (``runyard server``); see
    :mod:`runyard.server.auth.install`.

    Requests other web pages could make are refused (:mod:`runyard.server.origin`);
    ``hosts`` are the host names served (``None``: any, for tests and embedding;
    the ``runyard`` commands always pass them, see :func:`served_hosts`).

    Batch posts (``POST …/runs/{run_id}/batches``) are answered by a bare ASGI path
    ahead of the body limit and the router (:mod:`runyard.server.fast_ingest`: same
    checks and answers, a fraction of the CPU); ``fast_ingest=False`` leaves them to
    the FastAPI route (tests compare the two).
    """
    from runyard.server.routes import (
        artifact_blobs,
        artifacts,
        charts,
        colors,
        files,
        groups,
        importance,
        keys,
        logs,
        media,
        presets,
        projects,
        run_edits,
        runs,
        series,
        system,
        tables,
        workspace,
    )

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
    install_auth(app, store, auth, limits, API)
    if fast_ingest:  # inside the guard, ahead of the body limit's route matching
        from runyard.server.fast_ingest import IngestFastPath

        app.add_middleware(IngestFastPath, prefix=API)
    app.add_middleware(RequestGuard, hosts=hosts)  # outermost: before body limits
    for module in (projects, runs, keys, series, files, workspace, colors):
        app.include_router(module.router, prefix=API)
    for module in (media, tables, charts, presets):  # issue 6
        app.include_router(module.router, prefix=API)
    for module in (logs, system):  # issue 13: console and system metrics
        app.include_router(module.router, prefix=API)
    for module in (artifacts, artifact_blobs):  # issue 14
        app.include_router(module.router, prefix=API)
    for module in (groups, importance):  # issue 17: grouped lines, parameter importance
        app.include_router(module.router, prefix=API)
    app.include_router(run_edits.router, prefix=API)  # issue 17: edits from the runs table

    _include_store_routes(app)  # issue 8: what HttpStore reads and writes through

    from runyard.server import wandb  # issue 16: wandb's own client (outside /api/v1)

    wandb.install(app)

    @app.exception_handler(ValueError)
    async def _bad_value(_request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    from runyard.server.routes import vendor  # chart libraries for logged HTML (issue 18)

    app.include_router(vendor.router)
    _mount_ui(app, static_dir or STATIC_DIR)
    return app


def _include_store_routes(app: FastAPI) -> None:
    from runyard.server.routes import ingest, store_reads

    for module in (ingest, store_reads):
        app.include_router(module.router, prefix=API)


def _mount_ui(app: FastAPI, static: Path) -> None:
    """Hashed assets are cached for a year; every other path gets the SPA's index."""

    @app.get("/{path:path}", include_in_schema=False)
    def web_app(path: str) -> Response:
        if path.startswith("api/"):
            raise HTTPException(404, f"no API route /{path}")
        answer = resolve_static(static, path)
        if answer.path is None:
            if answer.status == 404:
                raise HTTPException(404, f"no file /{path}")
            return Response(NOT_BUILT, status_code=answer.status, headers=answer.headers)
        return FileResponse(answer.path, headers=answer.headers)
