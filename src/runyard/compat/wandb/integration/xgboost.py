"""``wandb.integration.xgboost``: importable; its callback is not implemented yet."""

from __future__ import annotations

from typing import Any

from runyard.errors import UsageError

__all__ = ["WandbCallback", "wandb_callback"]

_NOT_YET = (
    "wandb.integration.xgboost.{name} is not supported by Runyard yet (issue 15); "
    "log with runyard.log from your own xgboost callback meanwhile"
)


class WandbCallback:
    """Raises when built: XGBoost logging through Runyard is not implemented yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(_NOT_YET.format(name="WandbCallback"))


def wandb_callback(*args: Any, **kwargs: Any) -> Any:
    """Raises: XGBoost logging through Runyard is not implemented yet."""
    raise UsageError(_NOT_YET.format(name="wandb_callback"))
