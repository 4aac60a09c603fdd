"""The root of wandb's GraphQL: the query and mutation fields its client sends.

``Root`` answers both operation types (a field name never means two things). Writes
go through the store's one write path, ``write_batch``, like every Runyard writer.

Artifact mutations live in :mod:`runyard.server.wandb.artifacts`, on the store's
artifact methods; ``Root`` hands the names in :data:`ARTIFACT_FIELDS` over to it.
Those it does not answer (``linkArtifact``, multipart uploads) are a field error:
the run itself goes on, and wandb's client logs the failed artifact.
"""

from __future__ import annotations

import time
from typing import Any

from runyard.entities import RunRef, check_ref
from runyard.server.wandb.context import Context, NotVisible
from runyard.server.wandb.files import upload_url
from runyard.server.wandb.graphql import FieldError
from runyard.server.wandb.ids import object_id, parse_run_id, run_id
from runyard.server.wandb.runs import Project, Run, Viewer, connection, page_args, project
from runyard.server.wandb.translate import (
    config_from_wandb,
    metrics_from_wandb,
    summary_from_wandb,
)
from runyard.store.base import RunBatch

__all__ = ["ARTIFACT_FIELDS", "DEFAULT_PROJECT", "Root", "stop_requested"]

#: wandb's project for runs that name none.
DEFAULT_PROJECT = "uncategorized"
#: Artifact mutations and queries of wandb's client, answered later by artifacts.py.
ARTIFACT_FIELDS = frozenset(
    {
        "createArtifact",
        "createArtifactManifest",
        "createArtifactFiles",
        "updateArtifactManifest",
        "updateArtifact",
        "commitArtifact",
        "useArtifact",
        "linkArtifact",
        "completeMultipartUploadArtifact",
    }
)


def _new_run_id() -> str:
    """A run id as wandb makes them (8 lower-case letters and digits)."""
    import secrets
    import string

    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def stop_requested(ctx: Context, ref: RunRef) -> bool:
    """Whether "Stop run" was asked for the run (see :meth:`Root.gql_stopRun`)."""
    record = ctx.store.get_run(ref)
    return record is not None and getattr(record, "stop_requested_at", None) is not None


class Root:
    """Query and Mutation fields."""

    typename = "Query"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __getattr__(self, name: str) -> Any:
        if name.startswith("gql_") and name[4:] in ARTIFACT_FIELDS:
            from runyard.server.wandb.artifacts import ArtifactMutations

            found = getattr(ArtifactMutations(self.ctx), name, None)
            if found is not None:
                return found

            def refuse(_args: dict[str, Any]) -> Any:
                raise FieldError(
                    f"{name[4:]} is not supported over the wandb protocol yet "
                    "(see docs/wandb-client.md)"
                )

            return refuse
        raise AttributeError(name)

    # -- who and what --------------------------------------------------------------
    def gql___type(self, args: dict[str, Any]) -> dict[str, Any]:
        """The part of GraphQL introspection older clients (wandb < 0.25) send to probe
        what the server has: ``__type(name: "Query"|"Mutation"|"ServerInfo"|"Run") {fields
        {name}}``. Fields answered ``null`` for everyone are not listed, so such a
        client does not count on them."""
        from runyard.server.wandb.artifacts import ArtifactMutations

        name = args.get("name")
        kinds: dict[str, list[Any]] = {
            "Query": [Root, ArtifactMutations],
            "Mutation": [Root, ArtifactMutations],
            "Run": [Run],
            "Project": [Project],
        }
        if name == "ServerInfo":
            fields = ["features"]
        elif name in kinds:
            fields = sorted(
                n[4:]
                for kind in kinds[name]
                for n in dir(kind)
                if n.startswith("gql_") and n != "gql___type"
            )
        else:
            fields = []  # a type this server does not have: no fields to count on
        return {"__typename": "__Type", "name": name, "fields": [{"name": f} for f in fields]}

    def gql_viewer(self, _args: dict[str, Any]) -> Viewer:
        return Viewer(self.ctx)

    def gql_serverInfo(self, _args: dict[str, Any]) -> dict[str, Any]:
        # Every feature off: the client then speaks its most conservative protocol
        # (no gzip, plain-text console lines, no newer artifact fields).
        return {"features": [], "latestLocalVersionInfo": None, "cliVersionInfo": None}

    def gql_entity(self, args: dict[str, Any]) -> dict[str, Any]:
        name = self.ctx.entity_of(args.get("name"))
        return {
            "__typename": "Entity",
            "id": object_id("Entity", name),
            "name": name,
            "organization": None,
            "xxhashDigestsEnabled": False,
        }

    def gql_project(self, args: dict[str, Any]) -> Project | None:
        return project(self.ctx, args)

    def gql_model(self, args: dict[str, Any]) -> Project | None:
        return project(self.ctx, args)

    def gql_models(self, args: dict[str, Any]) -> dict[str, Any]:
        """``api.projects(entity)``: the entity's projects the caller may see."""
        from runyard.server.access import project_filter

        entity = self.ctx.entity_of(args.get("entityName"))
        visible = project_filter(self.ctx.request)
        names = [p for e, p in self.ctx.store.list_projects(entity) if visible(e, p)]
        offset, limit = page_args(args)
        page = [Project(self.ctx, entity, name) for name in sorted(names)[offset : offset + limit]]
        return connection(page, offset, len(names))

    def gql_artifact(self, args: dict[str, Any]) -> Any:
        """``artifact(id)``: a version, or a draft still being uploaded."""
        from runyard.server.wandb.artifacts import Artifact, artifact_by_id, draft_node

        record = artifact_by_id(self.ctx, args.get("id"))
        if record is None:
            return draft_node(self.ctx, args.get("id"))
        return Artifact(self.ctx, record, str(args.get("id")))

    def gql_clientIDMapping(self, _args: dict[str, Any]) -> None:
        return None

    # -- runs ------------------------------------------------------------------------
    def _ref(self, entity: Any, project_name: Any, name: Any) -> RunRef:
        ref = RunRef(
            self.ctx.entity_of(entity),
            project_name if isinstance(project_name, str) and project_name else DEFAULT_PROJECT,
            name if isinstance(name, str) and name else _new_run_id(),
        )
        try:
            return check_ref(ref)
        except ValueError as exc:
            raise FieldError(str(exc)) from None

    def _writable(self, ref: RunRef) -> None:
        try:
            self.ctx.check(ref.entity, ref.project, write=True)
        except NotVisible:
            raise FieldError(f"no project {ref.entity}/{ref.project}") from None

    def gql_upsertBucket(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create or update a run.

        The run's own process (wandb's core) names it (``name``, ``modelName``,
        ``entityName``); ``wandb.Api`` edits name it by storage ``id`` only. ``config``
        and ``summaryMetrics`` are always the *whole* document, so they replace the
        stored one (``_wandb`` kept when the new config has none).
        """
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("upsertBucket needs an input object")
        storage = given.get("id")
        if isinstance(storage, str) and storage:
            try:
                ref = check_ref(parse_run_id(storage))
            except ValueError as exc:
                raise FieldError(str(exc)) from None
        else:
            ref = self._ref(given.get("entityName"), given.get("modelName"), given.get("name"))
        self._writable(ref)
        store = self.ctx.store
        record = store.get_run(ref)
        batch = RunBatch(run=ref)
        fields = {
            "display_name": given.get("displayName"),
            "notes": given.get("notes"),
            "group": given.get("groupName"),
            "job_type": given.get("jobType"),
            "host": given.get("host"),
        }
        if given.get("notes") is None and isinstance(given.get("description"), str):
            fields["notes"] = given["description"]
        chosen: dict[str, Any] = {k: v for k, v in fields.items() if isinstance(v, str)}
        tags = given.get("tags")
        if isinstance(tags, list):
            chosen["tags"] = [t for t in tags if isinstance(t, str)]
        if record is None:
            from runyard.names import random_words

            batch.create = {**chosen, "sessions": 1}
            if "display_name" not in chosen:
                batch.create["name_words"] = random_words()
        batch.meta.update(chosen)
        if given.get("config") is not None:
            try:
                config = config_from_wandb(given["config"])
            except ValueError as exc:
                raise FieldError(str(exc)) from None
            old = record.config if record is not None else {}
            if "_wandb" not in config and "_wandb" in old:
                config["_wandb"] = old["_wandb"]
            batch.config = config
            batch.config_delete = [k for k in old if k not in config]
            own = config.get("_wandb")
            if isinstance(own, dict) and "m" in own:
                batch.metrics = metrics_from_wandb(own["m"])
        if given.get("summaryMetrics") is not None:
            try:
                summary = summary_from_wandb(given["summaryMetrics"])
            except ValueError as exc:
                raise FieldError(str(exc)) from None
            replace_summary(batch, record.summary if record is not None else {}, summary)
        try:
            store.write_batch(batch)
        except ValueError as exc:  # BatchRefusedError: a value the database cannot hold
            raise FieldError(str(exc)) from None
        stored = store.get_run(ref)
        if stored is None:
            raise FieldError(f"run {ref.path} could not be stored")
        return {"bucket": Run(self.ctx, stored), "inserted": record is None}

    def gql_createRunFiles(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("createRunFiles needs an input object")
        ref = self._ref(given.get("entityName"), given.get("projectName"), given.get("runName"))
        if not given.get("runName"):
            raise FieldError("createRunFiles needs runName")
        self._writable(ref)
        names = given.get("files")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise FieldError(f"files must be a list of file names, got {names!r:.80}")
        files = []
        for name in names:
            try:
                files.append({"name": name, "uploadUrl": upload_url(self.ctx, ref, name)})
            except ValueError as exc:  # a name no run file may have ("../x", NUL …)
                raise FieldError(f"file {name!r}: {exc}") from None
        return {"runID": run_id(ref), "uploadHeaders": [], "files": files}

    def gql_markRunFilesUploaded(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"success": True}

    def gql_stopRun(self, args: dict[str, Any]) -> dict[str, Any]:
        """wandb's own "stop run" (``wandb.Api`` and the CLI): the run's ``file_stream``
        answers ``stopped`` from then on, which stops its client."""
        given = args.get("input")
        storage = given.get("id") if isinstance(given, dict) else None
        try:
            ref = check_ref(parse_run_id(storage if isinstance(storage, str) else ""))
        except ValueError as exc:
            raise FieldError(str(exc)) from None
        self._writable(ref)
        if self.ctx.store.get_run(ref) is None:
            raise FieldError(f"run {ref.path} not found")
        request_stop(self.ctx, ref)
        return {"success": True}


def request_stop(ctx: Context, ref: RunRef) -> None:
    ctx.store.write_batch(RunBatch(run=ref, meta={"stop_requested_at": time.time()}))


def replace_summary(batch: RunBatch, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Make the batch replace the run's summary ``old`` by ``new`` (top-level keys set,
    keys ``new`` lacks removed); the runtime wandb reports rides along."""
    batch.summary_set = [((key,), value) for key, value in new.items()]
    batch.summary_delete = [(key,) for key in old if key not in new]
    runtime = new.get("_wandb", {}).get("runtime") if isinstance(new.get("_wandb"), dict) else None
    if not isinstance(runtime, int | float):
        runtime = new.get("_runtime")
    if isinstance(runtime, int | float) and not isinstance(runtime, bool):
        batch.meta["runtime"] = float(runtime)
