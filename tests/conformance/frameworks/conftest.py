"""Shared fixtures of the frameworks conformance suite (issue 15).

Each test runs a tiny CPU training as a user would — a script file run by a fresh
interpreter — and reads what arrived through ``runyard.Api()``, never the exit code alone:

- ``shim_python``: a throwaway venv (``tests/compat/venv.py``: Runyard's sources and the
  project's site-packages behind the venv's own) with ``runyard wandb-shim install`` done
  in it, so a framework's own wandb integration imports Runyard unchanged;
- ``native_python``: the project's interpreter, where no ``wandb`` is installed, for the
  ``runyard.integration.*`` routes.

Both see the test's ``RUNYARD_DIR`` (``ry_dir`` sets it in the environment the scripts
inherit), so ``runyard.Api()`` in the test reads the runs the script logged. Scripts are
files, not ``-c`` code, so spawned workers (``ddp_spawn``, ``multiprocessing``) can
re-import their ``__main__``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compat.venv import make_venv


@dataclass(frozen=True)
class Python:
    """An interpreter that runs training scripts."""

    executable: Path

    def script(
        self, code: str, workdir: Path, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Write ``code`` to ``workdir/train.py`` and run it there; fail with its output."""
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "train.py"
        path.write_text(textwrap.dedent(code))
        full = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        # two cores shared by the whole suite: one thread per process
        full.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
        full.update(env)
        done = subprocess.run(
            [str(self.executable), str(path)],
            cwd=workdir,
            env=full,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"{path} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}"
            )
        return done


@pytest.fixture(scope="session")
def shim_python(tmp_path_factory: pytest.TempPathFactory) -> Python:
    """A venv with Runyard's ``wandb`` shim installed (made once per session)."""
    env = make_venv(tmp_path_factory.mktemp("frameworks") / "venv")
    env.cmd(["-m", "runyard", "wandb-shim", "install"])
    return Python(env.python)


@pytest.fixture
def native_python() -> Python:
    """The project's interpreter (no ``wandb`` installed)."""
    return Python(Path(sys.executable))


@pytest.fixture
def workdir(ry_dir: Path, tmp_path: Path) -> Path:
    """Where a test's script runs (its cwd); ``RUNYARD_DIR`` is set for it."""
    path = tmp_path / "work"
    path.mkdir()
    return path
