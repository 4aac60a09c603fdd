"""``wandb.apis.public``: ``Api`` and the objects it returns."""

from __future__ import annotations

from runyard.artifacts.artifact import Artifact
from runyard.public_api.api import Api, Project
from runyard.public_api.run import Run

__all__ = ["Api", "Artifact", "Project", "Run"]
