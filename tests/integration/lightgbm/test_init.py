"""The package facade: lazy, so importing it imports no LightGBM."""

from __future__ import annotations

import subprocess
import sys

import pytest

import runyard.integration.lightgbm as lightgbm_integration


def test_importing_the_package_imports_no_lightgbm() -> None:
    code = (
        "import sys, runyard, runyard.integration.lightgbm as l\n"
        "import runyard.compat.wandb.integration.lightgbm as shim\n"
        "assert sorted(l.__all__) == l.__all__\n"
        "assert 'lightgbm' not in sys.modules\n"
        "assert shim.wandb_callback is l.wandb_callback\n"
        "assert shim.log_summary is l.log_summary\n"
        "assert 'lightgbm' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_names() -> None:
    assert lightgbm_integration.__all__ == ["RunyardCallback", "log_summary", "wandb_callback"]
    assert set(lightgbm_integration.__all__) <= set(dir(lightgbm_integration))
    with pytest.raises(AttributeError, match="'log_sumary'"):
        _ = lightgbm_integration.log_sumary  # type: ignore[attr-defined]
