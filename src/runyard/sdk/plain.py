"""A numpy-free check for values that need no normalising (keeps ``init`` cheap)."""

from __future__ import annotations

from typing import Any

__all__ = ["encode_plain"]

_SCALARS = (str, int, float, bool, type(None))


def _is_plain(value: Any, depth: int = 0) -> bool:
    kind = type(value)
    if kind in _SCALARS:
        return kind is not int or -(2**63) <= value < 2**63
    if depth > 32:
        return False
    if kind is list:
        return all(_is_plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def encode_plain(value: Any) -> Any:
    """``value`` itself when it is plain JSON; else the normalised value (lazy numpy)."""
    if _is_plain(value):
        return value
    from runyard.data_types.value import normalize

    return normalize(value)
