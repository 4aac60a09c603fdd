"""A throwaway team deployment for the server benchmarks: PostgreSQL and ``runyard server``.

PostgreSQL is a throwaway cluster of Debian's binaries
(:func:`runyard.store.sql.local_pg.local_cluster`, as the tests use). It runs with ``fsync=off``/``synchronous_commit=off``: the
benchmark measures Runyard's ingest path, not this VM's disk flushes. The schema
is made with ``runyard db upgrade``; the server is ``runyard server --no-auth``
in its own process group.

Imported lazily by ``workloads.py``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from runyard.store.sql.local_pg import free_port, local_cluster

__all__ = ["postgres", "process_cpu_s", "renice_tree", "runyard_server", "tree_cpu_s"]

_CLK_TCK = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def postgres() -> Iterator[tuple[str, int]]:
    """A running cluster: ``(SQLAlchemy URI of database 'bench', postmaster pid)``."""
    with local_cluster(prefix="runyard-bench-pg-") as cluster:
        subprocess.run(
            [str(cluster.bindir / "createdb"), "-h", cluster.host, "-p", str(cluster.port),
             "-U", "postgres", "bench"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        yield cluster.uri("bench"), cluster.pid


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
    port = free_port()
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
