"""Artifacts over wandb's protocol, on Runyard's artifact store.

wandb's client writes an artifact in steps (the protocol write-up, §5 (c)):
``createArtifact`` → ``createArtifactManifest`` → ``createArtifactFiles`` (an upload
URL per file, ``PUT`` without credentials) → ``createArtifactManifest`` again with
``includeUpload`` (the manifest's upload URL) → ``PUT wandb_manifest.json`` →
``commitArtifact``. Runyard's store takes a version in one idempotent commit
(:class:`~runyard.store.base.ArtifactCommit` in ``write_batch``), so until the commit
everything waits in the blob store's staging area, where ``runyard gc`` clears what
a killed client left:

- ``artifacts/staging/wandb/<draft>/draft.json``: what ``createArtifact`` said (name,
  type, run, aliases …); ``<draft>`` is a hash of wandb's ``clientID``;
- ``…/<draft>/files/<md5 hex>``: each file's bytes, keyed by the MD5 wandb names it by;
- ``…/<draft>/wandb_manifest.json``: wandb's manifest (``contents: {path: {digest
  (MD5, base64), size, ref?, extra?}}``).

``commitArtifact`` reads the manifest, checks each staged file against its MD5, stores
it content-addressed under its SHA-256 (Runyard's rule, :mod:`runyard.blobs.artifacts`)
and commits the version through ``write_batch``, with wandb's MD5 kept in the entry's
``extra`` (``wandb_md5``) for the manifests it serves later. Identical content is one
version (the store's rule), so logging the same files twice makes no new version.

Ids: an artifact wandb's client created is ``base64("Artifact:v1:<entity>:<project>:
c:<draft>")`` — the same id before and after the commit, since the commit keeps the
draft's hash as its ``client_id``; a version read by name is ``…:n:<index>:<name>``.

Reading (``use_artifact``, ``Api().artifact(...).download()``): versions by
``name:alias`` or ``name:vN``, the manifest served in wandb's shape (MD5s computed from
the bytes for versions the Runyard SDK logged), files through the bucket's presigned
``GET`` or a signed URL of this server. ``useArtifact`` records lineage.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
from typing import Any

from runyard.blobs.artifacts import artifact_key
from runyard.blobs.base import BlobStore
from runyard.entities import RunRef, check_ref
from runyard.server.wandb.context import Context, NotVisible
from runyard.server.wandb.graphql import FieldError
from runyard.server.wandb.ids import iso, object_id, project_number
from runyard.server.wandb.signing import URL_SECONDS
from runyard.store.base import (
    ArtifactCommit,
    ArtifactFile,
    ArtifactLink,
    ArtifactRecord,
    ArtifactUse,
    RunBatch,
    TrackingStore,
)

__all__ = [
    "STAGING",
    "Artifact",
    "ArtifactMutations",
    "artifact_by_id",
    "collection",
    "manifest_json",
    "membership",
    "staging_key",
]

#: Where drafts wait for their commit (``runyard gc`` removes stale ones).
STAGING = "artifacts/staging/wandb"
MANIFEST = "wandb_manifest.json"
#: Largest manifest read at commit.
MANIFEST_BYTES = 64 << 20
_DRAFT = re.compile(r"[0-9a-f]{40}")
#: A staged name: a file by MD5, or the manifest.
_STAGED = re.compile(r"([0-9a-f]{40})/(files/[0-9a-f]{32}|wandb_manifest\.json)")
_LATEST = "latest"
_VERSION = re.compile(r"v\d+")


def staging_key(name: str) -> str:
    """The blob key of a staged name (``<draft>/files/<md5>``, ``<draft>/wandb_manifest.json``);
    ``ValueError`` naming it for anything else."""
    if not _STAGED.fullmatch(name):
        raise ValueError(f"invalid staged artifact name {name!r:.120}")
    return f"{STAGING}/{name}"


def _draft_hash(client_id: str) -> str:
    return hashlib.sha256(b"wandb-artifact\0" + client_id.encode()).hexdigest()[:40]


def _store_client_id(draft: str) -> str:
    return f"wandb-{draft}"


def _md5_hex(b64: Any) -> str:
    try:
        raw = base64.b64decode(str(b64), validate=True)
    except (binascii.Error, ValueError):
        raise FieldError(f"invalid MD5 {b64!r:.80}: expected base64") from None
    if len(raw) != 16:
        raise FieldError(f"invalid MD5 {b64!r:.80}: expected 16 bytes")
    return raw.hex()


# -- ids ---------------------------------------------------------------------------------


def draft_id(entity: str, project: str, draft: str) -> str:
    return object_id("Artifact", entity, project, "c", draft)


def version_id(record: ArtifactRecord) -> str:
    return object_id(
        "Artifact", record.entity, record.project, "n", str(record.version_index), record.name
    )


def _parse_id(value: Any) -> tuple[str, str, str, str]:
    """``(entity, project, kind, rest)`` of an artifact id; kind ``c`` (draft hash) or
    ``n`` (``<index>:<name>``)."""
    try:
        text = base64.b64decode(str(value).encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise FieldError(f"invalid artifact id {value!r:.80}") from None
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[:2] != ["Artifact", "v1"] or parts[4] not in ("c", "n"):
        raise FieldError(f"invalid artifact id {value!r:.80} ({text!r:.80})")
    return parts[2], parts[3], parts[4], parts[5]


def _readable(ctx: Context, entity: str, project: str) -> bool:
    try:
        ctx.check(entity, project)
    except NotVisible:
        return False
    return True


def _writable(ctx: Context, entity: str, project: str) -> None:
    try:
        ctx.check(entity, project, write=True)
    except NotVisible:
        raise FieldError(f"no project {entity}/{project}") from None


# -- drafts ------------------------------------------------------------------------------


def _draft_key(draft: str) -> str:
    return f"{STAGING}/{draft}/draft.json"


def _load_draft(ctx: Context, artifact_id: Any) -> tuple[str, dict[str, Any]]:
    """``(draft hash, draft)`` of an id ``createArtifact`` gave, write access checked."""
    entity, project, kind, rest = _parse_id(artifact_id)
    if kind != "c" or not _DRAFT.fullmatch(rest):
        raise FieldError(f"artifact {artifact_id!r:.80} is not one this client is writing")
    _writable(ctx, entity, project)
    try:
        draft = json.loads(ctx.blobs.get(_draft_key(rest)))
    except FileNotFoundError:
        raise FieldError(f"artifact {artifact_id!r:.80} has no draft (committed?)") from None
    # The id names the project whose write access was checked: the draft must be its.
    if not isinstance(draft, dict) or (draft.get("entity"), draft.get("project")) != (
        entity,
        project,
    ):
        raise FieldError(f"artifact {artifact_id!r:.80} is not a draft of {entity}/{project}")
    return rest, draft


def _upload_url(ctx: Context, name: str) -> str:
    """A credential-less ``PUT`` URL for the staged ``name``."""
    key = staging_key(name)
    url = ctx.blobs.presigned_put(key, expires=URL_SECONDS)
    return url if url is not None else signed(ctx, "PUT", f"/wandb/staging/{name}")


def signed(ctx: Context, method: str, path: str) -> str:
    from runyard.server.wandb.files import _secret, signer

    query = signer(ctx).sign(method, path, ctx.key_id, _secret(ctx))
    return f"{ctx.base_url}{path}?{query}"


def blob_url(ctx: Context, digest: str) -> str:
    """A credential-less ``GET`` URL of an artifact file's content."""
    url = ctx.blobs.presigned_get(artifact_key(digest), expires=URL_SECONDS)
    return url if url is not None else signed(ctx, "GET", f"/wandb/artifact-blobs/{digest}")


def manifest_url(ctx: Context, record: ArtifactRecord) -> str:
    path = f"/wandb/manifests/{record.entity}/{record.project}/{record.version_index}"
    return signed(ctx, "GET", f"{path}/{record.name}")


class ArtifactMutations:
    """The artifact mutations of :class:`~runyard.server.wandb.operations.Root`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def gql_createArtifact(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("createArtifact needs an input object")
        ctx = self.ctx
        entity = ctx.entity_of(given.get("entityName"))
        project = given.get("projectName")
        run = given.get("runName")
        name = given.get("artifactCollectionName")
        type_ = given.get("artifactTypeName")
        client_id = given.get("clientID")
        for field, value in (
            ("projectName", project),
            ("artifactCollectionName", name),
            ("artifactTypeName", type_),
            ("clientID", client_id),
        ):
            if not isinstance(value, str) or not value:
                raise FieldError(f"createArtifact: {field} must be a name, got {value!r:.80}")
        assert isinstance(project, str) and isinstance(client_id, str)
        _writable(ctx, entity, project)
        aliases = [
            a.get("alias")
            for a in given.get("aliases") or []
            if isinstance(a, dict) and a.get("artifactCollectionName") in (None, name)
        ]
        metadata = given.get("metadata")
        try:
            meta = json.loads(metadata) if isinstance(metadata, str) and metadata else {}
        except json.JSONDecodeError:
            raise FieldError(f"createArtifact: metadata is not JSON: {metadata!r:.80}") from None
        draft = _draft_hash(client_id)
        found = ctx.store.get_artifact_by_client_id(entity, project, _store_client_id(draft))
        if found is None:  # a retried createArtifact of a committed one keeps it
            record = {
                "entity": entity,
                "project": project,
                "run": run if isinstance(run, str) and run else None,
                "name": name,
                "type": type_,
                "description": given.get("description"),
                "metadata": meta if isinstance(meta, dict) else {},
                "aliases": [a for a in aliases if isinstance(a, str) and a != _LATEST],
            }
            ctx.blobs.put(_draft_key(draft), json.dumps(record).encode())
        latest = None
        try:
            newest = ctx.store.get_artifact(entity, project, str(name), _LATEST, type_)
        except ValueError as exc:  # the name holds another type
            raise FieldError(str(exc)) from None
        if newest is not None:
            latest = {"id": version_id(newest)}
        return {
            "artifact": {
                "__typename": "Artifact",
                "id": draft_id(entity, project, draft),
                "state": "COMMITTED" if found is not None else "PENDING",
                "artifactSequence": {"__typename": "ArtifactSequence", "latestArtifact": latest},
            }
        }

    def _manifest(self, artifact_id: Any) -> dict[str, Any]:
        draft, _ = _load_draft(self.ctx, artifact_id)
        return {
            "artifactManifest": {
                "id": object_id("ArtifactManifest", str(artifact_id)),
                "file": {
                    "id": object_id("File", draft, MANIFEST),
                    "uploadUrl": _upload_url(self.ctx, f"{draft}/{MANIFEST}"),
                    "uploadHeaders": [],
                },
            }
        }

    def gql_createArtifactManifest(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("createArtifactManifest needs an input object")
        return self._manifest(given.get("artifactID"))

    def gql_updateArtifactManifest(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        manifest = given.get("artifactManifestID") if isinstance(given, dict) else None
        try:
            text = base64.b64decode(str(manifest).encode(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise FieldError(f"invalid artifact manifest id {manifest!r:.80}") from None
        kind, _, rest = text.partition(":v1:")
        if kind != "ArtifactManifest":
            raise FieldError(f"invalid artifact manifest id {manifest!r:.80}")
        return self._manifest(rest)

    def gql_createArtifactFiles(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        files = given.get("artifactFiles") if isinstance(given, dict) else None
        if not isinstance(files, list):
            raise FieldError("createArtifactFiles needs input.artifactFiles, a list")
        drafts: dict[str, str] = {}
        edges: list[dict[str, Any]] = []
        for item in files:
            if not isinstance(item, dict):
                raise FieldError(f"invalid artifact file {item!r:.80}")
            artifact = str(item.get("artifactID"))
            if artifact not in drafts:
                drafts[artifact] = _load_draft(self.ctx, artifact)[0]
            md5 = _md5_hex(item.get("md5"))
            name = f"{drafts[artifact]}/files/{md5}"
            node: dict[str, Any] = {
                "__typename": "File",
                "name": item.get("name"),
                "storagePath": name,
                "uploadUrl": _upload_url(self.ctx, name),
                "uploadHeaders": [],
                "uploadMultipartUrls": None,
                "artifact": {"id": artifact},
            }
            edges.append({"node": node})
        return {"files": {"edges": edges}}

    def gql_commitArtifact(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        artifact_id = given.get("artifactID") if isinstance(given, dict) else None
        ctx = self.ctx
        entity, project, kind, rest = _parse_id(artifact_id)
        if kind == "c":  # a retried commit finds its version
            found = ctx.store.get_artifact_by_client_id(entity, project, _store_client_id(rest))
            if found is not None and _readable(ctx, entity, project):
                return {"artifact": Artifact(ctx, found, str(artifact_id))}
        draft, record = _load_draft(ctx, artifact_id)
        entries = _entries(ctx, entity, project, draft)
        run = record.get("run")
        ref = RunRef(entity, project, run if isinstance(run, str) and run else "")
        try:
            check_ref(ref)
        except ValueError:
            raise FieldError(f"artifact {record.get('name')!r}: no run to log it") from None
        commit = ArtifactCommit(
            client_id=_store_client_id(draft),
            name=str(record["name"]),
            type=str(record["type"]),
            entries=entries,
            description=record.get("description"),
            metadata=record.get("metadata") or {},
            aliases=list(record.get("aliases") or []),
        )
        if ctx.store.get_run(ref) is None:
            raise FieldError(f"run {ref.path} not found")
        try:
            ctx.store.write_batch(RunBatch(run=ref, artifacts=[commit]))
        except ValueError as exc:  # refused: a name of another type, a bad alias …
            raise FieldError(str(exc)) from None
        # The version is stored; what cleanup misses, `runyard gc` clears.
        with contextlib.suppress(OSError):
            ctx.blobs.delete_prefix(f"{STAGING}/{draft}")
        stored = ctx.store.get_artifact_by_client_id(entity, project, commit.client_id)
        if stored is None:
            raise FieldError(f"artifact {commit.name!r} could not be stored")
        return {"artifact": Artifact(ctx, stored, str(artifact_id))}

    def gql_useArtifact(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("useArtifact needs an input object")
        ctx = self.ctx
        record = artifact_by_id(ctx, given.get("artifactID"))
        if record is None:
            raise FieldError(f"artifact {given.get('artifactID')!r:.80} not found")
        project = given.get("projectName")
        run = given.get("runName")
        ref = RunRef(ctx.entity_of(given.get("entityName")), str(project or ""), str(run or ""))
        try:
            check_ref(ref)
        except ValueError as exc:
            raise FieldError(str(exc)) from None
        _writable(ctx, ref.entity, ref.project)
        if ctx.store.get_run(ref) is None:
            raise FieldError(f"run {ref.path} not found")
        use = ArtifactUse(record.entity, record.project, record.name, record.version, record.type)
        ctx.store.write_batch(RunBatch(run=ref, artifact_uses=[use]))
        return {"artifact": Artifact(ctx, record)}

    def gql_linkArtifact(self, args: dict[str, Any]) -> dict[str, Any]:
        """``run.link_artifact(art, "entity/project/collection")``: the version is linked
        into the collection (a portfolio; project ``model-registry`` is the entity's
        registry) through the store's :class:`~runyard.store.base.ArtifactLink`, as
        the run that logged it. wandb's client names the version by ``artifactID``
        once it is committed (``linkArtifact`` by ``clientID`` alone is refused)."""
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("linkArtifact needs an input object")
        ctx = self.ctx
        if not given.get("artifactID"):
            raise FieldError("linkArtifact needs the artifact's id (commit it first)")
        source = artifact_by_id(ctx, given.get("artifactID"))
        if source is None:
            raise FieldError(f"artifact {given.get('artifactID')!r:.80} not found")
        if source.source is not None:  # a link of a link links the original, as wandb
            original = ctx.store.get_artifact(*source.source)
            source = original if original is not None else source
        portfolio = given.get("artifactPortfolioName")
        project = given.get("projectName")
        if not isinstance(portfolio, str) or not portfolio:
            raise FieldError(f"linkArtifact: invalid artifactPortfolioName {portfolio!r:.80}")
        if not isinstance(project, str) or not project:
            raise FieldError(f"linkArtifact: invalid projectName {project!r:.80}")
        entity = ctx.entity_of(given.get("entityName"))
        _writable(ctx, entity, project)
        if source.logged_by is None:
            raise FieldError(f"artifact {source.qualified_name}: its run is gone; cannot link")
        aliases = [
            a.get("alias")
            for a in given.get("aliases") or []
            if isinstance(a, dict) and a.get("artifactCollectionName") in (None, portfolio)
        ]
        link = ArtifactLink(
            target=f"{entity}/{project}/{portfolio}",
            aliases=[a for a in aliases if isinstance(a, str) and a != _LATEST],
            source=source.qualified_name,
        )
        try:
            ctx.store.write_batch(RunBatch(run=source.logged_by, artifact_links=[link]))
        except ValueError as exc:
            raise FieldError(str(exc)) from None
        wanted = (source.entity, source.project, source.name, source.version)
        for version in reversed(ctx.store.list_artifact_versions(entity, project, portfolio)):
            if version.source == wanted:
                found = membership(ctx, entity, project, f"{portfolio}:{version.version}")
                return {"versionIndex": version.version_index, "artifactMembership": found}
        raise FieldError(f"artifact {source.qualified_name} could not be linked")

    def gql_updateArtifact(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("input")
        if not isinstance(given, dict):
            raise FieldError("updateArtifact needs an input object")
        ctx = self.ctx
        record = artifact_by_id(ctx, given.get("artifactID"))
        if record is None:
            raise FieldError(f"artifact {given.get('artifactID')!r:.80} not found")
        _writable(ctx, record.entity, record.project)
        metadata = given.get("metadata")
        description = given.get("description")
        try:
            meta = json.loads(metadata) if isinstance(metadata, str) else None
        except json.JSONDecodeError:
            raise FieldError(f"updateArtifact: metadata is not JSON: {metadata!r:.80}") from None
        aliases = given.get("aliases")
        names = None
        if isinstance(aliases, list):
            names = [a["alias"] for a in aliases if isinstance(a, dict) and "alias" in a]
            names = [a for a in names if a != _LATEST] + (
                [_LATEST] if _LATEST in record.aliases else []
            )
        try:
            stored = ctx.store.update_artifact(
                record,
                description=description if isinstance(description, str) else None,
                metadata=meta if isinstance(meta, dict) else None,
                aliases=names,
            )
        except ValueError as exc:
            raise FieldError(str(exc)) from None
        return {"artifact": Artifact(ctx, stored)}


def _entries(ctx: Context, entity: str, project: str, draft: str) -> list[ArtifactFile]:
    """The version's entries from the staged manifest; each staged file is checked
    against its MD5 and stored under its SHA-256."""
    key = staging_key(f"{draft}/{MANIFEST}")
    try:
        if ctx.blobs.size(key) > MANIFEST_BYTES:
            raise FieldError(f"the artifact manifest is over {MANIFEST_BYTES} bytes")
        manifest = json.loads(ctx.blobs.get(key))
    except FileNotFoundError:
        raise FieldError("the artifact's manifest was not uploaded") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FieldError(f"the artifact's manifest is not JSON: {exc}") from None
    contents = manifest.get("contents") if isinstance(manifest, dict) else None
    if not isinstance(contents, dict):
        raise FieldError("the artifact's manifest has no contents")
    entries: list[ArtifactFile] = []
    stored: dict[str, tuple[str, int]] = {}  # MD5 hex → (SHA-256, size)
    for path, entry in contents.items():
        if not isinstance(entry, dict):
            raise FieldError(f"manifest entry {path!r:.160} is not an object")
        extra = entry.get("extra") if isinstance(entry.get("extra"), dict) else None
        size = entry.get("size")
        size = size if isinstance(size, int) and not isinstance(size, bool) else None
        ref = entry.get("ref")
        if isinstance(ref, str) and ref:
            digest = entry.get("digest")
            checksum = digest if isinstance(digest, str) else None
            entries.append(ArtifactFile(path, ref=ref, checksum=checksum, size=size, extra=extra))
            continue
        md5 = _md5_hex(entry.get("digest"))
        if md5 not in stored:
            stored[md5] = _store_file(ctx, entity, project, draft, md5, path)
        sha, length = stored[md5]
        wandb = {"wandb_md5": entry.get("digest")}
        entries.append(
            ArtifactFile(path, digest=sha, size=length, extra={**(extra or {}), **wandb})
        )
    return entries


def _store_file(
    ctx: Context, entity: str, project: str, draft: str, md5: str, path: str
) -> tuple[str, int]:
    try:
        data = ctx.blobs.get(staging_key(f"{draft}/files/{md5}"))
    except FileNotFoundError:
        raise FieldError(f"artifact file {path!r:.160} was not uploaded") from None
    if hashlib.md5(data).hexdigest() != md5:
        raise FieldError(f"artifact file {path!r:.160}: the uploaded bytes do not match its MD5")
    sha = hashlib.sha256(data).hexdigest()
    key = artifact_key(sha)
    if not ctx.blobs.exists(key):
        ctx.blobs.put(key, data)
    ctx.store.record_artifact_blob(entity, project, sha, len(data))
    return sha, len(data)


# -- reads -------------------------------------------------------------------------------


def artifact_by_id(ctx: Context, value: Any) -> ArtifactRecord | None:
    """The version an id names (a draft not committed yet: None), when readable."""
    entity, project, kind, rest = _parse_id(value)
    if not _readable(ctx, entity, project):
        return None
    if kind == "c":
        return ctx.store.get_artifact_by_client_id(entity, project, _store_client_id(rest))
    index, _, name = rest.partition(":")
    if not index.isdigit() or not name:
        raise FieldError(f"invalid artifact id {value!r:.80}")
    try:
        return ctx.store.get_artifact(entity, project, name, f"v{int(index)}")
    except ValueError:
        return None


def draft_node(ctx: Context, value: Any) -> dict[str, Any] | None:
    """An uncommitted draft as wandb's ``Artifact`` (``state: PENDING``), or None."""
    entity, project, kind, rest = _parse_id(value)
    if kind != "c" or not _DRAFT.fullmatch(rest) or not _readable(ctx, entity, project):
        return None
    try:
        draft = json.loads(ctx.blobs.get(_draft_key(rest)))
    except FileNotFoundError:
        return None
    return {"__typename": "Artifact", "id": value, "state": "PENDING",
            "artifactType": {"name": draft.get("type")}, "versionIndex": None}  # fmt: skip


def _project_info(entity: str, project: str) -> dict[str, Any]:
    return {
        "__typename": "Project",
        "id": object_id("Project", project, entity),
        "internalId": str(project_number(entity, project)),
        "name": project,
        "entity": {"__typename": "Entity", "name": entity},
    }


def _collection_info(entity: str, project: str, name: str, kind: str) -> dict[str, Any]:
    typename = "ArtifactPortfolio" if kind == "portfolio" else "ArtifactSequence"
    return {
        "__typename": typename,
        "id": object_id("ArtifactCollection", entity, project, name),
        "name": name,
        "project": _project_info(entity, project),
    }


def _alias_nodes(record: ArtifactRecord) -> list[dict[str, Any]]:
    kind = "portfolio" if record.source is not None else "sequence"
    info = _collection_info(record.entity, record.project, record.name, kind)
    return [
        {
            "__typename": "ArtifactAlias",
            "id": object_id("ArtifactAlias", record.entity, record.project, record.name, alias),
            "alias": alias,
            "artifactCollection": info,
        }
        for alias in record.aliases
    ]


class Artifact:
    """A stored version as wandb's ``Artifact``."""

    typename = "Artifact"

    def __init__(self, ctx: Context, record: ArtifactRecord, gid: str | None = None) -> None:
        self.ctx = ctx
        self.record = record
        self.gid = gid or version_id(record)

    def gql_id(self, _args: dict[str, Any]) -> str:
        return self.gid

    def gql_versionIndex(self, _args: dict[str, Any]) -> int:
        return self.record.version_index

    def gql_artifactType(self, _args: dict[str, Any]) -> dict[str, Any]:
        r = self.record
        return {"__typename": "ArtifactType", "id": object_id("ArtifactType", r.type),
                "name": r.type}  # fmt: skip

    def gql_artifactSequence(self, _args: dict[str, Any]) -> dict[str, Any]:
        r = self.record
        # A linked version's sequence is the one it was logged in.
        entity, project, name, _ = r.source or (r.entity, r.project, r.name, "")
        info = _collection_info(entity, project, name, "sequence")
        newest = self.ctx.store.get_artifact(entity, project, name, _LATEST)
        info["latestArtifact"] = None if newest is None else {"id": version_id(newest)}
        return info

    def gql_artifactCollection(self, _args: dict[str, Any]) -> dict[str, Any]:
        r = self.record
        kind = "portfolio" if r.source is not None else "sequence"
        return _collection_info(r.entity, r.project, r.name, kind)

    def gql_description(self, _args: dict[str, Any]) -> str | None:
        return self.record.description

    def gql_metadata(self, _args: dict[str, Any]) -> str:
        return json.dumps(self.record.metadata)

    def gql_ttlDurationSeconds(self, _args: dict[str, Any]) -> int:
        return -1  # wandb's "no TTL"

    def gql_ttlIsInherited(self, _args: dict[str, Any]) -> bool:
        return False

    def gql_tags(self, _args: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    def gql_historyStep(self, _args: dict[str, Any]) -> None:
        return None

    def gql_state(self, _args: dict[str, Any]) -> str:
        return "COMMITTED"

    def gql_size(self, _args: dict[str, Any]) -> int:
        return self.record.size

    def gql_digest(self, _args: dict[str, Any]) -> str:
        return self.record.digest

    def gql_commitHash(self, _args: dict[str, Any]) -> str:
        return self.record.digest[:12]

    def gql_fileCount(self, _args: dict[str, Any]) -> int:
        return self.record.file_count

    def gql_createdAt(self, _args: dict[str, Any]) -> str | None:
        return iso(self.record.created_at)

    def gql_updatedAt(self, _args: dict[str, Any]) -> str | None:
        return iso(self.record.created_at)

    def gql_aliases(self, _args: dict[str, Any]) -> list[dict[str, Any]]:
        return _alias_nodes(self.record)

    def gql_currentManifest(self, _args: dict[str, Any]) -> dict[str, Any]:
        url = manifest_url(self.ctx, self.record)
        return {"__typename": "ArtifactManifest", "file": {"__typename": "File", "directUrl": url}}

    def gql_files(self, args: dict[str, Any]) -> dict[str, Any]:
        return _files(self.ctx, self.record, args)


def _files(ctx: Context, record: ArtifactRecord, args: dict[str, Any]) -> dict[str, Any]:
    from runyard.server.wandb.runs import connection, page_args

    listed = [f for f in ctx.store.artifact_files(record) if f.digest is not None]
    names = args.get("names")
    if isinstance(names, list) and names:
        wanted = {n for n in names if isinstance(n, str)}
        listed = [f for f in listed if f.path in wanted]
    offset, limit = page_args(args)
    page = listed[offset : offset + limit]
    nodes = [
        {
            "__typename": "File",
            "id": object_id("File", record.entity, record.project, str(f.digest)),
            "name": f.path,
            "directUrl": blob_url(ctx, str(f.digest)),
            "sizeBytes": f.size or 0,
            "digest": f.digest,
            "md5": (f.extra or {}).get("wandb_md5"),
            "mimetype": None,
            "storagePath": None,
            "url": None,
            "updatedAt": iso(record.created_at),
        }
        for f in page
    ]
    return connection(nodes, offset, len(listed))


def _find(ctx: Context, entity: str, project: str, name: Any) -> ArtifactRecord | None:
    """``coll:alias`` / ``coll:vN`` (``latest`` without a version) in the project."""
    if not isinstance(name, str) or not name:
        return None
    coll, sep, version = name.partition(":")
    try:
        return ctx.store.get_artifact(entity, project, coll, version if sep else _LATEST)
    except ValueError:
        return None


def find_artifact(ctx: Context, entity: str, project: str, name: Any) -> Artifact | None:
    """``project.artifact(name: "coll:alias")``."""
    record = _find(ctx, entity, project, name)
    return None if record is None else Artifact(ctx, record)


def membership(ctx: Context, entity: str, project: str, name: Any) -> dict[str, Any] | None:
    """``project.artifactCollectionMembership(name: "coll:alias")``."""
    record = _find(ctx, entity, project, name)
    if record is None:
        return None
    kind = "portfolio" if record.source is not None else "sequence"
    return {
        "__typename": "ArtifactCollectionMembership",
        "id": object_id("ArtifactCollectionMembership", entity, project, record.qualified_name),
        "versionIndex": record.version_index,
        "createdAt": iso(record.created_at),
        "aliases": _alias_nodes(record),
        "artifactCollection": _collection_info(entity, project, record.name, kind),
        "artifact": Artifact(ctx, record),
    }


class _Membership:
    typename = "ArtifactCollectionMembership"

    def __init__(self, ctx: Context, record: ArtifactRecord) -> None:
        self.ctx = ctx
        self.record = record

    def gql_files(self, args: dict[str, Any]) -> dict[str, Any]:
        return _files(self.ctx, self.record, args)

    def gql_artifact(self, _args: dict[str, Any]) -> Artifact:
        return Artifact(self.ctx, self.record)

    def gql_versionIndex(self, _args: dict[str, Any]) -> int:
        return self.record.version_index


class _Collection:
    """``project.artifactCollection(name)``: its memberships by alias or version."""

    def __init__(self, ctx: Context, entity: str, project: str, name: str, kind: str) -> None:
        self.ctx = ctx
        self.entity = entity
        self.project = project
        self.name = name
        self.typename = "ArtifactPortfolio" if kind == "portfolio" else "ArtifactSequence"

    def gql_id(self, _args: dict[str, Any]) -> str:
        return object_id("ArtifactCollection", self.entity, self.project, self.name)

    def gql_name(self, _args: dict[str, Any]) -> str:
        return self.name

    def gql_project(self, _args: dict[str, Any]) -> dict[str, Any]:
        return _project_info(self.entity, self.project)

    def gql_artifactMembership(self, args: dict[str, Any]) -> _Membership | None:
        alias = args.get("aliasName")
        record = _find(self.ctx, self.entity, self.project, f"{self.name}:{alias or _LATEST}")
        return None if record is None else _Membership(self.ctx, record)


def collection(ctx: Context, entity: str, project: str, name: Any) -> _Collection | None:
    if not isinstance(name, str) or not name:
        return None
    for found in ctx.store.list_artifact_collections(entity, project):
        if found.name == name:
            return _Collection(ctx, entity, project, name, found.kind)
    return None


def manifest_json(
    store: TrackingStore, blobs: BlobStore, entity: str, project: str, index: int, name: str
) -> dict[str, Any] | None:
    """wandb's manifest of a version (None when there is no such version).

    Entries keep the MD5 wandb sent; a version the Runyard SDK logged has none, so it is
    computed from the stored bytes (once per request).
    """
    try:
        record = store.get_artifact(entity, project, name, f"v{index}")
    except ValueError:
        return None
    if record is None:
        return None
    contents: dict[str, Any] = {}
    for f in store.artifact_files(record):
        extra = dict(f.extra or {})
        md5 = extra.pop("wandb_md5", None)
        if f.ref is not None:
            entry: dict[str, Any] = {"digest": f.checksum or "", "ref": f.ref}
        else:
            if not isinstance(md5, str):
                data = blobs.get(artifact_key(str(f.digest)))
                md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
            entry = {"digest": md5}
        if f.size is not None:
            entry["size"] = f.size
        if extra:
            entry["extra"] = extra
        contents[f.path] = entry
    return {
        "version": 1,
        "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": {"storageLayout": "V2"},
        "contents": contents,
    }
