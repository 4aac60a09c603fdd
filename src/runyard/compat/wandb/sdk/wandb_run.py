"""``wandb.sdk.wandb_run.Run``: Runyard's run class."""

from __future__ import annotations

from runyard.sdk.run import Run

__all__ = ["Run"]
