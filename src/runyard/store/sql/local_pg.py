"""A throwaway PostgreSQL cluster from the machine's own binaries.

The tests (``tests/postgres.py``) and the server benchmarks (``bench/team.py``) need a
real PostgreSQL without a system service: Debian's ``postgresql`` binaries, started with
``initdb`` + ``pg_ctl`` on 127.0.0.1 and a free port, in a fresh temporary directory,
stopped and removed afterwards. ``initdb`` refuses to run as root, so as root the
cluster belongs to an unprivileged ``runyard-pg`` user (created when missing).

``durable=False`` (the default) turns off ``fsync``, ``synchronous_commit`` and
``full_page_writes``: these clusters measure and test Runyard, not the disk.
Standard library only; nothing here is imported by ``import runyard``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalCluster", "free_port", "local_cluster", "pg_bindir"]

PG_USER = "runyard-pg"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bindir() -> Path | None:
    """``$RUNYARD_PG_BINDIR`` if set, else the newest Debian install, else ``$PATH``."""
    chosen = os.environ.get("RUNYARD_PG_BINDIR")
    candidates = (
        [chosen] if chosen else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    )
    if not chosen:
        initdb = shutil.which("initdb")
        if initdb:
            candidates.append(str(Path(initdb).parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class LocalCluster:
    """A running cluster: superuser ``postgres``, trust authentication, 127.0.0.1 only."""

    host: str
    port: int
    data: Path
    bindir: Path

    def uri(self, database: str) -> str:
        """The SQLAlchemy URI of ``database`` in this cluster."""
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    @property
    def pid(self) -> int:
        """The postmaster's process id."""
        return int((self.data / "postmaster.pid").read_text().split()[0])


def _owner_prefix(root: Path) -> list[str]:
    """As root: give ``root`` to the unprivileged cluster user and run commands as it."""
    if os.geteuid() != 0:
        return []
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", PG_USER],
            check=True,
        )
    shutil.chown(root, user=PG_USER)
    return ["runuser", "-u", PG_USER, "--"]


@contextlib.contextmanager
def local_cluster(*, prefix: str = "runyard-pg-", durable: bool = False) -> Iterator[LocalCluster]:
    """Start a cluster, yield it, then stop it (``immediate``) and delete its files.

    Raises ``RuntimeError`` naming the fix when the binaries are missing, and with
    PostgreSQL's log when the cluster does not start.
    """
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql "
            "or set RUNYARD_PG_BINDIR"
        )
    # Under the system's temporary directory, which the cluster user can reach.
    root = Path(tempfile.mkdtemp(prefix=prefix))
    run_as = _owner_prefix(root)
    data, log, port = root / "data", root / "log", free_port()

    def run(*args: str) -> None:
        subprocess.run([*run_as, *args], check=True, capture_output=True, cwd=root)

    fast = "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        run(
            str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        run(
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''{fast}",
            "start",
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr!r}\n{detail}") from None
    try:
        yield LocalCluster("127.0.0.1", port, data, bindir)
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)
