"""`RunArtifacts`: what a live run does for ``log_artifact``, ``use_artifact`` and the
model-registry calls (``run.log_artifact`` and friends delegate here).

``log_artifact`` costs the training thread one journal record and no system call
(the writer thread moves the artifact's staging directory into the run's spool):
hashing, uploading and the commit happen in the writer thread
(:mod:`runyard.journal.artifact_upload`), which hands the stored version back
through :meth:`RunArtifacts.stored` so that ``artifact.wait()`` returns it.
``use_artifact`` reads the store (as wandb does, it returns the resolved version) and
journals the use for lineage.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runyard.artifacts.artifact import (
    Artifact,
    validate_aliases,
    validate_artifact_name,
    validate_tags,
)
from runyard.errors import CommError, UsageError
from runyard.journal.records import Rec

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore
    from runyard.sdk.run import Run
    from runyard.store.base import RunBatch, TrackingStore

__all__ = ["RunArtifacts", "parse_artifact_path"]

#: wandb's project of an entity's model registry.
REGISTRY_PROJECT = "model-registry"


def parse_artifact_path(path: str, entity: str, project: str) -> tuple[str, str, str, str]:
    """``(entity, project, name, version or alias)`` of ``[entity/][project/]name[:v]``
    (the version defaults to ``latest``).

    Raises:
        ValueError: more than three parts, or an empty one.
    """
    if not isinstance(path, str) or not path:
        raise ValueError(f"invalid artifact path {path!r}: expected 'name:alias' or 'name:vN'")
    head, sep, version = path.rpartition(":")
    if not sep or "/" in version:
        head, version = path, "latest"
    parts = head.split("/")
    if len(parts) > 3 or any(not p for p in parts) or not version:
        raise ValueError(
            f"invalid artifact path {path!r}: expected [entity/][project/]name[:version]"
        )
    if len(parts) == 3:
        entity, project = parts[0], parts[1]
    elif len(parts) == 2:
        project = parts[0]
    return entity, project, parts[-1], version


class RunArtifacts:
    """The artifacts of one live run."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._lock = threading.Lock()
        #: Logged in this session, waiting for the writer to store them.
        self._pending: dict[str, Artifact] = {}
        self._store: TrackingStore | None = None

    # -- reading the store -----------------------------------------------------------
    def store(self) -> TrackingStore:
        if self._store is None:
            from runyard.sdk.stores import run_store

            self._store = run_store(self._run.settings)
        return self._store

    def blobs(self) -> BlobStore:
        from runyard.sdk.files import run_blobs

        return run_blobs(self._run.settings)

    # -- log_artifact ------------------------------------------------------------------
    def log(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Artifact:
        artifact = self._as_artifact(artifact_or_path, name, type)
        alias_list = validate_aliases(aliases)
        tag_list = validate_tags(tags) if tags is not None else list(artifact.tags)
        if artifact._committed is not None or not artifact.is_draft():
            raise UsageError(
                f"artifact {artifact.name!r} was logged already; build a new Artifact to log "
                "new content (aliases of a stored version change with artifact.aliases + save())"
            )
        run = self._run
        record = artifact._record(alias_list, tag_list)
        staging = artifact._staging
        if artifact._cleanup is not None:
            artifact._cleanup.detach()  # the journal owns the staged files now
        if staging is not None:
            self._spool_staging(artifact, staging, record)
        artifact._final = True
        artifact._committed = threading.Event()
        artifact._offline = run.offline
        artifact._aliases = [*alias_list, *(["latest"] if "latest" not in alias_list else [])]
        artifact._tags = tag_list
        artifact._logging_run = run
        with self._lock:
            self._pending[artifact._client_id] = artifact
        writer = run._writer
        if writer is not None:
            writer.on_artifacts = self.stored
        run._record((Rec.ARTIFACT, record))
        return artifact

    def _as_artifact(
        self, item: Artifact | str | os.PathLike[str], name: str | None, kind: str | None
    ) -> Artifact:
        if isinstance(item, Artifact):
            return item
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(
                f"log_artifact expects an Artifact or a path, got {type(item).__name__}"
            )
        path = os.fspath(item)
        base = os.path.basename(path.rstrip("/")) or "artifact"
        artifact = Artifact(name or f"run-{self._run.id}-{base}", kind or "unspecified")
        if "://" in path:
            artifact.add_reference(path)
        elif os.path.isfile(path):
            artifact.add_file(path)
        elif os.path.isdir(path):
            artifact.add_dir(path)
        else:
            raise ValueError(
                f"path must be a file, directory or external reference like s3://bucket/path, "
                f"got {path!r}"
            )
        return artifact

    def _spool_staging(self, artifact: Artifact, staging: Path, record: dict[str, Any]) -> None:
        """Name the staged files where they go: the run's spool (a journal copied
        elsewhere with its spool syncs), ``artifacts/<client id>/…`` relative to it.

        The staging folder itself is moved there by the writer thread (one ``rename``,
        :func:`runyard.journal.artifact_upload.staged_paths`): the record says where it
        is until then (``staging``), for a replay after a kill. No system call here —
        each one may hand the GIL to a busy background thread for milliseconds. An
        offline run has no writer: it moves the folder now.
        """
        from runyard.journal.spool import spool_dir
        from runyard.journal.staging import SPOOL_SUBDIR, move_to_spool

        spool = spool_dir(self._run._journal.path)
        client_id = artifact._client_id
        old = str(staging) + os.sep
        new_rel = f"{SPOOL_SUBDIR}/{client_id}/"
        # Plain string edits: a thousand entries must cost the training thread little.
        for item in record["entries"]:
            local = item.get("local")
            if item.get("staged") and isinstance(local, str) and local.startswith(old):
                item["local"] = new_rel + local[len(old) :].replace(os.sep, "/")
                del item["staged"]
        record["staging"] = str(staging)
        artifact._spooled = str(spool / SPOOL_SUBDIR / client_id) + os.sep
        if self._run._writer is None:
            move_to_spool(staging, spool, client_id)  # else the replay finds it by "staging"

    def stored(self, store: TrackingStore, blobs: BlobStore | None, batch: RunBatch) -> None:
        """The writer thread: the batch's artifact commits are stored; give each logged
        artifact its version."""
        from runyard.journal.artifact_upload import DROPPED

        dropped: dict[str, str] = getattr(batch, DROPPED, None) or {}
        for client_id, why in dropped.items():
            with self._lock:
                gone = self._pending.pop(client_id, None)
            if gone is not None:
                gone._commit_error = why
                if gone._committed is not None:
                    gone._committed.set()
        for commit in batch.artifacts:
            with self._lock:
                artifact = self._pending.pop(commit.client_id, None)
            if artifact is None:
                continue
            record = None
            try:
                record = store.get_artifact_by_client_id(
                    batch.run.entity, batch.run.project, commit.client_id
                )
            except Exception as exc:
                artifact._commit_error = repr(exc)
            artifact._store = store
            artifact._blobs = blobs
            artifact._stored(record)

    def finished(self) -> None:
        """The run finished: artifacts the writer could not store stop being waited for
        (they stay in the journal, stored by the next replay or ``runyard sync``)."""
        with self._lock:
            left = list(self._pending.values())
            self._pending.clear()
        for artifact in left:
            if artifact._commit_error is None:
                artifact._commit_error = (
                    "the run finished before the store took it; it is kept in the run's "
                    "journal and stored by the next replay or `runyard sync`"
                )
            if artifact._committed is not None:
                artifact._committed.set()

    # -- use_artifact ----------------------------------------------------------------------
    def use(
        self,
        artifact_or_name: Artifact | str,
        type: str | None = None,
        aliases: list[str] | None = None,
        use_as: str | None = None,
    ) -> Artifact:
        run = self._run
        if isinstance(artifact_or_name, Artifact):
            artifact = artifact_or_name
            if type is not None and type != artifact.type:
                raise ValueError(
                    f"Supplied type {type} does not match type {artifact.type} of artifact "
                    f"{artifact.name}"
                )
            if artifact._version is None:
                if artifact._committed is None:
                    raise ValueError(
                        f"artifact {artifact._name!r} must be logged before it is used "
                        "(run.log_artifact), or fetched with use_artifact('name:alias')"
                    )
                run._record((Rec.USE_ARTIFACT, {"client_id": artifact._client_id}))
                return artifact
            self._journal_use(artifact)
            return artifact
        if not isinstance(artifact_or_name, str):
            raise TypeError(
                "use_artifact expects an Artifact or a name such as 'name:alias', got "
                f"{artifact_or_name!r}"
            )
        if run.offline:
            raise TypeError("Cannot use artifact when in offline mode.")
        entity, project, name, version = parse_artifact_path(
            artifact_or_name, run.entity, run.project
        )
        artifact = self.fetch(entity, project, name, version, type)
        if aliases:
            artifact.aliases = [*artifact.aliases, *validate_aliases(aliases)]
            artifact.save()
        self._journal_use(artifact)
        return artifact

    def fetch(
        self, entity: str, project: str, name: str, version: str, type: str | None = None
    ) -> Artifact:
        """The stored version (a store read, as wandb's ``use_artifact``).

        Raises:
            CommError: no such artifact or version.
            ValueError: ``type`` differs from the stored one.
        """
        store = self.store()
        record = store.get_artifact(entity, project, name, version)
        if record is None:
            raise CommError(
                f'Project {entity}/{project} does not contain artifact: "{name}:{version}"'
            )
        if type is not None and record.type != type:
            raise ValueError(
                f"Supplied type {type} does not match type {record.type} of artifact "
                f"{record.name}:{record.version}"
            )
        return Artifact._from_record(record, None, store, self.blobs())

    def _journal_use(self, artifact: Artifact) -> None:
        self._run._record(
            (
                Rec.USE_ARTIFACT,
                {
                    "entity": artifact.entity,
                    "project": artifact.project,
                    "name": artifact.collection_name,
                    "version": artifact.version,
                    "type": artifact.type,
                },
            )
        )

    # -- models and the registry -------------------------------------------------------------
    def log_model(
        self, path: str | os.PathLike[str], name: str | None, aliases: list[str] | None
    ) -> Artifact:
        if name is not None:
            validate_artifact_name(name)
        return self.log(path, name=name, type="model", aliases=aliases)

    def use_model(self, name: str) -> str:
        if self._run.offline:
            raise RuntimeError("`use_model` not supported in offline mode.")
        artifact = self.use(name)
        if "model" not in artifact.type.lower():
            raise AssertionError(
                "You can only use this method for 'model' artifacts. For an artifact to be a "
                "'model' artifact, its type property must contain the substring 'model'."
            )
        path = artifact.download()
        listing = os.listdir(path)
        if len(listing) == 1:
            return os.path.join(path, listing[0])
        return path

    def link(self, artifact: Artifact, target_path: str, aliases: list[str] | None) -> None:
        """Journal a link of ``artifact`` into the collection ``target_path``."""
        run = self._run
        alias_list = validate_aliases(aliases)
        parts = target_path.split("/") if isinstance(target_path, str) else []
        if not parts or len(parts) > 3 or any(not p for p in parts):
            raise ValueError(
                f"invalid target path {target_path!r}: expected [entity/][project/]collection"
            )
        entity = parts[0] if len(parts) == 3 else run.entity
        project = parts[-2] if len(parts) >= 2 else run.project
        collection = parts[-1]
        if ":" in collection:
            raise ValueError(f"invalid target path {target_path!r}: no version in a collection")
        link: dict[str, Any] = {
            "target": {"entity": entity, "project": project, "name": collection},
            "aliases": alias_list,
        }
        if artifact._version is not None:
            link["source"] = {
                "entity": artifact.entity,
                "project": artifact.project,
                "name": artifact.collection_name,
                "version": artifact.version,
            }
        elif artifact._committed is not None:
            link["client_id"] = artifact._client_id
        else:
            raise ValueError(
                f"artifact {artifact._name!r} must be logged before it is linked (run.log_artifact)"
            )
        run._record((Rec.LINK_ARTIFACT, link))

    def link_model(
        self,
        path: str | os.PathLike[str],
        registered_model_name: str,
        name: str | None,
        aliases: list[str] | None,
    ) -> None:
        if "/" in registered_model_name:
            raise AssertionError(
                "Please provide only the name of the registered model. Do not append the "
                "entity or project name."
            )
        artifact = self.log_model(path, name, None)
        target = f"{self._run.entity}/{REGISTRY_PROJECT}/{registered_model_name}"
        self.link(artifact, target, aliases)
