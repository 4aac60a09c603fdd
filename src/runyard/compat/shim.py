"""Install, remove and inspect the ``wandb`` compatibility distribution.

The distribution is the package in ``compat/wandb/`` copied into an environment's
site-packages (``purelib`` of the running interpreter, a venv's when run from one)
with a ``wandb-<version>.dist-info`` beside it, so ``import wandb``,
``importlib.metadata.version("wandb")``, ``pip list`` and ``pip uninstall wandb``
all see an ordinary installed distribution. Its version is wandb's API level plus
a local label, ``0.31.0+runyard.<runyard version>``, which is how Runyard tells its
own install from a real wandb one (never replaced without ``force``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import shutil
import sysconfig
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

__all__ = [
    "LOCAL_LABEL",
    "WANDB_API_VERSION",
    "InstalledWandb",
    "ShimError",
    "find_installed",
    "install",
    "site_dir",
    "uninstall",
    "wandb_version",
]

#: The wandb release whose API the shim offers (frameworks check ``>=`` versions).
WANDB_API_VERSION = "0.31.0"
LOCAL_LABEL = "runyard"
INSTALLER = "runyard"
SOURCE = Path(__file__).resolve().parent / "wandb"


class ShimError(Exception):
    """The shim cannot be installed or removed as asked (the message says why)."""


def wandb_version() -> str:
    """The distribution's version: ``0.31.0+runyard.<runyard version>``."""
    from runyard import __version__

    return f"{WANDB_API_VERSION}+{LOCAL_LABEL}.{__version__}"


def site_dir() -> Path:
    """The running interpreter's purelib (site-packages; a venv's inside one)."""
    return Path(sysconfig.get_paths()["purelib"])


@dataclass(frozen=True)
class InstalledWandb:
    """A ``wandb`` distribution found in a site directory."""

    dist_info: Path
    version: str

    @property
    def is_shim(self) -> bool:
        return f"+{LOCAL_LABEL}." in self.version


def find_installed(site: Path | None = None) -> list[InstalledWandb]:
    """Every ``wandb-*.dist-info`` in ``site`` (normally none or one)."""
    site = site_dir() if site is None else site
    found = []
    for info in sorted(site.glob("wandb-*.dist-info")):
        version = info.name.removeprefix("wandb-").removesuffix(".dist-info")
        try:
            meta = Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))
            version = meta.get("Version") or version
        except OSError:
            pass
        found.append(InstalledWandb(info, version))
    return found


def _digest(data: bytes) -> str:
    raw = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + raw.decode()


def _metadata(version: str) -> str:
    return (
        "Metadata-Version: 2.1\n"
        "Name: wandb\n"
        f"Version: {version}\n"
        "Summary: Runyard's wandb compatibility package: import wandb logs to Runyard\n"
        "Home-page: https://github.com/runyard/runyard\n"
        "Requires-Dist: runyard\n"
    )


def install(site: Path | None = None, force: bool = False) -> InstalledWandb:
    """Install the shim into ``site`` (default :func:`site_dir`).

    An earlier shim is replaced. A real wandb (or a ``wandb`` package with no
    metadata) is refused with :class:`ShimError` unless ``force``, which removes
    it first through its RECORD, as ``pip uninstall`` would.
    """
    site = site_dir() if site is None else site
    for existing in find_installed(site):
        if not existing.is_shim and not force:
            raise ShimError(
                f"a real wandb {existing.version} is installed at {existing.dist_info}; "
                "uninstall it (pip uninstall wandb) or pass --force to replace it"
            )
        _remove_recorded(site, existing.dist_info)
    package = site / "wandb"
    if package.exists():
        if not force:
            raise ShimError(
                f"{package} exists but no wandb distribution owns it; "
                "remove it or pass --force to replace it"
            )
        shutil.rmtree(package)
    version = wandb_version()
    info_name = f"wandb-{version}.dist-info"
    files: dict[str, bytes] = {}
    for source in sorted(SOURCE.rglob("*.py")):
        rel = source.relative_to(SOURCE.parent).as_posix()
        files[rel] = source.read_bytes()
    files[f"{info_name}/METADATA"] = _metadata(version).encode()
    files[f"{info_name}/INSTALLER"] = f"{INSTALLER}\n".encode()
    files[f"{info_name}/top_level.txt"] = b"wandb\n"
    record = [f"{rel},{_digest(data)},{len(data)}" for rel, data in files.items()]
    record.append(f"{info_name}/RECORD,,")
    files[f"{info_name}/RECORD"] = ("\n".join(record) + "\n").encode()
    for rel, data in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return InstalledWandb(site / info_name, version)


def uninstall(site: Path | None = None, force: bool = False) -> InstalledWandb | None:
    """Remove the shim from ``site``: exactly the files its RECORD lists (and their
    compiled ``.pyc``), then directories left empty. None when it is not installed;
    a real wandb is left alone unless ``force``."""
    site = site_dir() if site is None else site
    removed = None
    for existing in find_installed(site):
        if not existing.is_shim and not force:
            raise ShimError(
                f"the wandb installed at {existing.dist_info} is a real wandb "
                f"{existing.version}, not Runyard's shim; use pip uninstall wandb"
            )
        _remove_recorded(site, existing.dist_info)
        removed = existing
    return removed


def _remove_recorded(site: Path, dist_info: Path) -> None:
    try:
        lines = (dist_info / "RECORD").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ShimError(f"cannot read {dist_info / 'RECORD'}: {exc}") from None
    dirs: set[Path] = {dist_info}
    root = site.resolve()
    for line in lines:
        rel = line.rsplit(",", 2)[0] if line.count(",") >= 2 else line
        if not rel:
            continue
        path = (site / rel).resolve()
        if not path.is_relative_to(root):
            continue  # a RECORD entry outside site-packages (scripts) is not ours to judge
        path.unlink(missing_ok=True)
        if path.suffix == ".py":
            cache = path.parent / "__pycache__"
            for pyc in cache.glob(f"{path.stem}.*.pyc"):
                pyc.unlink(missing_ok=True)
            dirs.add(cache)
        parent = path.parent
        while parent != root and parent.is_relative_to(root):
            dirs.add(parent)
            parent = parent.parent
    for directory in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            directory.rmdir()  # only when empty: files we did not write stay
