"""JSON text for the store's document columns (config, summary, non-scalar history).

Documents are strict JSON so that SQL JSON functions (SQLite's ``json_extract``,
PostgreSQL's ``jsonb``) can read them for filters. Non-finite floats, which strict
JSON cannot hold, are written as ``{"$float": "NaN" | "Infinity" | "-Infinity"}``
and turned back into floats when read. A document nested deeper than
``MAX_READ_DEPTH`` is read with its deeper parts as JSON text; one nested deeper than
``MAX_WRITE_DEPTH`` is refused (``BatchRefusedError``, a ``ValueError``): Python's JSON
reader and writer recurse, and fail beyond ~1,000 levels (less on a deep call stack).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import orjson

from runyard.errors import BatchRefusedError

__all__ = ["MAX_READ_DEPTH", "MAX_WRITE_DEPTH", "dumps", "loads"]

#: Containers a document read back may nest; deeper parts are read as their JSON text.
#: The SDK refuses values nested deeper than ``metrics.values.MAX_DEPTH`` (100); a
#: document written before that (or by another client) must not break every reader of
#: its project (the web app's serializer stops at 255 levels, ``deepcopy`` at ~330).
MAX_READ_DEPTH = 128
#: Containers a document written may nest (the SDK refuses more than 100 levels; other
#: clients, through the server, may send more).
MAX_WRITE_DEPTH = 512

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
        try:
            text = json.dumps(value, allow_nan=False, separators=(",", ":"), default=_fallback)
        except ValueError:  # a NaN or infinity somewhere: mark them
            text = json.dumps(
                _finite(value), allow_nan=False, separators=(",", ":"), default=_fallback
            )
    except RecursionError:
        raise BatchRefusedError(_too_deep()) from None
    if _nested_deeper(value, MAX_WRITE_DEPTH, text):
        raise BatchRefusedError(_too_deep())
    return text


def _too_deep() -> str:
    return f"a document nested deeper than {MAX_WRITE_DEPTH} levels cannot be stored"


def _nested_deeper(value: Any, depth: int, text: str) -> bool:
    """Whether ``value`` (written as ``text``) nests more than ``depth`` containers: its
    containers walked a level at a time, once its text has that many brackets (cheaper
    than measuring a large document's text: 7 ms for 10,000 small dicts, not 19)."""
    if text.count("{") + text.count("[") <= depth:
        return False
    level = [value] if isinstance(value, dict | list | tuple) else []
    for _ in range(depth):  # one level of containers at a time
        inner: list[Any] = []
        for item in level:
            values = item.values() if isinstance(item, dict) else item
            inner += [v for v in values if isinstance(v, dict | list | tuple)]
        if not inner:
            return False
        level = inner
    return True


def _deeper_than(text: str, depth: int) -> bool:
    # Deep needs many brackets; the exact depth is measured only then.
    return text.count("{") + text.count("[") > depth and _depth(text) > depth


def _revive(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _MARK in obj and obj[_MARK] in _NAMES:
        return _NAMES[obj[_MARK]]
    return obj


def loads(text: str | None) -> Any:
    if text is None:
        return None
    if len(text) == 2 and text in _EMPTY:  # most tags, metrics and reducer states
        return _EMPTY[text]()
    if _MARK in text:
        value = json.loads(text, object_hook=_revive)
    else:
        try:
            # orjson reads the strict JSON the store writes ~4x faster than json (a
            # listing of 10,000 runs parses 50,000 documents). It reads an integer beyond
            # 64 bits as a float (of magnitude 2**63 or more: then json reads the text
            # again, exactly) and refuses lone surrogates, which json reads.
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = json.loads(text)
        else:
            if _has_huge_float(value):
                value = json.loads(text)
    if _deeper_than(text, MAX_READ_DEPTH):
        value = _clamp(value, MAX_READ_DEPTH)
    return value


_EMPTY: dict[str, Any] = {"{}": dict, "[]": list}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
#: orjson reads an integer that fits in no 64-bit type as a float at least this large.
_HUGE = 2.0**63


def _has_huge_float(value: Any) -> bool:
    """Whether a float of magnitude 2**63 or more lies in a parsed document (a walk of
    its values, with a stack: documents may nest deep, costs a tenth of searching its
    text for 19 digits in a row)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if abs(item) >= _HUGE:
                return True
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def _depth(text: str) -> int:
    """How many containers a JSON text nests (strings, which may hold brackets, aside)."""
    codes = np.frombuffer(_STRING.sub("", text).encode(), np.uint8)
    steps = np.isin(codes, _OPEN).astype(np.int64) - np.isin(codes, _CLOSE)
    return int(np.cumsum(steps).max(initial=0))


_OPEN = np.frombuffer(b"{[", np.uint8)
_CLOSE = np.frombuffer(b"}]", np.uint8)


def _clamp(value: Any, depth: int) -> Any:
    """``value`` with what lies deeper than ``depth`` containers as its JSON text."""
    if isinstance(value, dict | list):
        if depth <= 0:
            return _text(value)
        if isinstance(value, dict):
            return {k: _clamp(v, depth - 1) for k, v in value.items()}
        return [_clamp(v, depth - 1) for v in value]
    return value


def _text(value: Any) -> str:
    """``value`` (a parsed document) as compact JSON text, without recursion: the part
    of a document below ``MAX_READ_DEPTH`` is read back as text, however deep."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is tuple:  # punctuation, already text
            out.append(item[0])
        elif kind is dict:
            parts: list[Any] = [("{",)]
            for i, (key, inner) in enumerate(item.items()):
                parts += [(("," if i else "") + json.dumps(key) + ":",), inner]
            parts.append(("}",))
            stack.extend(reversed(parts))
        elif kind is list:
            parts = [("[",)]
            for i, inner in enumerate(item):
                parts += [(",",), inner] if i else [inner]
            parts.append(("]",))
            stack.extend(reversed(parts))
        else:
            out.append(dumps(item))
    return "".join(out)
