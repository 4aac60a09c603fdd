"""`BlobStore`: where media, tensors, tables and run files live.

One required primitive pair, ``put``/``get``; the rest are conveniences built on them
that backends may override when they can do better (a local path, a presigned URL).
Keys are ``/``-separated relative names such as ``ent/proj/run/tensors/w.npy``.

Optional capabilities have defaults that say "not supported" rather than raising:
``presigned_put``/``presigned_get`` return ``None`` for stores that cannot hand out
URLs (the local store), and callers fall back to moving the bytes themselves. This
keeps the one interface for every backend while letting the server send large
uploads straight to an object store.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod

__all__ = ["BlobStore", "validate_key"]


def validate_key(key: str) -> str:
    """Reject keys that could escape the store's root."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid blob key {key!r}")
    return key


class BlobStore(ABC):
    """Byte storage addressed by key."""

    uri: str
    #: Whether puts are worth making in parallel (each waits on a network round trip);
    #: a local directory's are a write each, faster one after another than a pool.
    concurrent_puts: bool = True

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing what was there, atomically."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Return the bytes under ``key``; ``FileNotFoundError`` when absent."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; absent keys are ignored."""

    @abstractmethod
    def list(self, prefix: str) -> list[tuple[str, int]]:
        """``(key, size)`` of every blob under ``prefix/``, sorted by key."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every blob under ``prefix/``; returns how many."""
        keys = [key for key, _ in self.list(prefix)]
        for key in keys:
            self.delete(key)
        return len(keys)

    def size(self, key: str) -> int:
        """The size in bytes of the blob under ``key``; ``FileNotFoundError`` when absent."""
        return len(self.get(key))

    def modified(self, key: str) -> float | None:
        """When the blob was last written (epoch seconds), or ``None`` when the store
        cannot tell (``runyard gc`` then never deletes it); ``FileNotFoundError``
        when absent."""
        self.size(key)
        return None

    def exists(self, key: str) -> bool:
        try:
            self.get(key)
        except FileNotFoundError:
            return False
        return True

    def put_content_addressed(self, prefix: str, data: bytes, suffix: str = "") -> str:
        """Store ``data`` once under its SHA-256 and return the key."""
        digest = hashlib.sha256(data).hexdigest()
        key = f"{prefix}/{digest[:2]}/{digest}{suffix}"
        if not self.exists(key):
            self.put(key, data)
        return key

    def check(self) -> None:
        """Raise a clear error when the store cannot be used (a missing bucket).

        Servers call it at startup so a misconfiguration fails there, not on the
        first upload; the default has nothing to check.
        """
        return None

    def presigned_put(self, key: str, expires: int = 3600) -> str | None:
        """A URL a client may ``PUT`` the bytes of ``key`` to, or ``None`` if unsupported."""
        return None

    def presigned_get(self, key: str, expires: int = 3600) -> str | None:
        """A URL a client may ``GET`` ``key`` from, or ``None`` if unsupported."""
        return None

    def close(self) -> None:
        """Release connections; the default holds none."""
        return None
