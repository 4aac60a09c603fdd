"""Workspaces of 10,000 and 100,000 runs (issue 20), printed as a markdown section.

For each size: the project holds ``runs`` finished runs, each with a config and a
summary; the ``drawn`` newest of them (1,000) also have 20 random-walk metrics x 200
steps written through the store as the ``ui_write`` set-up of ``bench/run.py`` does
(the workspace draws the first 20 runs of its table, newest first); the older runs are
inserted by multi-row inserts into the store's own ``runs`` table (written through the
store API, 100,000 runs would take longer than the measurement is worth). Then
``runyard ui`` and headless Chromium measure, as ``bench/run.py``'s workloads m. and n.
do: navigation → the first chart drawn with points (median of 3 fresh browser contexts;
the first after the server started shown apart; each context is closed once its page has
the whole runs list, so a load never starts behind the previous one's), and the runs
table scrolled top to bottom (frames per second, median of 3 passes) once every run is
in it.

Run: ``.venv/bin/python bench/workspace_scale.py [--sizes 10000,100000] [--keep DIR]``.

A/B against another tree in the same minutes (the machine's load swings too much for
runs minutes apart to compare): ``--before OLD/src [--rounds 4]`` seeds once, then
alternates the first-panel measurement (3 fresh contexts on a fresh ``runyard ui``) of
that tree's server and web build (``PYTHONPATH``; build it first) and this one's, and
prints each round and the medians (no table scroll).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import (
    ENTITY,
    FIRST_PANEL_DONE,
    FIRST_PANEL_HOOK,
    FIRST_PANEL_TIMELINE,
    UI_PROJECT,
    VIEWPORT,
    Runyard,
    chromium,
    env_restored,
    runyard_ui,
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


# The page has its whole runs list: its live poll (asked after the last page) has started.
RUNS_LISTED = """
() => performance.getEntriesByType("resource").some((e) => e.name.includes("updated_since="))
"""


def first_panel_load(browser: Any, url: str, timeout_ms: float) -> dict[str, Any]:
    """One fresh browser context: navigation start -> the first chart drawn with points
    (as ``workloads.first_panel_once``); then the page is left to load the rest of the
    runs list before its context closes, so the next load does not start while the server
    still encodes this one's thousands of runs (a page closed at the first draw left up to
    a second of that work queued in front of the next load's requests)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(FIRST_PANEL_HOOK)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function(FIRST_PANEL_DONE, polling="raf", timeout=timeout_ms)
        timeline = page.evaluate(FIRST_PANEL_TIMELINE)
        page.wait_for_function(RUNS_LISTED, polling=100, timeout=timeout_ms)
    finally:
        context.close()
    drawn = timeline["bench"]["drawn"]
    before = [a for a in timeline["api"] if a[1] <= drawn]

    def first(prefix: str, index: int) -> float | None:
        found = [a[index] for a in before if a[0].rsplit("/", 1)[-1].startswith(prefix)]
        return min(found) / 1e3 if found else None

    return {
        "first_panel_s": drawn / 1e3,
        "runs_loaded_s": first("runs", 2),
        "series_loaded_s": first("series", 2),
        "page_errors": errors[:3],
    }


def first_panels(tool: Runyard, project: str, loads: int, timeout_s: float) -> dict[str, Any]:
    """``loads`` fresh browser contexts on one ``runyard ui``: the median first panel, the
    first load apart (the first after the server started), the median load's milestones."""
    with runyard_ui(tool) as base, chromium() as browser:
        each = [
            first_panel_load(browser, f"{base}/{project}", timeout_s * 1e3) for _ in range(loads)
        ]
    times = [r["first_panel_s"] for r in each]
    middle = sorted(each, key=lambda r: r["first_panel_s"])[len(each) // 2]
    errors = sorted({e for r in each for e in r["page_errors"]})
    return {
        "first_panel_s": statistics.median(times),
        "first_panel_all_s": times,
        "first_panel_cold_s": times[0],
        "runs_loaded_s": middle["runs_loaded_s"],
        "series_loaded_s": middle["series_loaded_s"],
        **({"first_panel_error": "page errors: " + "; ".join(errors)[:150]} if errors else {}),
    }


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
    panels = first_panels(tool, project, loads=3, timeout_s=120)
    scroll = w_ui_table_scroll(
        tool, {"project": project, "passes": 3, "expected_runs": size, "timeout": 180}
    )
    return {"size": size, "seed_s": seeded, **panels, **scroll}


def ab(size: int, root: Path, before: str, rounds: int) -> None:
    """``rounds`` x (the tree at ``before``, this tree), first panels only, alternating."""
    import os

    data, aux = root / f"data-{size}", root / f"aux-{size}"
    tool = Runyard(data, aux)
    tool.setup_env()
    if not (data / "runyard.db").is_file():
        data.mkdir(parents=True, exist_ok=True)
        aux.mkdir(parents=True, exist_ok=True)
        w_ui_write(tool, {"dir": str(data), "runs": min(DRAWN, size), "metrics": 20, "steps": 200})
        if size > DRAWN:
            _seed_older(tool.store(), size - DRAWN)
    here = str(Path(__file__).resolve().parent.parent / "src")
    trees = {"before": before, "now": here}
    medians: dict[str, list[float]] = {name: [] for name in trees}
    loads = [Path("/proc/loadavg").read_text().split()[0]]
    with env_restored("PYTHONPATH"):
        for _ in range(rounds):
            for name, src in trees.items():
                os.environ["PYTHONPATH"] = src  # the `runyard ui` child's runyard and web build
                out = first_panels(tool, f"{ENTITY}/{UI_PROJECT}", loads=3, timeout_s=120)
                medians[name].append(out["first_panel_s"])
                each = ", ".join(f"{t:.3f}" for t in out["first_panel_all_s"])
                print(
                    f"{name}: first panel {out['first_panel_s']:.3f} s (loads {each}); first "
                    f"/series answered {out['series_loaded_s'] or 0:.3f} s",
                    flush=True,
                )
    loads.append(Path("/proc/loadavg").read_text().split()[0])
    for name, values in medians.items():
        print(
            f"{name} ({trees[name]}): median of the rounds' medians "
            f"{statistics.median(values):.3f} s ({', '.join(f'{v:.3f}' for v in values)})"
        )
    print(f"load average {loads[0]} -> {loads[1]}")


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
    parser.add_argument(
        "--before", default=None, help="A/B: another tree's src directory (its web app built)"
    )
    parser.add_argument("--rounds", type=int, default=4, help="A/B rounds (with --before)")
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="runyard-ws-") as tmp:
        root = Path(opts.keep) if opts.keep else Path(tmp)
        if opts.before:
            for size in sizes:
                ab(size, root, opts.before, opts.rounds)
            return
        results = [measure(size, root) for size in sizes]
    print(report(results))
    print(
        json.dumps([{k: v for k, v in r.items() if not isinstance(v, list)} for r in results]),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
