"""`LocalBlobStore`: blobs as files under a directory (``file://`` URIs)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from runyard.blobs.base import BlobStore, validate_key

__all__ = ["LocalBlobStore"]


class LocalBlobStore(BlobStore):
    """Files under ``root``; writes go through a temp file and ``os.replace``."""

    concurrent_puts = False

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.uri = f"file://{self.root}"

    def path(self, key: str) -> Path:
        """The local file that holds ``key`` (it may not exist yet)."""
        return self.root / validate_key(key)

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[tuple[str, int]]:
        base = self.root / validate_key(prefix)
        if not base.is_dir():
            return []
        return sorted(
            (p.relative_to(self.root).as_posix(), p.stat().st_size)
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    def size(self, key: str) -> int:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no blob {key!r} in {self.uri}")
        return path.stat().st_size

    def modified(self, key: str) -> float | None:
        try:
            return self.path(key).stat().st_mtime
        except (IsADirectoryError, NotADirectoryError):
            raise FileNotFoundError(f"no blob {key!r} in {self.uri}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()
