"""The package facade: lazy, so importing it imports no XGBoost."""

from __future__ import annotations

import subprocess
import sys

import pytest

import runyard.integration.xgboost as xgboost_integration


def test_importing_the_package_imports_no_xgboost() -> None:
    code = (
        "import sys, runyard, runyard.integration.xgboost as x\n"
        "import runyard.compat.wandb.integration.xgboost as shim\n"
        "assert sorted(x.__all__) == x.__all__\n"
        "assert 'xgboost' not in sys.modules\n"
        "assert shim.WandbCallback is x.RunyardCallback is x.WandbCallback\n"
        "assert shim.wandb_callback is x.wandb_callback\n"
        "assert 'xgboost' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_names() -> None:
    assert xgboost_integration.__all__ == ["RunyardCallback", "WandbCallback", "wandb_callback"]
    assert set(xgboost_integration.__all__) <= set(dir(xgboost_integration))
    with pytest.raises(AttributeError, match="'RunyardCalback'"):
        _ = xgboost_integration.RunyardCalback  # type: ignore[attr-defined]
