"""`RunSummary`: ``run.summary`` of a stored run, editable like wandb's ``HTTPSummary``.

``summary[k] = v``, ``del summary[k]`` and nested ``summary[a][b] = v`` change a
local copy; ``summary.update()`` (or ``update(d)``, or ``run.update()``) writes the
changed keys to the store — field by field, so a live run's later writes of other
keys do not erase them, nor they those. Tensors of more than 32 elements are kept
whole in a ``.npy`` file beside the run, like the SDK's, and come back with
:meth:`RunSummary.load_tensor`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from runyard.metrics.summary_view import SummarySubDict

__all__ = ["RunSummary"]

_Path = tuple[str, ...]


class RunSummary:
    """Dict-like summary of a stored run; see the module docstring."""

    def __init__(
        self,
        values: Mapping[str, Any],
        commit: Callable[[list[tuple[_Path, Any]], list[_Path]], None],
        store_tensor: Callable[[_Path, np.ndarray, str], dict[str, Any]],
        load_tensor: Callable[[Any], np.ndarray],
    ) -> None:
        self._values: dict[str, Any] = copy.deepcopy(dict(values))
        self._commit = commit
        self._store_tensor = store_tensor
        self._load_tensor = load_tensor
        self._sets: dict[_Path, Any] = {}
        self._deletes: dict[_Path, None] = {}

    # -- edits ----------------------------------------------------------------
    def _encode(self, path: _Path, value: Any) -> Any:
        from runyard.data_types.value import normalize, normalize_summary_tensor

        tensor = normalize_summary_tensor(value)
        if tensor is not None:
            return self._store_tensor(path, *tensor)
        if isinstance(value, Mapping):
            return {str(k): self._encode((*path, str(k)), v) for k, v in value.items()}
        return normalize(value)

    def _set_path(self, path: _Path, value: Any) -> Any:
        encoded = self._encode(path, value)
        self._sets[path] = encoded
        self._deletes.pop(path, None)
        return encoded

    def _delete_path(self, path: _Path) -> None:
        self._deletes[path] = None
        for p in [p for p in self._sets if p[: len(path)] == path]:
            del self._sets[p]

    def _wrap(self, path: _Path, value: Any) -> Any:
        if isinstance(value, dict) and "_type" not in value:
            return SummarySubDict(self, path, value)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        key = key.strip()
        self._values[key] = self._set_path((key,), value)

    def __getitem__(self, key: str) -> Any:
        return self._wrap((key,), self._values[key])

    def __delitem__(self, key: str) -> None:
        del self._values[key]
        self._delete_path((key,))

    def update(self, d: Mapping[str, Any] | None = None) -> None:
        """Set the keys of ``d`` (if given), then write every pending edit to the store."""
        for key, value in (d or {}).items():
            self[key] = value
        sets = list(self._sets.items())
        deletes = list(self._deletes)
        if sets or deletes:
            self._commit(sets, deletes)
        self._sets.clear()
        self._deletes.clear()

    @property
    def dirty(self) -> bool:
        return bool(self._sets or self._deletes)

    # -- reads ----------------------------------------------------------------
    def load_tensor(self, key: str) -> np.ndarray:
        """The whole array stored for a tensor summary key."""
        return self._load_tensor(self._values[key])

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._values))

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._values else default

    def keys(self) -> list[str]:
        return list(self._values)

    def values(self) -> list[Any]:
        return list(self._values.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._values.items())

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RunSummary):
            return self._values == other._values
        return self._values == other

    def __repr__(self) -> str:
        return f"RunSummary({self._values!r})"
