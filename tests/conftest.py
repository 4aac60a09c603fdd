"""Shared fixtures: every test gets its own RUNYARD_DIR and leaves no run active."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import METADATA_OFF

ROOT = Path(__file__).resolve().parents[1]

# The throwaway PostgreSQL cluster (`postgres_server`, `postgres_uri`) and S3 server
# (`s3_endpoint`, `s3_blobs_uri`) for every test directory.
pytest_plugins = ["tests.postgres", "tests.s3"]


@pytest.fixture(autouse=True)
def _no_checkout_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs started by tests record no git state and no requirements.txt unless a test
    turns them back on (tests/sdk/test_metadata.py): the suite runs inside a git
    checkout (here and in CI), and a run's files must not depend on that."""
    for name, value in METADATA_OFF.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def ry_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh Runyard data directory, set through the environment as users do."""
    root = tmp_path / "runyard"
    for name in list(os.environ):
        if name.startswith(("RUNYARD_", "WANDB_")):
            monkeypatch.delenv(name)
    for name, value in METADATA_OFF.items():  # (cleared with the rest just above)
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RUNYARD_DIR", str(root))
    monkeypatch.setenv("RUNYARD_ENTITY", "tester")
    # Never the developer's `runyard login` credentials: they would send runs online.
    monkeypatch.setenv("RUNYARD_CONFIG_DIR", str(tmp_path / "runyard-config"))
    yield root
    from runyard.sdk import init as sdk_init

    for run in list(sdk_init._active):
        run.finish()
