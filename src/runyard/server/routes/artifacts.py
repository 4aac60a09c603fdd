"""``/projects/{entity}/{project}/artifacts…`` and ``/registry/{entity}``: artifact
versions, their files, aliases and lineage.

Reads need read access to the project, edits write access (:func:`check_access`).
A version's files are served only through the version (``…/{name}/{version}/files/
{path}``): the content-addressed blob behind an entry is never reachable by its
digest alone, so a digest learned elsewhere reads nothing. Runs and versions of
other projects (lineage, ``used_by``, a run's used artifacts) are listed only when
the caller may read their project.

Answers are JSON, or the store's msgpack for :class:`~runyard.store.rest.store.HttpStore`
(``Accept: application/vnd.runyard.v1+msgpack``).

The registry is the entity's project ``model-registry`` (wandb's name): its
collections link versions of the entity's projects; reading it is reading that
project.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from runyard.blobs.artifacts import artifact_key
from runyard.blobs.base import BlobStore
from runyard.server.access import check_access, project_filter
from runyard.server.deps import blobs, require_run, store
from runyard.server.lineage import MAX_HOPS, lineage
from runyard.server.routes.files import PRESIGN_SECONDS, REDIRECT_BYTES
from runyard.server.routes.ingest import refuse_nul
from runyard.server.routes.logs import data_response
from runyard.store.base import REGISTRY_PROJECT, ArtifactRecord, TrackingStore
from runyard.store.wire import encode_artifact, encode_collection

__all__ = ["router"]

router = APIRouter(tags=["artifacts"], dependencies=[Depends(refuse_nul)])

_PROJECT = "/projects/{entity}/{project}"
_VERSION = _PROJECT + "/artifacts/{name}/{version}"


def _version(
    tracking: TrackingStore,
    entity: str,
    project: str,
    name: str,
    version: str,
    type_: str | None = None,
) -> ArtifactRecord:
    found = tracking.get_artifact(entity, project, name, version, type_)
    if found is None:
        raise HTTPException(404, f"no artifact {entity}/{project}/{name}:{version}")
    return found


def _files(tracking: TrackingStore, record: ArtifactRecord) -> list[dict[str, Any]]:
    return [dict(vars(f)) for f in tracking.artifact_files(record)]


@router.get(_PROJECT + "/artifact-types")
def artifact_types(
    request: Request, entity: str, project: str, tracking: TrackingStore = Depends(store)
) -> Response:
    check_access(request, entity, project)
    return data_response(request, {"types": tracking.artifact_types(entity, project)})


@router.get(_PROJECT + "/artifacts")
def list_collections(
    request: Request,
    entity: str,
    project: str,
    type: str | None = None,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """The project's artifact names (collections), of one ``type`` or all."""
    check_access(request, entity, project)
    found = tracking.list_artifact_collections(entity, project, type)
    return data_response(request, {"collections": [encode_collection(c) for c in found]})


@router.get(_PROJECT + "/artifacts/{name}/versions")
def list_versions(
    request: Request,
    entity: str,
    project: str,
    name: str,
    tracking: TrackingStore = Depends(store),
) -> Response:
    check_access(request, entity, project)
    found = tracking.list_artifact_versions(entity, project, name)
    return data_response(request, {"versions": [encode_artifact(r) for r in found]})


@router.get(_PROJECT + "/artifact-clients/{client_id}")
def by_client_id(
    request: Request,
    entity: str,
    project: str,
    client_id: str,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """The version a ``log_artifact`` call (its client id) made, or null until stored."""
    check_access(request, entity, project)
    found = tracking.get_artifact_by_client_id(entity, project, client_id)
    return data_response(request, {"artifact": None if found is None else encode_artifact(found)})


@router.get(_VERSION)
def get_version(
    request: Request,
    entity: str,
    project: str,
    name: str,
    version: str,
    type: str | None = None,
    files: bool = True,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """The version ``vN`` or alias ``version``, with its manifest unless ``files=false``."""
    check_access(request, entity, project)
    record = _version(tracking, entity, project, name, version, type)
    body: dict[str, Any] = {"artifact": encode_artifact(record)}
    if files:
        body["files"] = _files(tracking, record)
    return data_response(request, body)


@router.get(_VERSION + "/files/{path:path}")
def get_version_file(
    request: Request,
    entity: str,
    project: str,
    name: str,
    version: str,
    path: str,
    tracking: TrackingStore = Depends(store),
    contents: BlobStore = Depends(blobs),
) -> Response:
    """The bytes of the version's entry ``path`` (large ones by a presigned redirect
    where the blob store is S3)."""
    check_access(request, entity, project)
    record = _version(tracking, entity, project, name, version)
    entry = next((f for f in tracking.artifact_files(record) if f.path == path), None)
    if entry is None:
        raise HTTPException(404, f"artifact {record.qualified_name} has no file {path!r}")
    if entry.digest is None:
        raise HTTPException(409, f"{path!r} is a reference to {entry.ref!r}: read it there")
    key = artifact_key(entry.digest)
    if (entry.size or 0) >= REDIRECT_BYTES:
        url = contents.presigned_get(key, expires=PRESIGN_SECONDS)
        if url is not None:
            return RedirectResponse(url, status_code=307)
    try:
        data = contents.get(key)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise HTTPException(
            404, f"the content of {path!r} is missing from the blob store"
        ) from None
    filename = path.rsplit("/", 1)[-1].replace('"', "")
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "ETag": f'"{entry.digest}"',
            "Cache-Control": "private, max-age=31536000, immutable",
        },
    )


class ArtifactEdit(BaseModel):
    description: str | None = None
    metadata: dict[str, Any] | None = None
    aliases: list[str] | None = Field(default=None, max_length=1000)


@router.patch(_VERSION)
def edit_version(
    request: Request,
    entity: str,
    project: str,
    name: str,
    version: str,
    body: ArtifactEdit,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """Set the description, metadata or aliases (the list replaces the version's)."""
    check_access(request, entity, project, write=True)
    record = _version(tracking, entity, project, name, version)
    updated = tracking.update_artifact(
        record, description=body.description, metadata=body.metadata, aliases=body.aliases
    )
    return data_response(request, {"artifact": encode_artifact(updated)})


@router.delete(_VERSION)
def delete_version(
    request: Request,
    entity: str,
    project: str,
    name: str,
    version: str,
    delete_aliases: bool = False,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """Remove the version (409 while it has aliases, unless ``delete_aliases``)."""
    check_access(request, entity, project, write=True)
    record = _version(tracking, entity, project, name, version)
    try:
        tracking.delete_artifact(record, delete_aliases=delete_aliases)
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    return Response(status_code=204)


@router.get(_VERSION + "/runs")
def version_runs(
    request: Request,
    entity: str,
    project: str,
    name: str,
    version: str,
    tracking: TrackingStore = Depends(store),
) -> Response:
    """The runs that used the version (those the caller may read)."""
    check_access(request, entity, project)
    record = _version(tracking, entity, project, name, version)
    visible = project_filter(request)
    refs = [r for r in tracking.runs_using(record) if visible(r.entity, r.project)]
    return data_response(request, {"runs": [[r.entity, r.project, r.run_id] for r in refs]})


@router.get(_VERSION + "/lineage")
def version_lineage(
    request: Request,
    entity: str,
    project: str,
    name: str,
    version: str,
    hops: int = Query(2, ge=0, le=MAX_HOPS),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """Runs and versions up to ``hops`` away (``logged`` and ``used`` edges)."""
    check_access(request, entity, project)
    record = _version(tracking, entity, project, name, version)
    return data_response(request, lineage(tracking, record, hops, project_filter(request)))


@router.get(_PROJECT + "/runs/{run_id}/artifacts")
def run_artifacts(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    direction: str = Query("logged", pattern="^(logged|used)$"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """The versions the run logged, or used (those the caller may read)."""
    check_access(request, entity, project)
    record = require_run(tracking, entity, project, run_id)
    if direction == "logged":
        found = tracking.artifacts_logged_by(record.ref)
    else:
        visible = project_filter(request)
        found = [a for a in tracking.artifacts_used_by(record.ref) if visible(a.entity, a.project)]
    return data_response(request, {"artifacts": [encode_artifact(a) for a in found]})


@router.get("/registry/{entity}")
def registry(request: Request, entity: str, tracking: TrackingStore = Depends(store)) -> Response:
    """The entity's registry collections (each links versions of its projects)."""
    check_access(request, entity, REGISTRY_PROJECT)
    found = tracking.list_artifact_collections(entity, REGISTRY_PROJECT)
    return data_response(request, {"collections": [encode_collection(c) for c in found]})


@router.get("/registry/{entity}/{collection}")
def registry_collection(
    request: Request, entity: str, collection: str, tracking: TrackingStore = Depends(store)
) -> Response:
    """A registry collection's linked versions, oldest first."""
    check_access(request, entity, REGISTRY_PROJECT)
    found = tracking.list_artifact_versions(entity, REGISTRY_PROJECT, collection)
    return data_response(request, {"versions": [encode_artifact(r) for r in found]})
