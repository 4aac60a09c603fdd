"""Benchmark of issue 17's analysis: grouped panels and parameter importance.

1. Grouping: 1,000 runs x 10,000 steps of ``loss`` in 8 groups (``config.arch``). The
   workspace is saved grouped by ``config.arch``; each of ``--loads`` fresh Chromium
   contexts opens it, and the time from navigation start to the first grouped panel
   publishing drawn points is measured (target <= 1 s). The server-side ``/groups``
   request alone is timed too (median of ``--loads`` calls).
2. Importance: 1,000 runs x 20 config keys, ``GET /importance?metric=loss`` on a fresh
   ``runyard ui`` each time (the answer is cached per server until a run changes, so each
   repetition is a cold one; target <= 2 s).

Usage: ``.venv/bin/python bench/grouping.py [--runs 1000] [--steps 10000] [--loads 3]
[--only grouping|endpoint|importance] [--timeline]``;
prints a markdown section (save it to the results notes). The store is written once
under ``bench/.work/grouping`` (untimed; ``--fresh`` rewrites it).

A/B against another tree in the same minutes: ``--before OLD/src [--loads 5]``
alternates cold first grouped panels (a fresh ``runyard ui`` each) of that tree's
server and web build (``PYTHONPATH``; build it first) and this one's, and prints each
load and the medians. ``--only endpoint --before OLD/src [--loads 5]`` is the same
A/B of ``GET /groups`` alone, in-process (no browser): each round runs a fresh
interpreter of each tree (``PYTHONPATH``) making ``--loads`` cold calls (a fresh app and
store each), and prints each tree's wall and CPU times, their medians, and whether the
two trees' answers are the same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads as wl  # noqa: E402  (bench/workloads.py: the UI and Chromium helpers)

PROJECT = "grouping"
GROUPS = 8
CONFIG_KEYS = 20
ARCHS = [f"arch{i}" for i in range(GROUPS)]

# Notes, at the app's publish, the first chart drawn grouped with points (see
# workloads.FIRST_PANEL_HOOK: the same proxy, narrowed to grouped charts).
GROUPED_HOOK = wl.FIRST_PANEL_HOOK.replace(
    "if (bench.drawn === null && series",
    "if (bench.drawn === null && chart && chart.grouped && series",
)
GROUPED_DONE = """
() => {
  const bench = window.__bench || (window.__bench = { drawn: null });
  if (bench.drawn !== null) return true;
  for (const [key, chart] of Object.entries(window.__runyardCharts || {})) {
    const series = (chart && chart.series) || [];
    if (chart && chart.grouped && series.some((s) => s.points && s.points.length > 0)) {
      Object.assign(bench, { drawn: performance.now(), key, series: series.length,
        points: series.reduce((n, s) => n + s.points.length, 0), via: "poll" });
      return true;
    }
  }
  return false;
}
"""


def write_store(data_dir: Path, runs: int, steps: int) -> float:
    """``runs`` finished runs of ``steps`` steps of loss, 20 config keys, arch in 8 groups."""
    from runyard.entities import RunRef
    from runyard.store.base import RunBatch
    from runyard.store.registry import open_store

    data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{data_dir}/runyard.db")
    rng = np.random.default_rng(0)
    step_arr = np.arange(steps, dtype=np.int64)
    t = step_arr / steps
    created = time.time() - runs * 60.0
    t0 = time.perf_counter()
    try:
        for i in range(runs):
            arch = i % GROUPS
            lr = float(10 ** rng.uniform(-4, -1))
            config: dict[str, Any] = {"arch": ARCHS[arch], "lr": lr, "seed": i}
            for j in range(CONFIG_KEYS - len(config)):
                config[f"p{j}"] = float(rng.uniform()) if j % 3 else int(rng.integers(0, 5))
            loss = 0.2 + 0.1 * arch + np.exp(-5 * t) * (1 + 20 * lr) + rng.normal(0, 0.05, steps)
            store.write_batch(
                RunBatch(
                    run=RunRef(wl.ENTITY, PROJECT, f"r{i}"),
                    create={"display_name": f"run-{i}", "created_at": created + i * 60.0},
                    meta={"state": "finished", "runtime": steps * 0.5, "last_step": steps - 1},
                    config=config,
                    summary_set=[(("loss",), float(loss[-1]))],
                    columns={"loss": (step_arr, loss), "_runtime": (step_arr, step_arr * 0.5)},
                )
            )
    finally:
        store.close()
    return time.perf_counter() - t0


def put_workspace(base: str, settings: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{base}/api/v1/projects/{wl.ENTITY}/{PROJECT}/workspace",
        data=json.dumps({"settings": settings}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with wl.NO_PROXY.open(request, timeout=30) as response:
        response.read()


def get_timed(url: str) -> tuple[float, Any]:
    t0 = time.perf_counter()
    with wl.NO_PROXY.open(url, timeout=600) as response:
        body = json.loads(response.read())
    return time.perf_counter() - t0, body


def first_grouped_panel(browser: Any, url: str, timeout_ms: float) -> dict[str, Any]:
    context = browser.new_context(viewport=wl.VIEWPORT)
    try:
        context.add_init_script(GROUPED_HOOK)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function(GROUPED_DONE, polling="raf", timeout=timeout_ms)
        timeline = page.evaluate(wl.FIRST_PANEL_TIMELINE)
    finally:
        context.close()
    bench = timeline["bench"]
    groups = [a for a in timeline["api"] if a[0].endswith("/groups") and a[1] <= bench["drawn"]]
    runs = [a for a in timeline["api"] if a[0].endswith("/runs")]
    # what the first /groups needs: the grouping (/workspace) and the metric (/keys)
    needs = [
        min(a[2] for a in timeline["api"] if a[0].endswith(name))
        for name in ("/keys", "/workspace")
        if any(a[0].endswith(name) for a in timeline["api"])
    ]
    return {
        "first_s": bench["drawn"] / 1e3,
        "series": bench["series"],
        "points": bench["points"],
        "runs_loaded_s": min(a[2] for a in runs) / 1e3 if runs else None,
        "groups_requested_s": min(a[1] for a in groups) / 1e3 if groups else None,
        "groups_loaded_s": min(a[2] for a in groups) / 1e3 if groups else None,
        "needs_loaded_s": max(needs) / 1e3 if len(needs) == 2 else None,
        "errors": errors[:3],
        "api": [(a[0].rsplit("/", 1)[-1], round(a[1]), round(a[2])) for a in timeline["api"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--only",
        choices=("grouping", "endpoint", "importance"),
        help="measure one part only (endpoint: GET /groups in-process, no browser)",
    )
    parser.add_argument(
        "--timeline", action="store_true", help="also print each cold load's API requests"
    )
    parser.add_argument("--dir", type=Path, default=HERE / ".work" / "grouping")
    parser.add_argument(
        "--before", default=None, help="A/B: another tree's src directory (its web app built)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds of --only endpoint")
    parser.add_argument("--endpoint-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    root = args.dir / f"{args.runs}x{args.steps}"
    data_dir, aux_dir = root / "data", root / "aux"
    if args.fresh and root.exists():
        shutil.rmtree(root)
    write_s = None
    if not (data_dir / "runyard.db").is_file():
        write_s = write_store(data_dir, args.runs, args.steps)
    aux_dir.mkdir(parents=True, exist_ok=True)
    adapter = wl.Runyard(data_dir, aux_dir)
    api = f"/api/v1/projects/{wl.ENTITY}/{PROJECT}"
    timeout_ms = 120_000.0

    loadavg = Path("/proc/loadavg")
    load = loadavg.read_text().split()[0] if loadavg.is_file() else "?"
    if args.endpoint_json:  # one tree's side of ab_endpoint
        print(json.dumps(groups_calls(data_dir, aux_dir, api, args.loads)))
        return
    if args.before and args.only == "endpoint":
        ab_endpoint(args, args.before)
        return
    if args.before:
        ab_grouping(adapter, args.before, args.loads, timeout_ms)
        return
    print("## Grouping and parameter importance (issue 17; `bench/grouping.py`)\n")
    print(
        f"{args.runs:,} runs x {args.steps:,} steps of `loss` ({args.runs * args.steps:,} points) "
        f"in {GROUPS} groups by `config.arch`, SQLite store"
        + (f" (written in {write_s:.0f} s, untimed)" if write_s is not None else "")
        + f"; {args.loads} repetitions, medians. Chromium headless; 2 cores shared with other "
        f"work (load average {load} at the start).\n"
    )
    print("| measure | median | each (ms) | target |")
    print("|---|---|---|---|")
    notes = []
    if args.only in (None, "grouping"):
        notes.append(measure_grouping(adapter, api, args, timeout_ms))
    if args.only in (None, "grouping", "endpoint"):
        measure_groups_cpu(data_dir, aux_dir, api, args.loads)
    if args.only in (None, "importance"):
        notes.append(measure_importance(adapter, api, args))
    load = loadavg.read_text().split()[0] if loadavg.is_file() else "?"
    print()
    print(" ".join(notes) + f" Load average {load} at the end.")


def ab_grouping(adapter: Any, before: str, loads: int, timeout_ms: float) -> None:
    """``loads`` x (the tree at ``before``, this tree): cold first grouped panels, each on
    a fresh server, alternating."""
    import os

    trees = {"before": before, "now": str(HERE.parent / "src")}
    firsts: dict[str, list[float]] = {name: [] for name in trees}
    start = _load()
    with wl.env_restored("PYTHONPATH"):
        for _ in range(loads):
            for name, src in trees.items():
                os.environ["PYTHONPATH"] = src  # the `runyard ui` child's runyard and web build
                with wl.runyard_ui(adapter) as base, wl.chromium() as browser:
                    put_workspace(
                        base, {"groupBy": ["config.arch"], "groupAgg": "mean", "groupBand": "std"}
                    )
                    load = first_grouped_panel(browser, f"{base}/{wl.ENTITY}/{PROJECT}", timeout_ms)
                firsts[name].append(load["first_s"])
                print(
                    f"{name}: first grouped panel {load['first_s']:.3f} s; /groups asked at "
                    f"{load['groups_requested_s'] or 0:.3f} s, answered at "
                    f"{load['groups_loaded_s'] or 0:.3f} s",
                    flush=True,
                )
    for name, values in firsts.items():
        print(f"{name} ({trees[name]}): median {statistics.median(values):.3f} s ({ms(values)} ms)")
    print(f"load average {start} -> {_load()}")


def ms(values: list[float]) -> str:
    return ", ".join(f"{v * 1e3:.0f}" for v in values)


def measure_grouping(adapter: Any, api: str, args: argparse.Namespace, timeout_ms: float) -> str:
    """Part 1: the first grouped panel, cold and reopened; prints table rows, returns a note."""
    # /groups answers are cached until a run changes, so each repetition starts a fresh
    # server: its first page load is cold (the server reads and aggregates every series),
    # a second load in a fresh browser context is warm (cached answer).
    cold, warm, plain = [], [], []
    for _ in range(args.loads):
        with wl.runyard_ui(adapter) as base, wl.chromium() as browser:
            put_workspace(
                base, {"groupBy": ["config.arch"], "groupAgg": "mean", "groupBand": "std"}
            )
            url = f"{base}/{wl.ENTITY}/{PROJECT}"
            cold.append(first_grouped_panel(browser, url, timeout_ms))
            warm.append(first_grouped_panel(browser, url, timeout_ms))
            query = urllib.parse.urlencode({"by": "config.arch", "keys": "loss"})
            _seconds, body = get_timed(f"{base}{api}/groups?{query}")
            assert len(body["groups"]) == GROUPS, body["groups"][:1]
            assert sum(g["count"] for g in body["groups"]) == args.runs
            # the same workspace ungrouped (20 runs' lines from /series), for comparison
            put_workspace(base, {})
            plain.append(wl.first_panel_once(browser, url, timeout_ms)["first_panel_s"])
    if args.timeline:
        for load in cold:
            print(f"<!-- cold load {load['first_s']:.3f} s: {load['api']} -->")
    page_errors = sorted({e for load in cold + warm for e in load["errors"]})
    firsts = [load["first_s"] for load in cold]
    warms = [load["first_s"] for load in warm]
    middle = sorted(cold, key=lambda r: r["first_s"])[len(cold) // 2]
    endpoint = [
        load["groups_loaded_s"] - load["groups_requested_s"]
        for load in cold
        if load["groups_loaded_s"] is not None and load["groups_requested_s"] is not None
    ]
    gaps = [
        load["groups_requested_s"] - load["needs_loaded_s"]
        for load in cold
        if load["groups_requested_s"] is not None and load["needs_loaded_s"] is not None
    ]
    first_med = statistics.median(firsts)
    warm_med = statistics.median(warms)
    print(
        f"| first grouped panel drawn, cold server (navigation start → panel published) "
        f"| **{first_med * 1e3:.0f} ms** | {ms(firsts)} | ≤ 1 s {'✅' if first_med <= 1 else '❌'} |"
    )
    print(
        f"| first grouped panel drawn, reopened (answer cached until a run changes) "
        f"| **{warm_med * 1e3:.0f} ms** | {ms(warms)} | ≤ 1 s {'✅' if warm_med <= 1 else '❌'} |"
    )
    print(
        f"| for comparison: first panel drawn ungrouped (20 runs' lines, `/series`) "
        f"| {statistics.median(plain) * 1e3:.0f} ms | {ms(plain)} | |"
    )
    print(
        f"| `GET /groups` in the cold load (request → response; {GROUPS} groups, 1 key, "
        f"every series read whole) | {statistics.median(endpoint) * 1e3:.0f} ms | {ms(endpoint)} | |"
    )
    print(
        "| the page's delay: /keys and /workspace answered → /groups requested (cold load) "
        f"| {statistics.median(gaps) * 1e3:.0f} ms | {ms(gaps)} | |"
    )
    return (
        f"Median cold load's milestones: runs listed at {middle['runs_loaded_s'] or 0:.2f} s, "
        f"/groups requested at {middle['groups_requested_s'] or 0:.2f} s "
        f"and answered at {middle['groups_loaded_s'] or 0:.2f} s, panel drawn at "
        f"{middle['first_s']:.2f} s ({middle['series']} lines, {middle['points']:,} points)."
        + (f" Page errors: {'; '.join(page_errors)[:200]}." if page_errors else "")
    )


def ab_endpoint(args: argparse.Namespace, before: str) -> None:
    """``args.rounds`` x (the tree at ``before``, this tree): ``GET /groups`` in-process,
    each round a fresh interpreter per tree making ``args.loads`` cold calls."""
    import hashlib
    import os
    import subprocess

    trees = {"before": before, "now": str(HERE.parent / "src")}
    seen: dict[str, dict[str, list[Any]]] = {
        name: {"wall": [], "cpu": [], "system": [], "answer": []} for name in trees
    }
    start = _load()
    for _ in range(args.rounds):
        for name, src in trees.items():
            command = [sys.executable, __file__, "--only", "endpoint", "--endpoint-json"]
            command += ["--loads", str(args.loads), "--runs", str(args.runs)]
            command += ["--steps", str(args.steps), "--dir", str(args.dir)]
            env = {**os.environ, "PYTHONPATH": src}
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            found = json.loads(out.stdout.strip().splitlines()[-1])
            for field in seen[name]:
                seen[name][field] += found[field]
            print(
                f"{name}: wall {ms(found['wall'])} ms, CPU {ms(found['cpu'])} ms (load {_load()})",
                flush=True,
            )
    for name, found in seen.items():
        print(
            f"{name} ({trees[name]}): {len(found['wall'])} cold calls, median wall "
            f"{statistics.median(found['wall']) * 1e3:.0f} ms, CPU "
            f"{statistics.median(found['cpu']) * 1e3:.0f} ms (system "
            f"{statistics.median(found['system']) * 1e3:.0f} ms)"
        )
    answers = {
        hashlib.sha256(a.encode()).hexdigest()[:12] for f in seen.values() for a in f["answer"]
    }
    print(f"answers: {'the same bytes' if len(answers) == 1 else 'DIFFER: ' + ', '.join(answers)}")
    print(f"load average {start} -> {_load()}")


def groups_calls(data_dir: Path, aux_dir: Path, api: str, loads: int) -> dict[str, list[Any]]:
    """``GET /groups`` in this process on a fresh app each time (cold cache): wall, the
    CPU time of the process (every thread; user and system; the machine's load inflates
    it far less than the wall time), system time, the load average before each call and
    the answer's sha256, of ``loads`` calls after one dropped (it warms imports and the
    page cache)."""
    import hashlib
    import resource

    from fastapi.testclient import TestClient

    from runyard.server.app import create_app
    from runyard.store.registry import open_store

    query = urllib.parse.urlencode({"by": "config.arch", "keys": "loss"})
    walls, cpus, systems, loads_seen, answers = [], [], [], [], []
    for _ in range(loads + 1):
        store = open_store(f"sqlite:///{data_dir}/runyard.db")
        try:
            with TestClient(create_app(store, f"file://{aux_dir / 'blobs'}")) as client:
                loads_seen.append(_load())
                r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
                answer = client.get(f"{api}/groups?{query}")
                walls.append(time.perf_counter() - t0)
                r1 = resource.getrusage(resource.RUSAGE_SELF)
                cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
                systems.append(r1.ru_stime - r0.ru_stime)
                assert answer.status_code == 200, answer.text[:200]
                answers.append(hashlib.sha256(answer.content).hexdigest())
        finally:
            store.close()
    return {
        "wall": walls[1:],
        "cpu": cpus[1:],
        "system": systems[1:],
        "load": loads_seen[1:],
        "answer": answers[1:],
    }


def measure_groups_cpu(data_dir: Path, aux_dir: Path, api: str, loads: int) -> None:
    """Table rows of :func:`groups_calls`: ``GET /groups`` alone, in-process, cold."""
    found = groups_calls(data_dir, aux_dir, api, loads)
    walls, cpus, systems = found["wall"], found["cpu"], found["system"]
    seen = ", ".join(found["load"])
    print(
        f"| `GET /groups` alone, in-process, cold cache: CPU time (all threads, user + system; "
        f"system {statistics.median(systems) * 1e3:.0f} ms) "
        f"| **{statistics.median(cpus) * 1e3:.0f} ms** | {ms(cpus)} | |"
    )
    print(
        f"| `GET /groups` alone, in-process, cold cache: wall (load average {seen}) "
        f"| {statistics.median(walls) * 1e3:.0f} ms | {ms(walls)} | |"
    )


def _load() -> str:
    loadavg = Path("/proc/loadavg")
    return loadavg.read_text().split()[0] if loadavg.is_file() else "?"


def measure_importance(adapter: Any, api: str, args: argparse.Namespace) -> str:
    """Part 2: importance, cold (a fresh server per repetition); prints rows, returns a note."""
    importance, refit = [], []
    body: Any = {}
    for _ in range(args.loads):
        with wl.runyard_ui(adapter) as base:
            seconds, body = get_timed(f"{base}{api}/importance?metric=loss")
            importance.append(seconds)
            # the same runs under another cache key: the forest again, scikit-learn loaded
            other = urllib.parse.quote(json.dumps({"name": {"$ne": "-"}}))
            seconds, _ = get_timed(f"{base}{api}/importance?metric=loss&filters={other}")
            refit.append(seconds)
    top = body["parameters"][0]["key"] if body.get("parameters") else None
    imp_med = statistics.median(importance)
    print(
        f"| `GET /importance?metric=loss` cold ({args.runs:,} runs x {CONFIG_KEYS} config keys, "
        f"fresh server each, so scikit-learn is imported by it) | **{imp_med * 1e3:.0f} ms** | {ms(importance)} "
        f"| ≤ 2 s {'✅' if imp_med <= 2 else '❌'} |"
    )
    refit_med = statistics.median(refit)
    print(
        f"| `GET /importance` again, another cache key (correlations + forest; scikit-learn "
        f"already imported) | **{refit_med * 1e3:.0f} ms** | {ms(refit)} | ≤ 2 s {'✅' if refit_med <= 2 else '❌'} |"
    )
    return f"Importance ranks `{top}` first (the key that drives the metric is `arch`)."


if __name__ == "__main__":
    main()
