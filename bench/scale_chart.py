"""A chart of 1,000 runs drawn in Chromium (issue 20), from the request.

A store of ``runs`` finished runs x ``steps`` steps of ``loss`` (random walks, written
through ``SqlStore.write_batch``, untimed) whose workspace draws every run
(``maxRuns``); ``runyard ui`` over it and Debian's Chromium through Playwright (as
tests/browser launches it). In each of ``loads`` fresh browser contexts the page goes
to the workspace; an init script hooks ``window.__runyardCharts`` (as bench/run.py's
ui_first_panels does) and notes ``performance.now()`` when the ``loss`` panel publishes
its first draw holding all runs (the density view past 200 runs). Reported: the time
from navigation start, and from the start of the panel's first data request (``/density``
past 200 runs, ``/series`` otherwise; Resource Timing), medians over the loads; then, in the last load, the panel's toggle is clicked
and the time until all ``runs`` lines are drawn (uPlot) is noted too.

Run: ``.venv/bin/python bench/scale_chart.py [--runs 1000] [--steps 10000] [--loads 3]``
(or ``bench/scale.py --only chart``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

ENTITY, PROJECT = "bench", "chart"

HOOK = """
(() => {
  const bench = (window.__bench = { drawn: null, lines: null });
  window.__runyardCharts = new Proxy({}, {
    set(target, key, chart) {
      target[key] = chart;
      if (key === "loss" && chart) {
        const now = performance.now();
        if (bench.drawn === null && chart.view === "density" && chart.runCount >= RUNS) {
          Object.assign(bench, { drawn: now, view: chart.view });
        } else if (bench.drawn === null && (chart.series || []).length >= RUNS) {
          Object.assign(bench, { drawn: now, view: "lines" });
        }
        if (bench.toggled && bench.lines === null && chart.view === undefined
            && (chart.series || []).length >= RUNS) {
          bench.lines = now;
        }
      }
      return true;
    },
  });
})();
"""

TIMELINE = """
() => performance.getEntriesByType("resource")
  .filter((e) => e.name.includes("/api/v1/") && /[/](series|density)[?]/.test(e.name))
  .map((e) => [e.startTime, e.responseEnd, e.transferSize || e.encodedBodySize || 0,
               e.name.includes("/density?") ? "density" : "series"])
"""


def seed(root: Path, runs: int, steps: int) -> None:
    from runyard.entities import RunRef
    from runyard.store.base import RunBatch
    from runyard.store.registry import open_store

    root.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{root / 'runyard.db'}")
    rng = np.random.default_rng(0)
    x = np.arange(steps, dtype=np.int64)
    try:
        for r in range(runs):
            y = np.exp(-x / steps * rng.uniform(1, 5)) + rng.normal(0, 0.01, steps).cumsum()
            store.write_batch(
                RunBatch(
                    RunRef(ENTITY, PROJECT, f"run{r:04d}"),
                    create={"display_name": f"run-{r:04d}", "state": "finished"},
                    columns={"loss": (x, y)},
                )
            )
        store.put_workspace(ENTITY, PROJECT, {"maxRuns": runs})
    finally:
        store.close()


@contextlib.contextmanager
def ui(root: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(RUNYARD_DIR=str(root), RUNYARD_ENTITY=ENTITY)
    runyard = str(Path(sys.executable).parent / "runyard")
    proc = subprocess.Popen(
        [runyard, "ui", "--port", "0", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            found = re.match(r"Runyard UI: (\S+)", line)
            if found:
                url = found.group(1).rstrip("/")
                break
        if url is None:
            raise RuntimeError("runyard ui printed no URL")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def load_once(browser: Any, url: str, runs: int, toggle: bool) -> dict[str, Any]:
    from workloads import VIEWPORT

    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(HOOK.replace("RUNS", str(runs)))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/{ENTITY}/{PROJECT}", wait_until="commit", timeout=120_000)
        page.wait_for_function("() => window.__bench.drawn !== null", timeout=120_000)
        bench = page.evaluate("() => window.__bench")
        requests = page.evaluate(TIMELINE)
        out: dict[str, Any] = {"drawn_s": bench["drawn"] / 1e3, "view": bench["view"]}
        before = [r for r in requests if r[1] <= bench["drawn"]]
        if before:
            first = min(r[0] for r in before)
            out["from_request_s"] = (bench["drawn"] - first) / 1e3
            out["data_s"] = (max(r[1] for r in before) - first) / 1e3
            out["bytes"] = sum(r[2] for r in before)
            out["requests"] = [r[3] for r in before]
        if toggle and bench["view"] == "density":
            page.evaluate("() => { window.__bench.toggled = true; }")
            t0 = page.evaluate("() => performance.now()")
            page.get_by_test_id("density-toggle-loss").click()
            page.wait_for_function("() => window.__bench.lines !== null", timeout=120_000)
            out["all_lines_s"] = (page.evaluate("() => window.__bench.lines") - t0) / 1e3
        out["errors"] = errors[:3]
        return out
    finally:
        context.close()


def bench_chart(runs: int, steps: int, loads: int, root: Path | None = None) -> dict[str, Any]:
    from workloads import chromium

    with contextlib.ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "runyard"
        if not (root / "runyard.db").exists():
            t0 = time.perf_counter()
            seed(root, runs, steps)
            print(f"seeded {runs} x {steps} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        url = stack.enter_context(ui(root))
        browser = stack.enter_context(chromium())
        each = [load_once(browser, url, runs, toggle=i == loads - 1) for i in range(loads)]
    result: dict[str, Any] = {"runs": runs, "steps": steps, "loads": loads, "each": each}
    for name in ("drawn_s", "from_request_s", "data_s"):
        values = [e[name] for e in each if name in e]
        if values:
            result[name] = statistics.median(values)
    result["cold_s"] = each[0]["drawn_s"]
    result["all_lines_s"] = each[-1].get("all_lines_s")
    result["bytes"] = each[-1].get("bytes")
    result["requests"] = each[-1].get("requests")
    result["view"] = each[-1]["view"]
    return result


def markdown(r: dict[str, Any]) -> list[str]:
    lines = [
        f"| chart of {r['runs']:,} runs x {r['steps']:,} steps (Chromium, SQLite) | value |",
        "|---|---|",
        f"| drawn ({r['view']} view), from navigation start (median of {r['loads']}) | "
        f"{r['drawn_s'] * 1e3:.0f} ms |",
    ]
    if "from_request_s" in r:
        asked = ", ".join(f"`/{name}`" for name in r["requests"] or [])
        lines.append(
            f"| drawn, from the start of its first data request ({asked}) | "
            f"{r['from_request_s'] * 1e3:.0f} ms |"
        )
        lines.append(
            f"| of which the data answered ({(r['bytes'] or 0) / 1e6:.2f} MB) | {r['data_s'] * 1e3:.0f} ms |"
        )
    lines.append(f"| first load after the server started | {r['cold_s'] * 1e3:.0f} ms |")
    if r.get("all_lines_s") is not None:
        lines.append(
            f"| all {r['runs']:,} lines drawn after the toggle | {r['all_lines_s'] * 1e3:.0f} ms |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--root", type=Path, help="reuse (or seed) the store in this directory")
    args = parser.parse_args()
    result = bench_chart(args.runs, args.steps, args.loads, args.root)
    print("\n".join(markdown(result)))
    print(result, file=sys.stderr)


if __name__ == "__main__":
    main()
