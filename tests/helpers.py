"""Helpers for tests that need a fresh Python process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: wandb's settings, through the environment, that keep runs started by tests from
#: recording the git state (``diff.patch``) and ``requirements.txt`` of the checkout
#: the suite runs in; tests of that behaviour drop them (tests/conftest.py sets them).
METADATA_OFF = {"WANDB_DISABLE_GIT": "true", "WANDB_X_SAVE_REQUIREMENTS": "false"}


def run_script(
    code: str, root: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run Python code in a fresh process with RUNYARD_DIR=root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(
        RUNYARD_DIR=str(root),
        RUNYARD_ENTITY="tester",
        RUNYARD_CONFIG_DIR=str(root / "config"),  # never the developer's credentials
        **METADATA_OFF,
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
