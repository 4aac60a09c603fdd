"""Lazy names of an integration package: a framework is imported when a name is used.

Each integration subclasses its framework's own base class (Lightning's ``Logger``,
Transformers' ``TrainerCallback``, …), so the module defining it imports the framework;
the package exposes the name through a module ``__getattr__`` (PEP 562) made here, so
``import runyard.integration.xgboost`` costs nothing until ``RunyardCallback`` is read.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps each exported name to
    ``"module"`` (the same name there) or ``"module:attribute"``. A name is imported on
    first use and then kept in the package's namespace.

    Example:
        >>> get, _ = lazy_names("json", {"dumps2": "json:dumps"})
        >>> get("dumps2")([1])
        '[1]'
    """

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
