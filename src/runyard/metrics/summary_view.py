"""`SummarySubDict`: a nested dict inside a summary, where assigning sets the nested key.

Shared by the live run's ``run.summary`` (:mod:`runyard.sdk.summary`) and a stored
run's (:mod:`runyard.public_api.summary`): each passes itself as the root that reads
wrap values with and edits go through.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["SummaryRoot", "SummarySubDict"]

_Path = tuple[str, ...]


class SummaryRoot(Protocol):
    """What a sub-dict writes through to: the summary (live or stored) it is part of."""

    def _wrap(self, path: _Path, value: Any) -> Any: ...
    def _set_path(self, path: _Path, value: Any) -> Any: ...
    def _delete_path(self, path: _Path) -> None: ...


class SummarySubDict:
    """A nested dict inside a summary; assigning into it sets the nested key."""

    def __init__(self, root: SummaryRoot, path: _Path, value: dict[str, Any]) -> None:
        self._root = root
        self._path = path
        self._value = value

    def __getitem__(self, key: str) -> Any:
        return self._root._wrap((*self._path, key), self._value[key])

    def __setitem__(self, key: str, value: Any) -> None:
        self._root._set_path((*self._path, key), value)
        self._value[key] = value

    def __delitem__(self, key: str) -> None:
        self._root._delete_path((*self._path, key))
        del self._value[key]

    def __contains__(self, key: object) -> bool:
        return key in self._value

    def __iter__(self) -> Iterator[str]:
        return iter(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._value else default

    def keys(self) -> list[str]:
        return list(self._value)

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self[k]) for k in self._value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SummarySubDict):
            return self._value == other._value
        return self._value == other

    def __repr__(self) -> str:
        return repr(self._value)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._value)
