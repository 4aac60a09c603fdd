"""``wandb.util``: the helpers frameworks call."""

from __future__ import annotations

import secrets

__all__ = ["generate_id"]

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def generate_id(length: int = 8) -> str:
    """A random run id of ``length`` lowercase letters and digits, as wandb's."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
