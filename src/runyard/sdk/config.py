"""`Config`: a run's hyperparameters, like ``wandb.config``.

Attribute and item access both work; changing a value that is already set raises
:class:`~runyard.errors.ConfigError` unless ``allow_val_change=True``; every change
is journaled at once, so it survives a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from runyard.errors import ConfigError
from runyard.metrics.values import check_value, wide_int_float
from runyard.printer import warn_once
from runyard.sdk.plain import encode_plain

__all__ = ["Config", "config_items", "config_value"]


def config_items(source: Any) -> dict[str, Any]:
    """A dict of config values as they are stored, from a dict, an
    ``argparse.Namespace`` or an object with ``__dict__`` (see :func:`config_value`).

    Raises:
        TypeError: a top-level key is not a string (naming it).
        ValueError: a value nested too deep (naming its key path).
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        items = dict(source)
    elif callable(flags := getattr(source, "flag_values_dict", None)):  # absl flags
        items = dict(flags())
    elif hasattr(source, "__dict__"):
        items = {k: v for k, v in vars(source).items() if not k.startswith("_")}
    else:
        raise TypeError(f"config must be a dict or namespace, got {type(source).__name__}")
    return {_key(k): config_value(k, v) for k, v in items.items()}


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"config keys must be strings, got {key!r}")
    return key


def config_value(key: str, raw: Any) -> Any:
    """``raw`` as the config stores it under ``key``, with wandb's rules (see
    :mod:`runyard.metrics.values`): nested keys that are not strings become
    ``str(key)`` (``id2label = {0: "neg"}``), ints beyond 64 bits floats (warned),
    arrays and other objects plain JSON; a value nested too deep is refused."""
    wide: list[tuple[str, int]] = []
    value, plain = check_value(raw, (key,), wide)
    if not plain:
        value, _ = check_value(encode_plain(value), (key,), wide)
    for path, number in wide:
        warn_once(
            f"config-wide-int-{path}",
            f"the config value {number} at {path!r} does not fit in 64 bits: it is stored as "
            f"the float {wide_int_float(number)!r}, as wandb does (set it as a string to keep "
            "every digit)",
        )
    return value


class Config:
    """Dict-like run config; see the module docstring."""

    def __init__(
        self,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        object.__setattr__(self, "_items", dict(initial or {}))
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_locked", False)

    def _set(self, values: Mapping[str, Any], allow_val_change: bool = False) -> None:
        if object.__getattribute__(self, "_locked"):
            from runyard.errors import UsageError

            raise UsageError("the run is finished; its config can no longer be changed")
        items: dict[str, Any] = object.__getattribute__(self, "_items")
        changed: dict[str, Any] = {}
        for key, raw in values.items():
            value = config_value(_key(key), raw)
            if key in items and items[key] != value and not allow_val_change:
                raise ConfigError(
                    f'Attempted to change value of key "{key}" from {items[key]} to {value}\n'
                    "If you really want to do this, pass allow_val_change=True to config.update()"
                )
            if key not in items or items[key] != value:
                changed[key] = value
        if changed:
            items.update(changed)
            callback = object.__getattribute__(self, "_on_change")
            if callback is not None:
                callback(changed)

    def update(self, d: Any = None, allow_val_change: bool = False) -> None:
        """Set several keys (a dict, ``argparse.Namespace`` or absl flags)."""
        self._set(config_items(d), allow_val_change)

    def set_nested(self, path: tuple[str, ...], value: Any) -> None:
        """Set ``value`` at a nested ``path`` (``("_wandb", "visualize", "K")``).

        The first key's whole dict is replaced by an updated copy, so the journal
        record (a top-level update) carries the other entries too and a later
        update never erases an earlier one. Used for wandb's internal keys, which
        change as a run logs, hence no :class:`ConfigError` on a changed value.
        """
        items: dict[str, Any] = object.__getattribute__(self, "_items")
        head, *rest = path
        if not rest:
            self._set({head: value}, allow_val_change=True)
            return
        current = items.get(head)
        root: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
        node = root
        for key in rest[:-1]:
            child = node.get(key)
            node[key] = dict(child) if isinstance(child, dict) else {}
            node = node[key]
        node[rest[-1]] = value
        self._set({head: root}, allow_val_change=True)

    def setdefaults(self, d: Mapping[str, Any]) -> None:
        """Set only the keys that are not set yet."""
        items = object.__getattribute__(self, "_items")
        self._set({k: v for k, v in d.items() if k not in items})

    def __setitem__(self, key: str, value: Any) -> None:
        self._set({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        self._set({key: value})

    def __getitem__(self, key: str) -> Any:
        return object.__getattribute__(self, "_items")[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return object.__getattribute__(self, "_items")[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __delitem__(self, key: str) -> None:
        raise ConfigError(f"config key {key!r} cannot be deleted")

    def __contains__(self, key: object) -> bool:
        return key in object.__getattribute__(self, "_items")

    def __iter__(self) -> Iterator[str]:
        return iter(dict(object.__getattribute__(self, "_items")))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_items"))

    def get(self, key: str, default: Any = None) -> Any:
        return object.__getattribute__(self, "_items").get(key, default)

    def keys(self) -> list[str]:
        return list(object.__getattribute__(self, "_items"))

    def values(self) -> list[Any]:
        return list(object.__getattribute__(self, "_items").values())

    def items(self) -> list[tuple[str, Any]]:
        return list(object.__getattribute__(self, "_items").items())

    def as_dict(self) -> dict[str, Any]:
        return dict(object.__getattribute__(self, "_items"))

    def lock(self) -> None:
        object.__setattr__(self, "_locked", True)

    def __repr__(self) -> str:
        return f"Config({self.as_dict()!r})"
