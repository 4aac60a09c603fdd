"""``wandb.sdk.lib.config_util.ConfigError`` (Transformers imports it)."""

from __future__ import annotations

from runyard.errors import ConfigError

__all__ = ["ConfigError"]
