"""Artifacts in the public API: types, collections and versions of a project (wandb 0.31).

``Api().artifact("entity/project/name:alias")`` and friends return
:class:`runyard.Artifact` objects of stored versions (built with
``Artifact._from_record``), so ``download()``, ``files()``, ``get()``, ``logged_by()``
and ``used_by()`` work as for an artifact a run used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runyard.store.base import ArtifactCollection as CollectionRecord
from runyard.store.base import ArtifactRecord, parse_artifact_path

if TYPE_CHECKING:
    from runyard.artifacts.artifact import Artifact
    from runyard.public_api.api import Api

__all__ = [
    "ArtifactCollection",
    "ArtifactType",
    "artifact_from_record",
    "artifact_path",
    "collections_of",
    "find_artifact",
    "types_of",
    "versions_of",
]


def artifact_from_record(api: Api, record: ArtifactRecord) -> Artifact:
    """The SDK's ``Artifact`` for a stored version (its files read when needed)."""
    from runyard.artifacts.artifact import Artifact

    return Artifact._from_record(record, None, api.store, api.blobs)


def artifact_path(api: Api, name: str) -> tuple[str, str, str, str]:
    """``(entity, project, name, version)`` of a wandb artifact name, with the Api's
    default entity and project."""
    project = api._overrides.get("project") or api.settings.project
    return parse_artifact_path(name, api.default_entity, project)


def find_artifact(api: Api, name: str, type: str | None = None) -> Artifact:
    """``Api.artifact``: the version, or ``ValueError`` naming it."""
    entity, project, collection, version = artifact_path(api, name)
    record = api.store.get_artifact(entity, project, collection, version, type)
    if record is None:
        raise ValueError(
            f"Unable to fetch artifact with name {entity}/{project}/{collection}:{version}"
        )
    return artifact_from_record(api, record)


class ArtifactCollection:
    """A name in a project and its versions (wandb's ``ArtifactCollection``)."""

    def __init__(self, api: Api, record: CollectionRecord) -> None:
        self._api = api
        self._record = record

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def type(self) -> str:
        return self._record.type

    @property
    def entity(self) -> str:
        return self._record.entity

    @property
    def project(self) -> str:
        return self._record.project

    @property
    def description(self) -> str | None:
        return self._record.description

    @property
    def aliases(self) -> list[str]:
        return list(self._record.aliases)

    @property
    def created_at(self) -> float:
        return self._record.created_at

    def is_sequence(self) -> bool:
        """Whether it holds logged versions (else it is a portfolio of links)."""
        return self._record.kind == "sequence"

    def artifacts(self, per_page: int = 50) -> list[Artifact]:
        """Its versions, newest first."""
        return _versions(self._api, self.entity, self.project, self.name)

    versions = artifacts

    def __repr__(self) -> str:
        return f"<ArtifactCollection {self.name} ({self.type})>"


class ArtifactType:
    """The artifacts of one type in a project (wandb's ``ArtifactType``)."""

    def __init__(self, api: Api, entity: str, project: str, name: str) -> None:
        self._api = api
        self.entity = entity
        self.project = project
        self.name = name

    @property
    def type(self) -> str:
        return self.name

    def collections(self, per_page: int = 50) -> list[ArtifactCollection]:
        """The names of this type, sorted."""
        store = self._api.store
        found = store.list_artifact_collections(self.entity, self.project, self.name)
        return [ArtifactCollection(self._api, c) for c in found]

    def collection(self, name: str) -> ArtifactCollection:
        for found in self.collections():
            if found.name == name:
                return found
        raise ValueError(f"Could not find artifact collection {name!r} of type {self.name!r}")

    def __iter__(self) -> Iterator[ArtifactCollection]:
        return iter(self.collections())

    def __repr__(self) -> str:
        return f"<ArtifactType {self.name}>"


def _versions(api: Api, entity: str, project: str, name: str) -> list[Artifact]:
    records = api.store.list_artifact_versions(entity, project, name)
    return [artifact_from_record(api, r) for r in reversed(records)]


def versions_of(api: Api, type_name: str, name: str) -> list[Artifact]:
    """``Api.artifacts(type_name, name)``: the versions of ``name`` (which must be of
    ``type_name``), newest first."""
    entity, project, collection, _ = artifact_path(api, name)
    records = api.store.list_artifact_versions(entity, project, collection)
    if records and records[0].type != type_name:
        raise ValueError(
            f"artifact {entity}/{project}/{collection} is of type {records[0].type!r}, "
            f"not {type_name!r}"
        )
    return [artifact_from_record(api, r) for r in reversed(records)]


def project_of(api: Api, project: str | None) -> tuple[str, str]:
    return api._project_path(project)


def types_of(api: Api, project: str | None) -> list[ArtifactType]:
    entity, name = project_of(api, project)
    return [ArtifactType(api, entity, name, t) for t in api.store.artifact_types(entity, name)]


def collections_of(api: Api, project: str | None, type_name: str) -> list[ArtifactCollection]:
    entity, name = project_of(api, project)
    found = api.store.list_artifact_collections(entity, name, type_name)
    return [ArtifactCollection(api, c) for c in found]
