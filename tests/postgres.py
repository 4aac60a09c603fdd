"""A throwaway PostgreSQL server for any test (session-scoped; fixtures `postgres_server`, `postgres_uri`).

Started from Debian's ``postgresql`` binaries on 127.0.0.1 and a free port, in a
temporary directory, with ``fsync=off``. initdb refuses to run as root, so as root
the cluster belongs to an unprivileged ``runyard-pg`` user (created if missing).
Without the binaries the PostgreSQL tests are skipped, or fail when
``RUNYARD_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PG_USER = "runyard-pg"


def _pg_bindir() -> Path | None:
    """``$RUNYARD_PG_BINDIR`` if set, else the newest Debian install, else ``$PATH``."""
    chosen = os.environ.get("RUNYARD_PG_BINDIR")
    if chosen:
        candidates = [chosen]
    else:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        initdb = shutil.which("initdb")
        if initdb:
            candidates.append(str(Path(initdb).parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _unavailable(message: str) -> None:
    if os.environ.get("RUNYARD_REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (RUNYARD_REQUIRE_POSTGRES=1)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A running cluster; `new_database` gives each test its own database."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._names = itertools.count()

    def uri(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URI."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.uri(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
    assert bindir is not None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed; pip install 'psycopg[binary]'")
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="runyard-pg-"))
    if os.geteuid() == 0:
        if subprocess.run(["id", "-u", _PG_USER], capture_output=True).returncode != 0:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", _PG_USER],
                check=True,
            )
        shutil.chown(root, user=_PG_USER)
        prefix = ["runuser", "-u", _PG_USER, "--"]
    data = root / "data"
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=root)

    try:
        run(
            str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        run(
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start",
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = root / "log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr!r}\n{detail}")
    try:
        yield PostgresServer("127.0.0.1", port)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_uri(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.new_database()
