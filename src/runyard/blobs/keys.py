"""Blob keys of a run's files: one place so the SDK and the public API agree."""

from __future__ import annotations

import re

from runyard.entities import RunRef

__all__ = ["run_prefix", "tensor_key"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(part: str) -> str:
    cleaned = _UNSAFE.sub("_", part).strip(".")
    return cleaned or "_"


def run_prefix(ref: RunRef) -> str:
    """The blob-key prefix of everything stored for ``ref``."""
    return f"{_safe(ref.entity)}/{_safe(ref.project)}/{_safe(ref.run_id)}"


def tensor_key(ref: RunRef, path: tuple[str, ...]) -> str:
    """Blob key of the ``.npy`` file holding a summary tensor."""
    return f"{run_prefix(ref)}/summary/{'.'.join(_safe(p) for p in path)}.npy"
