"""The commit step of a logged artifact: hash its staged files, upload the blobs the
store lacks, fill every digest in — before the batch carrying it is written.

The fold turns ``Rec.ARTIFACT``/``USE_ARTIFACT``/``LINK_ARTIFACT`` records into the
store's :class:`~runyard.store.base.ArtifactCommit`, ``ArtifactUse`` and
``ArtifactLink`` (:func:`commit_from_record` and friends: no I/O). The writer thread
calls :func:`prepare` on each batch right after uploading the run's spooled files
(see :mod:`runyard.journal.spool`), and replay/``runyard sync`` do the same from the
journal and its spool after a kill: a stored version never names a blob that is not
stored. Blobs are content-addressed (``artifacts/sha256/<hex[:2]>/<hex>``), so
uploading one twice (a crash between the upload and the batch) writes the same bytes
under the same key, and the store makes a version once per ``client_id``: nothing is
duplicated.

A commit's staged files (``local`` paths in the record) ride on the commit as a
private attribute (:data:`STAGING`) until :func:`prepare` has stored their contents,
which then removes it: the commit goes to the store as the store's type. A retry
after a failed upload resumes where it stopped: digests already computed are kept.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from runyard.artifacts.digests import CHUNK, blob_key, sha256_file
from runyard.entities import RunRef
from runyard.journal.spool import refused
from runyard.printer import warn_once
from runyard.store.base import ArtifactCommit, ArtifactFile, ArtifactLink, ArtifactUse

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore
    from runyard.store.base import TrackingStore

__all__ = [
    "DROPPED",
    "STAGING",
    "STAGING_DIR",
    "ArtifactBlobs",
    "Staged",
    "adopt",
    "blob_target",
    "commit_from_record",
    "discard_staged",
    "link_from_record",
    "prepare",
    "staged_paths",
    "use_from_record",
]

#: Files hashed and uploaded at a time (a server answers each in a round trip or two).
UPLOAD_WORKERS = 8
#: The attribute of an ArtifactCommit holding its staged files (see the module doc).
STAGING = "_runyard_staged"
#: The attribute of an ArtifactCommit naming the staging folder its staged files are
#: in until moved into the run's spool (the record's ``staging``; see :func:`adopt`).
STAGING_DIR = "_runyard_staging_dir"
#: The attribute of a batch naming the commits :func:`prepare` dropped, ``{client_id:
#: why}`` (so ``artifact.wait()`` ends with the reason instead of a timeout).
DROPPED = "_runyard_dropped_artifacts"


@dataclass
class Staged:
    """Where the bytes of entry ``index`` of a commit wait: ``local`` (relative to the
    spool, or absolute), the ``(size, mtime_ns)`` its original had when added (for a
    file read where it is: immutable), and whether the file is ours to remove."""

    index: int
    local: str
    stat: tuple[int, int] | None
    ours: bool


# -- records -> the store's types ---------------------------------------------------
def commit_from_record(rec: dict[str, Any]) -> ArtifactCommit:
    """The ``ArtifactCommit`` of a ``Rec.ARTIFACT`` payload (staged files attached)."""
    entries: list[ArtifactFile] = []
    staged: list[Staged] = []
    for i, item in enumerate(rec.get("entries") or ()):
        ref = item.get("ref")
        entries.append(
            ArtifactFile(
                path=str(item["path"]),
                digest=None if ref else item.get("digest"),
                size=item.get("size"),
                ref=ref,
                checksum=item.get("digest") if ref else None,
                extra=dict(item.get("extra") or {}) or None,
            )
        )
        local = item.get("local")
        if not ref and isinstance(local, str):
            stat = item.get("stat")
            ours = not os.path.isabs(local) or bool(item.get("staged"))
            staged.append(Staged(i, local, (int(stat[0]), int(stat[1])) if stat else None, ours))
    commit = ArtifactCommit(
        client_id=str(rec["client_id"]),
        name=str(rec["name"]),
        type=str(rec["type"]),
        entries=entries,
        description=rec.get("description"),
        metadata=dict(rec.get("metadata") or {}),
        aliases=list(rec.get("aliases") or []),
    )
    setattr(commit, STAGING, staged)
    if isinstance(rec.get("staging"), str):
        # (also with no staged entry left, e.g. all removed: the folder goes with the spool)
        setattr(commit, STAGING_DIR, rec["staging"])
    return commit


def use_from_record(rec: dict[str, Any]) -> ArtifactUse:
    """The ``ArtifactUse`` of a ``Rec.USE_ARTIFACT`` payload."""
    if rec.get("client_id"):
        return ArtifactUse(client_id=str(rec["client_id"]))
    return ArtifactUse(
        entity=str(rec["entity"]),
        project=str(rec["project"]),
        name=str(rec["name"]),
        version=str(rec.get("version") or "latest"),
        type=rec.get("type"),
    )


def link_from_record(rec: dict[str, Any]) -> ArtifactLink:
    """The ``ArtifactLink`` of a ``Rec.LINK_ARTIFACT`` payload."""
    target = rec["target"]
    source = rec.get("source")
    return ArtifactLink(
        target=f"{target['entity']}/{target['project']}/{target['name']}",
        aliases=list(rec.get("aliases") or []),
        client_id=rec.get("client_id"),
        source=(
            f"{source['entity']}/{source['project']}/{source['name']}:{source['version']}"
            if source
            else None
        ),
    )


def _staging(commit: Any) -> list[Staged]:
    staged: list[Staged] = getattr(commit, STAGING, None) or []
    return staged


def _path(staged: Staged, spool: Path) -> Path:
    path = Path(staged.local)
    return path if path.is_absolute() else spool / path


def adopt(commit: Any, spool: Path) -> None:
    """Move the commit's staging folder into the run's spool, where its record names
    its files (``artifacts/<client id>/…``; ``log_artifact`` leaves the ``rename`` to
    the writer thread). Already there (moved before a kill, or a journal copied with
    its spool), nothing to do; on another file system the files are read where they
    are. Idempotent: the writer and a replay both call it before using the paths."""
    staging = getattr(commit, STAGING_DIR, None)
    if staging is None:
        return
    delattr(commit, STAGING_DIR)
    from runyard.journal.staging import SPOOL_SUBDIR, move_to_spool

    prefix = f"{SPOOL_SUBDIR}/{commit.client_id}/"
    if (spool / prefix).is_dir() or not os.path.isdir(staging):
        return  # in the spool, or lost (prepare drops the commit with a warning)
    if move_to_spool(Path(staging), spool, commit.client_id) is not None:
        return
    for staged in _staging(commit):
        if staged.local.startswith(prefix):
            staged.local = os.path.join(staging, staged.local[len(prefix) :])


def staged_paths(commits: list[Any], spool: Path) -> list[Path]:
    """The staged files (ours, not the user's) of these commits, each staging folder
    moved into the spool first (:func:`adopt`)."""
    for commit in commits:
        adopt(commit, spool)
    return [_path(s, spool) for c in commits for s in _staging(c) if s.ours]


def discard_staged(paths: list[Path]) -> None:
    """Remove staged files whose batch is stored (best effort: a leftover is harmless)."""
    from runyard.journal.staging import remove_staged

    remove_staged(paths)


# -- where blobs go ----------------------------------------------------------------------
class ArtifactBlobs(Protocol):
    """Where the content of a project's artifact files goes (by SHA-256)."""

    def held(self, digests: list[str]) -> set[str]: ...

    def put_file(self, sha256: str, path: Path, size: int, own: bool = False) -> None:
        """Store the file ``path`` as the content ``sha256``; ``own``: the file is a
        staged copy of the artifact's own, which nobody writes (it may become the blob)."""
        ...


class _KeyedBlobs:
    """A plain :class:`~runyard.blobs.base.BlobStore` (local directory, S3) beside a
    store that records which blobs each project holds (for ``runyard gc``)."""

    def __init__(self, blobs: BlobStore, store: TrackingStore, ref: RunRef) -> None:
        self.blobs = blobs
        self.store = store
        self.ref = ref

    def held(self, digests: list[str]) -> set[str]:
        held = self.store.artifact_blobs_held(self.ref.entity, self.ref.project, digests, True)
        return {d for d in held if self.blobs.exists(blob_key(d))}

    def put_file(self, sha256: str, path: Path, size: int, own: bool = False) -> None:
        key = blob_key(sha256)
        local = getattr(self.blobs, "path", None)
        if callable(local):  # a local directory
            target = Path(local(key))
            linked = _link_into(path, target) if own else None
            # else stream it in, checking the content (an immutable file may change)
            wrote = _copy_checked(path, target, sha256) if linked is None else linked
        else:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256:
                raise _Changed(path)
            self.blobs.put(key, data)
            wrote = True
        if not wrote:
            # Content that was there already (another project's, or a killed upload's):
            # its modification time may be old, so the store's record of this project
            # holding it is what keeps `runyard gc` off it until the commit. A blob
            # written now is kept by its own modification time (a thousand small files
            # are not a thousand transactions); the commit records it.
            self.store.record_artifact_blob(self.ref.entity, self.ref.project, sha256, size)


class _ServerBlobs:
    """A Runyard server: :class:`~runyard.store.rest.artifact_blobs.HttpArtifactBlobs`
    (the project's ``artifact-blobs`` routes; large files in parts, verified)."""

    def __init__(self, blobs: Any, ref: RunRef) -> None:
        self.blobs = blobs
        self.ref = ref

    def held(self, digests: list[str]) -> set[str]:
        held: set[str] = self.blobs.held(self.ref.entity, self.ref.project, digests)
        return held

    def put_file(self, sha256: str, path: Path, size: int, own: bool = False) -> None:
        try:
            self.blobs.upload(self.ref.entity, self.ref.project, sha256, path)
        except ValueError as exc:  # the server found another SHA-256: changed meanwhile
            raise _Changed(path) from exc


def blob_target(blobs: BlobStore, store: TrackingStore, ref: RunRef) -> ArtifactBlobs:
    """The artifact blobs of ``ref``'s project: through the server when ``store`` is
    one, else in ``blobs`` with ``store`` keeping count (for ``runyard gc``)."""
    if store.uri.startswith(("http://", "https://")):
        from runyard.blobs.artifacts import open_artifact_blobs

        return _ServerBlobs(open_artifact_blobs(blobs, store), ref)
    return _KeyedBlobs(blobs, store, ref)


class _Changed(OSError):
    """A staged file's content changed between hashing and upload (an immutable
    original rewritten in place): hashed again."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the file {path} changed while it was uploaded")


def _link_into(source: Path, target: Path) -> bool | None:
    """Make the staged copy ``source`` the blob ``target`` with a hard link (no second
    copy of a 200 MB checkpoint: the staged name goes once the batch is stored);
    False when ``target`` was there already, None when no link can be made (another
    file system: copy instead)."""
    if target.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP):
            return None
        raise
    os.utime(target)  # `runyard gc` keeps it for its grace period from now, to the commit
    return True


def _copy_checked(source: Path, target: Path, sha256: str) -> bool:
    """Copy ``source`` to ``target`` atomically, checking its SHA-256 on the way;
    False when ``target`` was there already (content-addressed: the same bytes)."""
    if target.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    sha = hashlib.sha256()
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                sha.update(chunk)
                out.write(chunk)
        if sha.hexdigest() != sha256:
            raise _Changed(source)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# -- the step ----------------------------------------------------------------------------
def _map(fn: Callable[[Any], Any], items: list[Any], workers: int) -> list[Any]:
    if len(items) > 1 and workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        try:
            with ThreadPoolExecutor(min(workers, len(items)), "runyard-artifact") as pool:
                return list(pool.map(fn, items))
        except RuntimeError:  # at interpreter exit: no new threads
            pass
    return [fn(item) for item in items]


def prepare(
    batch: Any,
    spool: Path,
    target: ArtifactBlobs | Callable[[], ArtifactBlobs],
    workers: int = UPLOAD_WORKERS,
) -> None:
    """Hash and upload the staged files of ``batch.artifacts``; fill in every digest.

    A commit whose staged file is gone (a lost disk) is dropped with a warning,
    with the uses and links of the batch that name it; the rest of the batch is
    written. Errors of the blob store (network, server down) propagate once every
    file was tried: the caller retries the batch later, and this resumes.
    """
    commits: list[ArtifactCommit] = list(getattr(batch, "artifacts", None) or [])
    for commit in commits:
        adopt(commit, spool)
    todo = [(c, s) for c in commits for s in _staging(c) if c.entries[s.index].digest is None]
    lost: set[str] = set()

    def digest(item: tuple[ArtifactCommit, Staged]) -> BaseException | None:
        commit, staged = item
        try:
            _hash(commit, staged, _path(staged, spool))
        except FileNotFoundError:
            lost.add(commit.client_id)
        except Exception as exc:
            return exc
        return None

    errors = [e for e in _map(digest, todo, workers) if e is not None]
    if errors:
        raise errors[0]
    refusals: dict[str, str] = {}
    pending = [(c, s) for c in commits if c.client_id not in lost for s in _staging(c)]
    if pending:
        blobs = target() if callable(target) else target
        wanted = sorted({str(c.entries[s.index].digest) for c, s in pending})
        held = blobs.held(wanted)
        first: dict[str, tuple[ArtifactCommit, Staged]] = {}
        for commit, staged in pending:
            first.setdefault(str(commit.entries[staged.index].digest), (commit, staged))
        uploads = [item for sha, item in first.items() if sha not in held]

        def send(item: tuple[ArtifactCommit, Staged]) -> BaseException | None:
            commit, staged = item
            entry = commit.entries[staged.index]
            try:
                blobs.put_file(
                    str(entry.digest),
                    _path(staged, spool),
                    int(entry.size or 0),
                    own=staged.ours and staged.stat is None,
                )
            except FileNotFoundError:
                lost.add(commit.client_id)
            except _Changed:
                entry.digest = None  # rewritten in place meanwhile: hashed again next try
                return OSError(f"the file {entry.path!r} of artifact {commit.name!r} changed")
            except Exception as exc:
                if not refused(exc):
                    return exc
                # Refused for good (over the server's limit): sending it again would be
                # refused again, and hold back every batch after it (as journal/spool.py).
                refusals.setdefault(commit.client_id, f"{entry.path!r}: {exc}")
            return None

        errors = [e for e in _map(send, uploads, workers) if e is not None]
        if errors:
            raise errors[0]
        for commit, staged in pending:  # a commit sharing refused content goes too
            sha = str(commit.entries[staged.index].digest)
            owner = first[sha][0].client_id
            if sha not in held and owner in refusals:
                refusals.setdefault(commit.client_id, refusals[owner])
    for commit in commits:
        for attr in (STAGING, STAGING_DIR):
            if hasattr(commit, attr):
                delattr(commit, attr)  # done: the commit goes to the store as it is
    for commit in commits:
        if commit.client_id in refusals and commit.client_id not in lost:
            lost.add(commit.client_id)
            warn_once(
                f"artifact-refused-{commit.client_id}",
                f"the blob store refused the content of artifact {commit.name!r} "
                f"({refusals[commit.client_id]}); that artifact is not stored, the rest "
                "of the run is",
            )
    if lost:
        for commit in commits:
            if commit.client_id in lost and commit.client_id not in refusals:
                warn_once(
                    f"artifact-lost-{commit.client_id}",
                    f"a staged file of artifact {commit.name!r} is missing from {spool}; that "
                    "artifact is not stored (the rest of the run is)",
                )
        setattr(
            batch,
            DROPPED,
            {
                cid: f"the blob store refused its content ({refusals[cid]})"
                if cid in refusals
                else f"a staged file is missing from {spool}"
                for cid in lost
            },
        )
        batch.artifacts = [c for c in commits if c.client_id not in lost]
        batch.artifact_uses = [u for u in batch.artifact_uses if u.client_id not in lost]
        batch.artifact_links = [k for k in batch.artifact_links if k.client_id not in lost]


def _hash(commit: ArtifactCommit, staged: Staged, path: Path) -> None:
    entry = commit.entries[staged.index]
    before = os.stat(path)
    entry.digest, entry.size = sha256_file(path)
    if staged.stat is not None and [before.st_size, before.st_mtime_ns] != list(staged.stat):
        warn_once(
            f"artifact-changed-{path}",
            f"the file {entry.path!r} of artifact {commit.name!r} was changed in place after "
            "it was added; the artifact stores its content as found now (write each "
            "checkpoint to a new file, or add it with a copy, to keep each version's own)",
        )
