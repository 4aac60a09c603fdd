"""A throwaway virtual environment that sees Runyard without installing it.

``python -m venv --without-pip`` takes a fraction of a second; a ``.pth`` file in it
adds Runyard's sources and the project venv's site-packages (its dependencies and
pip) behind the new venv's own site-packages, where the shim gets installed. pip run
from there (``python -m pip``) manages the new venv's distributions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from dataclasses import dataclass
from pathlib import Path

import runyard

SRC = Path(runyard.__file__).resolve().parent.parent


@dataclass(frozen=True)
class Venv:
    root: Path
    python: Path
    site: Path

    def run(
        self, code: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in the venv's interpreter (a fresh process)."""
        return self.cmd(["-c", textwrap.dedent(code)], env=env, check=check)

    def cmd(
        self, args: list[str], env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, **(env or {})}
        full.pop("PYTHONPATH", None)
        done = subprocess.run(
            [str(self.python), *args], capture_output=True, text=True, env=full, timeout=120
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done


def make_venv(root: Path) -> Venv:
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    project_site = sysconfig.get_paths()["purelib"]
    (site / "runyard-dev.pth").write_text(f"{SRC}\n{project_site}\n")
    assert sys.prefix != str(root)
    return Venv(root, python, site)
