"""Stand-ins for ``runyard.config`` / ``runyard.summary`` before ``init()`` (wandb's errors)."""

from __future__ import annotations

from typing import Any

from runyard.errors import Error

__all__ = ["PreInitObject"]


class PreInitObject:
    """Raises wandb's "You must call wandb.init() before …" on any use."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _fail(self, what: str) -> Error:
        return Error(
            f"You must call wandb.init() before {object.__getattribute__(self, '_name')}{what}"
        )

    def __getitem__(self, key: str) -> Any:
        raise self._fail(f"[{key!r}]")

    def __setitem__(self, key: str, value: Any) -> None:
        raise self._fail(f"[{key!r}]")

    def __setattr__(self, key: str, value: Any) -> None:
        raise self._fail(f".{key}")

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        raise self._fail(f".{key}")

    def __contains__(self, key: object) -> bool:
        raise self._fail(".__contains__")
