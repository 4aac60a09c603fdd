"""``store_media``: put a media file, content-addressed, into a run's sink."""

from __future__ import annotations

import hashlib
from typing import Any

from runyard.data_types.sink import MediaSink

__all__ = ["store_media"]


def store_media(sink: MediaSink, kind: str, data: bytes, suffix: str) -> dict[str, Any]:
    """Put ``data`` as the run's file ``media/<kind>/<sha[:2]>/<sha><suffix>``.

    The name is the content's SHA-256, so the same file logged twice is one file
    (and an upload replayed after a crash writes the same bytes to the same key).
    Returns ``{"sha256", "size", "path"}`` with ``path`` relative to the run's
    prefix (wandb's paths are relative to the run's ``files/`` too).
    """
    digest = hashlib.sha256(data).hexdigest()
    name = f"media/{kind}/{digest[:2]}/{digest}{suffix}"
    sink.put(name, data)
    return {"sha256": digest, "size": len(data), "path": name}
