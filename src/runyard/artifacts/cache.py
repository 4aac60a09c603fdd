"""`ArtifactCache`: artifact files fetched once per machine, by content.

Downloads of a version's files from a server or a bucket land here first, under
their SHA-256 (``<runyard dir>/artifacts/cache/sha256/<hex[:2]>/<hex>``), checked
against that digest; every later download of the same content (another version,
another run, another root) copies it from here instead of fetching it again. The
cache is read-only for everyone but this module: files are written to a temporary
name and renamed, so a reader never sees a half-written file and two processes
filling the same entry both end up with the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from runyard.artifacts.digests import CHUNK

__all__ = ["ArtifactCache", "DigestMismatch", "copy_out"]


class DigestMismatch(OSError):
    """Fetched bytes do not have the SHA-256 the manifest names (nothing is kept)."""


class ArtifactCache:
    """Files by SHA-256 under ``root``.

    Example:
        >>> cache = ArtifactCache("/tmp/ry-cache")  # doctest: +SKIP
        >>> path = cache.fetch(sha, lambda out: out.write(data))  # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def get(self, sha256: str) -> Path | None:
        """The cached file of ``sha256``, or None."""
        path = self.path(sha256)
        return path if path.is_file() else None

    def fetch(self, sha256: str, write: Callable[[BinaryIO], None]) -> Path:
        """The cached file of ``sha256``, filled by ``write(file)`` when missing.

        Raises:
            DigestMismatch: what ``write`` wrote has another SHA-256.
        """
        path = self.path(sha256)
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w+b") as out:
                write(out)
                out.flush()
                out.seek(0)
                sha = hashlib.sha256()
                while chunk := out.read(CHUNK):
                    sha.update(chunk)
            if sha.hexdigest() != sha256:
                raise DigestMismatch(
                    f"the bytes fetched for {sha256} have SHA-256 {sha.hexdigest()}: not kept"
                )
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return path


def copy_out(source: Path, target: Path) -> None:
    """Copy a cached (or stored) file to ``target`` atomically: the user may edit the
    copy without touching the cache."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
