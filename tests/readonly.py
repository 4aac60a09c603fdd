"""A store the test process cannot write: ``chmod -w``, or a read-only mount as root.

Root ignores file modes, so as root the directory is bind-mounted read-only in a
private mount namespace (``unshare -m``) for the command only: nothing leaks to the
machine, and the files really are read-only to it (EROFS), as on a read-only mount.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["read_only"]

_MOUNT = 'mount --bind -o ro "$0" "$0" && exec "$@"'


def _can_mount(root: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", _MOUNT, str(root), "true"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@contextmanager
def read_only(root: Path) -> Iterator[list[str]]:
    """A command prefix under which everything in ``root`` is read-only."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [root, *root.rglob("*")]}
        for path, mode in modes.items():
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield []
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if not _can_mount(root):
        pytest.skip("root without CAP_SYS_ADMIN: cannot make a read-only mount (unshare -m)")
    yield ["unshare", "-m", "sh", "-c", _MOUNT, str(root)]
