"""The package facade: lazy, so importing it imports no framework."""

from __future__ import annotations

import subprocess
import sys

import pytest

import runyard.integration.keras as keras_integration


def test_importing_the_package_imports_no_framework() -> None:
    code = (
        "import sys, runyard, runyard.integration.keras as k\n"
        "assert sorted(k.__all__) == k.__all__\n"
        "heavy = {'keras', 'jax', 'torch', 'tensorflow'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_names() -> None:
    assert keras_integration.__all__ == [
        "WandbCallback",
        "WandbEvalCallback",
        "WandbMetricsLogger",
        "WandbModelCheckpoint",
    ]
    assert set(keras_integration.__all__) <= set(dir(keras_integration))
    with pytest.raises(AttributeError, match="'WandbCallbak'"):
        _ = keras_integration.WandbCallbak  # type: ignore[attr-defined]
