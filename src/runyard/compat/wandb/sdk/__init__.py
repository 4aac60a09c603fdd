"""``wandb.sdk``: the SDK names wandb exposes here, as Runyard's objects."""

from __future__ import annotations

from runyard import Artifact, Settings, finish, init, login
from runyard.sdk.run import Run

__all__ = ["Artifact", "Run", "Settings", "finish", "init", "login"]
