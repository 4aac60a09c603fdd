"""Side-by-side benchmark driver: Runyard vs wandb, MLflow, Aim and trackio.

Usage::

    python bench/run.py [--tools runyard,wandb,...] [--workloads import,init,...]
                        [--repeat 3] [--quick] [--fresh]

Each measurement is one fresh ``python bench/workloads.py <tool> <workload> <json>``
process; the table shows the median of ``--repeat`` runs and RESULTS.md lists every run.
Runyard runs with /work/main/.venv/bin/python, the peers with bench/.venv-peers/bin/python
(made by bench/setup_peers.sh). A tool that is not installed, or a measurement that fails,
shows up in its cell ("not installed", "error: ...") and never stops the table.

Measurements accumulate in bench/results.json: re-running some tools or workloads replaces
only those entries, so `python bench/run.py --tools runyard` keeps the peers' columns.
``--fresh`` starts over. ``--quick`` uses small sizes and writes to bench/.work/ instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workloads import NOT_APPLICABLE, WORK_DIR  # stdlib-only module

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORKER = BENCH_DIR / "workloads.py"

TOOLS = ["runyard", "wandb", "mlflow", "aim", "trackio"]
DISTRIBUTIONS = {
    "runyard": "runyard",
    "wandb": "wandb",
    "mlflow": "mlflow",
    "aim": "aim",
    "trackio": "trackio",
}
WORKLOADS = [
    "import",
    "init",
    "log",
    "read",
    "memory",
    "many_runs",
    "scan",
    "query",
    "series",
    "ui_start",
    "ui_first_panels",
    "ui_table_scroll",
    "server_ingest",
    "log_online",
    "artifacts",
    "sampler",
]
# Workloads timed over data that one set-up worker writes first (untimed, kept in a
# directory until the timed workers are done).
SETUP = {
    "read": "write",
    "scan": "scan_write",
    "query": "query_write",
    "series": "series_write",
    "ui_first_panels": "ui_write",
    "ui_table_scroll": "ui_write",
}

FULL_SIZES: dict[str, dict[str, int]] = {
    "log": {"steps": 20_000, "metrics": 10},
    "read": {"steps": 20_000, "metrics": 10},
    "memory": {"steps": 100_000, "metrics": 10},
    "many_runs": {"runs": 200, "steps": 1_000, "metrics": 5},
    "scan": {"rows": 1_000_000, "small_rows": 200_000, "keys": 5},
    "query": {"runs": 1_000},
    "series": {"runs": 100, "steps": 100_000},
    "ui_start": {"steps": 100, "metrics": 5},
    "ui_first_panels": {"runs": 1_000, "metrics": 20, "steps": 200},
    "ui_table_scroll": {"runs": 1_000, "metrics": 20, "steps": 200},
    # profile: sample the server with py-spy when PY_SPY (or py-spy on PATH) is there.
    "server_ingest": {"runs": 16, "batches": 10, "rows": 5_000, "metrics": 10, "profile": 1},
    "log_online": {"steps": 20_000, "metrics": 10},
    "artifacts": {"files": 1_000, "file_kb": 4, "big_mb": 200},
    "sampler": {"samples": 200},
}
QUICK_SIZES: dict[str, dict[str, int]] = {
    "log": {"steps": 2_000, "metrics": 10},
    "read": {"steps": 2_000, "metrics": 10},
    "memory": {"steps": 10_000, "metrics": 10},
    "many_runs": {"runs": 10, "steps": 100, "metrics": 5},
    "scan": {"rows": 100_000, "small_rows": 20_000, "keys": 5},
    "query": {"runs": 100},
    "series": {"runs": 10, "steps": 20_000},
    "ui_start": {"steps": 100, "metrics": 5},
    "ui_first_panels": {"runs": 100, "metrics": 5, "steps": 50},
    "ui_table_scroll": {"runs": 100, "metrics": 5, "steps": 50},
    "server_ingest": {"runs": 16, "batches": 2, "rows": 2_000, "metrics": 10},
    "log_online": {"steps": 2_000, "metrics": 10},
    "artifacts": {"files": 100, "file_kb": 4, "big_mb": 20},
    "sampler": {"samples": 20},
}
# Peers too slow for the full sizes within minutes get smaller ones (noted in RESULTS.md;
# `--full-size` turns this off). MLflow's default sqlite store commits every log_metrics
# call (~8-10 ms each here), so 100,000 steps would take ~16 min per run.
REDUCED_SIZES: dict[str, dict[str, dict[str, int]]] = {
    "mlflow": {
        "log": {"steps": 5_000},
        "memory": {"steps": 10_000},
        "many_runs": {"runs": 10},
    },
}


SCAN_MEMORY_TARGET_MB = 100.0


@dataclass(frozen=True)
class Row:
    """One line of the results table: a value from one workload's result dict.

    `label` may name sizes as ``{workload_key}`` (e.g. ``{scan_rows}``), filled from the
    sizes of the report (full or quick)."""

    label: str
    workload: str
    key: str
    unit: str  # "s", "us", "B", "MB", "rows/s", "count", "fps"
    target: float | None = None  # runyard's target, in `unit`; None = no target
    target_text: str = ""
    scale_free: bool = True  # judged against the target in --quick mode too
    only: str | None = None  # a row that applies to one tool only
    higher: bool = False  # the target is a minimum (e.g. frames per second), not a maximum


ROWS = [
    Row("a. `import`", "import", "import_s", "s", 0.150, "≤ 150 ms"),
    Row("b. `init()`", "init", "init_s", "s", 0.030, "≤ 30 ms"),
    Row(
        "c. `log()` per call, median",
        "log",
        "log_median_us",
        "us",
        5.0,
        "≤ 5 µs and ≥ 25× faster than wandb",
    ),
    Row("c. `log()` per call, mean", "log", "log_mean_us", "us"),
    Row("c. `log()` per call, p99", "log", "log_p99_us", "us"),
    Row("c. log loop wall time", "log", "loop_s", "s", scale_free=False),
    Row("d. `finish()` after the loop", "log", "finish_s", "s", 0.200, "≤ 200 ms", False),
    Row("e. bytes on disk per scalar point", "log", "bytes_per_point", "B", 8.0, "≤ 8 B"),
    Row("e. bytes on disk, total", "log", "disk_bytes", "B", scale_free=False),
    # The target is for reading through the store (next row); this row compares
    # each tool's public read API (for Runyard: Api().run(path).scan_history(keys=["m0"])).
    Row("f. read back `m0` through the public read API", "read", "read_s", "s", scale_free=False),
    Row(
        "f. read back `m0`, store level",
        "read",
        "read_store_s",
        "s",
        0.010,
        "≤ 10 ms",
        False,
        only="runyard",
    ),
    Row("f. open reader (before the read)", "read", "open_s", "s"),
    Row(
        "g. peak RSS, process + children", "memory", "peak_total_mb", "MB", 100.0, "≤ 100 MB", False
    ),
    Row("g. peak RSS, process", "memory", "peak_self_mb", "MB"),
    Row("g. peak RSS, children", "memory", "peak_children_mb", "MB"),
    Row("g. RSS after import (baseline)", "memory", "baseline_mb", "MB"),
    Row("h. many runs in one process, total", "many_runs", "total_s", "s", 3.0, "≤ 3 s", False),
    # Issue 3: reading history and querying runs at scale.
    Row(
        "i. `scan_history()`, {scan_rows} rows × {scan_keys} keys",
        "scan",
        "rows_per_s",
        "rows/s",
        only="runyard",
    ),
    Row("i. scan, total time ({scan_rows} rows)", "scan", "scan_s", "s", only="runyard"),
    Row(
        "i. scan, peak RSS growth ({scan_rows} rows)",
        "scan",
        "peak_growth_mb",
        "MB",
        SCAN_MEMORY_TARGET_MB,
        "< 100 MB and flat in rows",
        False,
        only="runyard",
    ),
    Row(
        "i. `scan_history()`, {scan_small_rows} rows",
        "scan",
        "small_rows_per_s",
        "rows/s",
        only="runyard",
    ),
    Row(
        "i. scan, total time ({scan_small_rows} rows)",
        "scan",
        "small_scan_s",
        "s",
        only="runyard",
    ),
    Row(
        "i. scan, peak RSS growth ({scan_small_rows} rows)",
        "scan",
        "small_peak_growth_mb",
        "MB",
        only="runyard",
    ),
    Row(
        "j. `Api().runs(filters)` over {query_runs} runs, iterated + `len()`",
        "query",
        "query_s",
        "s",
        0.200,
        "≤ 200 ms",
        False,
        only="runyard",
    ),
    Row("j. `Api()` before the query (opens the store)", "query", "open_s", "s", only="runyard"),
    Row("j. runs matched", "query", "matched", "count", only="runyard"),
    # Issue 4: the web UI's series endpoint and start-up.
    Row(
        "k. `/series`, {series_runs} runs × {series_steps} steps, full range",
        "series",
        "series_s",
        "s",
        0.150,
        "≤ 150 ms",
        False,
        only="runyard",
    ),
    Row("k. `/series`, full range, first call", "series", "series_first_s", "s", only="runyard"),
    Row("k. `/series`, full range, response size", "series", "series_bytes", "B", only="runyard"),
    Row("k. `/series`, zoomed to 1% of the steps", "series", "zoom_s", "s", only="runyard"),
    Row(
        "k. zoomed: points returned per series",
        "series",
        "zoom_returned",
        "count",
        only="runyard",
    ),
    Row("l. UI start → URL printed", "ui_start", "announced_s", "s", only="runyard"),
    Row("l. UI start → first answer of `/`", "ui_start", "page_s", "s", 0.5, "≤ 0.5 s"),
    Row("l. UI start → first answer of the API", "ui_start", "api_s", "s"),
    Row(
        "m. workspace of {ui_first_panels_runs} runs × {ui_first_panels_metrics} metrics: "
        "navigation → first panel drawn",
        "ui_first_panels",
        "first_panel_s",
        "s",
        2.0,
        "≤ 2 s",
        False,
        only="runyard",
    ),
    Row(
        "m. first panel, first load after the server started",
        "ui_first_panels",
        "first_panel_cold_s",
        "s",
        only="runyard",
    ),
    Row(
        "m. runs list loaded (`/runs` answered)",
        "ui_first_panels",
        "runs_loaded_s",
        "s",
        only="runyard",
    ),
    Row("m. first `/series` answered", "ui_first_panels", "series_loaded_s", "s", only="runyard"),
    Row(
        "n. runs table, {ui_table_scroll_runs} runs scrolled top → bottom in 2 s: average fps",
        "ui_table_scroll",
        "scroll_fps",
        "fps",
        50.0,
        "≥ 50 fps",
        False,
        only="runyard",
        higher=True,
    ),
    Row(
        "n. slowest 5 % of frames: 95th-percentile frame interval",
        "ui_table_scroll",
        "scroll_interval_p95_s",
        "s",
        only="runyard",
    ),
    Row(
        "n. longest frame interval", "ui_table_scroll", "scroll_interval_max_s", "s", only="runyard"
    ),
    Row(
        "n. frames missed (intervals over 25 ms)",
        "ui_table_scroll",
        "scroll_missed_frames",
        "count",
        only="runyard",
    ),
    # Issue 8: the team server.
    Row(
        "o. server ingest: {server_ingest_runs} concurrent runs → one `runyard server` over "
        "PostgreSQL, scalar points/s",
        "server_ingest",
        "points_per_s",
        "points/s",
        500_000,
        "≥ 500,000 points/s",
        only="runyard",
        higher=True,
    ),
    Row(
        "o. one batch (5,000 rows × 10), median",
        "server_ingest",
        "batch_median_s",
        "s",
        only="runyard",
    ),
    Row(
        "o. server process CPU during the ingest",
        "server_ingest",
        "server_cpu_s",
        "s",
        only="runyard",
    ),
    Row(
        "o. PostgreSQL CPU during the ingest",
        "server_ingest",
        "postgres_cpu_s",
        "s",
        only="runyard",
    ),
    Row(
        "p. `log()` per call in online mode, median (compare c.)",
        "log_online",
        "log_median_us",
        "us",
        only="runyard",
    ),
    Row("p. `log()` online, mean", "log_online", "log_mean_us", "us", only="runyard"),
    Row("p. `log()` online, p99", "log_online", "log_p99_us", "us", only="runyard"),
    Row("p. `finish()` online (sends what is left)", "log_online", "finish_s", "s", only="runyard"),
    Row(
        "q. artifact of {artifacts_files} small files: training thread (add_dir + log)",
        "artifacts",
        "small_call_s",
        "s",
    ),
    Row(
        "q. … of which log_artifact() (MLflow: log_artifacts, the one call)",
        "artifacts",
        "small_log_s",
        "s",
        0.010,
        "≤ 10 ms",
    ),
    Row("q. … its CPU time on the training thread", "artifacts", "small_log_cpu_s", "s"),
    Row("q. … until stored (+ finish())", "artifacts", "small_stored_s", "s"),
    Row("q. … plain copy of the files", "artifacts", "copy_small_s", "s"),
    Row(
        "q. artifact of one {artifacts_big_mb} MB file: training thread (add_file + log)",
        "artifacts",
        "big_call_s",
        "s",
    ),
    Row(
        "q. … of which log_artifact() (MLflow: log_artifact, the one call)",
        "artifacts",
        "big_log_s",
        "s",
        0.010,
        "≤ 10 ms",
    ),
    Row("q. … its CPU time on the training thread", "artifacts", "big_log_cpu_s", "s"),
    Row("q. … until stored (+ finish())", "artifacts", "big_stored_s", "s"),
    Row("q. … plain copy of the file", "artifacts", "copy_big_s", "s"),
    Row(
        "r. system metrics: CPU per sample (sampler thread)",
        "sampler",
        "sample_cpu_s",
        "s",
        only="runyard",
    ),
    Row(
        "r. … share of one core at the 15 s default, %",
        "sampler",
        "core_percent_15s",
        "pct",
        1.0,
        "≤ 1 %",
        only="runyard",
    ),
]
LOG_SPEEDUP_TARGET = 25.0
# The scan's memory must not grow with the rows: the peak growth at `rows` may exceed the
# one at `small_rows` by at most this much (allocator noise; ≈ 6 B per extra row at 1M).
SCAN_FLAT_TOLERANCE_MB = 5.0


# --------------------------------------------------------------------------------------
# Running workers
# --------------------------------------------------------------------------------------


def python_for(tool: str, opts: argparse.Namespace) -> Path:
    return Path(opts.runyard_python if tool == "runyard" else opts.peers_python)


def probe(tool: str, python: Path) -> dict[str, str]:
    """Version of the tool's package and of Python in its interpreter, or why it is missing."""
    if not python.exists():
        return {"status": f"not installed ({python} does not exist)"}
    code = (
        "import importlib.metadata as m, sys\n"
        f"print(m.version({DISTRIBUTIONS[tool]!r}))\n"
        "print(sys.version.split()[0])\n"
        "try:\n    print(m.version('numpy'))\nexcept Exception:\n    print('-')\n"
    )
    try:
        proc = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"status": f"not installed ({exc})"}
    if proc.returncode != 0:
        return {"status": "not installed"}
    version, py_version, numpy = proc.stdout.split()[:3]
    info = {
        "status": "ok",
        "version": version,
        "python": py_version,
        "numpy": numpy,
        "interpreter": str(python),
    }
    if tool == "runyard":
        info["revision"] = source_revision()
    return info


def source_revision() -> str:
    """The commit Runyard is measured at, and whether its sources differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(REPO_DIR), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} + uncommitted changes in src/" if changed else head


def run_worker(
    python: Path, tool: str, workload: str, args: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """One fresh process; returns its JSON result, or {"ok": False, "error": ...}."""
    cmd = [str(python), str(WORKER), tool, workload, json.dumps(args)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=BENCH_DIR,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        return {"ok": False, "error": str(exc)}
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and whatever it spawned
        proc.communicate()
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    finally:
        elapsed = time.monotonic() - started
    for line in reversed(out.splitlines()):
        try:
            result = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(result, dict) and "ok" in result:
            result["wall_s"] = elapsed
            return result
    tail = [ln for ln in err.strip().splitlines() if ln.strip()][-1:] or [f"exit {proc.returncode}"]
    return {"ok": False, "error": tail[0][:200], "wall_s": elapsed}


def sizes_for(tool: str, workload: str, opts: argparse.Namespace) -> dict[str, int]:
    sizes = dict((QUICK_SIZES if opts.quick else FULL_SIZES).get(workload, {}))
    if not opts.quick and not opts.full_size:
        sizes.update(REDUCED_SIZES.get(tool, {}).get(workload, {}))
    return sizes


def measure(tool: str, workload: str, opts: argparse.Namespace) -> list[dict[str, Any]]:
    """`opts.repeat` results of one tool and workload, each from a fresh process."""
    python = python_for(tool, opts)
    sizes = sizes_for(tool, workload, opts)
    if workload == "scan":
        # Two run sizes, so that the report shows whether memory grows with the rows.
        big = measure_prepared(tool, workload, sizes, opts)
        small = measure_prepared(tool, workload, {**sizes, "rows": sizes["small_rows"]}, opts)
        missing = {"ok": False, "error": "no measurement"}
        return [merge_small(b, s) for b, s in itertools.zip_longest(big, small, fillvalue=missing)]
    if workload in SETUP:
        return measure_prepared(tool, workload, sizes, opts)
    results: list[dict[str, Any]] = []
    for i in range(opts.repeat):
        results.append(run_worker(python, tool, workload, sizes, opts.timeout))
        log_progress(tool, workload, i, opts.repeat, results[-1])
    return results


def measure_prepared(
    tool: str, workload: str, sizes: dict[str, int], opts: argparse.Namespace
) -> list[dict[str, Any]]:
    """Write the data once (untimed, `SETUP[workload]`), then time `workload` over it in
    `repeat` fresh processes."""
    python = python_for(tool, opts)
    data_dir = WORK_DIR / f"{workload}-{tool}-{os.getpid()}"
    shutil.rmtree(data_dir, ignore_errors=True)
    results: list[dict[str, Any]] = []
    try:
        setup = SETUP[workload]
        written = run_worker(python, tool, setup, {**sizes, "dir": str(data_dir)}, opts.timeout)
        log_progress(tool, setup, 0, 1, written)
        if not written.get("ok"):
            return [{"ok": False, "error": f"{setup} failed: {written.get('error')}"}]
        # `write` (for read) names its run; the other set-ups say what to pass on.
        extra = written.get("pass") or {"ref": written["ref"], "key": "m0"}
        args = {**sizes, "dir": str(data_dir), **extra}
        for i in range(opts.repeat):
            results.append(run_worker(python, tool, workload, args, opts.timeout))
            log_progress(tool, workload, i, opts.repeat, results[-1])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return results


def merge_small(big: dict[str, Any], small: dict[str, Any]) -> dict[str, Any]:
    """One scan measurement: the large run's keys, and the small run's prefixed `small_`."""
    merged = {**big, **{f"small_{k}": v for k, v in small.items() if k != "ok"}}
    merged["ok"] = bool(big.get("ok") and small.get("ok"))
    failed = [
        f"{name}: {r.get('error')}"
        for name, r in (("large", big), ("small", small))
        if not r.get("ok")
    ]
    if failed:
        merged["error"] = "; ".join(failed)
    return merged


def log_progress(tool: str, workload: str, i: int, n: int, result: dict[str, Any]) -> None:
    status = "ok" if result.get("ok") else f"error: {result.get('error')}"
    print(
        f"  {tool:8} {workload:15} {i + 1}/{n}  {result.get('wall_s', 0):7.1f} s  {status}",
        file=sys.stderr,
        flush=True,
    )


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value >= 1:
            return f"{value:.2f} s"
        if value >= 1e-3:
            return f"{value * 1e3:.1f} ms"
        return f"{value * 1e6:.0f} µs"
    if unit == "us":
        if value >= 1000:
            return f"{value / 1000:.2f} ms"
        return f"{value:.2f} µs" if value < 10 else f"{value:.0f} µs"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "rows/s":
        return f"{value / 1e3:,.0f} k rows/s"
    if unit == "points/s":
        return f"{value / 1e3:,.0f} k points/s"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "pct":
        return f"{value:.3f} %"
    if unit == "fps":
        return f"{value:.1f} fps"
    if unit == "B":
        if value >= 1e6:
            return f"{value / 1e6:.2f} MB"
        if value >= 1e4:
            return f"{value / 1e3:.0f} kB"
        return f"{value:.1f} B" if value < 100 else f"{value:.0f} B"
    return f"{value:g}"


def values(entry: dict[str, Any] | None, row: Row) -> list[float]:
    if not entry:
        return []
    return [float(r[row.key]) for r in entry["runs"] if r.get("ok") and row.key in r]


def median(entry: dict[str, Any] | None, row: Row) -> float | None:
    vals = values(entry, row)
    return statistics.median(vals) if vals else None


def extrapolation(entry: dict[str, Any], row: Row) -> float:
    """Factor from the measured many_runs size to the nominal one (1.0 when equal)."""
    if row.key != "total_s":
        return 1.0
    nominal = entry.get("nominal", {}).get("runs")
    measured = entry.get("sizes", {}).get("runs")
    return nominal / measured if nominal and measured and nominal != measured else 1.0


def cell(data: dict[str, Any], tool: str, row: Row) -> str:
    """The median of one tool for one row, or why there is none."""
    if row.only is not None and tool != row.only:
        return ""
    tool_data = data["tools"].get(tool)
    if tool_data is None:
        return "—"
    if tool_data.get("status") != "ok":
        return str(tool_data.get("status", "not installed"))
    if (tool, row.workload) in NOT_APPLICABLE:
        return NOT_APPLICABLE[tool, row.workload]
    entry = tool_data["workloads"].get(row.workload)
    if entry is None:
        return "—"
    value = median(entry, row)
    if value is None:
        errors = [str(r.get("error")) for r in entry["runs"] if not r.get("ok")]
        errors += [
            str(r[f"{row.key[:-2]}_error"]) for r in entry["runs"] if f"{row.key[:-2]}_error" in r
        ]
        if errors:
            return "error: " + errors[0].replace("|", "\\|")[:120]
        return "—"
    factor = extrapolation(entry, row)
    text = fmt(value * factor, row.unit)
    if factor != 1.0:
        text = f"≈ {text} (×{factor:g} from {entry['sizes']['runs']} runs)"
    failed = sum(1 for r in entry["runs"] if not r.get("ok"))
    if failed:
        text += f" ({failed}/{len(entry['runs'])} failed)"
    warnings = {
        str(r[f"{row.key[:-2]}_error"])
        for r in entry["runs"]
        if r.get("ok") and f"{row.key[:-2]}_error" in r
    }
    if warnings:
        text += " (" + "; ".join(sorted(warnings)).replace("|", "\\|")[:120] + ")"
    if row.unit == "us" and tool != "runyard" and row.key in ("log_median_us", "log_mean_us"):
        ours = median(data["tools"].get("runyard", {}).get("workloads", {}).get(row.workload), row)
        if ours:
            text += f" ({value / ours:.0f}× runyard)"
    return text


def target_cell(data: dict[str, Any], row: Row) -> str:
    if row.target is None:
        return ""
    tool_data = data["tools"].get("runyard", {})
    entry = tool_data.get("workloads", {}).get(row.workload)
    value = median(entry, row)
    if data.get("quick") and not row.scale_free:
        return f"{row.target_text} (quick: not judged)"
    if value is None:
        return f"{row.target_text}: no data"
    value *= extrapolation(entry or {}, row)
    if row.key == "peak_growth_mb":
        small = median(entry, Row("", "scan", "small_peak_growth_mb", "MB"))
        return scan_memory_verdict(value, small)
    if row.key != "log_median_us":
        met = value >= row.target if row.higher else value <= row.target
        return f"{row.target_text}: {'PASS' if met else 'FAIL'}"
    own = f"≤ {row.target:g} µs: {'PASS' if value <= row.target else 'FAIL'}"
    wandb = median(data["tools"].get("wandb", {}).get("workloads", {}).get("log"), row)
    if wandb is None:
        return f"{own}; ≥ {LOG_SPEEDUP_TARGET:g}× faster than wandb: no data"
    speedup = wandb / value
    verdict = "PASS" if speedup >= LOG_SPEEDUP_TARGET else "FAIL"
    return f"{own}; ≥ {LOG_SPEEDUP_TARGET:g}× faster than wandb: {verdict} ({speedup:.0f}×)"


def scan_memory_verdict(large: float, small: float | None) -> str:
    """Peak RSS growth of the scan: under the target, and not growing with the rows."""
    own = f"< {SCAN_MEMORY_TARGET_MB:g} MB: {'PASS' if large < SCAN_MEMORY_TARGET_MB else 'FAIL'}"
    if small is None:
        return f"{own}; flat in rows: no data"
    grows = large - small
    verdict = "PASS" if grows <= SCAN_FLAT_TOLERANCE_MB else "FAIL"
    return f"{own}; flat in rows (≤ +{SCAN_FLAT_TOLERANCE_MB:g} MB): {verdict} ({grows:+.1f} MB)"


def runs_cell(data: dict[str, Any], tool: str, row: Row) -> str:
    if row.only is not None and tool != row.only:
        return ""
    entry = data["tools"].get(tool, {}).get("workloads", {}).get(row.workload)
    if not entry or not any(row.key in r for r in entry["runs"]):
        return ""
    parts = []
    for r in entry["runs"]:
        if r.get("ok") and row.key in r:
            parts.append(fmt(float(r[row.key]), row.unit))
        elif not r.get("ok"):
            parts.append("error")
    return " / ".join(parts)


def label_sizes(data: dict[str, Any]) -> dict[str, str]:
    """``{workload}_{key}`` -> that size as text, for the rows' labels."""
    return {
        f"{workload}_{key}": f"{value:,}"
        for workload, sizes in data["sizes"].items()
        for key, value in sizes.items()
    }


def table(data: dict[str, Any], tools: list[str], rows: list[Row], individual: bool) -> list[str]:
    head = ["metric"] + ([] if individual else ["Targets (runyard)"]) + tools
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sizes = label_sizes(data)
    for row in rows:
        if individual:
            cells = [runs_cell(data, t, row) for t in tools]
            if not any(cells):
                continue
        else:
            cells = [target_cell(data, row)] + [cell(data, t, row) for t in tools]
        lines.append("| " + " | ".join([row.label.format_map(sizes), *cells]) + " |")
    return lines


def load_table(data: dict[str, Any], tools: list[str]) -> list[str]:
    """The 1-minute load average when each measured process started, run by run."""
    lines = ["| workload | " + " | ".join(tools) + " |", "|" + "---|" * (len(tools) + 1)]
    for workload in WORKLOADS:
        cells = []
        for tool in tools:
            entry = data["tools"].get(tool, {}).get("workloads", {}).get(workload)
            if entry is None:
                cells.append("")
                continue
            loads = [r.get("loadavg") for r in entry["runs"]]
            if not any(loads):
                cells.append("not recorded")
                continue
            cells.append(" / ".join(f"{load[0]:.2f}" if load else "?" for load in loads))
        if any(cells):
            lines.append(f"| `{workload}` | " + " | ".join(cells) + " |")
    return lines


# --------------------------------------------------------------------------------------
# Machine and report
# --------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "driver_python": platform.python_version(),
    }


def workload_text(data: dict[str, Any]) -> list[str]:
    s = data["sizes"]
    log, mem, many = s["log"], s["memory"], s["many_runs"]
    scan, query, series, ui = s["scan"], s["query"], s["series"], s["ui_start"]
    panels, scroll = s["ui_first_panels"], s["ui_table_scroll"]
    return [
        "- **a. import**: `import <tool>` timed around the import statement, in a fresh process.",
        "- **b. init**: `init(project=..., config={4 keys})` after the import (MLflow: "
        "`set_experiment` + `start_run` + `log_params`; Aim: `Run(repo=...)` + `run['hparams']`).",
        f"- **c. log**: {log['steps']:,} steps × {log['metrics']} scalar metrics, one dict of "
        "Python floats per call (random walk, built before the loop); `time.perf_counter_ns()` "
        "around each call (an empty timer pair costs ≈ 50–80 ns here, included). wandb, Runyard, "
        "trackio: `run.log(d)`; MLflow: `mlflow.log_metrics(d, step=i)`; Aim: `run.track(d)`.",
        "- **d. finish**: `finish()` (MLflow `end_run`, Aim `close`) right after that loop.",
        f"- **e. bytes/point**: total size of the tool's fresh data directory after finish, / "
        f"{log['steps'] * log['metrics']:,} points (Runyard: `RUNYARD_DIR`; wandb: `WANDB_DIR`; "
        "MLflow: its sqlite file; Aim: the repo; trackio: `TRACKIO_DIR`). Includes fixed overhead "
        "(empty database, logs, system metrics).",
        f"- **f. read**: one run of {s['read']['steps']:,} steps written first (untimed), then in "
        "a fresh process the reader is opened (`open`) and metric `m0` read in full (`read`). "
        "Runyard: `Api().run(path).scan_history(keys=['m0'])` and the store's `read_series`; "
        "MLflow: `MlflowClient().get_metric_history`; Aim: `Repo.get_run(h).get_metric('m0')."
        "values` (after indexing the run, as `aim up` does); trackio: "
        "`SQLiteStorage.get_metric_values` (its `Api` has no metric read).",
        f"- **g. memory**: peak RSS (ru_maxrss) while logging {mem['steps']:,} × {mem['metrics']} "
        "(values made per step from a numpy array), plus the summed peak RSS (VmHWM) of live "
        "child processes (wandb-core and its helpers), sampled during the loop and around finish.",
        f"- **h. many runs**: {many['runs']} runs × {many['steps']:,} steps × {many['metrics']} "
        "metrics, init/log/finish one after another in one process: total time.",
        f"- **i. scan** (Runyard only): one run of {scan['rows']:,} rows × {scan['keys']} scalar "
        "keys plus `_runtime` (the row index of `scan_history`), written through the store in "
        "batches of 50,000 rows (untimed); then in a fresh process `sum(1 for _ in "
        "runyard.Api().run(path).scan_history())`: rows/s, total time, and peak RSS (ru_maxrss) "
        "minus the RSS just before the scan. The same for a run of "
        f"{scan['small_rows']:,} rows, to see whether memory grows with the rows.",
        f"- **j. query** (Runyard only): {query['runs']:,} runs in one project, each with a "
        'config and a summary `{"loss": {"min": x}, "acc": v}`, created through the store '
        "(untimed); then in a fresh process, after `runyard.Api()` (shown apart as the "
        "store's opening), `api.runs(project, filters={'summary_metrics.loss.min': {'$lt': 0.5}, "
        "'config.lr': {'$gte': 0.01}}, per_page=1000)` fully iterated, and `len()` of it.",
        f"- **k. series** (Runyard only): {series['runs']} runs × {series['steps']:,} steps of "
        "one random-walk metric, one store batch per run (cut into chunks of 8192 points with "
        "their rollups; untimed). Then in a fresh process the API app is built in-process "
        "(`create_app`) and called through `fastapi.testclient.TestClient`: `GET /api/v1/"
        "projects/{entity}/{project}/series?runs=<all ids>&keys=m&points=1000`, one warm-up "
        "call (shown as *first call*) and the median of 5; then the same with "
        f"`xmin={int(series['steps'] * 0.4)}&xmax={int(series['steps'] * 0.41)}` (1% of the "
        "steps). TestClient adds little to the server's own time.",
        "- **l. ui_start**: a data directory holding one small run (written untimed by a "
        f"separate process: {ui['steps']} steps × {ui['metrics']} metrics), then the UI command "
        "is started in its own process group and its start page `GET /` polled every 10 ms "
        "with urllib from the measuring process until it answers (200; Runyard also 503, its "
        "page when the web app is not built), then its API; times from just before the "
        "command is started; the process group is killed afterwards. Runyard: `runyard ui "
        "--port 0 --no-browser` (the port read from the URL it prints; API: `GET /api/v1/"
        "projects`); trackio: `trackio show` (port set by `GRADIO_SERVER_PORT`; API: `POST "
        "/api/get_all_projects`); Aim: `aim up --repo <dir> --port P` (API: `GET "
        "/api/projects/`); MLflow: `mlflow ui --backend-store-uri sqlite:///… --port P` (API: "
        "`GET /api/2.0/mlflow/experiments/search`). wandb has no local UI without Docker. The "
        "issue quotes trackio 0.37 s, Aim 2.45 s, MLflow 6.3 s.",
        f"- **m. ui_first_panels** (Runyard only): {panels['runs']:,} finished runs × "
        f"{panels['metrics']} random-walk metrics × {panels['steps']} steps (plus `_runtime`), "
        "each with a config and a summary of its last values, written through the store, one "
        "batch per run (untimed). Then in a fresh process `runyard ui --port 0 --no-browser` "
        "is started and, once its API answers, Debian's Chromium headless through Playwright "
        "(as `tests/browser` launches it: `--headless --no-sandbox --disable-gpu …`, viewport "
        "1440×900). In each of 3 fresh browser contexts (the server and the browser stay up) "
        "the page goes to the workspace `/{entity}/{project}`; an init script, run before "
        "the app's own, hooks `window.__runyardCharts` and notes `performance.now()` (ms since "
        "navigation start) when the app first publishes a chart whose series hold points, "
        "which it does right after drawing it. The value is the median of the 3 loads; the "
        "first load after the server started is shown apart, and so are the moments, in the "
        "median load, when the `/runs` request and the first `/series` request were answered "
        "(Resource Timing).",
        f"- **n. ui_table_scroll** (Runyard only): the same store ({scroll['runs']:,} runs) and "
        "server, one browser context on the workspace; once the first chart is drawn, the "
        f"table says `of {scroll['runs']:,} runs` and the network is idle, the runs table's "
        "scroll container (`data-testid=runs-scroll`) is scrolled from top to bottom in 2 s "
        "by one `page.evaluate`: every `requestAnimationFrame` callback sets `scrollTop` in "
        "proportion to the time elapsed, and the callbacks' timestamps give the frame "
        "intervals. Average fps = intervals / time; the slowest 5 % of the frames are "
        "described by the 95th-percentile interval (i.e. the 5th-percentile frame rate). A "
        "MutationObserver counts the distinct rows the virtualiser rendered on the way (it must "
        "be every run), and the last row must be shown at the bottom. 3 passes per process, "
        "the median pass by fps is kept.",
        "- **o. server_ingest** (Runyard only, issue 8): a throwaway PostgreSQL 15 (`initdb`, "
        "`fsync=off`) and ONE `runyard server --no-auth` process over it; "
        f"{s['server_ingest']['runs']} runs, each a client thread that posts its "
        f"{s['server_ingest']['batches']} batches of {s['server_ingest']['rows']:,} rows × "
        f"{s['server_ingest']['metrics']} metrics (plus `_timestamp`, `_runtime`, as the SDK "
        "sends them; the batches are encoded in the wire format before the clock starts) one "
        "after another to `POST /api/v1/projects/{entity}/{project}/runs/{id}/batches`, as a "
        "run's writer thread does. Points/s = metric points / wall time from the first request "
        "to the last answer; the CPU seconds of the server process, PostgreSQL's processes and "
        "the load generator are read from /proc. `profile` in the arguments samples the server "
        "with py-spy (`PY_SPY` names the binary; not a dependency).",
        "- **p. log_online** (Runyard only, issue 8): workload c with `RUNYARD_BASE_URL` set to "
        "a `runyard server` over PostgreSQL (started as in o., untimed): per-call `log()` in "
        "online mode, and `finish()`, which waits until the server holds the whole run (checked "
        "afterwards through the server). A deployed server runs on other machines; here it "
        "shares the 2 cores with the script, so the server and PostgreSQL run at nice 19 "
        "(`nice` argument; 0 turns it off) and the script gets the CPU first, as with the server "
        "elsewhere: what is measured is the SDK's cost.",
        "- **r. sampler** (Runyard only, issue 13): the system-metrics sampler's work for one "
        "sample (CPU %, memory, disk use and I/O, network; no GPU on this machine), timed with "
        "`time.thread_time` over 200 samples after a warm-up one; the share of a core follows "
        "for the default interval of 15 s. `log()` (c.) is measured with console capture and "
        "the sampler on, as every `init` starts them.",
    ]


def render(data: dict[str, Any], tools: list[str]) -> str:
    m = data["machine"]
    out = [
        "# Runyard benchmark results",
        "",
        f"Written by `{data['command']}` on {data['written_at']}. Every number is the median of "
        f"fresh processes (see *Individual runs*); the peers are in offline/local mode, each in "
        "its own fresh temporary directory.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores",
        f"- RAM: {m['ram']}",
        f"- OS: {m['os']}",
        f"- Python (driver): {m['driver_python']}",
        "",
        "## Tools",
        "",
        "| tool | version | Python | numpy | interpreter | measured |",
        "|---|---|---|---|---|---|",
    ]
    for tool in tools:
        t = data["tools"].get(tool)
        if t is None:
            out.append(f"| {tool} | not measured | | | | |")
        elif t.get("status") != "ok":
            out.append(f"| {tool} | {t.get('status')} | | | | {t.get('measured_at', '')} |")
        else:
            when = sorted({w["measured_at"] for w in t["workloads"].values()})
            span = when[0] if len(when) == 1 else f"{when[0]} – {when[-1]}" if when else ""
            interp = os.path.relpath(t["interpreter"], REPO_DIR)
            out.append(
                f"| {tool} | {t['version']} | {t['python']} | {t['numpy']} | `{interp}` | {span} |"
            )
    out += ["", *revision_text(data), "", "## Workloads", "", *workload_text(data), ""]
    if data.get("quick"):
        out += ["**Quick mode**: reduced sizes, for a smoke test only.", ""]
    out += ["## Results (medians)", "", *table(data, tools, ROWS, individual=False), ""]
    notes = reduced_notes(data, tools)
    if notes:
        out += [
            "Measured at reduced sizes (too slow for the full workload; individual runs are "
            "at the reduced size, totals not extrapolated):",
            "",
            *notes,
            "",
        ]
    missed = missed_targets(data)
    out += ["## Targets missed by Runyard", ""]
    out += missed or ["None."]
    out += [""]
    observed = observations(data)
    if observed:
        out += ["## Observations", "", *observed, ""]
    out += other_benchmarks()
    out += [
        "## Load average",
        "",
        "1-minute load average when each measured process started (2 cores; other work may "
        "have been running on the machine), run by run:",
        "",
        *load_table(data, tools),
        "",
    ]
    out += ["## Individual runs", "", *table(data, tools, ROWS, individual=True), ""]
    return "\n".join(out)


#: Sections written by the benchmarks that run on their own (bench/frameworks.py,
#: bench/grouping.py, bench/scale.py, …): each saves its markdown here, and every
#: RESULTS.md this script writes carries them, so regenerating it loses none.
SECTIONS_DIR = BENCH_DIR / "sections"


def other_benchmarks() -> list[str]:
    """The saved sections of the standalone benchmarks, by file name, each demoted
    under one heading."""
    files = sorted(SECTIONS_DIR.glob("*.md")) if SECTIONS_DIR.is_dir() else []
    if not files:
        return []
    out = [
        "## Other benchmarks",
        "",
        "Written by the standalone scripts named in each section (their own machine and "
        "date lines say when and where); kept in `bench/sections/`.",
        "",
    ]
    for path in files:
        text = path.read_text().strip()
        out += ["#" + line if line.startswith("#") else line for line in text.splitlines()]
        out += [""]
    return out


def revision_text(data: dict[str, Any]) -> list[str]:
    """Which Runyard sources each workload was measured on (when recorded)."""
    entries = data["tools"].get("runyard", {}).get("workloads", {})
    by_revision: dict[str, list[str]] = {}
    for workload in WORKLOADS:
        if workload in entries:
            revision = entries[workload].get("revision", "not recorded")
            by_revision.setdefault(revision, []).append(f"`{workload}`")
    return [
        f"Runyard sources (git): {revision} for {', '.join(names)}."
        for revision, names in by_revision.items()
    ]


def missed_targets(data: dict[str, Any]) -> list[str]:
    """One line per target row whose verdict has a FAIL, with the measured median."""
    lines = []
    sizes = label_sizes(data)
    for row in ROWS:
        verdict = target_cell(data, row)
        if "FAIL" in verdict:
            label = row.label.format_map(sizes)
            lines.append(f"- {label}: {cell(data, 'runyard', row)}; {verdict}.")
    return lines


def observations(data: dict[str, Any]) -> list[str]:
    """What the new workloads' numbers show beyond pass/fail, computed from the runs."""
    entries = data["tools"].get("runyard", {}).get("workloads", {})
    out = []
    scan = entries.get("scan")
    large = median(scan, Row("", "scan", "peak_growth_mb", "MB"))
    small = median(scan, Row("", "scan", "small_peak_growth_mb", "MB"))
    if scan and large is not None and small is not None:
        rows, small_rows = scan["sizes"]["rows"], scan["sizes"]["small_rows"]
        per_row = (large - small) * 1024**2 / (rows - small_rows)
        grows = large - small > SCAN_FLAT_TOLERANCE_MB
        out.append(
            f"- **i. scan**: the peak RSS growth is {large:.1f} MB at {rows:,} rows and "
            f"{small:.1f} MB at {small_rows:,} rows, ≈ {per_row:.0f} bytes per extra row: "
            + (
                "it grows with the run's length (in proportion to the rows)."
                if grows
                else "it does not grow measurably with the run's length."
            )
        )
    query = entries.get("query")
    opened = median(query, Row("", "query", "open_s", "s"))
    queried = median(query, Row("", "query", "query_s", "s"))
    if query and opened is not None and queried is not None:
        out.append(
            f"- **j. query**: the query itself took {fmt(queried, 's')}; `runyard.Api()` before "
            f"it (opening the store, recovering journals) took {fmt(opened, 's')} more."
        )
    series = entries.get("series")
    returned = median(series, Row("", "series", "zoom_returned", "count"))
    raw = median(series, Row("", "series", "zoom_raw_points", "count"))
    if series and returned is not None and raw is not None:
        lo, hi = next(
            (r["zoom_range"] for r in series["runs"] if r.get("ok") and "zoom_range" in r),
            (0, 0),
        )
        out.append(
            f"- **k. series, zoomed** (`xmin={lo}&xmax={hi}`, {hi - lo + 1:,} steps): each "
            f"series came back with {returned:,.0f} points and `raw_points` = {raw:,.0f}, i.e. "
            "from the rollups of the chunks overlapping the range (one point per 64 steps), "
            "not from the raw points of the range."
            if raw > hi - lo + 1
            else f"- **k. series, zoomed** (`xmin={lo}&xmax={hi}`): {returned:,.0f} points per "
            f"series from {raw:,.0f} raw points."
        )
    out += ui_observations(entries)
    out += team_observations(entries)
    return out


def team_observations(entries: dict[str, Any]) -> list[str]:
    """Issue 8: the online/embedded log() ratio, and what bounds the server's ingest."""
    out = []
    online, embedded = entries.get("log_online"), entries.get("log")
    for key, name in (("log_median_us", "median"), ("log_mean_us", "mean")):
        a = median(online, Row("", "log_online", key, "us"))
        b = median(embedded, Row("", "log", key, "us"))
        if a is not None and b is not None:
            verdict = "PASS" if a <= 2 * b else "FAIL"
            out.append(
                f"- **p. online `log()`**, {name}: {fmt(a, 'us')} online vs {fmt(b, 'us')} "
                f"embedded = {a / b:.2f}× (target ≤ 2×: {verdict})."
            )
    ingest = entries.get("server_ingest")
    rate = median(ingest, Row("", "server_ingest", "points_per_s", "points/s"))
    wall = median(ingest, Row("", "server_ingest", "ingest_s", "s"))
    server = median(ingest, Row("", "server_ingest", "server_cpu_s", "s"))
    pg = median(ingest, Row("", "server_ingest", "postgres_cpu_s", "s"))
    client = median(ingest, Row("", "server_ingest", "client_cpu_s", "s"))
    if rate is not None and wall and server is not None and pg is not None:
        points = median(ingest, Row("", "server_ingest", "points", "count")) or 0
        out.append(
            f"- **o. ingest**: {fmt(rate, 'points/s')} over {fmt(wall, 's')}; the server "
            f"process used {server / wall:.0%} of one core ({points / max(server, 1e-9) / 1e3:,.0f}"
            f" k points per CPU-second), PostgreSQL {pg / wall:.0%}, the load generator "
            f"{(client or 0) / wall:.0%} (of the machine's {os.cpu_count()} cores)."
        )
        loads = [r["loadavg"][0] for r in (ingest or {}).get("runs", []) if r.get("loadavg")]
        if loads:
            load = statistics.median(loads)
            out.append(
                f"- **o. the machine**: its 1-minute load average was {load:.1f} when these "
                f"processes started ({os.cpu_count()} cores): the server, PostgreSQL and the "
                f"load generator shared the CPUs with about {max(load - 1, 0):.0f} other "
                "runnable process(es). The PostgreSQL store also takes one advisory lock per write "
                "transaction (writers are serialised store-wide) and compresses the history "
                "chunks inside it, so one server writes one batch at a time however many runs "
                "send: the ingest rate is about one writer's speed on the CPU it gets."
            )
        top = next(
            (r["profile_top"] for r in (ingest or {}).get("runs", []) if r.get("profile_top")),
            None,
        )
        if top:
            shown = "; ".join(f"{name} {share:.0%}" for name, share in top[:8])
            out.append(
                f"- **o. server profile** (py-spy, share of the server's samples by the "
                f"function on top of the stack, waits included): {shown}."
            )
    return out


def ui_observations(entries: dict[str, Any]) -> list[str]:
    """Where the time to the first panel goes, and how the table scroll went."""
    out = []
    panels = entries.get("ui_first_panels")

    def med(entry: dict[str, Any] | None, workload: str, key: str) -> float | None:
        return median(entry, Row("", workload, key, ""))

    drawn = med(panels, "ui_first_panels", "first_panel_s")
    if panels and drawn is not None:
        ok = [r for r in panels["runs"] if r.get("ok")]
        loads = [fmt(v, "s") for r in ok for v in r.get("first_panel_all_s", [])]
        steps = [
            (label, med(panels, "ui_first_panels", key))
            for label, key in (
                ("the page's scripts and styles loaded", "assets_s"),
                ("`/keys` answered", "keys_loaded_s"),
                ("`/runs` answered", "runs_loaded_s"),
                ("the first `/series` requested", "series_requested_s"),
                ("the first `/series` answered", "series_loaded_s"),
            )
        ]
        known = sorted(((v, label) for label, v in steps if v is not None), key=lambda s: s[0])
        timeline = ", ".join(f"{label} at {fmt(v, 's')}" for v, label in known)
        series = med(panels, "ui_first_panels", "series") or 0
        points = med(panels, "ui_first_panels", "points") or 0
        key = next((r["key"] for r in ok if "key" in r), "?")
        out.append(
            f"- **m. first panel**: from navigation start (medians over the processes): "
            f"{timeline}; the first chart (`{key}`, {series:.0f} runs, {points:,.0f} points) "
            f"drawn at {fmt(drawn, 's')}. Every load, process by process: {', '.join(loads)}."
        )
    scroll = entries.get("ui_table_scroll")
    fps = med(scroll, "ui_table_scroll", "scroll_fps")
    if scroll and fps is not None:
        ok = [r for r in scroll["runs"] if r.get("ok")]
        passes = [f"{v:.1f}" for r in ok for v in r.get("scroll_fps_all", [])]
        rendered = {int(r["rows_rendered"]) for r in ok if "rows_rendered" in r}
        px = med(scroll, "ui_table_scroll", "scroll_px") or 0
        view = med(scroll, "ui_table_scroll", "scroll_viewport_px") or 0
        typical = med(scroll, "ui_table_scroll", "scroll_interval_median_s")
        frames = med(scroll, "ui_table_scroll", "scroll_frames") or 0
        problems = sorted({str(r["scroll_fps_error"]) for r in ok if "scroll_fps_error" in r})
        out.append(
            f"- **n. table scroll**: {px:,.0f} px of rows under a {view:.0f} px viewport in "
            f"{frames:.0f} frames, ≈ {px / max(frames, 1):.0f} px per frame; median frame "
            f"interval {fmt(typical, 's') if typical is not None else '?'}; rows rendered by the "
            f"virtualiser per pass: {', '.join(str(n) for n in sorted(rendered))}. Average fps "
            f"of every pass, process by process: {', '.join(passes)}."
            + (f" Problems: {'; '.join(problems)}." if problems else "")
        )
    return out


def reduced_notes(data: dict[str, Any], tools: list[str]) -> list[str]:
    notes = []
    for tool in tools:
        for workload, entry in data["tools"].get(tool, {}).get("workloads", {}).items():
            if entry.get("sizes") != entry.get("nominal"):
                notes.append(
                    f"- {tool} `{workload}`: {sizes_text(entry['sizes'])} "
                    f"instead of {sizes_text(entry['nominal'])}"
                )
    return notes


def sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in sizes.items())


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tools", default=",".join(TOOLS), help="comma-separated, default: all")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated, default: all")
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="fresh processes per measurement (default 3, 1 with --quick)",
    )
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--full-size", action="store_true", help="no reduced sizes for slow peers")
    p.add_argument("--fresh", action="store_true", help="discard earlier results in results.json")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing; rewrite the report from the JSON",
    )
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    p.add_argument("--runyard-python", default=str(REPO_DIR / ".venv" / "bin" / "python"))
    p.add_argument("--peers-python", default=str(BENCH_DIR / ".venv-peers" / "bin" / "python"))
    p.add_argument(
        "--output",
        default=None,
        help="markdown report (default bench/RESULTS.md; "
        "bench/.work/RESULTS-quick.md with --quick)",
    )
    opts = p.parse_args(argv)
    opts.tools = [t.strip() for t in opts.tools.split(",") if t.strip()]
    opts.workloads = [w.strip() for w in opts.workloads.split(",") if w.strip()]
    for name, given, known in (
        ("tool", opts.tools, TOOLS),
        ("workload", opts.workloads, WORKLOADS),
    ):
        unknown = set(given) - set(known)
        if unknown:
            p.error(f"unknown {name}(s): {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    if opts.repeat is None:
        opts.repeat = 1 if opts.quick else 3
    if opts.output is None:
        opts.output = str(WORK_DIR / "RESULTS-quick.md" if opts.quick else BENCH_DIR / "RESULTS.md")
    return opts


def main(argv: list[str]) -> int:
    opts = parse_args(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    json_path = Path(opts.output).with_suffix(".json")
    if json_path.name == "RESULTS.json":
        json_path = json_path.with_name("results.json")
    data: dict[str, Any] = {"tools": {}}
    if json_path.exists() and not opts.fresh:
        data = json.loads(json_path.read_text())
    data["quick"] = opts.quick
    data["sizes"] = QUICK_SIZES if opts.quick else FULL_SIZES
    data["machine"] = machine()
    if not opts.report_only or "command" not in data:
        data["command"] = "python bench/run.py " + " ".join(argv)
    data.setdefault("written_at", "")

    for tool in [] if opts.report_only else opts.tools:
        info = probe(tool, python_for(tool, opts))
        print(f"{tool}: {info.get('version', info['status'])}", file=sys.stderr, flush=True)
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        previous = data["tools"].get(tool, {})
        if info["status"] != "ok":
            data["tools"][tool] = {**info, "measured_at": now}
            continue
        workloads = (
            previous.get("workloads", {}) if previous.get("version") == info["version"] else {}
        )
        data["tools"][tool] = {**info, "workloads": workloads}
        # Warm-up (not recorded): compiles .pyc files so the first import run is not penalised.
        run_worker(python_for(tool, opts), tool, "import", {}, opts.timeout)
        for workload in opts.workloads:
            if (tool, workload) in NOT_APPLICABLE:
                continue
            runs = measure(tool, workload, opts)
            nominal = (QUICK_SIZES if opts.quick else FULL_SIZES).get(workload, {})
            workloads[workload] = {
                "runs": runs,
                "sizes": sizes_for(tool, workload, opts),
                "nominal": nominal,
                "measured_at": now,
                **({"revision": info["revision"]} if "revision" in info else {}),
            }
            json_path.write_text(json.dumps(data, indent=1) + "\n")  # keep partial results

    if not opts.report_only:
        data["written_at"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    json_path.write_text(json.dumps(data, indent=1) + "\n")
    shown = [t for t in TOOLS if t in data["tools"]]
    report = render(data, shown)
    Path(opts.output).write_text(report + "\n")
    print("\n".join(table(data, shown, ROWS, individual=False)))
    print(
        f"\nwrote {os.path.relpath(opts.output)} and {os.path.relpath(json_path)}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
