"""`Api`: read, query and edit runs after the fact (``wandb.Api``-compatible)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from runyard.blobs.base import BlobStore
from runyard.entities import RunRef
from runyard.errors import RunNotFoundError
from runyard.public_api.run import Run
from runyard.public_api.runs import Runs
from runyard.settings import Settings, api_key_for
from runyard.store.base import TrackingStore

__all__ = ["Api", "Project", "parse_run_path"]


def parse_run_path(path: str, entity: str, project: str | None) -> RunRef:
    """wandb's run path forms.

    ``entity/project/run_id``, ``entity/project/runs/run_id``, ``entity/project:run_id``,
    ``project/run_id``, ``project:run_id`` and ``run_id`` (with a default project),
    optionally with a leading ``/``, ``runs/`` or ``sweeps/``.
    """
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"Invalid path: {path!r}")
    text = path.strip().strip("/")
    for prefix in ("runs/", "sweeps/"):
        text = text.removeprefix(prefix)
    if ":" in text:
        head, _, run_id = text.rpartition(":")
        parts = [*head.split("/"), run_id]
    else:
        parts = text.split("/")
    if len(parts) == 4 and parts[2] in ("runs", "sweeps"):
        parts = [parts[0], parts[1], parts[3]]
    if any(not p for p in parts) or len(parts) > 3:
        raise ValueError(f"Invalid path: {path!r}")
    if len(parts) == 3:
        return RunRef(*parts)
    if len(parts) == 2:
        return RunRef(entity, parts[0], parts[1])
    if project is None:
        raise ValueError(f"Invalid path: {path!r} (missing project)")
    return RunRef(entity, project, parts[0])


@dataclass(frozen=True)
class Project:
    """A project: a name within an entity."""

    entity: str
    name: str
    _api: Api

    @property
    def path(self) -> list[str]:
        return [self.entity, self.name]

    def runs(self, **kwargs: Any) -> Runs:
        return self._api.runs(f"{self.entity}/{self.name}", **kwargs)

    def __repr__(self) -> str:
        return f"<Project {self.entity}/{self.name}>"


class Api:
    """Entry point of the public API.

    Args:
        overrides: defaults for short paths: ``{"entity": …, "project": …}``.
        store: a store URI (default: the embedded store under ``RUNYARD_DIR``) or a
            ready :class:`~runyard.store.base.TrackingStore`.
        blobs: a blob store URI (default: the embedded blob directory).

    Example:
        >>> api = runyard.Api()  # doctest: +SKIP
        >>> run = api.run("me/mnist/abc123")  # doctest: +SKIP
        >>> best = {"summary_metrics.acc.max": {"$gt": 0.9}}
        >>> good = api.runs("me/mnist", filters=best)  # doctest: +SKIP
    """

    def __init__(
        self,
        overrides: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        api_key: str | None = None,
        store: str | TrackingStore | None = None,
        blobs: str | BlobStore | None = None,
    ) -> None:
        settings = Settings.from_env()
        if api_key is not None:
            settings = replace(settings, api_key=api_key)
        self.settings = settings
        self._overrides = dict(overrides or {})
        self._own_store = False
        if isinstance(store, TrackingStore):
            self.store = store
        else:
            from runyard.store.registry import shared_store

            uri = store or self.settings.store_uri
            if api_key is not None and uri.startswith(("http://", "https://")):
                from runyard.store.rest.store import HttpStore

                self.store = HttpStore(uri, api_key=api_key)  # this key, not the saved one
                self._own_store = True
            else:
                self.store = shared_store(uri)
            if store is None:
                from runyard.journal.replay import recover_journals

                recover_journals(self.settings.journal_dir, self.store)
        self._api_key = api_key
        self._blobs: BlobStore | None = blobs if isinstance(blobs, BlobStore) else None
        self._blobs_uri = blobs if isinstance(blobs, str) else None
        self._blobs_arg = blobs
        self._keys_upgraded = False

    @property
    def blobs(self) -> BlobStore:
        """The blob store (run files, tensors), opened on first use: reading runs from a
        server needs no blob store, so ``Api()`` works where none is reachable."""
        if self._blobs is None:
            server = self.store.uri
            if self._blobs_uri is None and server.startswith(("http://", "https://")):
                from runyard.store.rest.blobs import HttpBlobStore  # the server's files routes

                self._blobs = HttpBlobStore(server, self._api_key or api_key_for(server))
            else:
                from runyard.blobs.registry import open_blobs

                self._blobs = open_blobs(self._blobs_uri or self.settings.blobs_uri)
        if not self._keys_upgraded:
            self._keys_upgraded = True
            if not self.store.uri.startswith(("http://", "https://")):  # servers do their own
                from runyard.blobs.legacy import upgrade_store_keys

                upgrade_store_keys(self._blobs, self.store)
        return self._blobs

    def close(self) -> None:
        """Release the connections this ``Api`` opened (stores shared with the rest of
        the process stay open)."""
        if self._own_store:
            self.store.close()
        if self._blobs is not None and not isinstance(self._blobs_arg, BlobStore):
            self._blobs.close()
            self._blobs = None

    @property
    def default_entity(self) -> str:
        return str(self._overrides.get("entity") or self.settings.entity)

    def run(self, path: str) -> Run:
        """The run at ``path``; ``RunNotFoundError`` when it does not exist."""
        ref = parse_run_path(path, self.default_entity, self._overrides.get("project"))
        record = self.store.get_run(ref)
        if record is None:
            raise RunNotFoundError(f"Could not find run {ref.path}")
        return Run(self, record)

    def _project_path(self, path: str | None) -> tuple[str, str]:
        text = (path or self._overrides.get("project") or self.settings.project).strip("/")
        parts = text.split("/")
        if len(parts) == 1 and parts[0]:
            return self.default_entity, parts[0]
        if len(parts) == 2 and all(parts):
            return parts[0], parts[1]
        raise ValueError(f"Invalid path: {path!r} (expected 'entity/project' or 'project')")

    def runs(
        self,
        path: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str = "-created_at",
        per_page: int = 50,
        include_sweeps: bool = True,
        lazy: bool = True,
    ) -> Runs:
        """Runs of a project matching MongoDB-style ``filters``, newest first by default.

        Filters are translated to SQL; see ``docs/public-api.md`` for the fields
        and operators.
        """
        entity, project = self._project_path(path)
        return Runs(self, entity, project, filters, order, per_page)

    def projects(self, entity: str | None = None, per_page: int = 200) -> list[Project]:
        """Projects of ``entity`` (every entity's when None and no default is set)."""
        wanted = entity if entity is not None else self._overrides.get("entity")
        return [Project(e, n, self) for e, n in self.store.list_projects(wanted)]

    def project(self, name: str, entity: str | None = None) -> Project:
        """One project; ``ValueError`` when it does not exist."""
        owner = entity or self.default_entity
        if (owner, name) not in self.store.list_projects(owner):
            raise ValueError(f"Could not find project {owner}/{name}")
        return Project(owner, name, self)

    # -- artifacts (public_api/artifacts.py) ---------------------------------------------
    def artifact(self, name: str, type: str | None = None) -> Any:
        """The artifact version ``[entity/][project/]name[:version or alias]``
        (``latest`` when no version is given); ``ValueError`` when there is none, or
        when ``type`` is given and differs.

        Example:
            >>> model = runyard.Api().artifact("me/mnist/net:best")  # doctest: +SKIP
            >>> path = model.download()  # doctest: +SKIP
        """
        from runyard.public_api.artifacts import find_artifact

        return find_artifact(self, name, type)

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether :meth:`artifact` would find the version."""
        try:
            self.artifact(name, type)
        except ValueError:
            return False
        return True

    def artifacts(self, type_name: str, name: str, per_page: int = 50, tags: Any = None) -> Any:
        """The versions of the artifact ``name`` (of type ``type_name``), newest first."""
        from runyard.public_api.artifacts import versions_of

        return versions_of(self, type_name, name)

    def artifact_types(self, project: str | None = None) -> Any:
        """The artifact types of a project (each lists its collections)."""
        from runyard.public_api.artifacts import types_of

        return types_of(self, project)

    def artifact_type(self, type_name: str, project: str | None = None) -> Any:
        from runyard.public_api.artifacts import types_of

        for found in types_of(self, project):
            if found.name == type_name:
                return found
        raise ValueError(f"Could not find artifact type {type_name!r}")

    def artifact_collections(self, project_name: str, type_name: str, per_page: int = 50) -> Any:
        """The artifact names (collections) of one type in a project."""
        from runyard.public_api.artifacts import collections_of

        return collections_of(self, project_name, type_name)

    def artifact_collection(self, type_name: str, name: str) -> Any:
        """One collection, ``[entity/][project/]name``."""
        from runyard.public_api.artifacts import artifact_path, collections_of

        entity, project, collection, _ = artifact_path(self, name)
        for found in collections_of(self, f"{entity}/{project}", type_name):
            if found.name == collection:
                return found
        raise ValueError(f"Could not find artifact collection {entity}/{project}/{collection}")

    def artifact_collection_exists(self, name: str, type: str) -> bool:
        try:
            self.artifact_collection(type, name)
        except ValueError:
            return False
        return True

    def flush(self) -> None:
        """wandb caches API results; Runyard reads the store each time, so nothing to do."""
