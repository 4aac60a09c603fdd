"""``runyard gc``: reclaim blob-store space no version or run needs any more.

What goes:

- artifact contents (``artifacts/sha256/…``) that no artifact version names — left
  behind by deleted versions, or uploaded by a process killed before its commit;
- parts of unfinished uploads (``artifacts/staging/…``);
- with ``--runs``, the files of runs that no longer exist (a run deleted while its
  files could not be removed).

In-flight uploads are safe: a blob is kept when any of these is recent, within the
grace period (``--grace-hours``, 24 by default): the blob's own modification time
(an upload being written or just finished), or the store's record of the project
holding it (``artifact_blobs.seen_at``, set by the upload, by a "held" answer to a
client about to commit, and by the commit itself). A commit naming a blob therefore
lands within the grace period of the moment its client last learned the blob was
there, or it re-uploads.

A dry run by default: it lists what would go and how many bytes; ``--delete`` deletes.
Runs on the machine holding the SQL store and the blob store (the server's, for a
team), not through a server.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from runyard.blobs.artifacts import ARTIFACT_PREFIX
from runyard.blobs.base import BlobStore
from runyard.store.base import TrackingStore

__all__ = ["GRACE_HOURS", "Garbage", "collect", "gc"]

#: Blobs written or announced this recently are never deleted.
GRACE_HOURS = 24.0
STAGING = "artifacts/staging"
_BATCH = 1000


@dataclass
class Garbage:
    """What a collection found (and, unless a dry run, deleted): ``(key, size)``."""

    contents: list[tuple[str, int]] = field(default_factory=list)
    staging: list[tuple[str, int]] = field(default_factory=list)
    run_files: list[tuple[str, int]] = field(default_factory=list)
    kept_recent: int = 0

    @property
    def keys(self) -> list[tuple[str, int]]:
        return self.contents + self.staging + self.run_files

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.keys)


def _old(blobs: BlobStore, key: str, since: float) -> bool:
    """Whether the blob was last written before ``since`` (unknown: not old)."""
    try:
        when = blobs.modified(key)
    except FileNotFoundError:
        return False
    return when is not None and when < since


def collect(
    store: TrackingStore,
    blobs: BlobStore,
    *,
    grace_hours: float = GRACE_HOURS,
    delete: bool = False,
    runs: bool = False,
    clock: Callable[[], float] = time.time,
) -> Garbage:
    """Find (and with ``delete``, remove) what no version or run needs."""
    since = clock() - grace_hours * 3600.0
    found = Garbage()
    listed = blobs.list(ARTIFACT_PREFIX)
    for start in range(0, len(listed), _BATCH):
        page = listed[start : start + _BATCH]
        digests = {key.rsplit("/", 1)[1]: (key, size) for key, size in page}
        keep = store.artifact_blobs_to_keep(sorted(digests), since)
        for digest, (key, size) in digests.items():
            if digest in keep:
                continue
            if _old(blobs, key, since):
                found.contents.append((key, size))
            else:
                found.kept_recent += 1
    found.staging = [(k, s) for k, s in blobs.list(STAGING) if _old(blobs, k, since)]
    if runs:
        found.run_files = _orphan_run_files(store, blobs, since)
    if delete:
        for key, _size in found.keys:
            blobs.delete(key)
    return found


def _orphan_run_files(
    store: TrackingStore, blobs: BlobStore, since: float
) -> list[tuple[str, int]]:
    """Files under a run prefix of a known project whose run is gone."""
    from runyard.blobs.keys import escape_name, split_run_key
    from runyard.entities import RunRef

    out: list[tuple[str, int]] = []
    for entity, project in store.list_projects():
        prefix = f"{escape_name(entity)}/{escape_name(project)}"
        alive: dict[str, bool] = {}
        for key, size in blobs.list(prefix):
            try:
                ref, _name = split_run_key(key)
            except ValueError:
                continue
            if ref.run_id not in alive:
                alive[ref.run_id] = store.get_run(RunRef(entity, project, ref.run_id)) is not None
            if not alive[ref.run_id] and _old(blobs, key, since):
                out.append((key, size))
    return out


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def gc(
    store_uri: str | None,
    blobs_uri: str | None,
    *,
    grace_hours: float = GRACE_HOURS,
    delete: bool = False,
    runs: bool = False,
    verbose: bool = False,
) -> int:
    """The command: report (and with ``delete``, remove); exit status 0, or 1 on errors."""
    from runyard.blobs.registry import open_blobs
    from runyard.settings import Settings
    from runyard.store.registry import open_store

    settings = Settings.from_env()
    store_uri = store_uri or settings.local_store_uri
    if store_uri.startswith(("http://", "https://")):
        print(
            "runyard gc: run it where the server's SQL store and blob store are "
            "(--store postgresql://… --blobs s3://…), not through a server",
            file=sys.stderr,
        )
        return 1
    if grace_hours < 0:
        print(f"runyard gc: --grace-hours must be 0 or more, got {grace_hours}", file=sys.stderr)
        return 1
    store = open_store(store_uri)
    blobs = open_blobs(blobs_uri or settings.blobs_uri)
    try:
        found = collect(store, blobs, grace_hours=grace_hours, delete=delete, runs=runs)
    finally:
        blobs.close()
        store.close()
    verb = "deleted" if delete else "would delete"
    if verbose:
        for key, size in found.keys:
            print(f"  {key} ({_size(size)})")
    print(
        f"runyard gc: {verb} {len(found.contents)} unused artifact file(s), "
        f"{len(found.staging)} stale upload part(s)"
        + (f", {len(found.run_files)} file(s) of deleted runs" if runs else "")
        + f": {_size(found.bytes)}; kept {found.kept_recent} unused file(s) younger than "
        f"{grace_hours:g} h (uploads in flight)"
    )
    if not delete and found.keys:
        print("runyard gc: this was a dry run; run again with --delete to delete them")
    return 0
