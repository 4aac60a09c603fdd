"""Moving run files written under the old, non-injective blob keys to the new ones.

Before the injective spelling of :mod:`runyard.blobs.keys`, a run's prefix squashed
unsafe characters to ``_`` and stripped dots (:func:`~runyard.blobs.keys.legacy_run_prefix`),
so ``alice.`` and ``alice``, ``a b`` and ``a_b``, ``тест`` and ``эксперимент`` shared
files. :func:`upgrade_blob_keys` runs once per blob store, with every run the tracking
store knows, before anything reads run files (the server's first request, the public
API's first use of an embedded store), and leaves a marker so later calls cost one
``exists``. Design decisions:

- A legacy prefix claimed by **one** run moves to that run's new prefix (copy, then
  delete; a file already at the new key wins). Most runs need nothing: for names in
  ``a-z 0-9 _ -`` (with inner dots) the old and the new prefix are the same.
- A legacy prefix claimed by **several** runs held their files mixed, and nothing
  tells whose a file is. Privacy first: if one of them already lives there under the
  new scheme (``alice`` for ``alice.``), the files stay with that run; otherwise they
  stay where they are, shown to none of them. Either way the other runs do not see
  them, and the report (printed as a warning) names the prefix and the runs, so an
  operator can move files by hand.
- Moving is idempotent and safe to run from several server replicas at once: a file
  that vanished meanwhile was moved by another.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from runyard.blobs.base import BlobStore
from runyard.blobs.keys import legacy_run_prefix, run_prefix
from runyard.entities import RunRef

__all__ = ["MARKER", "KeyUpgrade", "upgrade_blob_keys", "upgrade_store_keys"]

#: Written when a store's files are under the injective keys (no run prefix starts
#: with a dot, so it is nobody's file).
MARKER = ".runyard/blob-keys"
_VERSION = b"2\n"

_lock = threading.Lock()
_done: weakref.WeakSet[BlobStore] = weakref.WeakSet()


@dataclass
class KeyUpgrade:
    """What :func:`upgrade_blob_keys` did."""

    moved_files: int = 0
    moved_runs: list[RunRef] = field(default_factory=list)
    #: Legacy prefixes several runs shared: ``(prefix, owner or None, the runs)``.
    shared: list[tuple[str, RunRef | None, list[RunRef]]] = field(default_factory=list)

    def warnings(self) -> list[str]:
        lines = []
        for prefix, owner, refs in self.shared:
            names = ", ".join(ref.path for ref in refs)
            where = (
                f"they stay with run {owner.path}"
                if owner is not None
                else f"they stay under {prefix!r}, shown to none of them"
            )
            lines.append(
                f"runs {names} shared the file area {prefix!r} before Runyard's blob keys "
                f"became injective; their files cannot be told apart, so {where}"
            )
        return lines


def _move(blobs: BlobStore, old: str, new: str) -> int:
    moved = 0
    for key, _size in blobs.list(old):
        target = new + key[len(old) :]
        try:
            if not blobs.exists(target):
                blobs.put(target, blobs.get(key))
            blobs.delete(key)
        except FileNotFoundError:
            continue  # moved by another process meanwhile
        moved += 1
    return moved


def upgrade_blob_keys(
    blobs: BlobStore,
    runs: Callable[[], Iterable[RunRef]],
    warn: Callable[[str], None] | None = None,
) -> KeyUpgrade | None:
    """Move legacy-keyed run files of ``blobs`` once; ``None`` when already done.

    ``runs`` lists every run of the tracking store (called only when work may be
    needed); ``warn`` receives one line per shared legacy prefix.
    """
    with _lock:
        if blobs in _done:
            return None
    if blobs.exists(MARKER):
        with _lock:
            _done.add(blobs)
        return None
    report = KeyUpgrade()
    groups: dict[str, list[RunRef]] = {}
    for ref in runs():
        groups.setdefault(legacy_run_prefix(ref), []).append(ref)
    for old, refs in sorted(groups.items()):
        if len(refs) == 1:
            new = run_prefix(refs[0])
            if new != old:
                count = _move(blobs, old, new)
                if count:
                    report.moved_files += count
                    report.moved_runs.append(refs[0])
            continue
        if not blobs.list(old):
            continue
        owners = [ref for ref in refs if run_prefix(ref) == old]
        others = [ref for ref in refs if ref not in owners]
        if all(blobs.list(run_prefix(ref)) for ref in others):
            continue  # each has files of its own: written under the new keys, nothing lost
        report.shared.append((old, owners[0] if owners else None, sorted(refs)))
    try:
        blobs.put(MARKER, _VERSION)
    except OSError:  # a read-only store: reading it must still work; retried next time
        pass
    else:
        with _lock:
            _done.add(blobs)
    if warn is not None:
        for line in report.warnings():
            warn(line)
    return report


class _Runs(Protocol):
    def list_projects(self, entity: str | None = None) -> list[tuple[str, str]]: ...

    def list_runs(self, entity: str, project: str) -> list[Any]: ...


def upgrade_store_keys(blobs: BlobStore, store: _Runs) -> KeyUpgrade | None:
    """:func:`upgrade_blob_keys` with every run of the tracking store ``store``,
    warning on the terminal (``termwarn``) about shared legacy prefixes."""
    from runyard.printer import termwarn

    def runs() -> Iterable[RunRef]:
        for entity, project in store.list_projects():
            for record in store.list_runs(entity, project):
                yield record.ref

    return upgrade_blob_keys(blobs, runs, warn=termwarn)
