"""CPU time of ``/series`` and ``/density`` work in-process (issue 20), A/B against the
``server/series.py`` of an earlier commit on the same data and load.

The request's work as the routes do it (bulk store read + reduction + binary body for
``/series`` at ``points=1000``; the grid of 160 x 64 cells for ``/density``), timed with
``time.process_time`` (CPU of this process: other jobs on a shared machine inflate wall
time, much less CPU), the variants alternating, medians of ``--repeat`` after a warm-up.
Stores: SQLite, 100 runs x 100,000 steps and 1,000 runs x 10,000 steps of ``loss``
(random walks through ``SqlStore.write_batch``, as bench/scale.py seeds them).

Run: ``.venv/bin/python bench/series_cpu.py [--before d60c24c] [--repeat 5] [--root DIR]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import ENTITY, PROJECT, _seed_series  # bench/scale.py

from runyard.server import series as after
from runyard.server.density import panel_density
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


def _case(before: Any, store: SqlStore, ids: list[str], repeat: int) -> dict[str, float]:
    """CPU ms (median) of each variant, alternating."""

    def series_of(module: Any) -> Callable[[], bytes]:
        def go() -> bytes:
            out = module.panel_series(
                store, ENTITY, PROJECT, ids, ["loss"], "_step", None, None, 1000
            )
            body: bytes = module.series_binary("_step", out)
            return body

        return go

    variants: dict[str, Callable[[], Any]] = {
        "before": series_of(before),
        "after": series_of(after),
        "density": lambda: panel_density(store, ENTITY, PROJECT, ids, "loss", "_step", 160, 64),
    }
    for fn in variants.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="d60c24c", help="commit of the A side")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--root", type=Path, help="keep (or reuse) the stores here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        before = _module_at(args.before, Path(tmp))
        print(
            f"| SQLite, CPU ms (median of {args.repeat}) | `/series` at {args.before} | "
            "`/series` now | `/density` now |"
        )
        print("|---|---|---|---|")
        for runs, steps in ((100, 100_000), (1000, 10_000)):
            store = SqlStore(f"sqlite:///{root}/s{runs}.db")
            if not store.query_runs(ENTITY, PROJECT, limit=1):
                _seed_series(store, runs, steps)
            ids = [f"run{r:04d}" for r in range(runs)]
            med = _case(before, store, ids, args.repeat)
            store.close()
            print(
                f"| {runs} x {steps:,} | {med['before']:.0f} | {med['after']:.0f} | "
                f"{med['density']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
