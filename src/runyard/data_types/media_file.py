"""``store_media``: write a media file content-addressed into a run's blob store."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runyard.sdk.run import Run

__all__ = ["store_media"]


def store_media(run: Run, kind: str, data: bytes, suffix: str) -> dict[str, Any]:
    """Store ``data`` under ``<run prefix>/media/<kind>/`` once per content.

    Returns ``{"sha256", "size", "path"}`` with ``path`` relative to the run's
    prefix (wandb's paths are relative to the run's ``files/`` too).
    """
    from runyard.blobs.keys import run_prefix
    from runyard.sdk.files import run_blobs

    prefix = run_prefix(run.ref)
    key = run_blobs(run.settings).put_content_addressed(f"{prefix}/media/{kind}", data, suffix)
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "path": key[len(prefix) + 1 :],
    }
