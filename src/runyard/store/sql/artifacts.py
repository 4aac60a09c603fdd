"""Artifacts in SQL (schema 0005): versions, manifests, aliases, lineage, registry links.

Writes run inside `SqlStore`'s batch transaction (:func:`write_artifacts`), which holds
the store's write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock): the
next version number (``MAX + 1``) and the digest lookup that makes identical content
one version are therefore one atomic step, and two processes logging the same content
at once make one version.

Rules (wandb's):

- versions ``v0…vN`` per (project, name); a commit whose manifest digest
  (:func:`~runyard.store.base.manifest_digest`, computed here, never taken from the
  client) equals a version of that name *is* that version;
- ``latest`` moves to the version each commit (or link) names; a user alias is unique
  in its collection and moves to the version it is given to;
- a name keeps its type: a commit of another type is refused naming both;
- a commit is idempotent by its ``client_id``; a link by (collection, source version).

Reads are the ``TrackingStore`` artifact methods SqlStore delegates here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.entities import RunRef
from runyard.errors import BatchRefusedError
from runyard.store.base import (
    ArtifactCollection,
    ArtifactCommit,
    ArtifactFile,
    ArtifactLink,
    ArtifactRecord,
    ArtifactUse,
    RunBatch,
    manifest_digest,
    parse_artifact_path,
)
from runyard.store.sql import jsonutil
from runyard.store.sql.db import Tx

__all__ = [
    "LATEST",
    "artifact_blobs_held",
    "artifact_blobs_to_keep",
    "artifact_files",
    "artifact_types",
    "check_alias",
    "check_name",
    "delete_artifact",
    "find_version",
    "list_collections",
    "list_versions",
    "logged_by",
    "record_blob",
    "runs_using",
    "update_artifact",
    "used_by",
    "version_by_client_id",
    "version_by_id",
    "write_artifacts",
]

#: The alias that follows the newest version by itself.
LATEST = "latest"
_NAME_MAX = 128
_HEX64 = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"v(\d{1,9})")
#: Names and aliases: no path or version separators, no NUL (PostgreSQL text).
_BAD_CHARS = ("/", ":", "\0")

_VERSION_SELECT = (
    "SELECT v.id, v.version_index, v.digest, v.description, v.metadata, v.size, "
    "v.file_count, v.state, v.created_at, v.source_version_id, c.id AS c_id, c.name AS c_name, "
    "c.type AS c_type, p.entity AS p_entity, p.name AS p_name, r.run_id AS r_run_id, "
    "rp.entity AS rp_entity, rp.name AS rp_name "
    "FROM artifact_versions v JOIN artifact_collections c ON c.id = v.collection_id "
    "JOIN projects p ON p.id = c.project_id "
    "LEFT JOIN runs r ON r.id = v.logged_by_run LEFT JOIN projects rp ON rp.id = r.project_id"
)


def check_name(name: Any, what: str = "artifact name") -> str:
    """A collection name or type: 1 to 128 characters, without ``/``, ``:`` or NUL."""
    if not isinstance(name, str) or not name or len(name) > _NAME_MAX:
        raise ValueError(f"{what} must be 1 to {_NAME_MAX} characters, got {name!r:.160}")
    if any(c in name for c in _BAD_CHARS):
        raise ValueError(f"{what} {name!r} may not hold '/', ':' or NUL")
    return name


def check_alias(alias: Any) -> str:
    """An alias: a name that does not read as a version (``v3``)."""
    check_name(alias, "artifact alias")
    if _VERSION.fullmatch(alias):
        raise ValueError(f"artifact alias {alias!r} reads as a version; pick another alias")
    return str(alias)


def _refused(exc: ValueError) -> BatchRefusedError:
    return BatchRefusedError(str(exc))


# -- writes ----------------------------------------------------------------------------


def write_artifacts(tx: Tx, run_pk: int, project_pk: int, batch: RunBatch) -> None:
    """Apply the batch's commits, then its links, then its uses (all idempotent)."""
    now = time.time()
    for commit in batch.artifacts:
        _commit(tx, run_pk, project_pk, commit, now)
    for link in batch.artifact_links:
        _link(tx, batch.run, link, now)
    for use in batch.artifact_uses:
        _use(tx, run_pk, batch.run, use, now)


def _check_entries(commit: ArtifactCommit) -> None:
    seen: set[str] = set()
    for entry in commit.entries:
        path = entry.path
        if not isinstance(path, str) or not path or "\0" in path or len(path) > 4096:
            raise BatchRefusedError(f"artifact {commit.name!r}: invalid entry path {path!r:.160}")
        if path in seen:
            raise BatchRefusedError(f"artifact {commit.name!r}: entry {path!r} appears twice")
        seen.add(path)
        if entry.digest is not None and not _HEX64.fullmatch(str(entry.digest)):
            raise BatchRefusedError(
                f"artifact {commit.name!r}: entry {path!r} has digest {entry.digest!r:.80}, "
                "not a lowercase hex SHA-256"
            )
        if entry.digest is None and not entry.ref:
            raise BatchRefusedError(
                f"artifact {commit.name!r}: entry {path!r} has neither a digest nor a reference"
            )
        if entry.size is not None and (type(entry.size) is not int or entry.size < 0):
            raise BatchRefusedError(
                f"artifact {commit.name!r}: entry {path!r} has size {entry.size!r}"
            )


def _commit(tx: Tx, run_pk: int, project_pk: int, commit: ArtifactCommit, now: float) -> None:
    client_id = commit.client_id
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64 or "\0" in client_id:
        raise BatchRefusedError(f"artifact client id must be 1 to 64 characters: {client_id!r:.80}")
    if tx.scalar("SELECT 1 FROM artifact_client_ids WHERE client_id = :c", {"c": client_id}):
        return  # stored before: a replay or a retry
    try:
        check_name(commit.name)
        check_name(commit.type, "artifact type")
        aliases = [check_alias(a) for a in commit.aliases]
    except ValueError as exc:
        raise _refused(exc) from None
    _check_entries(commit)
    collection = _collection(tx, project_pk, commit.name, commit.type, "sequence", now)
    if commit.description is not None and collection[1] is None:
        tx.run(
            "UPDATE artifact_collections SET description = :d WHERE id = :id",
            {"d": commit.description, "id": collection[0]},
        )
    digest = manifest_digest(commit.entries)
    version_id = tx.scalar(
        "SELECT id FROM artifact_versions WHERE collection_id = :c AND digest = :d "
        "AND source_version_id IS NULL ORDER BY version_index LIMIT 1",
        {"c": collection[0], "d": digest},
    )
    if version_id is None:
        version_id = _insert_version(
            tx,
            collection[0],
            {
                "digest": digest,
                "description": commit.description,
                "metadata": jsonutil.dumps(dict(commit.metadata or {})),
                "size": sum(e.size or 0 for e in commit.entries),
                "file_count": len(commit.entries),
                "created_at": now,
                "run": run_pk,
                "source": None,
            },
        )
        tx.many(
            "INSERT INTO artifact_files (version_id, path, digest, size, ref, checksum, extra) "
            "VALUES (:v, :path, :digest, :size, :ref, :checksum, :extra)",
            [
                {
                    "v": version_id,
                    "path": e.path,
                    "digest": e.digest,
                    "size": e.size,
                    "ref": e.ref,
                    "checksum": e.checksum,
                    "extra": None if e.extra is None else jsonutil.dumps(e.extra),
                }
                for e in commit.entries
            ],
        )
    sizes: dict[str, int] = {}
    for e in commit.entries:
        if e.digest is not None:
            sizes[e.digest] = e.size or 0
    _hold_blobs(tx, project_pk, sizes, now)
    tx.run(
        "INSERT INTO artifact_client_ids (client_id, version_id) VALUES (:c, :v)",
        {"c": client_id, "v": version_id},
    )
    _set_aliases(tx, collection[0], int(version_id), [LATEST, *aliases])


def _collection(
    tx: Tx, project_pk: int, name: str, type_: str, kind: str, now: float
) -> tuple[int, str | None]:
    """``(id, description)`` of the project's collection ``name``, made when new;
    a collection of another type or kind refuses the batch, naming both."""
    row = tx.one(
        "SELECT id, type, kind, description FROM artifact_collections "
        "WHERE project_id = :p AND name = :n",
        {"p": project_pk, "n": name},
    )
    if row is None:
        tx.run(
            "INSERT INTO artifact_collections (project_id, name, type, kind, created_at) "
            "VALUES (:p, :n, :t, :k, :now)",
            {"p": project_pk, "n": name, "t": type_, "k": kind, "now": now},
        )
        row = tx.one(
            "SELECT id, type, kind, description FROM artifact_collections "
            "WHERE project_id = :p AND name = :n",
            {"p": project_pk, "n": name},
        )
    if row["type"] != type_:
        raise BatchRefusedError(
            f"artifact {name!r} is of type {row['type']!r}; it cannot take a version of "
            f"type {type_!r} (log it under another name)"
        )
    if row["kind"] != kind:
        what = "links" if row["kind"] == "portfolio" else "logged versions"
        raise BatchRefusedError(f"artifact collection {name!r} holds {what} only")
    return int(row["id"]), row["description"]


def _insert_version(tx: Tx, collection_id: int, values: dict[str, Any]) -> int:
    top = tx.scalar(
        "SELECT MAX(version_index) FROM artifact_versions WHERE collection_id = :c",
        {"c": collection_id},
    )
    index = 0 if top is None else int(top) + 1
    params = {**values, "c": collection_id, "i": index}
    tx.run(
        "INSERT INTO artifact_versions (collection_id, version_index, digest, description, "
        "metadata, size, file_count, state, created_at, logged_by_run, source_version_id) "
        "VALUES (:c, :i, :digest, :description, :metadata, :size, :file_count, 'committed', "
        ":created_at, :run, :source)",
        params,
    )
    return int(
        tx.scalar(
            "SELECT id FROM artifact_versions WHERE collection_id = :c AND version_index = :i",
            params,
        )
    )


def _hold_blobs(tx: Tx, project_pk: int, sizes: Mapping[str, int], now: float) -> None:
    if sizes:
        tx.many(
            "INSERT INTO artifact_blobs (digest, project_id, size, seen_at) "
            "VALUES (:d, :p, :s, :now) ON CONFLICT (digest, project_id) DO UPDATE SET "
            "seen_at = excluded.seen_at",
            [{"d": d, "p": project_pk, "s": s, "now": now} for d, s in sizes.items()],
        )


def _set_aliases(tx: Tx, collection_id: int, version_id: int, aliases: Sequence[str]) -> None:
    """Give ``aliases`` to the version, moving each from whichever version had it."""
    for alias in dict.fromkeys(aliases):
        tx.run(
            "INSERT INTO artifact_aliases (collection_id, alias, version_id) VALUES (:c, :a, :v) "
            "ON CONFLICT (collection_id, alias) DO UPDATE SET version_id = excluded.version_id",
            {"c": collection_id, "a": alias, "v": version_id},
        )


def _link(tx: Tx, run: RunRef, link: ArtifactLink, now: float) -> None:
    source = _link_source(tx, run, link)
    if source is None:
        raise BatchRefusedError(
            f"cannot link {link.client_id or link.source!r}: no such artifact version"
        )
    try:
        entity, project, name = _target(link.target)
        aliases = [check_alias(a) for a in link.aliases]
    except ValueError as exc:
        raise _refused(exc) from None
    if entity != source.entity:
        raise BatchRefusedError(
            f"cannot link {source.qualified_name!r} into {link.target!r}: "
            f"a version links into collections of its own entity {source.entity!r} only"
        )
    project_pk = _project_pk(tx, entity, project, now)
    original = _original(tx, source.id)
    collection_id, _ = _collection(tx, project_pk, name, source.type, "portfolio", now)
    version_id = tx.scalar(
        "SELECT id FROM artifact_versions WHERE collection_id = :c AND source_version_id = :s",
        {"c": collection_id, "s": original},
    )
    if version_id is None:
        row = tx.one("SELECT * FROM artifact_versions WHERE id = :id", {"id": original})
        version_id = _insert_version(
            tx,
            collection_id,
            {
                "digest": row["digest"],
                "description": row["description"],
                "metadata": row["metadata"],
                "size": row["size"],
                "file_count": row["file_count"],
                "created_at": now,
                "run": row["logged_by_run"],
                "source": original,
            },
        )
    _set_aliases(tx, collection_id, int(version_id), [LATEST, *aliases])


def _link_source(tx: Tx, run: RunRef, link: ArtifactLink) -> ArtifactRecord | None:
    if link.client_id is not None:
        return version_by_client_id(tx, run.entity, run.project, link.client_id)
    if not link.source:
        raise BatchRefusedError("an artifact link needs a client_id or a source")
    try:
        entity, project, name, version = parse_artifact_path(link.source, run.entity, run.project)
    except ValueError as exc:
        raise _refused(exc) from None
    return find_version(tx, entity, project, name, version)


def _target(target: str) -> tuple[str, str, str]:
    parts = target.strip("/").split("/") if isinstance(target, str) else []
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"link target {target!r} must be entity/project/collection")
    check_name(parts[0], "entity")
    check_name(parts[1], "project")
    check_name(parts[2], "collection name")
    return parts[0], parts[1], parts[2]


def _original(tx: Tx, version_id: int) -> int:
    """The logged version a version stands for (a link's source; links of links too)."""
    source = tx.scalar(
        "SELECT source_version_id FROM artifact_versions WHERE id = :id", {"id": version_id}
    )
    return version_id if source is None else int(source)


def _project_pk(tx: Tx, entity: str, project: str, now: float) -> int:
    params = {"entity": entity, "name": project}
    sql = "SELECT id FROM projects WHERE entity = :entity AND name = :name"
    pk = tx.scalar(sql, params)
    if pk is None:
        tx.run(
            "INSERT INTO projects (entity, name, created_at) VALUES (:entity, :name, :now)",
            {**params, "now": now},
        )
        pk = tx.scalar(sql, params)
    return int(pk)


def _use(tx: Tx, run_pk: int, run: RunRef, use: ArtifactUse, now: float) -> None:
    """Record the use; a version gone meanwhile (deleted) is skipped, not refused: the
    run's other data must not be held back by its lineage."""
    if use.client_id is not None:
        found = version_by_client_id(
            tx, use.entity or run.entity, use.project or run.project, use.client_id
        )
    else:
        found = find_version(
            tx,
            use.entity or run.entity,
            use.project or run.project,
            use.name,
            use.version or LATEST,
        )
    if found is None:
        return
    tx.run(
        "INSERT INTO artifact_usage (run, version_id, used_at) VALUES (:run, :v, :now) "
        "ON CONFLICT (run, version_id) DO NOTHING",
        {"run": run_pk, "v": found.id, "now": now},
    )


# -- reads -------------------------------------------------------------------------------


def _aliases(tx: Tx, version_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not version_ids:
        return out
    names = ", ".join(f":v{i}" for i in range(len(version_ids)))
    params = {f"v{i}": v for i, v in enumerate(version_ids)}
    for row in tx.all(
        f"SELECT version_id, alias FROM artifact_aliases WHERE version_id IN ({names})", params
    ):
        out.setdefault(int(row[0]), []).append(str(row[1]))
    for aliases in out.values():
        aliases.sort(key=lambda a: (a != LATEST, a))
    return out


def _records(tx: Tx, rows: Sequence[Any]) -> list[ArtifactRecord]:
    aliases = _aliases(tx, [int(r["id"]) for r in rows])
    sources: dict[int, tuple[str, str, str, str]] = {}
    linked = [int(r["source_version_id"]) for r in rows if r["source_version_id"] is not None]
    if linked:
        names = ", ".join(f":s{i}" for i in range(len(linked)))
        params = {f"s{i}": s for i, s in enumerate(linked)}
        for row in tx.all(f"{_VERSION_SELECT} WHERE v.id IN ({names})", params):
            sources[int(row["id"])] = (
                row["p_entity"],
                row["p_name"],
                row["c_name"],
                f"v{row['version_index']}",
            )
    out = []
    for row in rows:
        logged = None
        if row["r_run_id"] is not None:
            logged = RunRef(row["rp_entity"], row["rp_name"], row["r_run_id"])
        source_id = row["source_version_id"]
        out.append(
            ArtifactRecord(
                id=int(row["id"]),
                entity=row["p_entity"],
                project=row["p_name"],
                name=row["c_name"],
                type=row["c_type"],
                version_index=int(row["version_index"]),
                digest=row["digest"],
                description=row["description"],
                metadata=dict(jsonutil.loads(row["metadata"])),
                aliases=aliases.get(int(row["id"]), []),
                size=int(row["size"]),
                file_count=int(row["file_count"]),
                created_at=float(row["created_at"]),
                logged_by=logged,
                source=None if source_id is None else sources.get(int(source_id)),
                state=row["state"],
            )
        )
    return out


def find_version(
    tx: Tx, entity: str, project: str, name: str, version: str
) -> ArtifactRecord | None:
    """``name``'s version ``vN``, or the version holding the alias ``version``."""
    params: dict[str, Any] = {"entity": entity, "project": project, "name": name}
    where = "p.entity = :entity AND p.name = :project AND c.name = :name"
    match = _VERSION.fullmatch(version)
    if match:
        params["index"] = int(match.group(1))
        sql = f"{_VERSION_SELECT} WHERE {where} AND v.version_index = :index"
    else:
        params["alias"] = version
        sql = (
            f"{_VERSION_SELECT} JOIN artifact_aliases a ON a.version_id = v.id "
            f"AND a.collection_id = c.id WHERE {where} AND a.alias = :alias"
        )
    rows = tx.all(sql, params)
    return _records(tx, rows)[0] if rows else None


def version_by_id(tx: Tx, version_id: int) -> ArtifactRecord | None:
    rows = tx.all(f"{_VERSION_SELECT} WHERE v.id = :id", {"id": version_id})
    return _records(tx, rows)[0] if rows else None


def version_by_client_id(
    tx: Tx, entity: str, project: str, client_id: str
) -> ArtifactRecord | None:
    rows = tx.all(
        f"{_VERSION_SELECT} JOIN artifact_client_ids k ON k.version_id = v.id "
        "WHERE k.client_id = :client AND p.entity = :entity AND p.name = :project",
        {"client": client_id, "entity": entity, "project": project},
    )
    return _records(tx, rows)[0] if rows else None


def artifact_files(tx: Tx, version_id: int) -> list[ArtifactFile]:
    original = _original(tx, version_id)
    rows = tx.all(
        "SELECT path, digest, size, ref, checksum, extra FROM artifact_files WHERE version_id = :v",
        {"v": original},
    )
    files = [
        ArtifactFile(
            path=row[0],
            digest=row[1],
            size=None if row[2] is None else int(row[2]),
            ref=row[3],
            checksum=row[4],
            extra=None if row[5] is None else dict(jsonutil.loads(row[5])),
        )
        for row in rows
    ]
    # Sorted here: SQLite and PostgreSQL collations order paths differently.
    return sorted(files, key=lambda f: f.path)


def list_collections(
    tx: Tx, entity: str, project: str, type_: str | None
) -> list[ArtifactCollection]:
    params: dict[str, Any] = {"entity": entity, "project": project}
    sql = (
        "SELECT c.id, c.name, c.type, c.kind, c.description, c.created_at, "
        "(SELECT COUNT(*) FROM artifact_versions v WHERE v.collection_id = c.id) AS n "
        "FROM artifact_collections c JOIN projects p ON p.id = c.project_id "
        "WHERE p.entity = :entity AND p.name = :project"
    )
    if type_ is not None:
        sql += " AND c.type = :type"
        params["type"] = type_
    rows = tx.all(sql, params)
    aliases: dict[int, list[str]] = {}
    if rows:
        names = ", ".join(f":c{i}" for i in range(len(rows)))
        ids = {f"c{i}": int(r[0]) for i, r in enumerate(rows)}
        for row in tx.all(
            f"SELECT collection_id, alias FROM artifact_aliases WHERE collection_id IN ({names})",
            ids,
        ):
            aliases.setdefault(int(row[0]), []).append(str(row[1]))
    out = [
        ArtifactCollection(
            entity=entity,
            project=project,
            name=row[1],
            type=row[2],
            kind=row[3],
            description=row[4],
            created_at=float(row[5]),
            version_count=int(row[6]),
            aliases=sorted(aliases.get(int(row[0]), [])),
        )
        for row in rows
    ]
    return sorted(out, key=lambda c: c.name)


def list_versions(tx: Tx, entity: str, project: str, name: str) -> list[ArtifactRecord]:
    rows = tx.all(
        f"{_VERSION_SELECT} WHERE p.entity = :entity AND p.name = :project AND c.name = :name "
        "ORDER BY v.version_index",
        {"entity": entity, "project": project, "name": name},
    )
    return _records(tx, rows)


def artifact_types(tx: Tx, entity: str, project: str) -> list[str]:
    rows = tx.all(
        "SELECT DISTINCT c.type FROM artifact_collections c JOIN projects p "
        "ON p.id = c.project_id WHERE p.entity = :entity AND p.name = :project",
        {"entity": entity, "project": project},
    )
    return sorted(str(r[0]) for r in rows)


def logged_by(tx: Tx, run_pk: int) -> list[ArtifactRecord]:
    rows = tx.all(
        f"{_VERSION_SELECT} WHERE v.logged_by_run = :run AND v.source_version_id IS NULL "
        "ORDER BY v.id",
        {"run": run_pk},
    )
    return _records(tx, rows)


def used_by(tx: Tx, run_pk: int) -> list[ArtifactRecord]:
    rows = tx.all(
        f"{_VERSION_SELECT} JOIN artifact_usage u ON u.version_id = v.id "
        "WHERE u.run = :run ORDER BY u.used_at, v.id",
        {"run": run_pk},
    )
    return _records(tx, rows)


def runs_using(tx: Tx, version_id: int) -> list[RunRef]:
    rows = tx.all(
        "SELECT p.entity, p.name, r.run_id FROM artifact_usage u JOIN runs r ON r.id = u.run "
        "JOIN projects p ON p.id = r.project_id WHERE u.version_id = :v "
        "ORDER BY u.used_at, r.id",
        {"v": version_id},
    )
    return [RunRef(r[0], r[1], r[2]) for r in rows]


# -- edits ---------------------------------------------------------------------------------


def update_artifact(
    tx: Tx,
    version_id: int,
    description: str | None,
    metadata: Mapping[str, Any] | None,
    aliases: Sequence[str] | None,
) -> None:
    row = tx.one("SELECT collection_id FROM artifact_versions WHERE id = :id", {"id": version_id})
    if row is None:
        raise ValueError(f"artifact version {version_id} no longer exists")
    values: dict[str, Any] = {}
    if description is not None:
        values["description"] = description
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise ValueError(f"artifact metadata must be a mapping, got {metadata!r:.80}")
        values["metadata"] = jsonutil.dumps(dict(metadata))
    if values:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        tx.run(f"UPDATE artifact_versions SET {sets} WHERE id = :id", {**values, "id": version_id})
    if aliases is not None:
        wanted = [check_alias(a) if a != LATEST else a for a in aliases]
        params = {"v": version_id}
        current = {
            str(r[0])
            for r in tx.all("SELECT alias FROM artifact_aliases WHERE version_id = :v", params)
        }
        for alias in current - set(wanted) - {LATEST}:
            tx.run(
                "DELETE FROM artifact_aliases WHERE version_id = :v AND alias = :a",
                {**params, "a": alias},
            )
        _set_aliases(tx, int(row[0]), version_id, wanted)


def delete_artifact(tx: Tx, version_id: int, delete_aliases: bool) -> None:
    row = tx.one(
        "SELECT collection_id, version_index FROM artifact_versions WHERE id = :id",
        {"id": version_id},
    )
    if row is None:
        return
    params = {"v": version_id}
    held = sorted(
        str(r[0])
        for r in tx.all("SELECT alias FROM artifact_aliases WHERE version_id = :v", params)
        if r[0] != LATEST
    )
    if held and not delete_aliases:
        raise ValueError(
            f"artifact version v{row[1]} has aliases {held}; delete them first or pass "
            "delete_aliases=True"
        )
    collection_id = int(row[0])
    had_latest = tx.scalar(
        "SELECT 1 FROM artifact_aliases WHERE version_id = :v AND alias = :a",
        {**params, "a": LATEST},
    )
    # The versions linking it go too (their registry aliases with them).
    for table in ("artifact_aliases", "artifact_client_ids", "artifact_usage", "artifact_files"):
        tx.run(
            f"DELETE FROM {table} WHERE version_id = :v OR version_id IN "
            "(SELECT id FROM artifact_versions WHERE source_version_id = :v)",
            params,
        )
    tx.run("DELETE FROM artifact_versions WHERE source_version_id = :v", params)
    tx.run("DELETE FROM artifact_versions WHERE id = :v", params)
    if had_latest:
        newest = tx.scalar(
            "SELECT id FROM artifact_versions WHERE collection_id = :c "
            "ORDER BY version_index DESC LIMIT 1",
            {"c": collection_id},
        )
        if newest is not None:
            _set_aliases(tx, collection_id, int(newest), [LATEST])


# -- content blobs (server uploads and runyard gc) -------------------------------------------


def artifact_blobs_held(
    tx: Tx, entity: str, project: str, digests: Sequence[str], touch: bool
) -> set[str]:
    wanted = [d for d in dict.fromkeys(digests) if isinstance(d, str) and _HEX64.fullmatch(d)]
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        names = ", ".join(f":d{i}" for i in range(len(part)))
        params: dict[str, Any] = {f"d{i}": d for i, d in enumerate(part)}
        params.update(entity=entity, project=project)
        rows = tx.all(
            "SELECT b.digest FROM artifact_blobs b JOIN projects p ON p.id = b.project_id "
            f"WHERE p.entity = :entity AND p.name = :project AND b.digest IN ({names})",
            params,
        )
        found.update(str(r[0]) for r in rows)
    if touch and found:
        tx.many(
            "UPDATE artifact_blobs SET seen_at = :now WHERE digest = :d AND project_id = "
            "(SELECT id FROM projects WHERE entity = :entity AND name = :project)",
            [
                {"now": time.time(), "d": d, "entity": entity, "project": project}
                for d in sorted(found)
            ],
        )
    return found


def record_blob(tx: Tx, entity: str, project: str, digest: str, size: int) -> None:
    if not _HEX64.fullmatch(digest):
        raise ValueError(f"invalid content digest {digest!r}")
    now = time.time()
    _hold_blobs(tx, _project_pk(tx, entity, project, now), {digest: int(size)}, now)


def artifact_blobs_to_keep(tx: Tx, digests: Sequence[str], since: float) -> set[str]:
    keep: set[str] = set()
    unique = list(dict.fromkeys(digests))
    for start in range(0, len(unique), 500):
        part = unique[start : start + 500]
        names = ", ".join(f":d{i}" for i in range(len(part)))
        params: dict[str, Any] = {f"d{i}": d for i, d in enumerate(part)}
        params["since"] = since
        rows = tx.all(
            f"SELECT DISTINCT digest FROM artifact_files WHERE digest IN ({names}) "
            f"UNION SELECT DISTINCT digest FROM artifact_blobs WHERE digest IN ({names}) "
            "AND seen_at >= :since",
            params,
        )
        keep.update(str(r[0]) for r in rows)
    return keep
