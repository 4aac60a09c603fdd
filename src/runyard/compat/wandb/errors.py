"""``wandb.errors``: Runyard's exception classes under wandb's names."""

from __future__ import annotations

from runyard.errors import AuthError as AuthenticationError
from runyard.errors import CommError, ConfigError, Error, UsageError

__all__ = ["AuthenticationError", "CommError", "ConfigError", "Error", "UsageError"]
