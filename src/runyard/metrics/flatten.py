"""Leaf paths of nested dicts: the shape every logged row and summary is handled in.

A logged value such as ``{"train": {"loss": 0.1}, "img": {"_type": "image-file", ...}}``
is handled as its leaves ``{("train", "loss"): 0.1, ("img",): {"_type": ...}}``. A dict
with a ``"_type"`` key (media, histograms) and an empty dict are leaves, not branches.

Example:
    >>> flatten({"a": {"b": 1, "c": {}}, "d": 2})
    {('a', 'b'): 1, ('a', 'c'): {}, ('d',): 2}
    >>> nest({("a", "b"): 1, ("d",): 2})
    {'a': {'b': 1}, 'd': 2}
    >>> parse_name("dotted\\\\.name.inner")
    ('dotted.name', 'inner')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "Path",
    "delete_path",
    "drop_shadowed",
    "flatten",
    "get_path",
    "key_of",
    "nest",
    "parse_name",
    "set_path",
]

Path = tuple[str, ...]
"""A leaf path in a nested dict: ``("train", "loss")`` for ``{"train": {"loss": ...}}``."""


def _is_branch(value: Any) -> bool:
    # Only plain dicts nest: the SDK has already normalised values to JSON types, and an
    # isinstance check against the Mapping ABC would cost ~4x more on this hot path.
    return isinstance(value, dict) and bool(value) and "_type" not in value


def flatten(d: Mapping[str, Any]) -> dict[Path, Any]:
    """Turn a nested dict into ``{leaf path: value}``.

    Nested dicts become longer paths. A dict with a ``"_type"`` key (a media or histogram
    payload) and an empty dict are leaf values.

    Args:
        d: The (possibly nested) mapping, e.g. the argument of ``run.log``.

    Returns:
        A new dict from leaf path to value, in the mapping's iteration order.

    Example:
        >>> flatten({"n": {"p": 1}, "q": None})
        {('n', 'p'): 1, ('q',): None}
    """
    # Fast path: the usual row of scalars has no nesting. Checking the few distinct value
    # types (in C) is cheaper than an isinstance call per value.
    for t in set(map(type, d.values())):
        if issubclass(t, dict):
            break
    else:
        return dict(zip(zip(d), d.values(), strict=True))  # {(k,): v}, built in C
    out: dict[Path, Any] = {}
    _flatten_into(out, (), d)
    return out


def _flatten_into(out: dict[Path, Any], prefix: Path, d: Mapping[str, Any]) -> None:
    for k, v in d.items():
        path = (*prefix, k)
        if _is_branch(v):
            _flatten_into(out, path, v)
        else:
            out[path] = v


def key_of(path: Path) -> str:
    """The display and storage key of a path: its components joined with ``"."``.

    Dots inside components are kept literally, so ``("a.b",)`` and ``("a", "b")`` share
    the key ``"a.b"``, as in wandb's history API (see :func:`drop_shadowed`).
    Components that are not strings (journals written before the SDK turned nested
    keys into strings) are joined as ``str(component)``.

    Example:
        >>> key_of(("train", "loss"))
        'train.loss'
    """
    try:
        return ".".join(path)
    except TypeError:
        return ".".join(map(str, path))


def drop_shadowed(row: dict[Path, Any]) -> dict[Path, Any]:
    """Keep one leaf per history key: of leaves whose paths share a key, the last.

    ``{"a.b": 1, "a": {"b": 2}}`` has the leaves ``("a.b",)`` and ``("a", "b")``, both
    stored under the history key ``"a.b"``; history can hold one of them, so the row
    keeps the later one (in the order logged) and the summary gets the same value.

    Example:
        >>> drop_shadowed({("a.b",): 1, ("a", "b"): 2, ("c",): 3})
        {('a', 'b'): 2, ('c',): 3}
    """
    for path in row:
        if len(path) > 1:
            break
    else:
        return row  # flat paths are distinct keys
    last: dict[str, Path] = {}
    for path in row:
        last[key_of(path)] = path
    if len(last) == len(row):
        return row
    keep = set(last.values())
    return {p: v for p, v in row.items() if p in keep}


def parse_name(name: str) -> Path:
    """Split a ``define_metric`` name into a path.

    An unescaped ``"."`` separates components and ``"\\\\."`` is a literal dot, so
    ``"flat.key"`` is the path ``("flat", "key")`` while ``"dotted\\\\.name"`` is the
    single component ``"dotted.name"`` (wandb's rule). Other backslashes are kept.

    Example:
        >>> parse_name("a.b")
        ('a', 'b')
        >>> parse_name("a\\\\.b")
        ('a.b',)
    """
    if "\\" not in name:
        return tuple(name.split("."))
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == "\\" and i + 1 < len(name) and name[i + 1] == ".":
            current.append(".")
            i += 2
            continue
        if ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return tuple(parts)


def nest(items: Mapping[Path, Any]) -> dict[str, Any]:
    """Build a nested dict from ``{leaf path: value}`` (the inverse of :func:`flatten`).

    When one path is a prefix of another, the later item wins. Leaf values are never
    modified, even when they are dicts.

    Args:
        items: Leaf paths and their values.

    Returns:
        A new nested dict.

    Raises:
        ValueError: A path is empty.

    Example:
        >>> nest({("a", "b"): 1, ("a", "c"): 2})
        {'a': {'b': 1, 'c': 2}}
    """
    out: dict[str, Any] = {}
    # ids of the dicts built here: any other dict met on the way is a leaf value, which
    # must be replaced rather than written into (it may belong to the caller's state).
    own = {id(out)}
    for path, value in items.items():
        if not path:
            raise ValueError("cannot nest an empty path")
        node = out
        for comp in path[:-1]:
            child = node.get(comp)
            if child is None or id(child) not in own:
                child = {}
                own.add(id(child))
                node[comp] = child
            node = child
        node[path[-1]] = value
    return out


def get_path(d: Mapping[str, Any], path: Path, default: Any = None) -> Any:
    """Return the value at ``path`` in nested dict ``d``, or ``default`` when absent.

    Example:
        >>> get_path({"a": {"b": 1}}, ("a", "b"))
        1
    """
    node: Any = d
    for comp in path:
        if not isinstance(node, Mapping) or comp not in node:
            return default
        node = node[comp]
    return node


def set_path(d: dict[str, Any], path: Path, value: Any) -> None:
    """Set ``value`` at ``path`` in nested dict ``d``, creating intermediate dicts.

    A non-dict value on the way is replaced by a dict.

    Raises:
        ValueError: ``path`` is empty.

    Example:
        >>> d = {}
        >>> set_path(d, ("a", "b"), 1)
        >>> d
        {'a': {'b': 1}}
    """
    if not path:
        raise ValueError("cannot set an empty path")
    node = d
    for comp in path[:-1]:
        child = node.get(comp)
        if not isinstance(child, dict):
            child = {}
            node[comp] = child
        node = child
    node[path[-1]] = value


def delete_path(d: dict[str, Any], path: Path) -> bool:
    """Delete the value at ``path`` in nested dict ``d`` and any parents left empty.

    Returns:
        True when something was deleted, False when ``path`` was absent.

    Example:
        >>> d = {"a": {"b": 1}, "c": 2}
        >>> delete_path(d, ("a", "b"))
        True
        >>> d
        {'c': 2}
    """
    if not path:
        return False
    parents: list[dict[str, Any]] = []
    node = d
    for comp in path[:-1]:
        child = node.get(comp)
        if not isinstance(child, dict):
            return False
        parents.append(node)
        node = child
    if path[-1] not in node:
        return False
    del node[path[-1]]
    # Walk back up, dropping the dicts this deletion emptied.
    for parent, comp in zip(reversed(parents), reversed(path[:-1]), strict=True):
        if parent[comp]:
            break
        del parent[comp]
    return True
