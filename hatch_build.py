"""Hatch build hook: build the web app (``web/``) into ``src/runyard/ui/static``.

Runs for the wheel (standard and editable) and the sdist. With Node.js and npm on
``PATH`` it runs ``npm ci`` (when ``node_modules`` is missing or older than
``package-lock.json``) and ``npm run build``, skipping both when the built UI
already matches the sources (a hash of ``web/`` kept beside the build). Without
Node it uses an existing build (an sdist ships one), and otherwise fails with a
message naming Node. ``RUNYARD_SKIP_UI_BUILD=1`` installs without building.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STATIC = Path("src", "runyard", "ui", "static")
WEB = Path("web")
STAMP = ".source-hash"
#: What the build reads; node_modules is covered by package-lock.json.
SOURCES = ("index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts")
NODE_MIN = (20, 19)
NODE_HINT = (
    "Runyard's web UI is built from web/ with Node.js (>= 20.19) and npm, and neither a "
    "built UI ({static}) nor `{tool}` on PATH was found. Install Node.js 20.19 or newer "
    "(https://nodejs.org; Debian 12's `nodejs` package is too old) and reinstall, or set "
    "RUNYARD_SKIP_UI_BUILD=1 to install without the web UI."
)


def source_hash(web: Path) -> str:
    """A hash of every file the UI build reads (sources and the lockfile)."""
    digest = hashlib.sha256()
    files = [web / name for name in SOURCES if (web / name).is_file()]
    files += sorted(p for p in (web / "src").rglob("*") if p.is_file())
    for path in files:
        digest.update(path.relative_to(web).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _node_version(node: str) -> tuple[int, ...]:
    result = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    try:
        return tuple(int(part) for part in result.stdout.strip().lstrip("v").split(".")[:2])
    except ValueError:
        return (0,)


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Builds the UI before the wheel or sdist is assembled and ships it."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        static, web = root / STATIC, root / WEB
        build_data["artifacts"].append(f"/{STATIC.as_posix()}/**")
        if os.environ.get("RUNYARD_SKIP_UI_BUILD") == "1":
            self.app.display_warning("runyard: RUNYARD_SKIP_UI_BUILD=1, not building the web UI")
            return
        built = (static / "index.html").is_file()
        if not (web / "package.json").is_file():
            if built or self.target_name == "sdist":
                return  # building from an sdist that ships the UI
            raise RuntimeError(
                f"runyard: neither the web UI's sources ({WEB}/package.json) nor a built UI "
                f"({STATIC}/index.html) were found under {root}"
            )
        wanted = source_hash(web)
        stamp = static / STAMP
        if built and stamp.is_file() and stamp.read_text().strip() == wanted:
            self.app.display_info("runyard: web UI is up to date")
            return
        npm = shutil.which("npm")
        node = shutil.which("node")
        if not npm or not node:
            missing = "node" if not node else "npm"
            if built:
                self.app.display_warning(
                    f"runyard: `{missing}` not found; shipping the existing build of the web "
                    f"UI in {STATIC}, which may be older than web/"
                )
                return
            if self.target_name == "sdist":
                self.app.display_warning(
                    f"runyard: `{missing}` not found; sdist without a built UI"
                )
                return
            raise RuntimeError(NODE_HINT.format(static=STATIC, tool=missing))
        version = _node_version(node)
        if version < NODE_MIN:
            found = ".".join(map(str, version))
            raise RuntimeError(
                f"runyard: the web UI needs Node.js >= 20.19 to build, but `{node}` is {found}; "
                "install a newer Node.js (https://nodejs.org) or set RUNYARD_SKIP_UI_BUILD=1"
            )
        lock = web / "package-lock.json"
        installed = web / "node_modules" / ".package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
            self._run([npm, "ci", "--no-audit", "--no-fund"], web)
        self._run([npm, "run", "build"], web)
        if not (static / "index.html").is_file():
            raise RuntimeError(f"runyard: `npm run build` did not write {STATIC}/index.html")
        stamp.write_text(wanted + "\n")

    def clean(self, versions: list[str]) -> None:
        shutil.rmtree(Path(self.root) / STATIC, ignore_errors=True)

    def _run(self, command: list[str], cwd: Path) -> None:
        self.app.display_info(f"runyard: npm {' '.join(command[1:])} (in {cwd.name}/)")
        result = subprocess.run(command, cwd=cwd, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"runyard: `{' '.join(command[1:])}` failed in {cwd} (exit {result.returncode}); "
                "see the npm output above"
            )
