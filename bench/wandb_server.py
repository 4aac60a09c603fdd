#!/usr/bin/env python3
"""The real ``wandb`` client against ``runyard server`` over PostgreSQL (issue 16).

Two measurements, each repeated (medians of ``--repeat`` runs, 3 by default):

1. **16 concurrent clients**: ``--clients`` processes of the unchanged ``wandb==0.31.0``
   (``bench/.venv-peers``), each ``wandb.init`` → ``run.log({10 scalars})`` as fast as
   it can for ``--seconds`` → ``finish()``, all starting to log at the same instant,
   into one ``runyard server --no-auth`` over a throwaway PostgreSQL cluster
   (``fsync=off``, as ``bench/team.py``) with a local blob directory. Every client
   is initialised before any starts logging. wandb's own
   defaults otherwise (``file_stream`` every 15 s, system metrics on).
   - points/s stored: scalar points PostgreSQL holds afterwards (read back through the
     store, and checked equal to what the clients logged) over the time from the
     common start until the last client exited (its ``finish()`` waits for the server
     to take everything);
   - ``file_stream`` latency p50/p99: timed *inside the server process* by an ASGI
     middleware wrapped around ``runyard server``'s app (request received → last
     response byte sent), so it includes reading and inflating the body, the store
     writes and waiting for a thread, not the network;
   - server CPU: user + system CPU of the server process (psutil) over the same window,
     in cores; PostgreSQL's processes are reported beside it.
2. **one client's ``log()``**: 20,000 ``run.log({10 scalars})`` calls (rows built
   beforehand) online against the server vs ``WANDB_MODE=offline``: µs per call.

Prints a markdown section; ``--out FILE`` also writes it there. Run:
``.venv/bin/python bench/wandb_server.py --out /work/notes/hw-results.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from team import postgres, tree_cpu_s  # bench/team.py

ROOT = Path(__file__).resolve().parents[1]
WANDB_PYTHON = ROOT / "bench" / ".venv-peers" / "bin" / "python"
KEYS = [f"m{k}" for k in range(10)]
#: The server's entity (no accounts: every run lands in it).
ENTITY = "bench"

#: ``runyard server`` with a timing middleware on ``file_stream`` requests.
SERVE = r"""
import sys, time
import runyard.cli.ui as ui

log = open(sys.argv[1], "a", buffering=1)


class Timing:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].endswith("/file_stream"):
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = [0]

        async def timed(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                log.write(f"{time.perf_counter() - start:.6f} {status[0]}\n")

        await self.app(scope, receive, timed)


original = ui._app


def _app(*args, **kwargs):
    app = original(*args, **kwargs)
    app.add_middleware(Timing)
    return app


ui._app = _app
from runyard.cli.main import main

sys.exit(main(sys.argv[2:]))
"""

#: One client of the concurrent run: init, wait for the common start, log, finish.
CLIENT = r"""
import json, pathlib, sys, time, wandb
run = wandb.init(project="bench", id=sys.argv[1])
go, seconds = pathlib.Path(sys.argv[2]), float(sys.argv[3])
print("ready", flush=True)
while not go.exists():  # every client is initialised: all start together
    time.sleep(0.005)
deadline = time.monotonic() + seconds
n = 0
t0 = time.perf_counter()
while time.monotonic() < deadline:
    run.log({"m0": n * 1e-3, "m1": n * 2e-3, "m2": n * 3e-3, "m3": n * 4e-3, "m4": n * 5e-3,
             "m5": n * 6e-3, "m6": n * 7e-3, "m7": n * 8e-3, "m8": n * 9e-3, "m9": 1.0 / (n + 1)})
    n += 1
t1 = time.perf_counter()
run.finish()
print(json.dumps({"steps": n, "log_s": t1 - t0, "finish_s": time.perf_counter() - t1}))
"""

#: One client's log() cost (rows built beforehand: only log() is timed).
LOG_COST = r"""
import json, sys, time, wandb
run = wandb.init(project="bench", id=sys.argv[1])
n = int(sys.argv[2])
rows = [{f"m{k}": i * 1e-3 + k for k in range(10)} for i in range(n)]
t0, c0 = time.perf_counter(), time.process_time()
for row in rows:
    run.log(row)
t1, c1 = time.perf_counter(), time.process_time()
run.finish()
print(json.dumps({"per_call_us": (t1 - t0) / n * 1e6, "cpu_per_call_us": (c1 - c0) / n * 1e6,
                  "finish_s": time.perf_counter() - t1}))
"""


def _free_port() -> int:
    from runyard.store.sql.local_pg import free_port

    return free_port()


@contextlib.contextmanager
def server(root: Path, store_uri: str) -> Iterator[tuple[str, int, Path]]:
    """``runyard server --no-auth`` with the timing middleware: ``(url, pid, timing file)``."""
    root.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(
        RUNYARD_DIR=str(root / "dir"),
        RUNYARD_CONFIG_DIR=str(root / "config"),
        RUNYARD_ENTITY=ENTITY,
    )
    cli = [sys.executable, "-m", "runyard.cli.main"]
    subprocess.run([*cli, "db", "upgrade", "--store", store_uri], env=env, check=True,
                   capture_output=True)  # fmt: skip
    port = _free_port()
    timing = root / "file_stream.txt"
    log = (root / "server.log").open("wb")
    args = ["server", "--port", str(port), "--store", store_uri,
            "--blobs", f"file://{root / 'blobs'}", "--no-auth"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(timing), *args],
        env=env,
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
                    raise RuntimeError((root / "server.log").read_text()[-800:]) from None
                time.sleep(0.05)
        yield url, proc.pid, timing
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
        log.close()


def _client_env(root: Path, url: str, **extra: str) -> dict[str, str]:
    root.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(
        HOME=str(root),
        WANDB_BASE_URL=url,
        WANDB_API_KEY="x" * 40,  # --no-auth: any key of wandb's format
        WANDB_DIR=str(root),
        WANDB_CONFIG_DIR=str(root / "config"),
        WANDB_CACHE_DIR=str(root / "cache"),
        WANDB_DISABLE_GIT="true",
        WANDB_ERROR_REPORTING="false",
        WANDB_SILENT="true",
        **extra,
    )
    return env


def _postgres_cpu(postmaster: int) -> float:
    """PostgreSQL's CPU seconds: the postmaster and its live backends, plus the CPU of
    backends that already exited (the postmaster's ``cutime``/``cstime``)."""
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return tree_cpu_s(postmaster) + reaped


def _cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _stored_points(store_uri: str, runs: list[str]) -> int:
    from runyard.entities import RunRef
    from runyard.store.registry import open_store

    store = open_store(store_uri)
    try:
        total = 0
        for run in runs:
            for key in KEYS:
                total += len(store.read_series(RunRef(ENTITY, "bench", run), key).steps)
        return total
    finally:
        store.close()


def concurrent(
    work: Path, store_uri: str, postmaster: int, clients: int, seconds: float
) -> dict[str, Any]:
    """One run of the concurrent measurement (a fresh database's worth of runs)."""
    tag = work.name
    with server(work / "server", store_uri) as (url, pid, timing):
        runs = [f"{tag}c{i:02d}" for i in range(clients)]
        go = work / "go"
        procs = [
            subprocess.Popen(
                [str(WANDB_PYTHON), "-c", CLIENT, run, str(go), str(seconds)],
                env=_client_env(work / run, url),
                cwd=work,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for run in runs
        ]
        for proc in procs:  # wait for every wandb.init
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a wandb client failed to start:\n{proc.communicate()[1]}")
        go.touch()
        start_at = time.time()
        cpu0, pg0, wall0 = _cpu(pid), _postgres_cpu(postmaster), time.time()
        outs = []
        for proc in procs:
            out, err = proc.communicate(timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError(f"a wandb client failed:\n{err[-2000:]}")
            outs.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.time() - start_at
        cpu, pg = _cpu(pid) - cpu0, _postgres_cpu(postmaster) - pg0
        wall_cpu = time.time() - wall0
        latencies = [float(line.split()[0]) for line in timing.read_text().splitlines()]
        statuses = {line.split()[1] for line in timing.read_text().splitlines()}
    logged = sum(o["steps"] for o in outs) * len(KEYS)
    stored = _stored_points(store_uri, runs)
    if stored != logged:
        raise RuntimeError(f"stored {stored} points, the clients logged {logged}")
    return {
        "points_per_s": stored / wall,
        "points": stored,
        "wall_s": wall,
        "log_steps_per_s_per_client": statistics.median(o["steps"] / o["log_s"] for o in outs),
        "finish_s_max": max(o["finish_s"] for o in outs),
        "requests": len(latencies),
        "statuses": sorted(statuses),
        "p50_ms": _percentile(latencies, 0.5) * 1e3,
        "p99_ms": _percentile(latencies, 0.99) * 1e3,
        "server_cores": cpu / wall_cpu,
        "server_us_per_point": cpu / stored * 1e6,
        "postgres_cores": pg / wall_cpu,
    }


def log_cost(work: Path, url: str, calls: int, offline: bool) -> dict[str, Any]:
    run = f"{work.name}{'off' if offline else 'on'}"
    extra = {"WANDB_MODE": "offline"} if offline else {}
    done = subprocess.run(
        [str(WANDB_PYTHON), "-c", LOG_COST, run, str(calls)],
        env=_client_env(work / run, url, **extra),
        cwd=work,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the wandb client failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} × {cpu}; load average {load} at the start"


def _versions() -> str:
    import runyard

    wandb = subprocess.run(
        [str(WANDB_PYTHON), "-c", "import wandb; print(wandb.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return f"wandb {wandb}, runyard {getattr(runyard, '__version__', '?')}, Python {platform.python_version()}"


def _med(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _each(rows: list[dict[str, Any]], key: str, fmt: str) -> str:
    return ", ".join(format(r[key], fmt) for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="each client logs this long")
    parser.add_argument("--calls", type=int, default=20_000, help="log() calls timed per client")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the markdown section here")
    args = parser.parse_args()
    if not WANDB_PYTHON.is_file():
        raise SystemExit(f"no {WANDB_PYTHON}: run bench/setup_peers.sh (PEERS=wandb)")
    machine, versions = _machine(), _versions()
    many: list[dict[str, Any]] = []
    online: list[dict[str, Any]] = []
    offline: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="runyard-bench-wandb-") as tmp,
        postgres() as (
            store_uri,
            postmaster,
        ),
    ):
        for i in range(args.repeat):
            many.append(concurrent(Path(tmp) / f"r{i}", store_uri, postmaster, args.clients,
                                   args.seconds))  # fmt: skip
            print(f"concurrent run {i + 1}: {json.dumps(many[-1])}", file=sys.stderr)
        with server(Path(tmp) / "single", store_uri) as (url, _, _):
            for i in range(args.repeat):
                online.append(log_cost(Path(tmp) / f"l{i}", url, args.calls, offline=False))
                offline.append(log_cost(Path(tmp) / f"l{i}", url, args.calls, offline=True))
                print(f"log() run {i + 1}: {online[-1]} {offline[-1]}", file=sys.stderr)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## The wandb client against `runyard server` (issue 16)",
        "",
        f"{date}. {machine}. {versions}; PostgreSQL: throwaway local cluster (fsync off); "
        "blobs: a local directory. Medians of "
        f"{args.repeat} runs (each run's values in brackets). `bench/wandb_server.py`.",
        "",
        f"**{args.clients} concurrent `wandb` clients**, each logging 10 scalars per step as "
        f"fast as it can for {args.seconds:g} s, then `finish()`; wandb's defaults otherwise "
        "(`file_stream` every 15 s, system metrics on).",
        "",
        "| measure | median | runs |",
        "|---|---|---|",
        f"| points/s stored (PostgreSQL, common start → last client exited) | "
        f"{_med(many, 'points_per_s'):,.0f} | {_each(many, 'points_per_s', ',.0f')} |",
        f"| points stored per run (= points logged, checked) | {_med(many, 'points'):,.0f} | "
        f"{_each(many, 'points', ',.0f')} |",
        f"| window (s) | {_med(many, 'wall_s'):.1f} | {_each(many, 'wall_s', '.1f')} |",
        f"| `log()` steps/s per client (median client) | "
        f"{_med(many, 'log_steps_per_s_per_client'):,.0f} | "
        f"{_each(many, 'log_steps_per_s_per_client', ',.0f')} |",
        f"| slowest `finish()` (s) | {_med(many, 'finish_s_max'):.1f} | "
        f"{_each(many, 'finish_s_max', '.1f')} |",
        f"| `file_stream` requests per run | {_med(many, 'requests'):.0f} | "
        f"{_each(many, 'requests', '.0f')} |",
        f"| `file_stream` p50 (ms, in the server) | {_med(many, 'p50_ms'):.1f} | "
        f"{_each(many, 'p50_ms', '.1f')} |",
        f"| `file_stream` p99 (ms, in the server) | {_med(many, 'p99_ms'):.1f} | "
        f"{_each(many, 'p99_ms', '.1f')} |",
        f"| server CPU (cores) | {_med(many, 'server_cores'):.2f} | "
        f"{_each(many, 'server_cores', '.2f')} |",
        f"| server CPU per stored point (µs) | {_med(many, 'server_us_per_point'):.1f} | "
        f"{_each(many, 'server_us_per_point', '.1f')} |",
        f"| PostgreSQL CPU (cores) | {_med(many, 'postgres_cores'):.2f} | "
        f"{_each(many, 'postgres_cores', '.2f')} |",
        "",
        f"**One client's `log()`** ({args.calls:,} calls of 10 scalars, rows built beforehand):",
        "",
        "| mode | µs per `log()`, wall (median) | runs | µs per `log()`, CPU of the "
        "script's process (median) | runs | `finish()` s (median) |",
        "|---|---|---|---|---|---|",
        f"| online against `runyard server` | {_med(online, 'per_call_us'):.1f} | "
        f"{_each(online, 'per_call_us', '.1f')} | {_med(online, 'cpu_per_call_us'):.1f} | "
        f"{_each(online, 'cpu_per_call_us', '.1f')} | {_med(online, 'finish_s'):.2f} |",
        f"| offline (`WANDB_MODE=offline`) | {_med(offline, 'per_call_us'):.1f} | "
        f"{_each(offline, 'per_call_us', '.1f')} | {_med(offline, 'cpu_per_call_us'):.1f} | "
        f"{_each(offline, 'cpu_per_call_us', '.1f')} | {_med(offline, 'finish_s'):.2f} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
