"""JSON text for the store's document columns: NaN and ±Infinity kept as wandb writes them."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "loads"]


def _fallback(value: Any) -> Any:
    to_json = getattr(value, "tolist", None)  # numpy values that slipped through
    if callable(to_json):
        return to_json()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True, separators=(",", ":"), default=_fallback)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
