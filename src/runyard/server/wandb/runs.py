"""Read side of wandb's GraphQL model: viewer, projects, runs, their history and files.

Each class answers the fields wandb's client selects (``gql_<field>``; see
``ops_inventory.md`` of the protocol write-up). Runyard's run is wandb's ``Run`` (also
called ``Bucket`` in the client's queries); its JSON fields (``config``,
``summaryMetrics``, ``systemMetrics``, ``historyTail`` …) are JSON *text*, as wandb's
``JSONString`` scalar is, while ``historyKeys``, ``history``, ``sampledHistory`` and
``liveData`` are JSON values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from runyard.entities import RunRecord, RunRef
from runyard.server.wandb.context import Context, NotVisible
from runyard.server.wandb.files import file_node, run_files
from runyard.server.wandb.graphql import FieldError
from runyard.server.wandb.ids import (
    iso,
    journal_name,
    object_id,
    project_number,
    run_id,
)
from runyard.server.wandb.translate import config_to_wandb, dumps

__all__ = ["Project", "Run", "Viewer", "connection", "page_args"]

#: Rows wandb's ``history(samples=)`` gets when it names no number.
DEFAULT_SAMPLES = 500
#: Most rows one ``history``/``sampledHistory`` answer holds.
MAX_ROWS = 100_000
#: Most items of one page of a connection (``first``).
MAX_PAGE = 10_000


def page_args(args: dict[str, Any], default: int = 50) -> tuple[int, int]:
    """``(offset, limit)`` of a connection's ``after`` cursor and ``first``."""
    after = args.get("after")
    try:
        offset = int(after) if after not in (None, "") else 0
    except (TypeError, ValueError):
        raise FieldError(f"invalid cursor {after!r}") from None
    first = args.get("first")
    limit = default if not isinstance(first, int) or first <= 0 else min(first, MAX_PAGE)
    return max(offset, 0), limit


def connection(items: list[Any], offset: int, total: int) -> dict[str, Any]:
    """A Relay connection (``edges{node cursor} pageInfo{endCursor hasNextPage}``);
    cursors are offsets."""
    end = offset + len(items)
    return {
        "__typename": "Connection",
        "edges": [{"node": item, "cursor": str(offset + i + 1)} for i, item in enumerate(items)],
        "pageInfo": {
            "__typename": "PageInfo",
            "endCursor": str(end) if items else None,
            "hasNextPage": end < total,
        },
        "totalCount": total,
    }


class Viewer:
    typename = "User"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def gql_id(self, _args: dict[str, Any]) -> str:
        return object_id("User", self.ctx.username)

    def gql_entity(self, _args: dict[str, Any]) -> str:
        return self.ctx.entity

    def gql_username(self, _args: dict[str, Any]) -> str:
        return self.ctx.username

    def gql_name(self, _args: dict[str, Any]) -> str:
        return self.ctx.username

    def gql_email(self, _args: dict[str, Any]) -> str | None:
        return None

    def gql_flags(self, _args: dict[str, Any]) -> str:
        return "{}"

    def gql_admin(self, _args: dict[str, Any]) -> bool:
        return False

    def gql_teams(self, _args: dict[str, Any]) -> dict[str, Any]:
        auth = self.ctx.auth
        caller = self.ctx.request.state.__dict__.get("runyard_caller")
        names: list[str] = []
        if auth is not None and caller is not None and caller.user is not None:
            names = [e for e in auth.accounts.memberships(caller.user.id) if e != self.ctx.entity]
        return {"edges": [{"node": {"name": name}} for name in names]}


class Project:
    """A project (wandb's ``Project``, also queried as ``model``)."""

    typename = "Project"

    def __init__(self, ctx: Context, entity: str, name: str) -> None:
        self.ctx = ctx
        self.entity = entity
        self.name = name

    def gql_id(self, _args: dict[str, Any]) -> str:
        return object_id("Project", self.name, self.entity)

    def gql_internalId(self, _args: dict[str, Any]) -> str:
        return str(project_number(self.entity, self.name))

    def gql_name(self, _args: dict[str, Any]) -> str:
        return self.name

    def gql_entityName(self, _args: dict[str, Any]) -> str:
        return self.entity

    def gql_entity(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"__typename": "Entity", "id": object_id("Entity", self.entity), "name": self.entity}

    def gql_readOnly(self, _args: dict[str, Any]) -> bool:
        return False

    def gql_isBenchmark(self, _args: dict[str, Any]) -> bool:
        return False

    def gql_createdAt(self, _args: dict[str, Any]) -> str | None:
        for stats in self.ctx.store.project_stats(self.entity):
            if stats.name == self.name:
                return iso(stats.last_activity)
        return None

    def gql_user(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"__typename": "User", "id": object_id("User", self.entity), "name": self.entity,
                "username": self.entity}  # fmt: skip

    def _run(self, name: Any) -> Run | None:
        if not isinstance(name, str) or not name:
            return None
        record = self.ctx.store.get_run(RunRef(self.entity, self.name, name))
        return None if record is None else Run(self.ctx, record)

    def gql_run(self, args: dict[str, Any]) -> Run | None:
        return self._run(args.get("name"))

    def gql_bucket(self, args: dict[str, Any]) -> Run | None:
        return self._run(args.get("name"))

    def _filters(self, args: dict[str, Any]) -> dict[str, Any] | None:
        raw = args.get("filters")
        if raw in (None, "", "{}"):
            return None
        try:
            filters = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise FieldError(f"filters is not valid JSON ({exc.msg}): {raw!r:.80}") from None
        if not isinstance(filters, dict):
            raise FieldError(f"filters must be a JSON object, got {raw!r:.80}")
        return filters or None

    def gql_runCount(self, args: dict[str, Any]) -> int:
        try:
            return self.ctx.store.count_runs(self.entity, self.name, self._filters(args))
        except ValueError as exc:
            raise FieldError(str(exc)) from None

    def gql_runs(self, args: dict[str, Any]) -> dict[str, Any]:
        offset, limit = page_args(args)
        filters = self._filters(args)
        order = args.get("order") or "-created_at"
        try:
            records = self.ctx.store.query_runs(
                self.entity, self.name, filters, order, limit=limit, offset=offset
            )
            total = self.ctx.store.count_runs(self.entity, self.name, filters)
        except ValueError as exc:
            raise FieldError(str(exc)) from None
        return connection([Run(self.ctx, r) for r in records], offset, total)

    # -- artifacts (runyard.server.wandb.artifacts) ------------------------------------
    def gql_artifact(self, args: dict[str, Any]) -> Any:
        from runyard.server.wandb.artifacts import find_artifact

        return find_artifact(self.ctx, self.entity, self.name, args.get("name"))

    def gql_artifactType(self, _args: dict[str, Any]) -> None:
        return None  # wandb asks it for the digest algorithm: MD5 then, its default

    def gql_artifactCollection(self, args: dict[str, Any]) -> Any:
        from runyard.server.wandb.artifacts import collection

        return collection(self.ctx, self.entity, self.name, args.get("name"))

    def gql_artifactCollectionMembership(self, args: dict[str, Any]) -> Any:
        from runyard.server.wandb.artifacts import membership

        return membership(self.ctx, self.entity, self.name, args.get("name"))


def project(ctx: Context, args: dict[str, Any]) -> Project | None:
    """``project(name, entityName)`` / ``model(...)``: None when not visible."""
    name = args.get("name")
    if not isinstance(name, str) or not name:
        return None
    entity = ctx.entity_of(args.get("entityName"))
    try:
        ctx.check(entity, name)
    except NotVisible:
        return None
    return Project(ctx, entity, name)


def _json_row(row: dict[str, Any]) -> str:
    return dumps(row)


def _sample(rows: list[dict[str, Any]], samples: int) -> list[dict[str, Any]]:
    """At most ``samples`` rows, evenly spaced, the last one kept."""
    if samples <= 0 or len(rows) <= samples:
        return rows
    if samples == 1:
        return rows[-1:]
    step = (len(rows) - 1) / (samples - 1)
    return [rows[round(i * step)] for i in range(samples)]


def _int(value: Any, name: str, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FieldError(f"{name} must be an integer, got {value!r}")
    return int(value)


class Run:
    """A run (wandb's ``Run``/``Bucket``)."""

    typename = "Run"

    def __init__(self, ctx: Context, record: RunRecord) -> None:
        self.ctx = ctx
        self.record = record
        self.ref = record.ref

    # -- identity ---------------------------------------------------------------
    def gql_id(self, _args: dict[str, Any]) -> str:
        return run_id(self.ref)

    def gql_name(self, _args: dict[str, Any]) -> str:
        return self.ref.run_id

    def gql_displayName(self, _args: dict[str, Any]) -> str | None:
        return self.record.display_name or self.ref.run_id

    def gql_projectId(self, _args: dict[str, Any]) -> int:
        return project_number(self.ref.entity, self.ref.project)

    def gql_project(self, _args: dict[str, Any]) -> Project:
        return Project(self.ctx, self.ref.entity, self.ref.project)

    def gql_user(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"__typename": "User", "name": self.ref.entity, "username": self.ref.entity}

    def gql_sweepName(self, _args: dict[str, Any]) -> None:
        return None

    def gql_readOnly(self, _args: dict[str, Any]) -> bool:
        return False

    # -- fields -------------------------------------------------------------------
    def gql_state(self, _args: dict[str, Any]) -> str:
        return self.record.state

    def gql_tags(self, _args: dict[str, Any]) -> list[str]:
        return list(self.record.tags)

    def gql_notes(self, _args: dict[str, Any]) -> str | None:
        return self.record.notes

    def gql_description(self, _args: dict[str, Any]) -> str | None:
        return self.record.notes

    def gql_group(self, _args: dict[str, Any]) -> str | None:
        return self.record.group

    def gql_jobType(self, _args: dict[str, Any]) -> str | None:
        return self.record.job_type

    def gql_host(self, _args: dict[str, Any]) -> str | None:
        return self.record.host

    def gql_commit(self, _args: dict[str, Any]) -> str | None:
        git = (self.record.metadata or {}).get("git")
        commit = git.get("commit") if isinstance(git, dict) else None
        return commit if isinstance(commit, str) else None

    def gql_createdAt(self, _args: dict[str, Any]) -> str | None:
        return iso(self.record.created_at)

    def gql_heartbeatAt(self, _args: dict[str, Any]) -> str | None:
        return iso(self.record.heartbeat_at)

    def gql_updatedAt(self, _args: dict[str, Any]) -> str | None:
        return iso(self.record.updated_at)

    def gql_stopped(self, _args: dict[str, Any]) -> bool:
        """Whether "Stop run" was asked for (older clients poll it: ``RunStoppedStatus``)."""
        return self.record.stop_requested_at is not None

    def gql_exitcode(self, _args: dict[str, Any]) -> int | None:
        return self.record.exit_code

    def gql_config(self, _args: dict[str, Any]) -> str:
        return config_to_wandb(self.record.config)

    def gql_summaryMetrics(self, _args: dict[str, Any]) -> str:
        return dumps(self.record.summary)

    def gql_wandbConfig(self, args: dict[str, Any]) -> str:
        """``_wandb`` config keys. wandb's resume reads ``t`` (telemetry) to tell an
        existing run: a run the Runyard SDK made has none, and gets ``{}``, so wandb
        can resume it too."""
        own = self.record.config.get("_wandb")
        own = own if isinstance(own, dict) else {}
        keys = args.get("keys")
        names = [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else list(own)
        return dumps({k: own.get(k, {} if k == "t" else None) for k in names})

    def gql_systemMetrics(self, _args: dict[str, Any]) -> str:
        rows = list(self.ctx.store.read_system(self.ref).rows())
        return dumps(rows[-1] if rows else {})

    # -- line counts (the client continues file_stream offsets from them) ----------
    def gql_historyLineCount(self, _args: dict[str, Any]) -> int:
        return self.ctx.store.journal_offset(journal_name(self.ref, "wandb-history.jsonl"))

    def gql_eventsLineCount(self, _args: dict[str, Any]) -> int:
        return self.ctx.store.journal_offset(journal_name(self.ref, "wandb-events.jsonl"))

    def gql_logLineCount(self, _args: dict[str, Any]) -> int:
        return self.ctx.store.count_console(self.ref)

    def gql_historyTail(self, _args: dict[str, Any]) -> str:
        last = self._last_row()
        return json.dumps([] if last is None else [_json_row(last)])

    def gql_eventsTail(self, _args: dict[str, Any]) -> str:
        rows = list(self.ctx.store.read_system(self.ref).rows())
        return json.dumps([_json_row(r) for r in rows[-10:]])

    def _last_row(self) -> dict[str, Any] | None:
        """The run's last history row (searched backwards in doubling windows)."""
        hi = self.record.last_step + 1
        window = 64
        while hi > 0:
            lo = max(0, hi - window)
            rows = list(self.ctx.store.scan_history(self.ref, None, lo, hi))
            if rows:
                return rows[-1]
            hi, window = lo, window * 2
        return None

    # -- history ------------------------------------------------------------------
    def gql_historyKeys(self, _args: dict[str, Any]) -> dict[str, Any]:
        numeric = self.ctx.store.project_keys(self.ref.entity, self.ref.project, [self.ref.run_id])
        keys = {
            key: {"typeCounts": [{"type": "number" if is_number else "unknown", "count": 1}]}
            for key, is_number in sorted(numeric.items())
        }
        if self.record.last_step >= 0:
            keys["_step"] = {"typeCounts": [{"type": "number", "count": 1}]}
        return {"lastStep": self.record.last_step, "keys": keys}

    def _rows(
        self, keys: list[str] | None, min_step: int | None, max_step: int | None
    ) -> Iterator[dict[str, Any]]:
        lo = max(0, min_step or 0)
        for count, row in enumerate(self.ctx.store.scan_history(self.ref, keys, lo, max_step)):
            if count >= MAX_ROWS:
                raise FieldError(
                    f"more than {MAX_ROWS} history rows in one answer; page with minStep/maxStep"
                )
            yield row

    def gql_history(self, args: dict[str, Any]) -> list[str]:
        """Rows as JSON text, ``minStep <= _step < maxStep``, sampled to ``samples``."""
        samples = _int(args.get("samples"), "samples", DEFAULT_SAMPLES) or DEFAULT_SAMPLES
        min_step = _int(args.get("minStep"), "minStep")
        max_step = _int(args.get("maxStep"), "maxStep")
        rows = list(self._rows(None, min_step, max_step))
        return [_json_row(r) for r in _sample(rows, samples)]

    def gql_sampledHistory(self, args: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """One list of rows per spec ``{"keys", "samples", "minStep", "maxStep"}``:
        rows holding every key, ``maxStep`` inclusive (wandb's ``scan_history`` sends
        the last step it wants)."""
        specs = args.get("specs")
        if not isinstance(specs, list):
            raise FieldError(f"specs must be a list of JSON specs, got {specs!r:.80}")
        out: list[list[dict[str, Any]]] = []
        for raw in specs[:16]:
            try:
                spec = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError:
                raise FieldError(f"invalid history spec {raw!r:.80}") from None
            if not isinstance(spec, dict):
                raise FieldError(f"invalid history spec {raw!r:.80}")
            keys = [k for k in dict.fromkeys(spec.get("keys") or []) if isinstance(k, str)]
            samples = _int(spec.get("samples"), "samples", DEFAULT_SAMPLES) or DEFAULT_SAMPLES
            min_step = _int(spec.get("minStep"), "minStep")
            max_step = _int(spec.get("maxStep"), "maxStep")
            wanted = [k for k in keys if k != "_step"]
            rows = [
                {k: row[k] for k in keys if k in row}
                for row in self._rows(
                    wanted or ["_step"], min_step, None if max_step is None else max_step + 1
                )
            ]
            out.append(_sample(rows, samples))
        return out

    def gql_parquetHistory(self, args: dict[str, Any]) -> dict[str, Any]:
        """No parquet exports: every row comes as ``liveData`` (projected to
        ``liveKeys``), and the client reads the rest through ``history`` queries."""
        live = args.get("liveKeys")
        keys = [k for k in live if isinstance(k, str)] if isinstance(live, list) else ["_step"]
        wanted = [k for k in keys if k != "_step"]
        rows = [
            {k: row[k] for k in keys if k in row}
            for row in self._rows(wanted or ["_step"], 0, None)
        ]
        return {"parquetUrls": [], "liveData": rows}

    # -- files --------------------------------------------------------------------
    def gql_fileCount(self, _args: dict[str, Any]) -> int:
        return len(run_files(self.ctx, self.ref))

    def gql_files(self, args: dict[str, Any]) -> dict[str, Any]:
        listed = run_files(self.ctx, self.ref)
        names = args.get("names")
        if isinstance(names, list) and names:
            wanted = {n for n in names if isinstance(n, str)}
            listed = [f for f in listed if f[0] in wanted]
        pattern = args.get("pattern")
        if isinstance(pattern, str) and pattern:
            import fnmatch

            # wandb's pattern is SQL LIKE-ish ("%" any run); fnmatch's "*" is ours.
            glob = pattern.replace("%", "*")
            listed = [f for f in listed if fnmatch.fnmatchcase(f[0], glob)]
        offset, limit = page_args(args)
        page = listed[offset : offset + limit]
        return connection(
            [file_node(self.ctx, self.ref, n, s, self.record.updated_at) for n, s in page],
            offset,
            len(listed),
        )

    # -- artifacts ------------------------------------------------------------------
    def _artifacts(self, records: list[Any], args: dict[str, Any]) -> dict[str, Any]:
        from runyard.server.wandb.artifacts import Artifact

        offset, limit = page_args(args)
        page = [Artifact(self.ctx, r) for r in records[offset : offset + limit]]
        return connection(page, offset, len(records))

    def gql_outputArtifacts(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._artifacts(self.ctx.store.artifacts_logged_by(self.ref), args)

    def gql_inputArtifacts(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._artifacts(self.ctx.store.artifacts_used_by(self.ref), args)


def need_run(ctx: Context, ref: RunRef) -> RunRecord:
    """The run, or a field error naming it."""
    try:
        record = ctx.run(ref)
    except NotVisible:
        record = None
    if record is None:
        raise FieldError(f"run {ref.path} not found")
    return record
