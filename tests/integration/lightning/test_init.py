"""The package facade: lazy, so importing it imports neither Lightning nor torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

import runyard.integration.lightning as lightning_integration


def test_importing_the_package_imports_no_framework() -> None:
    code = (
        "import sys, runyard, runyard.integration.lightning as m\n"
        "assert sorted(m.__all__) == m.__all__\n"
        "heavy = {'lightning', 'pytorch_lightning', 'torch'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "m.RunyardLogger\n"
        "assert 'lightning' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_names() -> None:
    pytest.importorskip("lightning")
    from lightning.pytorch.loggers import Logger

    assert lightning_integration.__all__ == ["RunyardLogger", "WandbLogger"]
    assert lightning_integration.WandbLogger is lightning_integration.RunyardLogger
    assert issubclass(lightning_integration.RunyardLogger, Logger)
    with pytest.raises(AttributeError, match="'RunyardLoger'"):
        _ = lightning_integration.RunyardLoger  # type: ignore[attr-defined]
