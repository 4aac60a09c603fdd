"""Runs the training scenarios once per Keras backend and hands each test module its results.

jax always runs (it is a dev dependency); torch and TensorFlow run whenever they are
installed (CI installs torch; TensorFlow is checked by hand, see docs/keras.md).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import runyard

ROOT = Path(__file__).resolve().parents[3]

BACKENDS = [
    "jax",
    *(
        pytest.param(
            name,
            marks=pytest.mark.skipif(
                importlib.util.find_spec(name) is None, reason=f"{name} is not installed"
            ),
        )
        for name in ("torch", "tensorflow")
    ),
]


class Scenarios:
    """The results of one backend's scenario process, and the store it wrote to."""

    def __init__(
        self, backend: str, root: Path, results: dict[str, Any], stdout: str, stderr: str
    ) -> None:
        self.backend = backend
        self.root = root
        self.results = results
        self.stdout = stdout
        self.stderr = stderr

    def __getitem__(self, name: str) -> Any:
        result = self.results[name]
        if "error" in result:
            raise AssertionError(f"scenario {name!r} failed on {self.backend}:\n{result['error']}")
        return result["ok"]


@pytest.fixture(scope="session", params=BACKENDS)
def scenarios(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Scenarios:
    backend: str = request.param
    work = tmp_path_factory.mktemp(f"keras-{backend}")
    root = work / "runyard"
    out = work / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(
        RUNYARD_DIR=str(root),
        RUNYARD_ENTITY="tester",
        KERAS_BACKEND=backend,
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="ignore",
    )
    code = f"from tests.integration.keras.scenarios import main; main({str(out)!r})"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    if proc.returncode != 0 or not out.exists():
        raise AssertionError(f"scenario process failed on {backend}:\n{proc.stderr[-5000:]}")
    return Scenarios(backend, root, json.loads(out.read_text()), proc.stdout, proc.stderr)


@pytest.fixture
def api(scenarios: Scenarios, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``runyard.Api()`` on the store the scenario process wrote."""
    for name in list(os.environ):
        if name.startswith(("RUNYARD_", "WANDB_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RUNYARD_DIR", str(scenarios.root))
    monkeypatch.setenv("RUNYARD_ENTITY", "tester")
    return runyard.Api()
