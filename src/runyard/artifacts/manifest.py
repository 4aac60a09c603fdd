"""`Manifest` and `ManifestEntry`: the files of an artifact version, as wandb's.

An entry names one file of the artifact (``path``, relative, ``/``-separated) and
either its content (``digest``: SHA-256 hex, the blob it is stored as) or a
reference (``ref``: an ``s3://``, ``file://``, ``http(s)://`` URI, with the
checksum it had as ``digest``). While an artifact is being built, an entry of a
local file may have no digest yet: hashing is the writer thread's job (see
:mod:`runyard.journal.artifacts`), and :meth:`ManifestEntry.ensure_digest` does it
on demand when the script asks for a digest before that.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runyard.artifacts.digests import sha256_file

if TYPE_CHECKING:
    from runyard.artifacts.artifact import Artifact

__all__ = ["Manifest", "ManifestEntry", "check_entry_path"]


def check_entry_path(name: str | os.PathLike[str]) -> str:
    """An entry path as stored: ``/``-separated, relative, without ``.``/``..`` parts.

    Raises:
        ValueError: an empty or absolute path, or one leaving the artifact's root.
    """
    text = os.fspath(name).replace(os.sep, "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or text.startswith("/") or ".." in parts:
        raise ValueError(
            f"invalid artifact path {os.fspath(name)!r}: expected a relative path inside "
            "the artifact, such as 'data/train.csv'"
        )
    return "/".join(parts)


@dataclass
class ManifestEntry:
    """One file of an artifact (wandb's ``ArtifactManifestEntry``).

    Attributes:
        path: the file's path inside the artifact.
        digest: SHA-256 hex of a file's bytes; a reference's checksum (or its URI
            when added with ``checksum=False``); None until hashed.
        size: bytes, when known.
        ref: the referenced URI, for references (their bytes are not stored).
        extra: backend details of a reference (S3 ``etag``, ``versionID``).
        local_path: the local file holding the bytes while the artifact is built or
            after download.
        skip_cache: accepted for wandb compatibility.
    """

    path: str
    digest: str | None = None
    size: int | None = None
    ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    local_path: str | None = None
    skip_cache: bool = False
    #: ``(size, mtime_ns)`` of the file when it was added (mutable policy: a later
    #: change of the file in place is noticed and reported by the writer).
    stat: tuple[int, int] | None = None
    #: The artifact this entry belongs to (downloads go through it).
    _artifact: Artifact | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path

    def ensure_digest(self) -> str:
        """The digest, hashing the local file first if nobody has yet."""
        if self.digest is None:
            if self.local_path is None:
                raise ValueError(f"artifact entry {self.path!r} has neither a digest nor a file")
            local = self.local_path
            if self._artifact is not None:
                local = self._artifact._local_file(self) or local
            self.digest, self.size = sha256_file(local)
        return self.digest

    def ref_target(self) -> str:
        """The URI a reference entry points to (wandb's ``ref_target``).

        Raises:
            ValueError: the entry is a file, not a reference.
        """
        if self.ref is None:
            raise ValueError("Only reference entries support ref_target().")
        return self.ref

    def download(self, root: str | None = None, skip_cache: bool | None = None) -> str:
        """Fetch this file into ``root`` (default: the artifact's download directory);
        returns the local path."""
        if self._artifact is None:
            raise ValueError(f"artifact entry {self.path!r} belongs to no artifact")
        return self._artifact._download_entry(self, root)

    def to_json(self) -> dict[str, Any]:
        """The entry as a manifest's ``contents`` value (wandb's layout)."""
        out: dict[str, Any] = {"digest": self.digest, "size": self.size}
        if self.ref is not None:
            out["ref"] = self.ref
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


class Manifest:
    """The entries of an artifact, by path (wandb's ``ArtifactManifest``)."""

    def __init__(self) -> None:
        self.entries: dict[str, ManifestEntry] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ManifestEntry]:
        return iter(self.entries.values())

    def add_entry(self, entry: ManifestEntry, overwrite: bool = False) -> None:
        """Add ``entry``; a path already holding different content needs ``overwrite``.

        Raises:
            ValueError: the path is taken by another file (wandb's message).
        """
        old = self.entries.get(entry.path)
        if old is not None and not overwrite and not _same(old, entry):
            raise ValueError(f"Cannot add the same path twice: {entry.path!r}")
        self.entries[entry.path] = entry

    def remove_entry(self, entry: ManifestEntry) -> None:
        if entry.path not in self.entries:
            raise FileNotFoundError(f"Cannot remove missing entry {entry.path!r}")
        del self.entries[entry.path]

    def get_entry_by_path(self, path: str) -> ManifestEntry | None:
        return self.entries.get(path)

    def digest(self) -> str:
        """The version digest the store gives these entries (wandb's rule: equal
        contents, equal digests); hashes entries that have no digest yet."""
        from runyard.store.base import ArtifactFile, manifest_digest

        return manifest_digest(
            ArtifactFile(e.path, None, e.size, e.ref, e.digest)
            if e.ref is not None
            else ArtifactFile(e.path, e.ensure_digest(), e.size)
            for e in self.entries.values()
        )

    @property
    def size(self) -> int:
        return sum(e.size or 0 for e in self.entries.values())

    def to_manifest_json(self) -> dict[str, Any]:
        """wandb's ``wandb_manifest.json`` document."""
        return {
            "version": 1,
            "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {},
            "contents": {p: self.entries[p].to_json() for p in sorted(self.entries)},
        }


def _same(a: ManifestEntry, b: ManifestEntry) -> bool:
    """Two entries for one path hold the same content (adding it again is harmless)."""
    if a.ref is not None or b.ref is not None:
        return a.ref == b.ref and a.digest == b.digest
    if a.digest is not None and b.digest is not None:
        return a.digest == b.digest
    if a.local_path is not None and a.local_path == b.local_path:
        return True
    return a.ensure_digest() == b.ensure_digest()
