"""`Summary`: the dict-like ``run.summary`` of a live run.

Reads return the summary as of every `log()` so far (the writer thread folds the
journal; a read waits for it to catch up). Writes are journaled at once. Unlike
wandb's, ``in``, iteration, ``len`` and ``items()`` work (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["Summary"]

_Path = tuple[str, ...]


class Summary:
    """``run.summary``; see the module docstring."""

    def __init__(
        self,
        read: Callable[[], dict[str, Any]],
        set_path: Callable[[_Path, Any], None],
        delete_path: Callable[[_Path], None],
    ) -> None:
        object.__setattr__(self, "_read", read)
        object.__setattr__(self, "_set_path", set_path)
        object.__setattr__(self, "_delete_path", delete_path)

    def _current(self) -> dict[str, Any]:
        current: dict[str, Any] = object.__getattribute__(self, "_read")()
        return current

    def _wrap(self, path: _Path, value: Any) -> Any:
        if isinstance(value, dict) and "_type" not in value:
            # Imported here: `import runyard` loads this module, and the metrics
            # package brings numpy along.
            from runyard.metrics.summary_view import SummarySubDict

            return SummarySubDict(self, path, value)
        return value

    def __getitem__(self, key: str) -> Any:
        return self._wrap((key,), self._current()[key])

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"summary has no key {key!r}") from None

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"summary keys must be strings, got {key!r}")
        self._set_path((key,), value)

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self._current():
            raise KeyError(key)
        self._delete_path((key,))

    def update(self, d: Mapping[str, Any]) -> None:
        """Set several keys; each value replaces the key's whole value."""
        for key, value in d.items():
            self[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._current()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def get(self, key: str, default: Any = None) -> Any:
        current = self._current()
        return self._wrap((key,), current[key]) if key in current else default

    def keys(self) -> list[str]:
        return list(self._current())

    def values(self) -> list[Any]:
        return list(self._current().values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._current().items())

    def as_dict(self) -> dict[str, Any]:
        return self._current()

    def __repr__(self) -> str:
        return f"Summary({self._current()!r})"
