"""Scale benchmarks of issue 20 (server and store side), printed as a markdown section.

- ``/series`` server time (store read + reduction + encoding, as the route does it; no
  HTTP) for 100 runs x 100,000 steps and 1,000 runs x 10,000 steps, SQLite and
  PostgreSQL, JSON and the compact binary body, beside the per-series path it replaced;
- ``Api().runs(filters)`` over 100,000 runs on PostgreSQL;
- PostgreSQL ingest: 16 concurrent runs into two ``runyard server`` processes, and the
  same into MLflow's server (two workers; ``bench/.venv-peers``, made by
  ``setup_peers.sh``) on the same PostgreSQL: points/s and CPU per point of the
  servers, PostgreSQL (its exited backends included) and the load generators.

Data is seeded through the store API (``SqlStore.write_batch``; the 100,000 runs by
multi-row inserts into ``runs``). Medians of ``--repeat`` (>= 3) after one warm-up.
Run: ``.venv/bin/python bench/scale.py [--quick] [--only series,filters,ingest]``
(ingest alone, both sides: ``--only ingest --repeat 3``; ``--no-mlflow`` for Runyard only).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runyard.entities import RunRef
from runyard.server.series import XAxis, panel_series, series_binary, series_json
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

ENTITY, PROJECT = "bench", "scale"


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm-up: caches, imports, the database's buffers
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _seed_series(store: SqlStore, runs: int, steps: int) -> None:
    rng = np.random.default_rng(0)
    x = np.arange(steps, dtype=np.int64)
    for r in range(runs):
        y = rng.normal(size=steps).cumsum()
        store.write_batch(
            RunBatch(RunRef(ENTITY, PROJECT, f"run{r:04d}"), create={}, columns={"loss": (x, y)})
        )


def _series_case(store: SqlStore, runs: int, repeat: int, old: bool) -> dict[str, Any]:
    ids = [f"run{r:04d}" for r in range(runs)]

    def new_json() -> bytes:
        out = panel_series(store, ENTITY, PROJECT, ids, ["loss"], "_step", None, None, 1000)
        return orjson.dumps({"x": "_step", "series": out}, option=orjson.OPT_SERIALIZE_NUMPY)

    def new_binary() -> bytes:
        out = panel_series(store, ENTITY, PROJECT, ids, ["loss"], "_step", None, None, 1000)
        return series_binary("_step", out)

    def old_json() -> bytes:
        out = []
        for run_id in ids:
            ref = RunRef(ENTITY, PROJECT, run_id)
            axis = XAxis(store, ref, "_step")
            out.append(series_json(store, ref, "loss", "_step", None, None, 1000, axis))
        return orjson.dumps({"x": "_step", "series": out}, option=orjson.OPT_SERIALIZE_NUMPY)

    t_json, body_json = _median(new_json, repeat)
    t_bin, body_bin = _median(new_binary, repeat)
    row = {"json_s": t_json, "binary_s": t_bin, "json_b": len(body_json), "bin_b": len(body_bin)}
    if old:
        row["old_s"] = _median(old_json, repeat)[0]
    return row


def bench_series(uris: dict[str, str], repeat: int, quick: bool) -> list[str]:
    cases = [(100, 10_000 if quick else 100_000), (1000, 1_000 if quick else 10_000)]
    lines = [
        "| store | runs x steps | /series JSON | binary | before (per series) | JSON bytes | binary bytes |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, uri in uris.items():
        for runs, steps in cases:
            store = SqlStore(uri.replace("DB", f"s{runs}"))
            try:
                if not store.query_runs(ENTITY, PROJECT, limit=1):
                    _seed_series(store, runs, steps)
                row = _series_case(store, runs, repeat, old=True)
            finally:
                store.close()
            lines.append(
                f"| {name} | {runs} x {steps:,} | {row['json_s'] * 1e3:.1f} ms | "
                f"{row['binary_s'] * 1e3:.1f} ms | {row['old_s'] * 1e3:.1f} ms | "
                f"{row['json_b'] / 1e6:.2f} MB | {row['bin_b'] / 1e6:.2f} MB |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


def _seed_runs(store: SqlStore, n: int) -> None:
    """``n`` runs in one project by multi-row inserts (the store's own tables)."""
    rng = np.random.default_rng(1)
    store.write_batch(RunBatch(RunRef(ENTITY, "big", "seed"), create={}))
    with store._db.write() as tx:
        project = int(tx.scalar("SELECT project_id FROM runs WHERE run_id = 'seed'"))
        optimizers = ["adam", "sgd", "adamw", "lion"]
        now = time.time()
        for start in range(0, n, 5000):
            rows = []
            for i in range(start, min(start + 5000, n)):
                config = {
                    "lr": float(10 ** rng.uniform(-5, -1)),
                    "optimizer": optimizers[i % 4],
                    "batch_size": int(2 ** (4 + i % 6)),
                    "model": {"depth": int(i % 48), "width": int(64 * (1 + i % 8))},
                    "seed": i,
                }
                summary = {
                    "loss": float(rng.random()),
                    "acc": float(rng.random()),
                    "epoch": int(i % 100),
                }
                rows.append(
                    {
                        "project_id": project,
                        "run_id": f"r{i:06d}",
                        "display_name": f"run-{i}",
                        "state": "finished",
                        "config": json.dumps(config),
                        "summary": json.dumps(summary),
                        "summary_state": "{}",
                        "metrics": "[]",
                        "tags": json.dumps(["sweep"] if i % 10 == 0 else []),
                        "created_at": now - n + i,
                        "updated_at": now,
                        "heartbeat_at": now,
                        "runtime": 1.0,
                        "last_step": 100,
                        "sessions": 1,
                    }
                )
            columns = ", ".join(rows[0])
            tx.many(
                f"INSERT INTO runs ({columns}) VALUES ({', '.join(':' + c for c in rows[0])})",
                rows,
            )
    with store._db.write() as tx:
        tx.run("ANALYZE runs")


FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("config equality (25%)", {"config.optimizer": "adam"}),
    ("config nested equality (2%)", {"config.model.depth": 7}),
    ("summary range (1%)", {"summary_metrics.acc": {"$gt": 0.99}}),
    (
        "compound: config eq + config range + summary range (0.1%)",
        {
            "$and": [
                {"config.optimizer": "sgd"},
                {"config.lr": {"$lt": 1e-3}},
                {"summary_metrics.loss": {"$lt": 0.05}},
            ]
        },
    ),
]


def bench_filters(uri: str, repeat: int, n: int) -> list[str]:
    from runyard.public_api.api import Api

    store = SqlStore(uri)
    try:
        if store.count_runs(ENTITY, "big") < n:
            start = time.perf_counter()
            _seed_runs(store, n)
            print(f"seeded {n} runs in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        api = Api(store=store)
        lines = [
            f"| filter over {n:,} runs (PostgreSQL) | matches | len() + first page | all matches |",
            "|---|---|---|---|",
        ]
        for label, flt in FILTERS:

            def first_page(flt: dict[str, Any] = flt) -> int:
                runs = api.runs(f"{ENTITY}/big", filters=flt)
                count = len(runs)
                for _ in zip(range(50), runs, strict=False):
                    pass
                return count

            def every(flt: dict[str, Any] = flt) -> int:
                return sum(1 for _ in api.runs(f"{ENTITY}/big", filters=flt, per_page=1000))

            t_page, count = _median(first_page, repeat)
            # Iterating 25,000 matches pages with OFFSET: minutes, and not what is measured.
            every_ms = f"{_median(every, repeat)[0] * 1e3:.0f} ms" if count <= 5000 else "-"
            lines.append(f"| {label} | {count:,} | {t_page * 1e3:.0f} ms | {every_ms} |")
            print(lines[-1], file=sys.stderr, flush=True)
        return lines
    finally:
        store.close()


def _ingest_worker(
    url: str, run_ids: list[str], batches: int, steps: int, keys: int, cpu: Any = None
) -> None:
    """One load generator: its runs as threads; adds the CPU seconds its logging took
    (after the interpreter started and imported everything) to ``cpu``."""
    from runyard.store.rest.store import HttpStore

    store = HttpStore(url)
    start = time.process_time()
    rng = np.random.default_rng(abs(hash(run_ids[0])) % 2**32)
    values = rng.normal(size=(keys, steps))

    def one(run_id: str) -> None:
        ref = RunRef(ENTITY, "ingest", run_id)
        for b in range(batches):
            x = np.arange(b * steps, (b + 1) * steps, dtype=np.int64)
            columns = {f"m{k:02d}": (x, values[k] + b) for k in range(keys)}
            store.write_batch(
                RunBatch(
                    ref,
                    create={} if b == 0 else None,
                    columns=columns,
                    journal=(f"bench:{run_id}", b + 1),
                )
            )

    threads = [threading.Thread(target=one, args=(r,)) for r in run_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if cpu is not None:
        with cpu.get_lock():
            cpu.value += time.process_time() - start


def _pg_cpu_s(pid: int) -> float:
    """CPU seconds of PostgreSQL: the postmaster and its live backends, plus the
    backends that exited (reaped by the postmaster: its children's times). Without
    the latter a connection closed during the round takes its CPU with it."""
    from team import tree_cpu_s  # bench/team.py

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return tree_cpu_s(pid) + (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def bench_ingest(root: Path, uri: str, pg_pid: int, repeat: int, quick: bool) -> dict[str, Any]:
    import multiprocessing

    from team import runyard_server, tree_cpu_s  # bench/team.py

    runs, batches, steps, keys = 16, (5 if quick else 20), 1000, 20
    points = runs * batches * steps * keys
    results = []
    load_start = os.getloadavg()[0]
    with (
        runyard_server(root / "a", uri) as (url_a, pid_a),
        runyard_server(root / "b", uri) as (url_b, pid_b),
    ):
        context = multiprocessing.get_context("spawn")
        for attempt in range(repeat + 1):
            ids = [f"i{attempt}-{r:02d}" for r in range(runs)]
            cpu_before = [tree_cpu_s(pid_a), tree_cpu_s(pid_b), _pg_cpu_s(pg_pid)]
            load = context.Value("d", 0.0)
            procs = [
                # two load generators, each with 8 runs, one per server
                context.Process(
                    target=_ingest_worker, args=(url, ids[i::2], batches, steps, keys, load)
                )
                for i, url in enumerate((url_a, url_b))
            ]
            start = time.perf_counter()
            for p in procs:
                p.start()
            for p in procs:
                p.join()
                assert p.exitcode == 0
            wall = time.perf_counter() - start
            cpu = [
                now - before
                for now, before in zip(
                    (tree_cpu_s(pid_a), tree_cpu_s(pid_b), _pg_cpu_s(pg_pid)),
                    cpu_before,
                    strict=True,
                )
            ]
            if attempt:  # the first is a warm-up
                results.append((points / wall, cpu[0] + cpu[1], cpu[2], load.value))
                print(
                    f"runyard ingest round {attempt}: {points / wall / 1e6:.2f} M/s, "
                    f"CPU per point: servers {(cpu[0] + cpu[1]) / points * 1e9:.0f} ns, "
                    f"PostgreSQL {cpu[2] / points * 1e9:.0f} ns, load generators "
                    f"{load.value / points * 1e9:.0f} ns; load average {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                )
        check = SqlStore(uri)
        try:
            stored = sum(
                len(check.read_series(RunRef(ENTITY, "ingest", f"i1-{r:02d}"), f"m{k:02d}"))
                for r in range(runs)
                for k in range(keys)
            )
        finally:
            check.close()
    row = _ingest_row(results, points, stored, f"{batches} x {steps:,} steps x {keys} keys")
    row["load"] = f"{load_start:.1f} / {os.getloadavg()[0]:.1f}"
    return row


def _ingest_row(
    results: list[tuple[float, float, float, float]], points: int, stored: int, shape: str
) -> dict[str, Any]:
    return {
        "rate": statistics.median(r[0] for r in results),
        "server_ns": statistics.median(r[1] for r in results) / points * 1e9,
        "pg_ns": statistics.median(r[2] for r in results) / points * 1e9,
        "load_ns": statistics.median(r[3] for r in results) / points * 1e9,
        "stored": stored,
        "points": points,
        "shape": shape,
    }


#: The MLflow load generator (run by the peers' interpreter, which has mlflow): runs
#: as threads, each logging its points with ``MlflowClient.log_batch`` (the client cuts
#: a call into requests of at most 1,000 metrics, the server's limit).
_MLFLOW_WORKER = """
import sys, threading, time
import numpy as np
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

url, experiment, batches, steps, keys = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
names = sys.argv[6:]
client = MlflowClient(tracking_uri=url)
start = time.process_time()
rng = np.random.default_rng(abs(hash(names[0])) % 2**32)
values = rng.normal(size=(keys, steps))
now = int(time.time() * 1000)

def one(name):
    run_id = client.create_run(experiment, run_name=name).info.run_id
    for b in range(batches):
        metrics = [
            Metric(f"m{k:02d}", float(values[k, s] + b), now, b * steps + s)
            for s in range(steps)
            for k in range(keys)
        ]
        client.log_batch(run_id, metrics=metrics, synchronous=True)

threads = [threading.Thread(target=one, args=(n,)) for n in names]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(time.process_time() - start)
"""


def bench_ingest_mlflow(
    root: Path, uri: str, pg_pid: int, repeat: int, quick: bool, steps: int = 0
) -> dict[str, Any]:
    """MLflow's tracking server (two worker processes) on the same PostgreSQL, fed the
    same points by the same number of runs; fewer batches (see the section's notes)."""
    import signal
    import subprocess

    import psycopg
    from team import tree_cpu_s  # bench/team.py

    from runyard.store.sql.local_pg import free_port

    peers = Path(__file__).resolve().parent / ".venv-peers"
    python = peers / "bin" / "python"
    # ~3,000 points/s on this machine: a tenth of Runyard's points per run keeps a round
    # under two minutes (the rates and CPU per point are what compare).
    runs, batches, keys = 16, 1, 20
    steps = steps or (100 if quick else 500)
    points = runs * batches * steps * keys
    raw = uri.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute("CREATE DATABASE mlflow")
    db = raw.rsplit("/", 1)[0] + "/mlflow"
    driver = db.replace("postgresql://", "postgresql+psycopg2://")  # what setup_peers.sh installs
    port = free_port()
    log = (root / "mlflow-server.log").open("wb")
    server = subprocess.Popen(
        [
            str(peers / "bin" / "mlflow"), "server",
            "--backend-store-uri", driver,
            "--default-artifact-root", f"file://{root / 'mlflow-artifacts'}",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
            # uvicorn restarts a worker slower than 5 s to answer its health check:
            # on 2 loaded cores that killed workers mid-round.
            "--uvicorn-opts", "--timeout-worker-healthcheck 120",
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    results = []
    try:
        _wait_http(f"{url}/health", server)
        made = subprocess.run(
            [str(python), "-c", "import sys; from mlflow.tracking import MlflowClient; "
             "print(MlflowClient(tracking_uri=sys.argv[1]).create_experiment('ingest'))", url],
            capture_output=True, text=True,
        )  # fmt: skip
        if made.returncode:
            raise RuntimeError(f"MLflow create_experiment failed: {made.stderr[-2000:]}")
        experiment = made.stdout.strip()
        for attempt in range(repeat + 1):
            names = [f"i{attempt}-{r:02d}" for r in range(runs)]
            cpu_before = [tree_cpu_s(server.pid), _pg_cpu_s(pg_pid)]
            args = [str(batches), str(steps), str(keys)]
            start = time.perf_counter()
            procs = [
                subprocess.Popen(
                    [str(python), "-c", _MLFLOW_WORKER, url, experiment, *args, *names[i::2]],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for i in range(2)
            ]
            load = 0.0
            for p in procs:
                out, _ = p.communicate()
                assert p.returncode == 0
                load += float(out.split()[-1])
            wall = time.perf_counter() - start
            cpu = [tree_cpu_s(server.pid) - cpu_before[0], _pg_cpu_s(pg_pid) - cpu_before[1]]
            if attempt:
                results.append((points / wall, cpu[0], cpu[1], load))
                print(
                    f"mlflow ingest round {attempt}: {points / wall / 1e6:.3f} M/s", file=sys.stderr
                )
        with psycopg.connect(db, autocommit=True) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM metrics m JOIN runs r ON r.run_uuid = m.run_uuid "
                "WHERE r.name LIKE 'i1-%'"
            ).fetchone()
        stored = int(row[0]) if row else 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return _ingest_row(results, points, stored, f"{batches} x {steps:,} steps x {keys} keys")


def _wait_http(url: str, proc: Any, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def ingest_lines(ours: dict[str, Any], mlflow: dict[str, Any] | None, repeat: int) -> list[str]:
    """The ingest table: Runyard and (when it ran) MLflow side by side."""
    sides = [("Runyard", ours)] + ([("MLflow", mlflow)] if mlflow else [])
    lines = [
        "| PostgreSQL ingest, 16 concurrent runs, 2 server processes | "
        + " | ".join(name for name, _ in sides)
        + " |",
        "|---|" + "---|" * len(sides),
    ]
    rows = [
        ("points per run (batches x steps x keys)", lambda r: r["shape"]),
        (f"points/s (median of {repeat})", lambda r: f"{r['rate'] / 1e6:.3f} M"),
        ("server CPU per point (both processes)", lambda r: f"{r['server_ns']:.0f} ns"),
        ("PostgreSQL CPU per point", lambda r: f"{r['pg_ns']:.0f} ns"),
        ("load generator CPU per point (its logging)", lambda r: f"{r['load_ns']:.0f} ns"),
        (
            "total CPU per point",
            lambda r: f"{r['server_ns'] + r['pg_ns'] + r['load_ns']:.0f} ns",
        ),
        ("points stored (checked, one round)", lambda r: f"{r['stored']:,} of {r['points']:,}"),
        ("1-minute load average at the start / end", lambda r: r.get("load", "")),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for _, r in sides) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default="series,filters,ingest")
    parser.add_argument("--runs", type=int, default=100_000, help="runs for the filter bench")
    parser.add_argument("--no-mlflow", action="store_true", help="ingest: Runyard only")
    parser.add_argument(
        "--mlflow-steps", type=int, default=0, help="ingest: steps per MLflow run (500)"
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    from team import postgres

    out = ["## Scale (issue 20): /series, run filters, PostgreSQL ingest", ""]
    out.append(
        f"Machine: {os.cpu_count()} cores shared with everything else; medians of {args.repeat}."
    )
    out.append("")
    with (
        tempfile.TemporaryDirectory(prefix="runyard-scale-") as tmp,
        postgres() as (pg_uri, pg_pid),
    ):
        root = Path(tmp)
        base = pg_uri.rsplit("/", 1)[0]
        if "series" in parts:
            import psycopg

            raw = base.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(f"{raw}/bench", autocommit=True) as conn:
                for runs in (100, 1000):
                    conn.execute(f"CREATE DATABASE s{runs}")
            uris = {"SQLite": f"sqlite:///{root}/DB.db", "PostgreSQL": f"{base}/DB"}
            out += ["Server time of `/series` (one key, `points=1000`, whole range):", ""]
            out += [*bench_series(uris, args.repeat, args.quick), ""]
        if "filters" in parts:
            out += [*bench_filters(pg_uri, args.repeat, 2000 if args.quick else args.runs), ""]
        if "ingest" in parts:
            ours = bench_ingest(root, pg_uri, pg_pid, args.repeat, args.quick)
            theirs = None
            if not args.no_mlflow:
                theirs = bench_ingest_mlflow(
                    root, pg_uri, pg_pid, args.repeat, args.quick, args.mlflow_steps
                )
            out += [*ingest_lines(ours, theirs, args.repeat), ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
