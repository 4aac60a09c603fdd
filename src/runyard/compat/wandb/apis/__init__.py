"""``wandb.apis``: the public API."""

from __future__ import annotations

from runyard.public_api.api import Api as PublicApi

__all__ = ["PublicApi"]
