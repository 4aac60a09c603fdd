"""CPU time of ``/series`` and ``/density`` work in-process (issue 20), A/B against the
``server/series.py`` of an earlier commit on the same data and load.

The request's work as the routes do it (bulk store read + reduction + binary body for
``/series`` at ``points=1000``; the grid of 160 x 64 cells for ``/density``), timed with
``time.process_time`` (CPU of this process, all its threads: other jobs on a shared
machine inflate wall time, much less CPU) and wall time, the variants alternating,
medians of ``--repeat`` after a warm-up, with the 1-minute load average.
Stores: SQLite and (``--pg``) a throwaway PostgreSQL, 100 runs x 100,000 steps and
1,000 runs x 10,000 steps of ``loss`` (random walks through ``SqlStore.write_batch``, as
bench/scale.py seeds them). On PostgreSQL the CPU is this process's (the server's work),
not PostgreSQL's.

Run: ``.venv/bin/python bench/series_cpu.py [--pg] [--before d60c24c] [--repeat 5] [--root DIR]``.

``--against REV`` instead times the whole ``/series`` request (store read, reduction,
binary body) of this tree's code and of ``src/`` at REV (``git archive``, no worktree),
each in a process of its own on the same SQLite stores, the two processes answering in
turn (``--repeat`` each, alternating which goes first), medians and minimums of wall and
CPU time with the load average: the code under all of ``src/`` changes, not only
``server/series.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from scale import ENTITY, PROJECT  # bench/scale.py

from runyard.entities import RunRef
from runyard.server import series as after
from runyard.server.density import panel_density
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

REPO = Path(__file__).resolve().parents[1]


def _module_at(commit: str, tmp: Path) -> Any:
    source = subprocess.run(
        ["git", "show", f"{commit}:src/runyard/server/series.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = tmp / "series_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("series_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed(store: SqlStore, project: str, runs: int, steps: int) -> None:
    rng = np.random.default_rng(0)
    x = np.arange(steps, dtype=np.int64)
    for r in range(runs):
        y = rng.normal(size=steps).cumsum()
        batch = RunBatch(
            RunRef(ENTITY, project, f"run{r:04d}"), create={}, columns={"loss": (x, y)}
        )
        store.write_batch(batch)


def _case(
    before: Any, store: SqlStore, project: str, ids: list[str], repeat: int
) -> dict[str, float]:
    """CPU ms (median) of each variant, alternating."""

    def series_of(module: Any) -> Callable[[], bytes]:
        def go() -> bytes:
            out = module.panel_series(
                store, ENTITY, project, ids, ["loss"], "_step", None, None, 1000
            )
            body: bytes = module.series_binary("_step", out)
            return body

        return go

    variants: dict[str, Callable[[], Any]] = {
        "before": series_of(before),
        "after": series_of(after),
        "density": lambda: panel_density(store, ENTITY, project, ids, "loss", "_step", 160, 64),
    }
    for fn in variants.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in variants}
    walls: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            start, wall = time.process_time(), time.perf_counter()
            fn()
            times[name].append(time.process_time() - start)
            walls[name].append(time.perf_counter() - wall)
    out = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    out.update({f"{name} wall": statistics.median(t) * 1e3 for name, t in walls.items()})
    return out


def _serve(root: Path, runs: int) -> None:
    """``--serve``: answer the 1,000-point ``/series`` of ``runs`` runs once per line of
    stdin, printing wall ms, CPU ms and the body's size."""
    store = SqlStore(f"sqlite:///{root}/s{runs}.db")
    ids = [f"run{r:04d}" for r in range(runs)]

    def go() -> bytes:
        out = after.panel_series(store, ENTITY, PROJECT, ids, ["loss"], "_step", None, None, 1000)
        return after.series_binary("_step", out)

    go()
    go()
    for _ in sys.stdin:
        start, wall = time.process_time(), time.perf_counter()
        body = go()
        cpu, took = time.process_time() - start, time.perf_counter() - wall
        print(f"{took * 1e3:.2f} {cpu * 1e3:.2f} {len(body)}", flush=True)


def _against(rev: str, root: Path, repeat: int) -> None:
    """``--against``: this tree's code and REV's, alternating, in two processes."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", rev, "src"], cwd=REPO, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {rev: Path(tmp) / "src", "now": REPO / "src"}
        print("| runs x steps | code | wall ms median (min) | CPU ms median (min) | body | load |")
        print("|---|---|---|---|---|---|")
        for runs, steps in ((100, 100_000), (1000, 10_000)):
            store = SqlStore(f"sqlite:///{root}/s{runs}.db")
            if not store.query_runs(ENTITY, PROJECT, limit=1):
                _seed(store, PROJECT, runs, steps)
            store.close()
            procs = {
                name: subprocess.Popen(
                    [sys.executable, __file__, "--root", str(root), "--serve", str(runs)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(src)},
                )
                for name, src in trees.items()
            }
            times: dict[str, list[tuple[float, float, int]]] = {name: [] for name in trees}
            loads = []
            for i in range(repeat):
                for name in list(trees)[:: 1 if i % 2 == 0 else -1]:
                    proc = procs[name]
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                    wall, cpu, size = proc.stdout.readline().split()
                    times[name].append((float(wall), float(cpu), int(size)))
                loads.append(os.getloadavg()[0])
            for proc in procs.values():
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait()
            for name, got in times.items():
                walls, cpus = [t[0] for t in got], [t[1] for t in got]
                print(
                    f"| {runs} x {steps:,} | {name} | {statistics.median(walls):.0f} "
                    f"({min(walls):.0f}) | {statistics.median(cpus):.0f} ({min(cpus):.0f}) | "
                    f"{got[0][2]:,} B | {min(loads):.1f}-{max(loads):.1f} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="d60c24c", help="commit of the A side")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--root", type=Path, help="keep (or reuse) the SQLite stores here")
    parser.add_argument("--pg", action="store_true", help="also on a throwaway PostgreSQL")
    parser.add_argument("--against", metavar="REV", help="whole request vs src/ at REV")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return _serve(args.root, args.serve)
    if args.against:
        root = args.root or REPO / "bench" / ".work" / "series"
        root.mkdir(parents=True, exist_ok=True)
        return _against(args.against, root, args.repeat)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        root = args.root or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        before = _module_at(args.before, Path(tmp))
        stores = {"SQLite": f"sqlite:///{root}/sRUNS.db"}
        if args.pg:
            from team import postgres  # bench/team.py

            stores["PostgreSQL"] = stack.enter_context(postgres())[0]
        print(
            f"| store | runs x steps | CPU ms (median of {args.repeat}): `/series` at "
            f"{args.before} | `/series` now | `/density` now | wall ms: `/series` at "
            f"{args.before} | `/series` now | load |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for name, uri in stores.items():
            for runs, steps in ((100, 100_000), (1000, 10_000)):
                # one PostgreSQL database holds both projects
                project = f"{PROJECT}{runs}" if name == "PostgreSQL" else PROJECT
                store = SqlStore(uri.replace("RUNS", str(runs)))
                if not store.query_runs(ENTITY, project, limit=1):
                    _seed(store, project, runs, steps)
                ids = [f"run{r:04d}" for r in range(runs)]
                med = _case(before, store, project, ids, args.repeat)
                store.close()
                print(
                    f"| {name} | {runs} x {steps:,} | {med['before']:.0f} | "
                    f"{med['after']:.0f} | {med['density']:.0f} | {med['before wall']:.0f} | "
                    f"{med['after wall']:.0f} | {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
