"""``/projects/{entity}/{project}/runs``: runs of a project, filtered, sorted, paged."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from runyard.entities import RunRef
from runyard.server.access import check_access
from runyard.server.deps import require_run, store
from runyard.server.schemas import run_json
from runyard.store.base import RunBatch, TrackingStore

router = APIRouter(tags=["runs"])


def _filters(filters: str | None, updated_since: float | None) -> dict[str, Any] | None:
    parsed: dict[str, Any] | None = None
    if filters:
        try:
            parsed = json.loads(filters)
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"filters is not valid JSON: {exc.msg}") from exc
        if not isinstance(parsed, dict):
            raise HTTPException(400, f"filters must be a JSON object, got {filters!r}")
    if updated_since is not None:
        since = {"updated_at": {"$gt": updated_since}}
        parsed = since if parsed is None else {"$and": [parsed, since]}
    return parsed


@router.get("/projects/{entity}/{project}/runs")
def list_runs(
    request: Request,
    entity: str,
    project: str,
    filters: str | None = Query(None, description="MongoDB-like filters, as JSON"),
    order: str = "-created_at",
    limit: int = Query(1000, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=2**62),
    updated_since: float | None = Query(None, description="only runs updated after this"),
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    check_access(request, entity, project)
    now = time.time()
    where = _filters(filters, updated_since)
    try:
        records = tracking.query_runs(entity, project, where, order, limit=limit, offset=offset)
        total = tracking.count_runs(entity, project, where)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return {"runs": [run_json(r) for r in records], "total": total, "now": now}


@router.get("/projects/{entity}/{project}/runs/{run_id}")
def get_run(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    check_access(request, entity, project)
    record = require_run(tracking, entity, project, run_id)
    # The environment (wandb-metadata.json) is only in this answer: runs lists stay small.
    return {**run_json(record), "metadata": record.metadata}


@router.post("/projects/{entity}/{project}/runs/{run_id}/stop")
def stop_run(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """ "Stop run": note the request on the run (``stop_requested_at``). A wandb client
    logging the run is told ``stopped`` by its next ``file_stream`` answer and stops the
    script; the note is cleared when the run ends. A run that is not running: 409."""
    check_access(request, entity, project, write=True)
    record = require_run(tracking, entity, project, run_id)
    if record.state != "running":
        raise HTTPException(409, f"run {run_id} is {record.state}, not running")
    now = time.time()
    tracking.write_batch(
        RunBatch(run=RunRef(entity, project, run_id), meta={"stop_requested_at": now})
    )
    return {"stop_requested_at": now}
