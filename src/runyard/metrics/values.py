"""What a logged value may be: the checks ``log()`` and ``config`` make on the caller's
thread, so that every row that reaches the journal can be stored.

A value is decided when it is logged: stored the way wandb stores it, or refused with
an error naming its key path — never accepted and then refused by the store, which
would leave a batch nothing can write (issue 12). The rules (docs/compat.md, "Values"):

- an ``int`` outside int64 becomes a ``float`` (wandb's rule; beyond the float range
  ``±inf``), and the caller is told which key lost its digits;
- a key of a nested dict that is not a ``str`` becomes ``str(key)``, as wandb does (a
  Hugging Face ``config.id2label = {0: "neg"}``); top-level keys of a row must be
  strings (wandb's ``TypeError``, raised by :func:`check_keys`);
- a key holding NUL, or a history key (the path joined with ``"."``) longer than
  ``MAX_KEY_BYTES`` UTF-8 bytes, is refused (``ValueError``): databases cannot hold
  the first and cannot index the second;
- a value nested in more than ``MAX_DEPTH`` containers (the row included) is refused
  (``ValueError``): deeper documents break JSON readers (the web app's serializer
  stops at 255 levels, ``copy.deepcopy`` at ~330);
- tuples become lists; subclasses of ``str``/``int``/``float`` become the plain value.

Anything else (numpy values, media, tables, charts) is left in place and reported as
not plain, for the SDK's encoder; the encoded result is checked again.

Example:
    >>> wide: list[tuple[str, int]] = []
    >>> check_row({"acc": {0: 0.9}, "seed": 2**64 - 1}, wide)
    ({'acc': {'0': 0.9}, 'seed': 1.8446744073709552e+19}, True)
    >>> wide
    [('seed', 18446744073709551615)]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_DEPTH",
    "MAX_KEY_BYTES",
    "RESERVED_KEYS",
    "check_keys",
    "check_row",
    "check_value",
    "row_as_is",
    "show_path",
    "wide_int_float",
    "wide_int_note",
]

#: Most containers (dicts, lists) a logged leaf may sit in, the row itself included.
MAX_DEPTH = 100
#: Longest history key, in UTF-8 bytes (PostgreSQL indexes keys; ~2,700 bytes is its cap).
MAX_KEY_BYTES = 1024
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: Keys the run sets itself: a logged ``_step`` is dropped and ``_runtime`` overwritten.
RESERVED_KEYS = ("_step", "_runtime")
_KEY_TYPE_ERROR = "Key values passed to `wandb.log` must be strings."
_SCALARS = (str, float, bool, type(None))


def show_path(path: Iterable[Any]) -> str:
    """A key path as the history key it makes, quoted (long ones cut): ``'train.loss'``."""
    text = ".".join(map(str, path))
    return repr(text if len(text) <= 120 else text[:117] + "...")


def wide_int_note(key: str, value: int) -> str:
    """The message for an int stored as a float because it does not fit in 64 bits."""
    return (
        f"the int {value} logged at {key!r} does not fit in 64 bits: it is stored as the "
        f"float {wide_int_float(value)!r}, as wandb does (log it as a string to keep every "
        "digit)"
    )


def wide_int_float(value: int) -> float:
    """An int outside int64 as wandb stores it: the nearest float, ``±inf`` beyond."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _check_key(key: str, path: tuple[str, ...], size: int) -> int:
    """The history key's UTF-8 size once ``key`` is appended (refusing bad keys)."""
    if "\0" in key:
        raise ValueError(f"cannot log the key {show_path((*path, key))}: it holds a NUL character")
    size += len(key.encode("utf-8", "surrogatepass")) + (1 if path else 0)
    if size > MAX_KEY_BYTES:
        raise ValueError(
            f"cannot log the key {show_path((*path, key))}: as a history key it is longer "
            f"than {MAX_KEY_BYTES} bytes"
        )
    return size


def check_keys(keys: Iterable[Any]) -> list[str]:
    """Check the top-level keys of a row; return the reserved ones among them.

    Raises:
        TypeError: a key is not a string (wandb's message).
        ValueError: a key holds NUL or is longer than ``MAX_KEY_BYTES``.
    """
    reserved = []
    for key in keys:
        if not isinstance(key, str):
            raise TypeError(_KEY_TYPE_ERROR)
        _check_key(key, (), 0)
        if key in RESERVED_KEYS:
            reserved.append(key)
    return reserved


def _as_is(value: Any, size: int, depth: int, keys: bool) -> bool:
    """True when ``value`` meets the rules as it is (no key or int to convert, nothing
    to encode), so that it can be journaled without a copy; raises what :func:`_check`
    raises. The common nested row (``{"train": {"loss": 0.1}}``) takes this way."""
    kind = type(value)
    if kind is dict:
        if depth >= MAX_DEPTH:
            return False  # _check raises, naming the path
        keys = keys and "_type" not in value
        for k, item in value.items():
            if type(k) is not str:
                return False
            if keys:
                if "\0" in k:
                    return False
                item_size = (
                    size + 1 + (len(k) if k.isascii() else len(k.encode("utf-8", "replace")))
                )
                if item_size > MAX_KEY_BYTES:
                    return False
            else:
                item_size = size
            t = type(item)
            if t is float or t is str or t is bool or item is None:
                continue
            if t is int:
                if INT64_MIN <= item <= INT64_MAX:
                    continue
                return False
            if not _as_is(item, item_size, depth + 1, keys):
                return False
        return True
    if kind is list:
        if depth >= MAX_DEPTH:
            return False
        for item in value:
            t = type(item)
            if t is float or t is str or t is bool or item is None:
                continue
            if t is int:
                if INT64_MIN <= item <= INT64_MAX:
                    continue
                return False
            if not _as_is(item, size, depth + 1, False):
                return False
        return True
    if kind is int:
        return bool(INT64_MIN <= value <= INT64_MAX)
    return kind in _SCALARS


def row_as_is(row: dict[str, Any]) -> bool:
    """True when a row whose top-level keys passed :func:`check_keys` meets every rule
    as it is: it can be journaled without :func:`check_row`'s copy."""
    return _as_is(row, -1, 0, True)


def check_row(row: dict[str, Any], wide: list[tuple[str, int]]) -> tuple[dict[str, Any], bool]:
    """Check a row whose top-level keys passed :func:`check_keys`.

    Returns:
        The row with the rules of the module applied (a new dict) and whether every
        value in it is plain JSON (else the SDK's encoder must see it). Ints that
        became floats are appended to ``wide`` as ``(history key, int)``.

    Raises:
        ValueError: a key or a nesting depth the store cannot hold (naming its path).
    """
    out: dict[str, Any] = {}
    plain = True
    for key, value in row.items():
        size = len(key.encode("utf-8", "surrogatepass"))
        out[key], ok = _check(value, (key,), size, 1, wide)
        plain = plain and ok
    return out, plain


def check_value(value: Any, path: tuple[str, ...], wide: list[tuple[str, int]]) -> tuple[Any, bool]:
    """:func:`check_row` for one value found at ``path`` (a config or summary entry):
    the value as stored and whether it is plain JSON."""
    return _check(value, path, 0, len(path), wide, keys=False)


def _check(
    value: Any,
    path: tuple[str, ...],
    size: int,
    depth: int,
    wide: list[tuple[str, int]],
    keys: bool = True,
) -> tuple[Any, bool]:
    """Apply the rules at ``path`` (``size``: its history key's bytes; ``depth``: the
    containers around ``value``; ``keys``: its keys become history keys)."""
    kind = type(value)
    if kind in _SCALARS:
        return value, True
    if kind is int:
        if INT64_MIN <= value <= INT64_MAX:
            return value, True
        wide.append((".".join(path), value))
        return wide_int_float(value), True
    if isinstance(value, dict | list | tuple):
        if depth >= MAX_DEPTH:
            raise ValueError(
                f"the value at {show_path(path)} is nested deeper than {MAX_DEPTH} levels of "
                "dicts and lists: it cannot be stored (log it flatter, or as a string)"
            )
        plain = True
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            # A media or histogram payload is a leaf: its keys are not history keys.
            keys = keys and "_type" not in value
            for k, item in value.items():
                if type(k) is not str:  # wandb stores nested keys as str(key)
                    k = str.__str__(k) if isinstance(k, str) else str(k)
                item_size = _check_key(k, path, size) if keys else size
                out[k], ok = _check(item, (*path, k), item_size, depth + 1, wide, keys)
                plain = plain and ok
            return out, plain
        items = []
        for item in value:
            checked, ok = _check(item, path, size, depth + 1, wide, keys=False)
            items.append(checked)
            plain = plain and ok
        return items, plain
    if isinstance(value, int) and not hasattr(value, "to_json"):
        return _check(int(value), path, size, depth, wide)
    if isinstance(value, float) and not hasattr(value, "to_json"):
        return float(value), True
    if isinstance(value, str) and not hasattr(value, "to_json"):
        return str.__str__(value), True
    return value, False
