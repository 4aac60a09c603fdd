"""A throwaway team deployment for the server benchmarks: PostgreSQL and ``runyard server``.

PostgreSQL is Debian's binaries, started with ``initdb`` + ``pg_ctl`` on 127.0.0.1 and
a free port in a temporary directory, as ``tests/postgres.py`` does for the tests
(as root the cluster belongs to an unprivileged ``runyard-pg`` user, since initdb
refuses root). It runs with ``fsync=off``/``synchronous_commit=off``: the
benchmark measures Runyard's ingest path, not this VM's disk flushes. The schema
is made with ``runyard db upgrade``; the server is ``runyard server --no-auth``
in its own process group.

Imported lazily by ``workloads.py`` (standard library only here too).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["postgres", "process_cpu_s", "renice_tree", "runyard_server", "tree_cpu_s"]

_PG_USER = "runyard-pg"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found is None:
        raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
    return Path(found).parent


@contextlib.contextmanager
def postgres() -> Iterator[tuple[str, int]]:
    """A running cluster: ``(SQLAlchemy URI of database 'bench', postmaster pid)``.

    It lives in a fresh directory under the system's temporary directory, which the
    unprivileged cluster owner can reach (the checkout may not be), removed after.
    """
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="runyard-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        if subprocess.run(["id", "-u", _PG_USER], capture_output=True).returncode != 0:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", _PG_USER],
                check=True,
            )
        shutil.chown(root, user=_PG_USER)
        prefix = ["runuser", "-u", _PG_USER, "--"]
    data, port = root / "pgdata", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=root)

    run(
        str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
        "--encoding=UTF8", "--locale=C", "--no-sync",
    )  # fmt: skip
    run(
        str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"), "-w", "-t", "60",
        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        "start",
    )  # fmt: skip
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench", pid
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "runyard.cli.main", *args]


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env["RUNYARD_DIR"] = str(root / "server-dir")
    env["RUNYARD_CONFIG_DIR"] = str(root / "server-config")
    return env


@contextlib.contextmanager
def runyard_server(root: Path, store_uri: str) -> Iterator[tuple[str, int]]:
    """``runyard server`` over ``store_uri`` (schema made first): ``(base URL, pid)``."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        _cli("db", "upgrade", "--store", store_uri),
        env=_env(root),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        _cli(
            *("server", "--port", str(port), "--store", store_uri),
            *("--blobs", f"file://{root / 'blobs'}", "--no-auth"),
        ),
        env=_env(root),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/projects", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"runyard server did not start: {(root / 'server.log').read_text()[-500:]}"
                    ) from None
                time.sleep(0.05)
        yield url, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
        log.close()


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process so far (``/proc/<pid>/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its live descendants (PostgreSQL's backends)."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += process_cpu_s(current)
        todo += _children(current)
    return total


def renice_tree(pid: int, niceness: int = 19) -> None:
    """Lower the priority of a process and its live descendants."""
    todo, seen = [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, current, niceness)
        todo += _children(current)
