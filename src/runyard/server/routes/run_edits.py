"""Edits of runs from the runs table: rename, tags, notes, delete, move (one or many).

- ``PATCH /projects/{e}/{p}/runs``: ``{"runs": [ids], "name"?, "notes"?, "tags"?,
  "add_tags"?, "remove_tags"?}``; ``name`` needs exactly one run.
- ``POST /projects/{e}/{p}/runs/delete``: ``{"runs": [ids]}``.
- ``POST /projects/{e}/{p}/runs/move``: ``{"runs": [ids], "entity", "project"}``.

Each request is all or nothing as far as checks go: every id must be a run of the
project in the path (an id of another project is a 404, even one the caller may
write), and the caller needs write access to the project (and, for a move, to the
target too) before anything is read or written. Edits go through ``write_batch`` as
``runyard.Api()``'s ``run.update()`` / ``run.delete()`` do, so a live run's own writes
and these edits merge key by key.

A move is a copy then a delete (the store has no primitive to re-home a run): the run
is created in the target with its fields, config, summary, metadata, history, console,
system metrics and files, then removed from the source. It is refused (409) for a
running run (its client would go on writing to the old place), for a run that logged
or used artifacts (their lineage names the run's project), and where the target already
has a run of that id.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import run_prefix
from runyard.entities import RunRecord, RunRef, check_ref
from runyard.errors import BatchRefusedError
from runyard.server.access import check_access
from runyard.server.deps import blobs, store
from runyard.store.base import RunBatch, TrackingStore

router = APIRouter(tags=["runs"])

#: Runs one request may change (the table's selection; more is a script's job).
MAX_RUNS = 1000
MAX_TAG = 256
MAX_TAGS = 100
MAX_NAME = 512
MAX_NOTES = 100_000
#: Moves in this process one at a time: the "target is free" check and the copy are not
#: one transaction (two moves of one id could otherwise both pass the check). Replicas
#: of a team server can still race; the store has no primitive to make it atomic.
_MOVES = threading.Lock()


class RunsEdit(BaseModel):
    """What to change on every listed run (fields left out stay as they are)."""

    runs: list[str] = Field(default_factory=list, max_length=MAX_RUNS)
    name: str | None = Field(None, max_length=MAX_NAME)
    notes: str | None = Field(None, max_length=MAX_NOTES)
    tags: list[str] | None = Field(None, max_length=MAX_TAGS)
    add_tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    remove_tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)


class RunsSelection(BaseModel):
    runs: list[str] = Field(default_factory=list, max_length=MAX_RUNS)


class RunsMove(BaseModel):
    runs: list[str] = Field(default_factory=list, max_length=MAX_RUNS)
    entity: str
    project: str


def _check_tag(tag: str) -> str:
    text = tag.strip()
    if not text or len(text) > MAX_TAG or "\0" in text:
        raise HTTPException(400, f"invalid tag {tag!r}: 1 to {MAX_TAG} characters, no NUL")
    return text


def _resolve(tracking: TrackingStore, entity: str, project: str, ids: list[str]) -> list[RunRecord]:
    """Every listed run of this project (duplicates once), or a 404 naming the first missing."""
    records = []
    for run_id in dict.fromkeys(ids):
        record = None if "\0" in run_id else tracking.get_run(RunRef(entity, project, run_id))
        if record is None:
            raise HTTPException(404, f"no run {entity}/{project}/{run_id}")
        records.append(record)
    return records


def _write(tracking: TrackingStore, batch: RunBatch) -> None:
    try:
        tracking.write_batch(batch)
    except BatchRefusedError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.patch("/projects/{entity}/{project}/runs")
def edit_runs(
    request: Request,
    entity: str,
    project: str,
    body: RunsEdit,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    """Rename (one run), set notes, set or add/remove tags on the listed runs."""
    check_access(request, entity, project, write=True)
    if body.name is not None and len(body.runs) != 1:
        raise HTTPException(400, f"name renames one run, got {len(body.runs)} runs")
    if body.name is not None and (not body.name.strip() or "\0" in body.name):
        raise HTTPException(400, f"invalid run name {body.name!r}")
    if body.notes is not None and "\0" in body.notes:
        raise HTTPException(400, "invalid notes: NUL character")
    tags = None if body.tags is None else [_check_tag(t) for t in body.tags]
    add = [_check_tag(t) for t in body.add_tags]
    remove = {_check_tag(t) for t in body.remove_tags}
    records = _resolve(tracking, entity, project, body.runs)
    for record in records:
        meta: dict[str, Any] = {}
        if body.name is not None:
            meta["display_name"] = body.name.strip()
        if body.notes is not None:
            meta["notes"] = body.notes
        if tags is not None or add or remove:
            current = list(record.tags) if tags is None else tags
            wanted = [t for t in dict.fromkeys([*current, *add]) if t not in remove]
            if wanted != record.tags:
                meta["tags"] = wanted
        if meta:
            _write(tracking, RunBatch(run=record.ref, meta=meta))
    return {"runs": [r.ref.run_id for r in records]}


@router.post("/projects/{entity}/{project}/runs/delete")
def delete_runs(
    request: Request,
    entity: str,
    project: str,
    body: RunsSelection,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Delete the listed runs with their history and files (as ``run.delete()``)."""
    check_access(request, entity, project, write=True)
    records = _resolve(tracking, entity, project, body.runs)
    for record in records:
        _write(tracking, RunBatch(run=record.ref, delete=True))
        files.delete_prefix(run_prefix(record.ref))
    return {"deleted": [r.ref.run_id for r in records]}


@router.post("/projects/{entity}/{project}/runs/move")
def move_runs(
    request: Request,
    entity: str,
    project: str,
    body: RunsMove,
    tracking: TrackingStore = Depends(store),
    files: BlobStore = Depends(blobs),
) -> dict[str, Any]:
    """Move the listed runs to ``body.entity``/``body.project`` (see the module docstring)."""
    check_access(request, entity, project, write=True)
    if (body.entity, body.project) == (entity, project):
        raise HTTPException(400, f"runs are already in {entity}/{project}")
    _resolve(tracking, entity, project, body.runs)
    # The target's access after the source's runs: a caller who may not write the
    # source learns nothing about the target.
    check_access(request, body.entity, body.project, write=True)
    with _MOVES:  # read again under the lock: a concurrent move may have taken a run
        return _move(tracking, files, _resolve(tracking, entity, project, body.runs), body)


def _move(
    tracking: TrackingStore, files: BlobStore, records: list[RunRecord], body: RunsMove
) -> dict[str, Any]:
    targets = []
    for record in records:
        try:
            target = check_ref(RunRef(body.entity, body.project, record.ref.run_id))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        if record.state == "running":
            raise HTTPException(409, f"run {record.ref.path} is running: move it once it ends")
        if tracking.artifacts_logged_by(record.ref) or tracking.artifacts_used_by(record.ref):
            raise HTTPException(
                409, f"run {record.ref.path} logged or used artifacts: it cannot be moved"
            )
        if tracking.get_run(target) is not None:
            raise HTTPException(409, f"{target.path} already exists")
        targets.append(target)
    for record, target in zip(records, targets, strict=True):
        _copy_run(tracking, files, record, target)
        _write(tracking, RunBatch(run=record.ref, delete=True))
        files.delete_prefix(run_prefix(record.ref))
    return {"moved": [t.path for t in targets]}


def _copy_run(tracking: TrackingStore, files: BlobStore, record: RunRecord, target: RunRef) -> None:
    """Create ``target`` as a copy of ``record``: everything but its journals."""
    source = record.ref
    create = {
        "display_name": record.display_name,
        "tags": list(record.tags),
        "notes": record.notes,
        "group": record.group,
        "job_type": record.job_type,
        "host": record.host,
        "color": record.color,
        "created_at": record.created_at,
        "forked_from": record.forked_from,
    }
    console = [(c.line, c.stream, c.ts, c.text) for c in tracking.iter_console(source)]
    samples = tracking.read_system(source)
    system = [
        (
            i,
            samples.ts[i],
            samples.runtime[i],
            {k: v for k in samples.keys if (v := samples.values[k][i]) is not None},
        )
        for i in range(len(samples))
    ]
    _write(
        tracking,
        RunBatch(
            run=target,
            create=create,
            meta={
                "state": record.state,
                "exit_code": record.exit_code,
                "runtime": record.runtime,
                "heartbeat_at": record.heartbeat_at,
                "sessions": record.sessions,
            },
            config=dict(record.config),
            summary_set=[((key,), value) for key, value in record.summary.items()],
            summary_state=dict(record.summary_state),
            metrics=list(record.metrics),
            copy_history=(source, record.last_step) if record.last_step >= 0 else None,
            console=console,
            system=system,
            metadata=record.metadata,
        ),
    )
    prefix, new_prefix = run_prefix(source), run_prefix(target)
    for key, _size in files.list(prefix):
        files.put(new_prefix + key[len(prefix) :], files.get(key))
