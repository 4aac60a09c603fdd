"""``wandb.integration.lightgbm``: importable; its callbacks are not implemented yet."""

from __future__ import annotations

from typing import Any

from runyard.errors import UsageError

__all__ = ["log_summary", "wandb_callback"]

_NOT_YET = (
    "wandb.integration.lightgbm.{name} is not supported by Runyard yet (issue 15); "
    "log with runyard.log from your own lightgbm callback meanwhile"
)


def wandb_callback(*args: Any, **kwargs: Any) -> Any:
    """Raises: LightGBM logging through Runyard is not implemented yet."""
    raise UsageError(_NOT_YET.format(name="wandb_callback"))


def log_summary(*args: Any, **kwargs: Any) -> None:
    """Raises: LightGBM logging through Runyard is not implemented yet."""
    raise UsageError(_NOT_YET.format(name="log_summary"))
