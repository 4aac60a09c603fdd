"""The store's read routes: what :class:`~runyard.store.rest.store.HttpStore` reads through.

Every answer is msgpack in the wire format of :mod:`runyard.store.wire` (media
type ``application/vnd.runyard.v1+msgpack``), deflated when the client accepts it
and the body is worth it: run records keep everything the store holds (reducer
state, NaN and infinities, ints versus floats), and series and rollups travel as
typed ``<f8``/``<i8`` arrays, not JSON numbers. The web app's JSON routes
(``/runs``, ``/series``, …) stay as they are; these serve the store interface
one method per route. A missing run reads as an empty answer (as in the store);
a project the caller may not see is a 404 (``check_access``).

Two reads take lists of run ids, which can be long; they are ``POST`` with a
msgpack body instead of ``GET`` with a query string that proxies might cut.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from runyard.entities import RunRef
from runyard.errors import StoreError
from runyard.server.access import check_access, project_filter, require_caller
from runyard.server.deps import store
from runyard.server.routes.ingest import decode_request, read_body, refuse_nul
from runyard.store.base import TrackingStore
from runyard.store.wire import (
    MEDIA_TYPE,
    encode_record,
    encode_rollup,
    encode_series,
    encode_stats,
    pack,
)

__all__ = ["msgpack_response", "router"]

router = APIRouter(tags=["store"], dependencies=[Depends(refuse_nul)])

_RUN = "/projects/{entity}/{project}/runs/{run_id}"
#: Answers smaller than this are sent as they are (deflating costs more than it saves).
_DEFLATE_FROM = 4096
_MAX_QUERY_BODY = 4 << 20


def msgpack_response(request: Request, obj: Any) -> Response:
    """``obj`` packed, deflated when large and the client accepts ``deflate``."""
    body = pack(obj)
    headers = {}
    accepted = request.headers.get("accept-encoding", "")
    if len(body) >= _DEFLATE_FROM and "deflate" in accepted:
        body = zlib.compress(body, 1)
        headers["Content-Encoding"] = "deflate"
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def _filters(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"filters is not valid JSON: {exc.msg}: {text!r:.200}") from exc
    if not isinstance(parsed, dict):
        raise HTTPException(400, f"filters must be a JSON object, got {text!r:.200}")
    return parsed


def _steps(min_step: int | None, max_step: int | None) -> None:
    for name, value in (("min_step", min_step), ("max_step", max_step)):
        if value is not None and not -(2**63) <= value < 2**63:
            raise HTTPException(400, f"{name} ({value}) is outside the 64-bit step range")
    if min_step is not None and max_step is not None and min_step > max_step:
        raise HTTPException(400, f"min_step ({min_step}) is greater than max_step ({max_step})")


# -- runs --------------------------------------------------------------------------------


@router.get(f"{_RUN}/record")
def get_record(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``get_run``: ``{"record": Record | null}``."""
    check_access(request, entity, project)
    record = tracking.get_run(RunRef(entity, project, run_id))
    return msgpack_response(request, {"record": None if record is None else encode_record(record)})


@router.get("/projects/{entity}/{project}/records")
def query_records(
    request: Request,
    entity: str,
    project: str,
    filters: str | None = Query(None, description="MongoDB-like filters, as JSON"),
    order: str | None = Query("+created_at", description="empty for the store's default"),
    limit: int | None = Query(None, ge=0, le=2**62),
    offset: int = Query(0, ge=0, le=2**62),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``query_runs``: ``{"records": [Record, …]}``."""
    check_access(request, entity, project)
    records = tracking.query_runs(
        entity, project, _filters(filters), order or None, limit=limit, offset=offset
    )
    return msgpack_response(request, {"records": [encode_record(r) for r in records]})


@router.get("/projects/{entity}/{project}/records/count")
def count_records(
    request: Request,
    entity: str,
    project: str,
    filters: str | None = Query(None, description="MongoDB-like filters, as JSON"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``count_runs``: ``{"count": n}``."""
    check_access(request, entity, project)
    return msgpack_response(
        request, {"count": tracking.count_runs(entity, project, _filters(filters))}
    )


@router.get("/project-stats")
def project_stats(
    request: Request,
    entity: str | None = Query(None),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``project_stats`` and ``list_projects``: ``{"projects": [[entity, name, runs,
    last_activity], …]}``, only projects the caller may read."""
    if entity is not None and "\0" in entity:  # PostgreSQL text cannot hold NUL
        raise HTTPException(400, f"invalid entity {entity!r}")
    visible = project_filter(request)  # bad credentials: 401; anonymous: public ones
    readable = [
        encode_stats(stats)
        for stats in tracking.project_stats(entity)
        if visible(stats.entity, stats.name)
    ]
    return msgpack_response(request, {"projects": readable})


# -- history ---------------------------------------------------------------------------


@router.get(f"{_RUN}/history/keys")
def history_keys(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``history_keys``: ``{"keys": [key, …]}``."""
    check_access(request, entity, project)
    return msgpack_response(
        request, {"keys": tracking.history_keys(RunRef(entity, project, run_id))}
    )


@router.get(f"{_RUN}/history/series")
def history_series(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    key: str = Query(..., description="the history key"),
    min_step: int | None = None,
    max_step: int | None = None,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``read_series``: ``{"key", "steps": <i8 array, "values": <f8|<i8 array}``."""
    check_access(request, entity, project)
    _steps(min_step, max_step)
    series = tracking.read_series(RunRef(entity, project, run_id), key, min_step, max_step)
    return msgpack_response(request, encode_series(series))


@router.get(f"{_RUN}/history/rollup")
def history_rollup(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    key: str = Query(..., description="the history key"),
    min_step: int | None = None,
    max_step: int | None = None,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``read_rollup``: ``{"key", "steps", "last", "vmin", "vmax", "count"}`` arrays."""
    check_access(request, entity, project)
    _steps(min_step, max_step)
    rollup = tracking.read_rollup(RunRef(entity, project, run_id), key, min_step, max_step)
    return msgpack_response(request, encode_rollup(rollup))


#: Values one ``history/rows`` answer holds at most (rows are cut at the next row).
ROWS_VALUES = 500_000


@router.get(f"{_RUN}/history/rows")
def history_rows(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    key: list[str] = Query([], description="with only_keys: the keys rows must have"),
    only_keys: bool = Query(False, description="false: every key (key is ignored)"),
    min_step: int = 0,
    max_step: int | None = None,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``scan_history``, a page at a time: ``{"rows": [{key: value, "_step": s}, …],
    "next": step | null}``; ask again from ``next`` until it is null. One request
    per page of up to ``ROWS_VALUES`` values, where the store's primitives would
    take a request per key per window."""
    check_access(request, entity, project)
    _steps(min_step, max_step)
    ref = RunRef(entity, project, run_id)
    rows: list[dict[str, Any]] = []
    values = 0
    for row in tracking.scan_history(ref, key if only_keys else None, min_step, max_step):
        if values >= ROWS_VALUES:
            return msgpack_response(request, {"rows": rows, "next": row["_step"]})
        rows.append(row)
        values += len(row)
    return msgpack_response(request, {"rows": rows, "next": None})


@router.get(f"{_RUN}/history/values")
def history_values(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    key: list[str] = Query([], description="history keys (repeat the parameter)"),
    min_step: int = 0,
    max_step: int | None = None,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``read_values``: ``{"values": {key: [[step, value], …]}}``."""
    for name in key:
        if "\0" in name:  # PostgreSQL text cannot hold NUL
            raise HTTPException(400, f"invalid history key {name!r}")
    check_access(request, entity, project)
    _steps(min_step, max_step)
    values = tracking.read_values(RunRef(entity, project, run_id), key, min_step, max_step)
    return msgpack_response(request, {"values": values})


async def _run_ids(request: Request) -> list[str] | None:
    body = decode_request(await read_body(request, _MAX_QUERY_BODY), _encoding(request))
    if not isinstance(body, dict):
        raise HTTPException(400, f"body must be a map {{'runs': [...] | null}}, got {body!r:.80}")
    runs = body.get("runs")
    if runs is not None and (
        not isinstance(runs, list) or not all(isinstance(r, str) for r in runs)
    ):
        raise HTTPException(400, f"runs must be a list of run ids or null, got {runs!r:.80}")
    return runs


def _encoding(request: Request) -> str | None:
    return request.headers.get("content-encoding")


@router.post("/projects/{entity}/{project}/history/keys")
async def project_keys(
    request: Request, entity: str, project: str, tracking: TrackingStore = Depends(store)
) -> Response:
    """``project_keys``: body ``{"runs": [id, …] | null}`` → ``{"keys": {key: numeric}}``."""
    await run_in_threadpool(check_access, request, entity, project)
    runs = await _run_ids(request)
    keys = await run_in_threadpool(tracking.project_keys, entity, project, runs)
    return msgpack_response(request, {"keys": keys})


@router.post("/projects/{entity}/{project}/metric-definitions")
async def project_metrics(
    request: Request, entity: str, project: str, tracking: TrackingStore = Depends(store)
) -> Response:
    """``project_metrics``: body ``{"runs": [id, …] | null}`` → ``{"metrics": [[def, …], …]}``."""
    await run_in_threadpool(check_access, request, entity, project)
    runs = await _run_ids(request)
    metrics = await run_in_threadpool(tracking.project_metrics, entity, project, runs)
    return msgpack_response(request, {"metrics": metrics})


# -- journals ------------------------------------------------------------------------------


def _journal_access(request: Request, tracking: TrackingStore, name: str, write: bool) -> None:
    """A known journal is guarded by its run's project; an unknown one has nothing to
    guard but still needs an authenticated caller."""
    ref = tracking.journal_run(name)
    if ref is None:
        require_caller(request)  # its offset is 0 and forgetting it a no-op; still not anonymous
    else:
        check_access(request, ref.entity, ref.project, write=write)


@router.get("/journals/{name:path}")
def journal_offset(
    request: Request, name: str, tracking: TrackingStore = Depends(store)
) -> Response:
    """``journal_offset``: ``{"journal": name, "position": offset}``."""
    _journal_access(request, tracking, name, write=False)
    return msgpack_response(request, {"journal": name, "position": tracking.journal_offset(name)})


@router.delete("/journals/{name:path}")
def forget_journal(
    request: Request, name: str, tracking: TrackingStore = Depends(store)
) -> Response:
    """``forget_journal``: mark the journal done (later batches from it change nothing)."""
    _journal_access(request, tracking, name, write=True)
    tracking.forget_journal(name)
    return msgpack_response(request, {"journal": name, "position": 0})


# -- custom-chart presets (store-protocol twins of /presets) ----------------------------
# Entity and name are query parameters: the store refuses bad ones (empty, too long)
# with a 400 naming them, which an empty path segment could not reach.


@router.get("/preset-versions")
def preset_versions(
    request: Request,
    entity: str = Query(...),
    name: str | None = Query(None, description="without: every preset of the entity"),
    version: int | None = Query(None, ge=-(2**31), le=2**31 - 1),  # an INTEGER column
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``list_presets`` → ``{"presets": [[name, latest version], …]}``; with ``name``,
    ``get_preset`` → ``{"preset": [version, spec] | null}``."""
    check_access(request, entity)
    if name is None:
        return msgpack_response(request, {"presets": tracking.list_presets(entity)})
    return msgpack_response(request, {"preset": tracking.get_preset(entity, name, version)})


@router.post("/preset-versions")
async def put_preset_version(
    request: Request,
    entity: str = Query(...),
    name: str = Query(...),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``put_preset``: body ``{"spec": {...}}`` → ``{"version": n}``. Not idempotent
    (each call adds a version), so clients retry it only when it surely did not run."""
    await run_in_threadpool(check_access, request, entity, write=True)
    body = decode_request(await read_body(request, _MAX_QUERY_BODY), _encoding(request))
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
        raise HTTPException(400, f"body must be a map {{'spec': {{...}}}}, got {body!r:.80}")
    try:
        version = await run_in_threadpool(tracking.put_preset, entity, name, body["spec"])
    except StoreError as exc:
        raise HTTPException(422, str(exc)) from exc
    return msgpack_response(request, {"version": version})
