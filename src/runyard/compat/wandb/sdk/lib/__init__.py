"""``wandb.sdk.lib.RunDisabled``: the run ``init(mode="disabled")`` returns."""

from __future__ import annotations

from runyard.sdk.disabled import DisabledRun as RunDisabled

__all__ = ["RunDisabled"]
