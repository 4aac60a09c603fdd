from __future__ import annotations

import ast
import doctest
import importlib
import sys
from pathlib import Path

import pytest

import runyard.metrics

MODULES = ["flatten", "definitions", "history", "sampling", "summary", "colors", "values"]


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_resolves() -> None:
    names = runyard.metrics.__all__
    assert names == sorted(names, key=_isort_key)
    for name in names:
        assert hasattr(runyard.metrics, name), name


@pytest.mark.parametrize("module", MODULES)
def test_facade_exports_each_module_all(module: str) -> None:
    mod = importlib.import_module(f"runyard.metrics.{module}")
    for name in mod.__all__:
        assert name in runyard.metrics.__all__, name
        assert getattr(runyard.metrics, name) is getattr(mod, name)


def test_facade_exports_nothing_else() -> None:
    exported = set()
    for module in MODULES:
        exported |= set(importlib.import_module(f"runyard.metrics.{module}").__all__)
    assert set(runyard.metrics.__all__) == exported


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"runyard.metrics.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("module", ["__init__", *MODULES])
def test_imports_only_numpy_stdlib_and_errors(module: str) -> None:
    source = Path(runyard.metrics.__file__).with_name(f"{module}.py").read_text()
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert imported
    for name in imported:
        top = name.split(".")[0]
        ok = (
            top in sys.stdlib_module_names
            or top in {"__future__", "numpy"}
            or name == "runyard.errors"
            or name.startswith("runyard.metrics.")
        )
        assert ok, name
