"""JSON text for the store's document columns (config, summary, non-scalar history).

Documents are strict JSON so that SQL JSON functions (SQLite's ``json_extract``,
PostgreSQL's ``jsonb``) can read them for filters. Non-finite floats, which strict
JSON cannot hold, are written as ``{"$float": "NaN" | "Infinity" | "-Infinity"}``
and turned back into floats when read.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps", "loads"]

_MARK = "$float"
_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _fallback(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    to_list = getattr(value, "tolist", None)  # numpy values that slipped through
    if callable(to_list):
        return to_list()
    return str(value)


def _finite(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value
        return {_MARK: "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if kind is dict:
        return {k: _finite(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_finite(v) for v in value]
    if isinstance(value, float):  # numpy floats
        return _finite(float(value))
    return value


def dumps(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"), default=_fallback)
    except ValueError:  # a NaN or infinity somewhere: mark them
        return json.dumps(_finite(value), allow_nan=False, separators=(",", ":"), default=_fallback)


def _revive(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _MARK in obj and obj[_MARK] in _NAMES:
        return _NAMES[obj[_MARK]]
    return obj


def loads(text: str | None) -> Any:
    if text is None:
        return None
    if _MARK in text:
        return json.loads(text, object_hook=_revive)
    return json.loads(text)
