"""Workspaces of 10,000 and 100,000 runs (issue 20), printed as a markdown section.

For each size: the project holds ``runs`` finished runs, each with a config and a
summary; the ``drawn`` newest of them (1,000) also have 20 random-walk metrics x 200
steps written through the store as the ``ui_write`` set-up of ``bench/run.py`` does
(the workspace draws the first 20 runs of its table, newest first); the older runs are
inserted by multi-row inserts into the store's own ``runs`` table (written through the
store API, 100,000 runs would take longer than the measurement is worth). Then
``runyard ui`` and headless Chromium measure, as ``bench/run.py``'s workloads m. and n.
do: navigation → the first chart drawn with points (median of 3 fresh browser contexts;
the first after the server started shown apart), and the runs table scrolled top to
bottom (frames per second, median of 3 passes) once every run is in it.

Run: ``.venv/bin/python bench/workspace_scale.py [--sizes 10000,100000] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import (
    ENTITY,
    UI_PROJECT,
    Runyard,
    w_ui_first_panels,
    w_ui_table_scroll,
    w_ui_write,
)

DRAWN = 1_000


def _seed_older(store: Any, older: int) -> None:
    """``older`` runs created before the drawn ones, with configs and summaries only."""
    rng = np.random.default_rng(2)
    with store._db.write() as tx:
        project = int(
            tx.scalar(
                "SELECT project_id FROM runs WHERE run_id = :r",
                {"r": "r0"},
            )
        )
        first = float(
            tx.scalar("SELECT MIN(created_at) FROM runs WHERE project_id = :p", {"p": project})
        )
        optimizers = ["adam", "sgd", "adamw", "lion"]
        for start in range(0, older, 5000):
            rows = []
            for i in range(start, min(start + 5000, older)):
                config = {
                    "lr": float(10 ** rng.uniform(-4, -1)),
                    "optimizer": optimizers[i % 4],
                    "batch_size": 64,
                    "layers": [64, 64],
                    "seed": DRAWN + i,
                }
                summary = {f"m{j}": float(rng.normal()) for j in range(20)}
                rows.append(
                    {
                        "project_id": project,
                        "run_id": f"old{i:06d}",
                        "display_name": f"old-{i}",
                        "state": "finished",
                        "config": json.dumps(config),
                        "summary": json.dumps(summary),
                        "summary_state": "{}",
                        "metrics": "[]",
                        "tags": "[]",
                        "created_at": first - 60.0 * (older - i),
                        "updated_at": first,
                        "heartbeat_at": first,
                        "runtime": 99.5,
                        "last_step": 199,
                        "sessions": 1,
                    }
                )
            names = list(rows[0])
            tx.many(
                f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join(':' + c for c in names)})",
                rows,
            )
    with store._db.write() as tx:
        tx.run("ANALYZE runs")


def measure(size: int, root: Path) -> dict[str, Any]:
    data, aux = root / f"data-{size}", root / f"aux-{size}"
    data.mkdir(parents=True, exist_ok=True)
    aux.mkdir(parents=True, exist_ok=True)
    tool = Runyard(data, aux)
    tool.setup_env()
    t0 = time.perf_counter()
    w_ui_write(tool, {"dir": str(data), "runs": min(DRAWN, size), "metrics": 20, "steps": 200})
    if size > DRAWN:
        _seed_older(tool.store(), size - DRAWN)
    seeded = time.perf_counter() - t0
    project = f"{ENTITY}/{UI_PROJECT}"
    panels = w_ui_first_panels(tool, {"project": project, "loads": 3, "timeout": 120})
    scroll = w_ui_table_scroll(
        tool, {"project": project, "passes": 3, "expected_runs": size, "timeout": 180}
    )
    return {"size": size, "seed_s": seeded, **panels, **scroll}


def _s(value: Any) -> str:
    return f"{value:.2f} s" if isinstance(value, float) else "-"


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "## Workspaces of 10,000 and 100,000 runs (issue 20; `bench/workspace_scale.py`)",
        "",
        f"Written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 2 cores; "
        f"load average {Path('/proc/loadavg').read_text().split()[0]} at the end. Each project: "
        f"the {DRAWN:,} newest runs with 20 metrics x 200 steps, the older ones with a config "
        "and a summary of 20 values (see the script's docstring).",
        "",
        "| runs | first panel drawn (median of 3) | first load | `/runs` first page answered "
        "| first `/series` answered | table scroll fps (median of 3 passes) | rows rendered |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {_s(r.get('first_panel_s'))} | {_s(r.get('first_panel_cold_s'))} "
            f"| {_s(r.get('runs_loaded_s'))} | {_s(r.get('series_loaded_s'))} "
            f"| {r.get('scroll_fps', 0):.0f} | {r.get('rows_rendered', 0):,} |"
        )
    errors = [f"{r['size']:,}: {r[k]}" for r in results for k in r if k.endswith("_error")]
    if errors:
        lines += ["", "Problems: " + "; ".join(errors)]
    lines.append(
        "\nEvery load in order: "
        + "; ".join(
            f"{r['size']:,} runs: " + ", ".join(f"{t:.2f}" for t in r.get("first_panel_all_s", []))
            for r in results
        )
        + " (s)."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--keep", default=None, help="data directory to keep (default: a temp dir)")
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="runyard-ws-") as tmp:
        root = Path(opts.keep) if opts.keep else Path(tmp)
        results = [measure(size, root) for size in sizes]
    print(report(results))
    print(
        json.dumps([{k: v for k, v in r.items() if not isinstance(v, list)} for r in results]),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
