"""Benchmark workloads: one tool, one workload, one fresh process.

Usage::

    python bench/workloads.py <tool> <workload> '<json-args>'

Tools: runyard, wandb, mlflow, aim, trackio. Workloads: import, init, log, write, read,
memory, many_runs, ui_start, artifacts, and the Runyard-only scan, query and series (each with its
untimed ``*_write`` set-up) and ui_first_panels and ui_table_scroll (headless Chromium
over ``runyard ui``; set-up ``ui_write``); see ``WORKLOADS`` at the end of the file for
their arguments.

Prints exactly one JSON line on stdout: ``{"ok": true, ...}`` with the measurements, or
``{"ok": false, "error": "..."}``. Anything the tracker itself prints is sent to stderr.

Every tool writes into a fresh data directory (``args["dir"]``, else a temporary one under
``bench/.work/`` that is removed afterwards), selected through the tool's own setting:
RUNYARD_DIR, WANDB_DIR, an MLflow sqlite URI, an Aim repo path, TRACKIO_DIR.

This file imports only the standard library at module level, so that the ``import``
workload times the tracker's import alone; numpy is imported inside the workloads that
need values.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import itertools
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / ".work"
PROJECT = "bench"
CONFIG: dict[str, Any] = {"lr": 0.001, "batch_size": 64, "optimizer": "adam", "layers": [64, 64]}

# Workloads of Runyard's own API and web app (issues 3 and 4), with no peer equivalent.
RUNYARD_ONLY = (
    "scan",
    "query",
    "series",
    "ui_first_panels",
    "ui_table_scroll",
    "server_ingest",
    "log_online",
    "sampler",
)
PEERS = ("wandb", "mlflow", "aim", "trackio")

# (tool, workload) pairs that cannot be measured; run.py shows the reason instead.
NOT_APPLICABLE: dict[tuple[str, str], str] = {
    ("wandb", "read"): "n/a (offline mode has no read API)",
    **{(peer, w): "n/a (Runyard only)" for peer in PEERS for w in RUNYARD_ONLY},
    ("wandb", "ui_start"): "n/a (no local UI: W&B Server is a Docker image)",
    ("aim", "artifacts"): "n/a (Aim has no artifact API)",
    ("trackio", "artifacts"): "n/a (trackio has no artifact API)",
}

Metrics = dict[str, float]
LogFn = Callable[[Metrics], object]
Prepare = Callable[[], Callable[[], int]]  # opens a reader; the reader returns a point count
Result = dict[str, Any]


# --------------------------------------------------------------------------------------
# Tool adapters: the only tool-specific code. Each one knows how to point the tool at a
# data directory, start a run, give back a `log(dict)` callable, finish, and read back.
# --------------------------------------------------------------------------------------


class Adapter:
    """Base adapter. `log_fn` returns the callable timed in the hot loop (no extra wrapper
    where the tool's own `run.log` takes a dict, so that no adapter overhead is timed)."""

    module = ""

    def __init__(self, data_dir: Path, aux_dir: Path) -> None:
        self.data_dir = data_dir
        self.aux_dir = aux_dir

    def setup_env(self) -> None:
        """Set environment variables before the tool is imported."""

    def import_tool(self) -> None:
        importlib.import_module(self.module)

    def init(self) -> None:
        raise NotImplementedError

    def log_fn(self) -> LogFn:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    def run_ref(self) -> str:
        """What `read` needs to find this run again."""
        raise NotImplementedError

    def after_write(self) -> None:
        """Untimed step after `write`, before the run is read back by another process."""

    def read(self, ref: str, key: str) -> Iterator[tuple[str, Prepare]]:
        """Yield (name, prepare) pairs; `prepare()` opens handles (timed as open_s) and
        returns a callable that reads the whole series and returns its number of points
        (timed as read_s). Several pairs may be yielded (e.g. public API and store)."""
        raise NotImplementedError

    # -- artifacts (workload `artifacts`) ---------------------------------------------
    def log_artifact(self, name: str, path: Path) -> tuple[float, float]:
        """Log the directory or file at `path` as an artifact of the current run, as a
        training script does (the tool's own calls, nothing extra); returns the seconds
        of the log call alone (``log_artifact``, after ``add_dir``/``add_file``; MLflow
        has one call doing both): wall time, and the calling thread's CPU time (the
        difference is mostly waiting for the GIL behind the tool's other threads)."""
        raise NotImplementedError

    # -- the web UI (ui_start) ---------------------------------------------------------
    #: HTTP statuses of the UI's start page that count as "the UI answered".
    ui_page_ok: frozenset[int] = frozenset({200})
    #: True when the command picks its own port and prints it (``ui_port_from``).
    ui_prints_port = False

    def ui_command(self, port: int) -> list[str]:
        """The command serving this tool's UI over `data_dir` on 127.0.0.1:`port`."""
        raise NotImplementedError(f"{self.module} has no local UI")

    def ui_env(self, port: int) -> dict[str, str]:
        """Extra environment variables for the UI command."""
        return {}

    def ui_api(self) -> tuple[str, str, bytes | None]:
        """(method, path, body) of a cheap request answered by the UI's backend API."""
        raise NotImplementedError

    def ui_port_from(self, line: str) -> int | None:
        """The port announced in one line of the UI command's output, if any."""
        return None


def tool_bin(name: str) -> str:
    """A console script of the interpreter's environment (its venv's bin directory)."""
    return str(Path(sys.executable).parent / name)


class Runyard(Adapter):
    module = "runyard"

    def setup_env(self) -> None:
        os.environ["RUNYARD_DIR"] = str(self.data_dir)
        os.environ["RUNYARD_SILENT"] = "true"
        os.environ.pop("RUNYARD_STORE", None)
        os.environ.pop("RUNYARD_BASE_URL", None)

    def init(self) -> None:
        import runyard

        self.run = runyard.init(project=PROJECT, config=CONFIG)

    def log_fn(self) -> LogFn:
        return self.run.log  # type: ignore[no-any-return]

    def finish(self) -> None:
        self.run.finish()

    def log_artifact(self, name: str, path: Path) -> tuple[float, float]:
        import runyard

        art = runyard.Artifact(name, type="dataset")
        if path.is_dir():
            art.add_dir(str(path))
        else:
            art.add_file(str(path))
        t0, c0 = time.perf_counter(), time.thread_time()
        self.run.log_artifact(art)
        return time.perf_counter() - t0, time.thread_time() - c0

    def run_ref(self) -> str:
        path = self.run.path
        return "/".join(path) if isinstance(path, list | tuple) else str(path)

    def read(self, ref: str, key: str) -> Iterator[tuple[str, Prepare]]:
        # Keep Runyard's read path here, in one place: the store API is still settling.
        import runyard

        def via_api() -> Callable[[], int]:
            run = runyard.Api().run(ref)
            return lambda: sum(1 for row in run.scan_history(keys=[key]) if key in row)

        def via_store() -> Callable[[], int]:
            from runyard.entities import RunRef
            from runyard.settings import Settings
            from runyard.store.registry import open_store

            store = open_store(Settings(root_dir=self.data_dir).store_uri)
            run_ref = RunRef(*ref.split("/"))
            return lambda: len(store.read_series(run_ref, key))

        yield "api", via_api
        yield "store", via_store

    def store(self) -> Any:
        """The embedded store under `data_dir`, for the store-level set-ups."""
        from runyard.settings import Settings
        from runyard.store.registry import open_store

        return open_store(Settings(root_dir=self.data_dir).store_uri)

    ui_page_ok = frozenset({200, 503})  # 503: the web app is not built (an answer all the same)
    ui_prints_port = True

    def ui_command(self, port: int) -> list[str]:
        return [
            tool_bin("runyard"),
            "ui",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-browser",
        ]

    def ui_api(self) -> tuple[str, str, bytes | None]:
        return "GET", "/api/v1/projects", None

    def ui_port_from(self, line: str) -> int | None:
        match = re.search(r"Runyard UI: http://[^\s/]+:(\d+)/", line)
        return int(match.group(1)) if match else None


class Wandb(Adapter):
    module = "wandb"

    def setup_env(self) -> None:
        os.environ["WANDB_MODE"] = "offline"
        os.environ["WANDB_SILENT"] = "true"
        os.environ["WANDB_DIR"] = str(self.data_dir)
        # Caches and settings go to a directory that is not counted as the run's bytes.
        for var, sub in (
            ("WANDB_CACHE_DIR", "cache"),
            ("WANDB_CONFIG_DIR", "config"),
            ("WANDB_DATA_DIR", "data"),
            ("WANDB_ARTIFACT_DIR", "artifacts"),
        ):
            os.environ[var] = str(self.aux_dir / sub)

    def init(self) -> None:
        import wandb

        self.run = wandb.init(project=PROJECT, config=CONFIG, dir=str(self.data_dir))

    def log_fn(self) -> LogFn:
        return self.run.log  # type: ignore[no-any-return]

    def finish(self) -> None:
        self.run.finish()

    def run_ref(self) -> str:
        return str(self.run.id)

    def log_artifact(self, name: str, path: Path) -> tuple[float, float]:
        import wandb

        art = wandb.Artifact(name, type="dataset")
        if path.is_dir():
            art.add_dir(str(path))
        else:
            art.add_file(str(path))
        t0, c0 = time.perf_counter(), time.thread_time()
        self.run.log_artifact(art)
        return time.perf_counter() - t0, time.thread_time() - c0

    def read(self, ref: str, key: str) -> Iterator[tuple[str, Prepare]]:
        raise NotImplementedError(NOT_APPLICABLE["wandb", "read"])


class Mlflow(Adapter):
    """MLflow's default local store (sqlite since MLflow 3), fluent API, synchronous logging."""

    module = "mlflow"

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.data_dir / 'mlflow.db'}"

    def setup_env(self) -> None:
        os.environ["MLFLOW_TRACKING_URI"] = self.uri
        os.environ["MLFLOW_ARTIFACTS_DESTINATION"] = str(self.data_dir / "artifacts")
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")

    def init(self) -> None:
        import mlflow

        mlflow.set_experiment(PROJECT)
        self.run = mlflow.start_run()
        mlflow.log_params(CONFIG)

    def log_fn(self) -> LogFn:
        import mlflow

        log_metrics = mlflow.log_metrics
        step = iter(range(1 << 62))

        def log(metrics: Metrics) -> None:  # MLflow has no auto-increment of the step
            log_metrics(metrics, step=next(step))

        return log

    def finish(self) -> None:
        import mlflow

        mlflow.end_run()

    def run_ref(self) -> str:
        return str(self.run.info.run_id)

    def log_artifact(self, name: str, path: Path) -> tuple[float, float]:
        import mlflow

        t0, c0 = time.perf_counter(), time.thread_time()
        if path.is_dir():
            mlflow.log_artifacts(str(path), artifact_path=name)
        else:
            mlflow.log_artifact(str(path), artifact_path=name)
        return time.perf_counter() - t0, time.thread_time() - c0

    def read(self, ref: str, key: str) -> Iterator[tuple[str, Prepare]]:
        from mlflow.tracking import MlflowClient

        def prepare() -> Callable[[], int]:
            client = MlflowClient(tracking_uri=self.uri)
            return lambda: len(client.get_metric_history(ref, key))

        yield "api", prepare

    def ui_command(self, port: int) -> list[str]:
        return [
            tool_bin("mlflow"),
            "ui",
            "--backend-store-uri",
            self.uri,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]

    def ui_api(self) -> tuple[str, str, bytes | None]:
        return "GET", "/api/2.0/mlflow/experiments/search?max_results=1", None


class Aim(Adapter):
    module = "aim"

    def setup_env(self) -> None:
        os.environ.setdefault("AIM_LOG_LEVEL", "error")

    def init(self) -> None:
        from aim import Run

        self.run = Run(repo=str(self.data_dir), experiment=PROJECT)
        self.run["hparams"] = CONFIG

    def log_fn(self) -> LogFn:
        return self.run.track  # type: ignore[no-any-return]  # dict value: one sequence per key

    def finish(self) -> None:
        self.run.close()

    def run_ref(self) -> str:
        return str(self.run.hash)

    def after_write(self) -> None:
        # Aim 3.29 reads runs through its index, which `aim up` keeps current in the
        # background; index this run the same way (untimed) so that it can be read back.
        from aim import Repo
        from aim.sdk.index_manager import RepoIndexManager

        repo = Repo.from_path(str(self.data_dir))
        RepoIndexManager.get_index_manager(repo).index(self.run_ref())

    def read(self, ref: str, key: str) -> Iterator[tuple[str, Prepare]]:
        from aim import Repo
        from aim.storage.context import Context

        def prepare() -> Callable[[], int]:
            repo = Repo.from_path(str(self.data_dir))
            run = repo.get_run(ref)
            assert run is not None, f"aim run {ref} not found"

            def read() -> int:
                metric = run.get_metric(key, Context({}))
                assert metric is not None, f"aim metric {key} not found"
                return len(metric.values.values_list())

            return read

        yield "api", prepare

    def ui_command(self, port: int) -> list[str]:
        return [
            tool_bin("aim"),
            "up",
            "--repo",
            str(self.data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--yes",
        ]

    def ui_env(self, port: int) -> dict[str, str]:
        return {"AIM_UI_TELEMETRY_ENABLED": "0"}

    def ui_api(self) -> tuple[str, str, bytes | None]:
        return "GET", "/api/projects/", None


class Trackio(Adapter):
    module = "trackio"

    def setup_env(self) -> None:
        os.environ["TRACKIO_DIR"] = str(self.data_dir)
        os.environ["HF_HOME"] = str(self.aux_dir / "hf")

    def init(self) -> None:
        import trackio

        self.run = trackio.init(project=PROJECT, config=CONFIG)

    def log_fn(self) -> LogFn:
        return self.run.log  # type: ignore[no-any-return]

    def finish(self) -> None:
        import trackio

        trackio.finish()

    def run_ref(self) -> str:
        return str(self.run.name)

    def read(self, ref: str, key: str) -> Iterator[tuple[str, Prepare]]:
        # trackio's public Api lists runs but has no metric read; its storage layer does.
        from trackio.sqlite_storage import SQLiteStorage

        def prepare() -> Callable[[], int]:
            return lambda: len(SQLiteStorage.get_metric_values(PROJECT, ref, key))

        yield "storage", prepare

    def ui_command(self, port: int) -> list[str]:
        # `trackio show` has no port option: it scans upwards from GRADIO_SERVER_PORT.
        return [tool_bin("trackio"), "show", "--host", "127.0.0.1"]

    def ui_env(self, port: int) -> dict[str, str]:
        return {"GRADIO_SERVER_PORT": str(port), "GRADIO_NUM_PORTS": "1"}

    def ui_api(self) -> tuple[str, str, bytes | None]:
        return "POST", "/api/get_all_projects", b"{}"


ADAPTERS: dict[str, type[Adapter]] = {
    "runyard": Runyard,
    "wandb": Wandb,
    "mlflow": Mlflow,
    "aim": Aim,
    "trackio": Trackio,
}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def dir_bytes(path: Path) -> int:
    """Total size of the regular files under `path` (apparent size, symlinks not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def make_rows(steps: int, metrics: int, seed: int = 0) -> list[Metrics]:
    """Random-walk float64 values as plain Python floats, one dict per step."""
    import numpy as np

    values = np.cumsum(np.random.default_rng(seed).normal(size=(steps, metrics)), axis=0)
    keys = [f"m{j}" for j in range(metrics)]
    return [dict(zip(keys, row, strict=True)) for row in values.tolist()]


@contextlib.contextmanager
def env_restored(name: str) -> Iterator[None]:
    """Give the environment variable ``name`` back its value (or absence) on leaving: an
    A/B sets PYTHONPATH for each tree's children in turn."""
    saved = os.environ.get(name)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def timer_overhead_ns() -> float:
    """Median cost of an empty `perf_counter_ns()` pair, for reading per-call numbers."""
    clock = time.perf_counter_ns
    samples = []
    for _ in range(10_000):
        t0 = clock()
        samples.append(clock() - t0)
    return float(statistics.median(samples))


def timed_log_loop(log: LogFn, rows: list[Metrics]) -> tuple[list[int], float]:
    """Call `log(row)` for every row; return per-call nanoseconds and total wall seconds."""
    clock = time.perf_counter_ns
    durations = [0] * len(rows)
    start = clock()
    for i, row in enumerate(rows):
        t0 = clock()
        log(row)
        durations[i] = clock() - t0
    return durations, (clock() - start) / 1e9


def percentile(sorted_values: list[int], q: float) -> float:
    return float(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))])


def rss_mb() -> float:
    """Current resident set size of this process (VmRSS) in MB."""
    return proc_status_kb(os.getpid(), "VmRSS") / 1024


def proc_status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """All live descendant pids of `pid` (from /proc/*/stat parent links)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def sample_children_hwm(peaks: dict[int, int]) -> None:
    """Record each live descendant's peak RSS (VmHWM, kB) into `peaks`."""
    for child in descendants(os.getpid()):
        peaks[child] = max(peaks.get(child, 0), proc_status_kb(child, "VmHWM"))


# --------------------------------------------------------------------------------------
# Workloads: each takes the adapter and the JSON args and returns a result dict.
# --------------------------------------------------------------------------------------


def w_import(tool: Adapter, args: Result) -> Result:
    t0 = time.perf_counter()
    tool.import_tool()
    return {"import_s": time.perf_counter() - t0}


def w_init(tool: Adapter, args: Result) -> Result:
    tool.import_tool()
    t0 = time.perf_counter()
    tool.init()
    init_s = time.perf_counter() - t0
    tool.finish()
    return {"init_s": init_s}


def w_log(tool: Adapter, args: Result) -> Result:
    """c, d, e: per-call log() time, finish() time, bytes on disk per point."""
    steps, metrics = int(args.get("steps", 20_000)), int(args.get("metrics", 10))
    rows = make_rows(steps, metrics)
    overhead = timer_overhead_ns()
    tool.import_tool()
    tool.init()
    log = tool.log_fn()
    durations, loop_s = timed_log_loop(log, rows)
    t0 = time.perf_counter()
    tool.finish()
    finish_s = time.perf_counter() - t0
    ref = tool.run_ref()
    # Runyard compresses the run's last points and folds its write-ahead log back in a
    # thread finish() does not wait for (the process does, at exit): the bytes are
    # those the directory holds once it is done.
    for thread in threading.enumerate():
        if thread.name == "runyard-settle":
            thread.join()
    disk = dir_bytes(tool.data_dir)
    ordered = sorted(durations)
    return {
        "steps": steps,
        "metrics": metrics,
        "log_median_us": statistics.median(ordered) / 1e3,
        "log_mean_us": statistics.fmean(ordered) / 1e3,
        "log_p99_us": percentile(ordered, 0.99) / 1e3,
        "log_max_us": ordered[-1] / 1e3,
        "timer_overhead_ns": overhead,
        "loop_s": loop_s,
        "finish_s": finish_s,
        "disk_bytes": disk,
        "bytes_per_point": disk / (steps * metrics),
        "ref": ref,
    }


def w_write(tool: Adapter, args: Result) -> Result:
    """Set-up for `read`: log a run into args["dir"] (kept) and return its reference."""
    if "dir" not in args:
        raise ValueError("write needs args['dir'] so that the data is kept for read")
    result = w_log(tool, args)
    tool.after_write()
    return result


def w_read(tool: Adapter, args: Result) -> Result:
    """f: read back one metric's points from the run `args["ref"]` written into args["dir"]."""
    ref, key, expected = str(args["ref"]), str(args.get("key", "m0")), int(args.get("steps", 0))
    tool.import_tool()
    out: Result = {}
    for name, prepare in tool.read(ref, key):
        suffix = "" if name in ("api", "storage") else f"_{name}"
        try:
            t0 = time.perf_counter()
            read = prepare()
            t1 = time.perf_counter()
            points = read()
            t2 = time.perf_counter()
        except Exception as exc:  # one failing read path must not hide the others
            traceback.print_exc()
            out[f"read{suffix}_error"] = f"{type(exc).__name__}: {str(exc)[:150]}"
            continue
        if expected and points != expected:
            out[f"read{suffix}_error"] = f"read {points} points, expected {expected}"
        out[f"open{suffix}_s"] = t1 - t0
        out[f"read{suffix}_s"] = t2 - t1
        out[f"points{suffix}"] = points
    if not any(k.startswith("read") and k.endswith("_s") for k in out):
        raise RuntimeError("; ".join(str(v) for k, v in out.items() if k.endswith("_error")))
    return out


def w_memory(tool: Adapter, args: Result) -> Result:
    """g: peak RSS of this process (+ its children) while logging steps x metrics.

    Children are the live descendants (e.g. wandb-core), sampled 20 times during the loop
    and around finish(); their peak RSS (VmHWM) is summed. Short-lived helpers are missed.

    Values are built per step from a numpy array (8 MB for 100k x 10) rather than held as
    a million Python floats, so the baseline does not swamp the tool's own memory."""
    import numpy as np

    steps, metrics = int(args.get("steps", 100_000)), int(args.get("metrics", 10))
    values = np.cumsum(np.random.default_rng(0).normal(size=(steps, metrics)), axis=0)
    keys = [f"m{j}" for j in range(metrics)]
    tool.import_tool()
    baseline_mb = rss_mb()
    tool.init()
    log = tool.log_fn()
    peaks: dict[int, int] = {}
    every = max(1, steps // 20)
    for i in range(steps):
        log(dict(zip(keys, values[i].tolist(), strict=True)))
        if i % every == 0:
            sample_children_hwm(peaks)
    sample_children_hwm(peaks)
    tool.finish()
    sample_children_hwm(peaks)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Not RUSAGE_CHILDREN: a forked helper (e.g. `git`) reports the parent's RSS at fork.
    children_mb = sum(peaks.values()) / 1024
    return {
        "steps": steps,
        "metrics": metrics,
        "baseline_mb": baseline_mb,
        "peak_self_mb": self_mb,
        "peak_children_mb": children_mb,
        "peak_total_mb": self_mb + children_mb,
        "children": len(peaks),
    }


def w_many_runs(tool: Adapter, args: Result) -> Result:
    """h: `runs` runs of steps x metrics, one after another in this process."""
    runs = int(args.get("runs", 200))
    steps, metrics = int(args.get("steps", 1_000)), int(args.get("metrics", 5))
    rows = make_rows(steps, metrics)
    tool.import_tool()
    t0 = time.perf_counter()
    for _ in range(runs):
        tool.init()
        log = tool.log_fn()
        for row in rows:
            log(row.copy())  # a fresh dict per call, as a training loop would pass
        tool.finish()
    total_s = time.perf_counter() - t0
    return {
        "runs": runs,
        "steps": steps,
        "metrics": metrics,
        "total_s": total_s,
        "per_run_s": total_s / runs,
    }


# --------------------------------------------------------------------------------------
# Runyard-only workloads (issues 3 and 4). Each set-up (`*_write`, untimed) fills
# args["dir"] through the store and returns under "pass" what the timed workload needs;
# run.py then times the workload in fresh processes over that directory.
# --------------------------------------------------------------------------------------

ENTITY = "bench"
QUERY_FILTERS: dict[str, Any] = {
    "summary_metrics.loss.min": {"$lt": 0.5},
    "config.lr": {"$gte": 0.01},
}


def runyard_adapter(tool: Adapter) -> Runyard:
    if not isinstance(tool, Runyard):
        raise NotImplementedError("this workload measures Runyard's own API")
    return tool


def write_dir(args: Result) -> None:
    if "dir" not in args:
        raise ValueError("a set-up workload needs args['dir'] so that the data is kept")


def w_scan_write(tool: Adapter, args: Result) -> Result:
    """Set-up for `scan`: one run of `rows` rows x `keys` random-walk scalars + `_runtime`,
    written through the store in batches of 50,000 rows."""
    import numpy as np

    from runyard.entities import RunRef
    from runyard.store.base import RunBatch

    write_dir(args)
    rows, keys = int(args.get("rows", 1_000_000)), int(args.get("keys", 5))
    store = runyard_adapter(tool).store()
    ref = RunRef(ENTITY, "scan", f"scan{rows}")
    rng = np.random.default_rng(0)
    last = np.zeros(keys)
    t0 = time.perf_counter()
    for start in range(0, rows, 50_000):
        stop = min(rows, start + 50_000)
        steps = list(range(start, stop))
        walk = last + np.cumsum(rng.normal(size=(stop - start, keys)), axis=0)
        last = walk[-1]
        columns = {f"k{j}": (steps, walk[:, j].tolist()) for j in range(keys)}
        columns["_runtime"] = (steps, (np.arange(start, stop) * 0.01).tolist())
        store.write_batch(RunBatch(run=ref, create={}, columns=columns))
    return {"write_s": time.perf_counter() - t0, "pass": {"ref": ref.path, "rows": rows}}


def w_scan(tool: Adapter, args: Result) -> Result:
    """i: iterate `Api().run(ref).scan_history()` over every row; rows/s and peak RSS growth."""
    runyard_adapter(tool)
    rows = int(args["rows"])
    import runyard

    run = runyard.Api().run(str(args["ref"]))
    before_mb = rss_mb()
    peak_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    count = sum(1 for _ in run.scan_history())
    scan_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if count != rows:
        raise RuntimeError(f"scan_history returned {count} rows, expected {rows}")
    return {
        "rows": count,
        "scan_s": scan_s,
        "rows_per_s": count / scan_s,
        "rss_before_mb": before_mb,
        "peak_before_mb": peak_before_mb,
        "peak_mb": peak_mb,
        "peak_growth_mb": peak_mb - before_mb,
    }


def w_query_write(tool: Adapter, args: Result) -> Result:
    """Set-up for `query`: `runs` runs in one project, each with a config and a summary
    {"loss": {"min": x}, "acc": v}; returns how many match QUERY_FILTERS."""
    import numpy as np

    from runyard.entities import RunRef
    from runyard.store.base import RunBatch

    write_dir(args)
    runs = int(args.get("runs", 1_000))
    store = runyard_adapter(tool).store()
    rng = np.random.default_rng(0)
    expected = 0
    t0 = time.perf_counter()
    for i in range(runs):
        lr = float(10 ** rng.uniform(-4, -1))
        loss_min, acc = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
        expected += loss_min < 0.5 and lr >= 0.01
        store.write_batch(
            RunBatch(
                run=RunRef(ENTITY, "query", f"run{i:05d}"),
                create={"display_name": f"run-{i}"},
                config={**CONFIG, "lr": lr, "seed": i},
                summary_set=[(("loss",), {"min": loss_min}), (("acc",), acc)],
            )
        )
    return {
        "write_s": time.perf_counter() - t0,
        "pass": {"project": f"{ENTITY}/query", "expected": expected},
    }


def w_query(tool: Adapter, args: Result) -> Result:
    """j: `Api().runs(project, filters, per_page=1000)`, fully iterated, and its `len()`."""
    runyard_adapter(tool)
    import runyard

    t0 = time.perf_counter()
    api = runyard.Api()
    t1 = time.perf_counter()
    runs = api.runs(str(args["project"]), filters=QUERY_FILTERS, per_page=1000)
    t2 = time.perf_counter()
    found = list(runs)
    t3 = time.perf_counter()
    count = len(runs)
    t4 = time.perf_counter()
    expected = int(args["expected"])
    if len(found) != expected or count != expected:
        raise RuntimeError(f"{len(found)} runs iterated, len() {count}, expected {expected}")
    return {
        "open_s": t1 - t0,
        "query_s": t4 - t1,
        "first_page_s": t2 - t1,
        "iterate_s": t3 - t2,
        "len_s": t4 - t3,
        "matched": count,
    }


def w_series_write(tool: Adapter, args: Result) -> Result:
    """Set-up for `series`: `runs` runs x `steps` steps of one random-walk metric `m`, one
    batch per run (the store cuts it into chunks of 8192 points, each with its rollup)."""
    import numpy as np

    from runyard.entities import RunRef
    from runyard.store.base import RunBatch

    write_dir(args)
    runs, steps = int(args.get("runs", 100)), int(args.get("steps", 100_000))
    store = runyard_adapter(tool).store()
    rng = np.random.default_rng(0)
    step_list = list(range(steps))
    t0 = time.perf_counter()
    for i in range(runs):
        values = np.cumsum(rng.normal(size=steps)).tolist()
        store.write_batch(
            RunBatch(
                run=RunRef(ENTITY, "series", f"run{i:03d}"),
                create={},
                columns={"m": (step_list, values)},
            )
        )
    return {
        "write_s": time.perf_counter() - t0,
        "pass": {"project": f"{ENTITY}/series", "ids": [f"run{i:03d}" for i in range(runs)]},
    }


def w_series(tool: Adapter, args: Result) -> Result:
    """k: GET /series for every run at 1000 points, in-process through TestClient: the
    median of `calls` calls after one warm-up, then the same for a zoomed range."""
    adapter = runyard_adapter(tool)
    calls = int(args.get("calls", 5))
    steps = int(args.get("steps", 100_000))
    from fastapi.testclient import TestClient

    from runyard.server.app import create_app
    from runyard.settings import Settings

    settings = Settings(root_dir=adapter.data_dir)
    t0 = time.perf_counter()
    client = TestClient(create_app(settings.store_uri, settings.blobs_uri))
    app_s = time.perf_counter() - t0
    ids = [str(i) for i in args["ids"]]
    url = f"/api/v1/projects/{args['project']}/series?runs={','.join(ids)}&keys=m&points=1000"
    lo = int(steps * 0.4)
    zoom = f"{url}&xmin={lo}&xmax={lo + steps // 100}"
    out: Result = {
        "app_s": app_s,
        "runs": len(ids),
        "calls": calls,
        "zoom_range": [lo, lo + steps // 100],
    }
    for name, target in (("series", url), ("zoom", zoom)):
        times: list[float] = []
        body: dict[str, Any] = {}
        size = 0
        for _ in range(calls + 1):
            t0 = time.perf_counter()
            response = client.get(target)
            elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.text[:150]}")
            body, size = response.json(), len(response.content)
            times.append(elapsed)
        series = body["series"]
        if len(series) != len(ids):
            raise RuntimeError(f"{name}: {len(series)} series for {len(ids)} runs")
        out[f"{name}_first_s"] = times[0]
        out[f"{name}_s"] = statistics.median(times[1:])
        out[f"{name}_all_s"] = times[1:]
        out[f"{name}_bytes"] = size
        out[f"{name}_returned"] = statistics.median(int(s["returned"]) for s in series)
        out[f"{name}_raw_points"] = statistics.median(int(s["raw_points"]) for s in series)
    return out


# --------------------------------------------------------------------------------------
# ui_start: from the UI command's start to its first HTTP answers.
# --------------------------------------------------------------------------------------

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str, method: str, body: bytes | None, timeout: float) -> int | None:
    """The HTTP status of one request (redirects followed), or None without an answer."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with NO_PROXY.open(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """End the UI command: its process group, then any descendant that left the group."""
    family = descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        for pid in family:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        try:
            proc.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue


def w_sampler(tool: Adapter, args: Result) -> Result:
    """CPU cost of one system-metrics sample (issue 13): the sampler thread's work.

    One warm-up sample (psutil's first CPU reading and counters), then ``samples``
    samples timed with ``time.thread_time`` (this thread's CPU, not wall time), the way
    the sampler thread takes them. The share of a core follows for wandb's default
    interval of 15 s.
    """
    runyard_adapter(tool)
    from runyard.sdk.system_monitor import SystemSampler

    sampler = SystemSampler()
    sampler.sample()
    count = int(args.get("samples", 200))
    keys = len(sampler.sample())
    start = time.thread_time()
    for _ in range(count):
        sampler.sample()
    per_sample = (time.thread_time() - start) / count
    return {
        "sample_cpu_s": per_sample,
        "core_percent_15s": 100.0 * per_sample / 15.0,
        "sample_keys": keys,
    }


def w_ui_start(tool: Adapter, args: Result) -> Result:
    """l: start the tool's UI command on a data directory holding one small run (written
    untimed by a `write` child process), poll its start page every 10 ms until it answers,
    then its API. Times are from just before the command is started."""
    timeout = float(args.get("timeout", 120))
    poll = float(args.get("poll", 0.01))
    prep = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            type(tool).__name__.lower(),
            "write",
            json.dumps(
                {
                    "dir": str(tool.data_dir),
                    "steps": args.get("steps", 100),
                    "metrics": args.get("metrics", 5),
                }
            ),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if '"ok": true' not in prep.stdout:
        raise RuntimeError(f"set-up run failed: {(prep.stdout + prep.stderr).strip()[-200:]}")
    port = 0 if tool.ui_prints_port else free_port()
    command = tool.ui_command(port)
    env = {**os.environ, "BROWSER": "true", **tool.ui_env(port)}  # no browser window
    log_path = tool.aux_dir / "ui.log"
    announced: list[int] = []
    got_port = threading.Event()
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE if tool.ui_prints_port else log,
            stderr=log,
            env=env,
            cwd=tool.aux_dir,
            start_new_session=True,
        )
        try:
            if tool.ui_prints_port:
                assert proc.stdout is not None
                stdout = proc.stdout

                def read_port() -> None:
                    for raw in stdout:  # also keeps the pipe drained
                        found = tool.ui_port_from(raw.decode(errors="replace"))
                        if found is not None and not announced:
                            announced.append(found)
                            got_port.set()
                    got_port.set()

                threading.Thread(target=read_port, daemon=True).start()
                got_port.wait(timeout)
                if not announced:
                    raise RuntimeError("the UI command printed no URL")
                port = announced[0]
            announced_s = time.perf_counter() - t0
            base = f"http://127.0.0.1:{port}"
            deadline = t0 + timeout

            def wait_for(
                method: str, path: str, body: bytes | None, ok: frozenset[int]
            ) -> tuple[float, int | None, int]:
                tries = 0
                while True:
                    tries += 1
                    status = http_status(
                        base + path, method, body, max(0.1, deadline - time.perf_counter())
                    )
                    if status in ok:
                        return time.perf_counter() - t0, status, tries
                    if proc.poll() is not None:
                        raise RuntimeError(
                            f"the UI command exited ({proc.returncode}): {tail(log_path)}"
                        )
                    if time.perf_counter() > deadline:
                        raise TimeoutError(
                            f"no answer on {path} after {timeout:.0f} s (last: {status})"
                        )
                    time.sleep(poll)

            page_s, page_status, page_tries = wait_for("GET", "/", None, tool.ui_page_ok)
            method, path, body = tool.ui_api()
            api_s, api_status, api_tries = wait_for(method, path, body, frozenset({200}))
        finally:
            stop_group(proc)
    return {
        "command": " ".join([Path(command[0]).name, *command[1:]]),
        **({"announced_s": announced_s} if tool.ui_prints_port else {}),
        "page_s": page_s,
        "page_status": page_status,
        "page_tries": page_tries,
        "api_s": api_s,
        "api_path": f"{method} {path}",
        "api_status": api_status,
        "api_tries": api_tries,
    }


def tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
        return lines[-1][:200] if lines else ""
    return ""


# --------------------------------------------------------------------------------------
# ui_first_panels, ui_table_scroll (issue 4): the web app in headless Chromium, driven by
# Playwright as tests/browser does, over `runyard ui` on a store of many runs.
# --------------------------------------------------------------------------------------

CHROMIUM = os.environ.get("RUNYARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/browser/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}
UI_PROJECT = "ui"


def w_ui_write(tool: Adapter, args: Result) -> Result:
    """Set-up for the browser workloads: `runs` finished runs x `metrics` random-walk
    metrics m0..m{metrics-1} x `steps` steps (plus `_runtime`), each with a config and a
    summary of the last values, one store batch per run."""
    import numpy as np

    from runyard.entities import RunRef
    from runyard.store.base import RunBatch

    write_dir(args)
    runs, metrics = int(args.get("runs", 1_000)), int(args.get("metrics", 20))
    steps = int(args.get("steps", 200))
    store = runyard_adapter(tool).store()
    rng = np.random.default_rng(0)
    step_list = list(range(steps))
    runtime = (np.arange(steps) * 0.5).tolist()
    keys = [f"m{j}" for j in range(metrics)]
    created = time.time() - runs * 60.0
    t0 = time.perf_counter()
    for i in range(runs):
        walk = np.cumsum(rng.normal(size=(steps, metrics)), axis=0)
        columns: dict[str, tuple[list[int], list[Any]]] = {
            key: (step_list, walk[:, j].tolist()) for j, key in enumerate(keys)
        }
        columns["_runtime"] = (step_list, runtime)
        store.write_batch(
            RunBatch(
                run=RunRef(ENTITY, UI_PROJECT, f"r{i}"),
                create={"display_name": f"run-{i}", "created_at": created + i * 60.0},
                meta={"state": "finished", "runtime": runtime[-1], "last_step": steps - 1},
                config={**CONFIG, "lr": float(10 ** rng.uniform(-4, -1)), "seed": i},
                summary_set=[((key,), float(walk[-1, j])) for j, key in enumerate(keys)],
                columns=columns,
            )
        )
    return {
        "write_s": time.perf_counter() - t0,
        "pass": {"project": f"{ENTITY}/{UI_PROJECT}", "expected_runs": runs},
    }


@contextlib.contextmanager
def runyard_ui(adapter: Runyard, timeout: float = 60.0) -> Iterator[str]:
    """`runyard ui --port 0 --no-browser` over the adapter's data directory, in its own
    process group; yields its base URL once the API answers, and stops it afterwards."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))},
        "RUNYARD_DIR": str(adapter.data_dir),
        "BROWSER": "true",
    }
    log_path = adapter.aux_dir / "ui.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            adapter.ui_command(0),
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            cwd=adapter.aux_dir,
            start_new_session=True,
        )
        try:
            assert proc.stdout is not None
            stdout = proc.stdout
            ports: list[int] = []
            announced = threading.Event()

            def read_port() -> None:
                for raw in stdout:  # also keeps the pipe drained
                    found = adapter.ui_port_from(raw.decode(errors="replace"))
                    if found is not None and not ports:
                        ports.append(found)
                        announced.set()
                announced.set()

            threading.Thread(target=read_port, daemon=True).start()
            announced.wait(timeout)
            if not ports:
                raise RuntimeError(f"runyard ui printed no URL: {tail(log_path)}")
            base = f"http://127.0.0.1:{ports[0]}"
            deadline = time.monotonic() + timeout
            method, path, body = adapter.ui_api()
            while http_status(base + path, method, body, 5.0) != 200:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"runyard ui did not answer: {tail(log_path)}")
                time.sleep(0.05)
            yield base
        finally:
            stop_group(proc)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (as tests/browser launches it)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Installed before the app's own scripts: `window.__runyardCharts` becomes a proxy that
# notes, at the app's own publish (right after a chart was drawn), the first chart whose
# series hold points. The app creates the registry with `??=`, so it takes this one.
FIRST_PANEL_HOOK = """
(() => {
  const bench = (window.__bench = { drawn: null });
  window.__runyardCharts = new Proxy({}, {
    set(target, key, chart) {
      target[key] = chart;
      const series = (chart && chart.series) || [];
      if (bench.drawn === null && series.some((s) => s.points && s.points.length > 0)) {
        bench.drawn = performance.now();
        bench.key = String(key);
        bench.series = series.length;
        bench.points = series.reduce((n, s) => n + s.points.length, 0);
        bench.via = "publish";
      }
      return true;
    },
  });
})();
"""

# Polled with requestAnimationFrame until a chart with points is known; a fallback for a
# registry the hook did not see (then the time is the poll's, at most a frame late).
FIRST_PANEL_DONE = """
() => {
  const bench = window.__bench || (window.__bench = { drawn: null });
  if (bench.drawn !== null) return true;
  for (const [key, chart] of Object.entries(window.__runyardCharts || {})) {
    const series = (chart && chart.series) || [];
    if (series.some((s) => s.points && s.points.length > 0)) {
      Object.assign(bench, { drawn: performance.now(), key, series: series.length,
        points: series.reduce((n, s) => n + s.points.length, 0), via: "poll" });
      return true;
    }
  }
  return false;
}
"""

# What the page did before the first panel: the document, and every /api/v1 request
# (path without the query, start and end in ms since navigation start).
FIRST_PANEL_TIMELINE = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const api = performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/v1/"))
    .map((e) => [new URL(e.name).pathname.replace(/^.*\\/api\\/v1/, ""), e.startTime, e.responseEnd]);
  const scripts = performance.getEntriesByType("resource")
    .filter((e) => !e.name.includes("/api/v1/"))
    .map((e) => e.responseEnd);
  return {
    bench: window.__bench,
    document_end: nav ? nav.responseEnd : null,
    dom_content_loaded: nav ? nav.domContentLoadedEventEnd : null,
    assets_end: scripts.length ? Math.max(...scripts) : null,
    api,
  };
}
"""


def first_panel_once(browser: Any, url: str, timeout_ms: float) -> Result:
    """One fresh browser context: navigate to `url`; time until a chart drew data."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(FIRST_PANEL_HOOK)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function(FIRST_PANEL_DONE, polling="raf", timeout=timeout_ms)
        wall_s = time.perf_counter() - t0
        timeline = page.evaluate(FIRST_PANEL_TIMELINE)
    finally:
        context.close()
    bench = timeline["bench"]
    before = [a for a in timeline["api"] if a[1] <= bench["drawn"]]

    def first(prefix: str, index: int) -> float | None:
        found = [a[index] for a in before if a[0].rsplit("/", 1)[-1].startswith(prefix)]
        return min(found) / 1e3 if found else None

    return {
        "first_panel_s": bench["drawn"] / 1e3,
        "wall_s": wall_s,
        "key": bench["key"],
        "series": bench["series"],
        "points": bench["points"],
        "via": bench["via"],
        "document_s": (timeline["document_end"] or 0) / 1e3,
        "assets_s": (timeline["assets_end"] or 0) / 1e3,
        "runs_loaded_s": first("runs", 2),
        "keys_loaded_s": first("keys", 2),
        "series_requested_s": first("series", 1),
        "series_loaded_s": first("series", 2),
        "api_requests": len(before),
        "page_errors": errors[:3],
    }


def w_ui_first_panels(tool: Adapter, args: Result) -> Result:
    """m: `runyard ui` over the `ui_write` store; for each of `loads` fresh browser
    contexts (one Chromium, the server kept up), the time from navigation start to the
    first chart publishing drawn points. The result is the median of the loads."""
    adapter = runyard_adapter(tool)
    loads = int(args.get("loads", 3))
    timeout_ms = float(args.get("timeout", 60)) * 1e3
    t0 = time.perf_counter()
    with runyard_ui(adapter) as base, chromium() as browser:
        ready_s = time.perf_counter() - t0
        url = f"{base}/{args['project']}"
        each = [first_panel_once(browser, url, timeout_ms) for _ in range(loads)]
    times = [r["first_panel_s"] for r in each]
    middle = sorted(each, key=lambda r: r["first_panel_s"])[len(each) // 2]
    errors = sorted({e for r in each for e in r["page_errors"]})
    return {
        "first_panel_s": statistics.median(times),
        "first_panel_all_s": times,
        "first_panel_cold_s": times[0],
        "first_panel_wall_s": statistics.median(r["wall_s"] for r in each),
        # the milestones of the median load
        **{
            k: middle[k]
            for k in (
                "document_s",
                "assets_s",
                "runs_loaded_s",
                "keys_loaded_s",
                "series_requested_s",
                "series_loaded_s",
                "api_requests",
                "key",
                "series",
                "points",
                "via",
            )
        },
        "loads": loads,
        "server_browser_start_s": ready_s,
        **({"first_panel_error": "page errors: " + "; ".join(errors)[:150]} if errors else {}),
    }


# One pass over the runs table: from the top to the bottom in `duration` ms, scrollTop set
# in every requestAnimationFrame callback in proportion to the time elapsed; the rAF
# timestamps give the frame intervals. A MutationObserver counts the distinct run rows the
# virtualiser rendered on the way, so a table that stopped rendering would show.
SCROLL_PASS = """
async ({ duration }) => {
  const el = document.querySelector('[data-testid="runs-scroll"]');
  if (!el) throw new Error("no runs-scroll element");
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  el.scrollTop = 0;
  await frame();
  await frame();
  const max = el.scrollHeight - el.clientHeight;
  const seen = new Set();
  const note = (node) => {
    const id = node.dataset && node.dataset.testid;
    if (id && id.startsWith("run-row-")) seen.add(id);
  };
  el.querySelectorAll('[data-testid^="run-row-"]').forEach(note);
  const observer = new MutationObserver((records) => {
    for (const r of records) r.addedNodes.forEach(note);
  });
  observer.observe(el, { childList: true, subtree: true });
  const stamps = [];
  await new Promise((resolve) => {
    let start = null;
    const step = (t) => {
      stamps.push(t);
      if (start === null) start = t;
      const f = Math.min(1, (t - start) / duration);
      el.scrollTop = Math.round(f * max);
      if (f < 1) requestAnimationFrame(step);
      else requestAnimationFrame((t2) => { stamps.push(t2); resolve(); });
    };
    requestAnimationFrame(step);
  });
  await frame();
  observer.disconnect();
  el.querySelectorAll('[data-testid^="run-row-"]').forEach(note);
  const rows = [...el.querySelectorAll('[data-testid^="run-row-"]')];
  const bottom = el.getBoundingClientRect().bottom;
  const lastShown = rows.some((r) => Math.abs(r.getBoundingClientRect().bottom - bottom) < 2);
  return { stamps, max, clientHeight: el.clientHeight, rowsSeen: seen.size,
           atBottom: el.scrollTop >= max - 1, lastShown };
}
"""


def frame_stats(stamps: list[float]) -> Result:
    """Average fps and the slow end of the frame intervals (ms) from rAF timestamps."""
    intervals = sorted(b - a for a, b in itertools.pairwise(stamps))
    span = stamps[-1] - stamps[0]
    p95 = intervals[min(len(intervals) - 1, int(0.95 * len(intervals)))]
    return {
        "fps": len(intervals) / span * 1e3,
        "frames": len(intervals),
        "span_s": span / 1e3,
        "interval_median_s": statistics.median(intervals) / 1e3,
        "interval_p95_s": p95 / 1e3,
        "fps_p5": 1e3 / p95,
        "interval_max_s": intervals[-1] / 1e3,
        # at 60 Hz a frame the main thread missed shows as a 33.3 ms interval
        "missed_frames": sum(1 for i in intervals if i > 25.0),
    }


def w_ui_table_scroll(tool: Adapter, args: Result) -> Result:
    """n: open the workspace, let it settle (first chart drawn, network idle), then scroll
    the virtualised runs table from top to bottom over `duration` s, `passes` times;
    frame rate and frame intervals from requestAnimationFrame. The median pass by fps."""
    adapter = runyard_adapter(tool)
    passes = int(args.get("passes", 3))
    duration_ms = float(args.get("duration", 2.0)) * 1e3
    timeout_ms = float(args.get("timeout", 60)) * 1e3
    expected = int(args.get("expected_runs", 0))
    with runyard_ui(adapter) as base, chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{base}/{args['project']}", timeout=timeout_ms)
            page.wait_for_function(FIRST_PANEL_DONE, polling="raf", timeout=timeout_ms)
            if expected:
                page.wait_for_function(
                    "n => document.querySelector('[data-testid=\"runs-count\"]')"
                    "?.textContent.includes(`of ${n} runs`)",
                    arg=expected,
                    timeout=timeout_ms,
                )
            with contextlib.suppress(Exception):  # live polling may keep it from idling
                page.wait_for_load_state("networkidle", timeout=10_000)
            page.wait_for_timeout(500)
            runs = []
            for _ in range(passes):
                raw = page.evaluate(SCROLL_PASS, {"duration": duration_ms})
                runs.append({**frame_stats(raw["stamps"]), **raw, "stamps": None})
                page.wait_for_timeout(300)
        finally:
            context.close()
    middle = sorted(runs, key=lambda r: r["fps"])[len(runs) // 2]
    problems = []
    for i, r in enumerate(runs):
        wrong = [
            text
            for text, bad in (
                ("did not reach the bottom", not r["atBottom"]),
                ("last row not shown at the bottom", not r["lastShown"]),
                (f"{r['rowsSeen']} of {expected} rows rendered", r["rowsSeen"] < expected),
            )
            if bad
        ]
        if wrong:
            problems.append(f"pass {i + 1}: {', '.join(wrong)}")
    problems += [f"page error: {e}" for e in sorted(set(errors))[:2]]
    return {
        "scroll_fps": middle["fps"],
        "scroll_fps_all": [r["fps"] for r in runs],
        "scroll_fps_p5": middle["fps_p5"],
        "scroll_interval_p95_s": middle["interval_p95_s"],
        "scroll_interval_median_s": middle["interval_median_s"],
        "scroll_interval_max_s": middle["interval_max_s"],
        "scroll_missed_frames": middle["missed_frames"],
        "scroll_frames": middle["frames"],
        "scroll_span_s": middle["span_s"],
        "scroll_px": middle["max"],
        "scroll_viewport_px": middle["clientHeight"],
        "rows_rendered": middle["rowsSeen"],
        "passes": passes,
        **({"scroll_fps_error": "; ".join(problems)[:150]} if problems else {}),
    }


# -- team server (issue 8) ---------------------------------------------------------------


def _team() -> Any:
    sys.path.insert(0, str(BENCH_DIR))
    import team  # bench/team.py: PostgreSQL + `runyard server` for these workloads

    return team


def _ingest_bodies(runs: int, batches: int, rows: int, metrics: int) -> list[list[Any]]:
    """Every run's batches as the SDK's writer sends them, encoded up front (untimed)."""
    import numpy as np

    from runyard.entities import RunRef
    from runyard.store.base import RunBatch
    from runyard.store.wire import encode_batch, encode_body

    rng = np.random.default_rng(0)
    out: list[list[Any]] = []
    t0 = 1_800_000_000.0
    for r in range(runs):
        ref = RunRef(ENTITY, "ingest", f"r{r}")
        bodies = []
        for b in range(batches):
            steps = list(range(b * rows, (b + 1) * rows))
            columns: dict[str, tuple[list[int], list[Any]]] = {
                f"m{k}": (steps, np.cumsum(rng.normal(size=rows)).tolist()) for k in range(metrics)
            }
            columns["_timestamp"] = (steps, [t0 + s * 0.01 for s in steps])
            columns["_runtime"] = (steps, [s * 0.01 for s in steps])
            batch = RunBatch(
                run=ref,
                create={"display_name": f"r{r}", "host": "bench"} if b == 0 else None,
                meta={"runtime": steps[-1] * 0.01, "heartbeat_at": t0 + steps[-1] * 0.01},
                summary_set=[((k,), v[1][-1]) for k, v in columns.items() if k.startswith("m")],
                columns=columns,
                journal=(f"bench-{r}", (b + 1) * 1000),
                journal_start=b * 1000,
            )
            bodies.append(encode_body(encode_batch(batch)))
        out.append(bodies)
    return out


def _spy(pid: int, out: Path, rate: int = 200) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server (``PY_SPY`` names the binary; not a dependency)."""
    binary = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if not binary:
        return None
    return subprocess.Popen(
        [
            *(binary, "record", "--pid", str(pid), "--rate", str(rate)),
            *("--format", "raw", "--output", str(out), "--nonblocking", "--threads"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _spy_summary(path: Path, top: int = 12) -> list[list[Any]]:
    """Share of samples per leaf function (self time) and per Runyard frame (total time)."""
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf = re.sub(r" \(.*?/", " (", frames[-1])
        own[leaf] = own.get(leaf, 0) + n
    ranked = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    return [[name, round(n / max(total, 1), 3)] for name, n in ranked]


def w_server_ingest(tool: Adapter, args: Result) -> Result:
    """o: sustained ingest of ONE `runyard server` over PostgreSQL, from concurrent runs.

    Each run is one client thread posting its pre-encoded batches one after another,
    as a run's writer thread does (the next batch once the previous one is stored).
    """
    import httpx

    team = _team()
    runs, batches = int(args.get("runs", 16)), int(args.get("batches", 10))
    rows, metrics = int(args.get("rows", 5000)), int(args.get("metrics", 10))
    bodies = _ingest_bodies(runs, batches, rows, metrics)
    wire_bytes = sum(len(body) for per_run in bodies for body, _ in per_run)
    result: Result = {}
    with (
        team.postgres() as (uri, pg_pid),
        team.runyard_server(tool.aux_dir / "server", uri) as (url, pid),
    ):
        path = "/api/v1/projects/{entity}/ingest/runs/r{r}/batches"
        errors: list[str] = []
        barrier = threading.Barrier(runs + 1)
        latencies: list[float] = []

        def client(r: int) -> None:
            with httpx.Client(base_url=url, timeout=600) as http:
                barrier.wait()
                for body, encoding in bodies[r]:
                    t = time.perf_counter()
                    answer = http.post(
                        path.format(entity=ENTITY, r=r),
                        content=body,
                        headers={
                            "Content-Type": "application/vnd.runyard.v1+msgpack",
                            "Content-Encoding": encoding,
                        },
                    )
                    latencies.append(time.perf_counter() - t)
                    if answer.status_code != 200:
                        errors.append(f"{answer.status_code} {answer.text[:200]}")
                        return

        threads = [threading.Thread(target=client, args=(r,)) for r in range(runs)]
        for thread in threads:
            thread.start()
        spy = _spy(pid, tool.aux_dir / "spy.txt") if args.get("profile") else None
        cpu0 = (team.process_cpu_s(pid), team.tree_cpu_s(pg_pid), time.process_time())
        barrier.wait()
        t0 = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t0
        cpu1 = (team.process_cpu_s(pid), team.tree_cpu_s(pg_pid), time.process_time())
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
            if (tool.aux_dir / "spy.txt").exists():
                result["profile_top"] = _spy_summary(tool.aux_dir / "spy.txt")
        if errors:
            raise RuntimeError(f"{len(errors)} batches refused: {errors[0]}")
        # Everything must be there: every run's last step, through the server.
        with httpx.Client(base_url=url, timeout=60) as http:
            for r in range(runs):
                answer = http.get(f"/api/v1/projects/{ENTITY}/ingest/runs/r{r}")
                answer.raise_for_status()
    points = runs * batches * rows * metrics
    ordered = sorted(latencies)
    return {
        **result,
        "points": points,
        "points_per_s": points / elapsed,
        "stored_points_per_s": points * (metrics + 2) / metrics / elapsed,
        "ingest_s": elapsed,
        "wire_bytes_per_point": wire_bytes / points,
        "batch_median_s": statistics.median(ordered),
        "batch_p99_s": percentile([int(x * 1e9) for x in ordered], 0.99) / 1e9,
        "server_cpu_s": cpu1[0] - cpu0[0],
        "postgres_cpu_s": cpu1[1] - cpu0[1],
        "client_cpu_s": cpu1[2] - cpu0[2],
    }


def w_log_online(tool: Adapter, args: Result) -> Result:
    """p: `log()` per call in online mode (RUNYARD_BASE_URL → a server over PostgreSQL),
    to compare with `log` (embedded); `finish()` includes sending the rest.

    A deployed server runs on other machines; here it shares the two cores with the
    script, so the server and PostgreSQL run at nice 19 (``nice`` in the arguments,
    default 19; 0 keeps them at the script's priority): the script gets the CPU first,
    as it would with the server elsewhere, and what is measured is the SDK's cost.
    """
    team = _team()
    with (
        team.postgres() as (uri, pg_pid),
        team.runyard_server(tool.aux_dir / "server", uri) as (url, pid),
    ):
        niceness = int(args.get("nice", 19))
        if niceness:
            team.renice_tree(pid, niceness)
            team.renice_tree(pg_pid, niceness)
        os.environ["RUNYARD_BASE_URL"] = url
        os.environ["RUNYARD_CONFIG_DIR"] = str(tool.aux_dir / "config")
        result = w_log(tool, args)
        from runyard.entities import RunRef
        from runyard.store.registry import open_store

        store = open_store(url)
        try:
            record = store.get_run(RunRef(*result["ref"].split("/")))
        finally:
            store.close()
        if record is None or record.last_step != int(args.get("steps", 20_000)) - 1:
            raise RuntimeError(f"the server does not hold the whole run: {record!r}")
        if record.state != "finished":
            raise RuntimeError(f"run state on the server is {record.state!r}")
    return result


def _artifact_sources(root: Path, files: int, file_bytes: int, big_bytes: int) -> tuple[Path, Path]:
    """`files` small files (incompressible, `file_bytes` each) in 10 folders, and one
    file of `big_bytes`; written untimed, outside the tool's data directory."""
    small = root / "small"
    for i in range(files):
        folder = small / f"part{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"sample{i:05d}.bin").write_bytes(os.urandom(file_bytes))
    big = root / "model.bin"
    with open(big, "wb") as out:
        for _ in range(big_bytes >> 20):
            out.write(os.urandom(1 << 20))
    return small, big


def w_artifacts(tool: Adapter, args: Result) -> Result:
    """q: the training thread's time in the tool's artifact calls (Artifact, add_dir /
    add_file, log_artifact; MLflow: log_artifacts / log_artifact) for `files` small
    files and for one `big_mb` MB file, each in a run of its own, the part of it in
    the log_artifact call alone (`*_log_s`: wandb and Runyard capture a mutable file
    in add_file/add_dir, so log_artifact only journals it), and the time until
    stored (the same plus the run's finish(), which waits for the upload), against a
    plain copy of the same files on this disk (shutil.copytree / copyfile)."""
    files, file_kb, big_mb = (
        int(args.get("files", 1000)),
        int(args.get("file_kb", 4)),
        int(args.get("big_mb", 200)),
    )
    small, big = _artifact_sources(tool.aux_dir / "src", files, file_kb << 10, big_mb << 20)
    copies = tool.aux_dir / "copies"
    t0 = time.perf_counter()
    shutil.copytree(small, copies / "small")
    copy_small_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    shutil.copyfile(big, copies / "model.bin")
    copy_big_s = time.perf_counter() - t0
    shutil.rmtree(copies)
    tool.import_tool()
    result: Result = {
        "files": files,
        "file_kb": file_kb,
        "big_mb": big_mb,
        "copy_small_s": copy_small_s,
        "copy_big_s": copy_big_s,
    }
    for case, path in (("small", small), ("big", big)):
        tool.init()
        t0 = time.perf_counter()
        log_s, log_cpu_s = tool.log_artifact(f"bench-{case}", path)
        call_s = time.perf_counter() - t0
        tool.finish()
        result[f"{case}_call_s"] = call_s
        result[f"{case}_log_s"] = log_s
        result[f"{case}_log_cpu_s"] = log_cpu_s
        result[f"{case}_stored_s"] = time.perf_counter() - t0
    result["disk_bytes"] = dir_bytes(tool.data_dir)
    return result


WORKLOADS: dict[str, Callable[[Adapter, Result], Result]] = {
    "import": w_import,  # {}
    "init": w_init,  # {}
    "log": w_log,  # {"steps": 20000, "metrics": 10}
    "write": w_write,  # {"dir": ..., "steps": 20000, "metrics": 10}
    "read": w_read,  # {"dir": ..., "ref": ..., "key": "m0", "steps": 20000}
    "memory": w_memory,  # {"steps": 100000, "metrics": 10}
    "many_runs": w_many_runs,  # {"runs": 200, "steps": 1000, "metrics": 5}
    "ui_start": w_ui_start,  # {"steps": 100, "metrics": 5} (the one run shown)
    "scan_write": w_scan_write,  # {"dir": ..., "rows": 1000000, "keys": 5}
    "scan": w_scan,  # {"dir": ..., "ref": ..., "rows": 1000000}
    "query_write": w_query_write,  # {"dir": ..., "runs": 1000}
    "query": w_query,  # {"dir": ..., "project": ..., "expected": n}
    "series_write": w_series_write,  # {"dir": ..., "runs": 100, "steps": 100000}
    "series": w_series,  # {"dir": ..., "project": ..., "ids": [...], "steps": 100000}
    "ui_write": w_ui_write,  # {"dir": ..., "runs": 1000, "metrics": 20, "steps": 200}
    "ui_first_panels": w_ui_first_panels,  # {"dir": ..., "project": ..., "loads": 3}
    "ui_table_scroll": w_ui_table_scroll,  # {"dir": ..., "project": ..., "passes": 3, "duration": 2}
    "server_ingest": w_server_ingest,  # {"runs": 16, "batches": 10, "rows": 5000, "metrics": 10}
    "log_online": w_log_online,  # {"steps": 20000, "metrics": 10}
    "artifacts": w_artifacts,
    "sampler": w_sampler,  # {"samples": 200}  # {"files": 1000, "file_kb": 4, "big_mb": 200}
}


def cleanup(*dirs: Path | None) -> None:
    os.chdir(BENCH_DIR)
    for path in dirs:
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str]) -> int:
    # Keep stdout for our one JSON line; whatever the tracker prints goes to stderr.
    result_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    result: Result
    try:
        if len(argv) not in (3, 4):
            raise ValueError(
                f"usage: workloads.py <{'|'.join(ADAPTERS)}> <{'|'.join(WORKLOADS)}> '<json-args>'"
            )
        tool_name, workload = argv[1], argv[2]
        args: Result = json.loads(argv[3]) if len(argv) == 4 else {}
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        keep = "dir" in args
        if keep:
            data_dir = Path(args["dir"]).resolve()
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            data_dir = Path(tempfile.mkdtemp(prefix=f"{tool_name}-{workload}-", dir=WORK_DIR))
        aux_dir = Path(tempfile.mkdtemp(prefix=f"{tool_name}-aux-", dir=WORK_DIR))
        # Registered before the tool is imported, so it runs after the tool's own exit hooks.
        atexit.register(cleanup, aux_dir, None if keep else data_dir)
        os.chdir(aux_dir)  # tools that write into the cwd do it outside the counted dir
        tool = ADAPTERS[tool_name](data_dir, aux_dir)
        tool.setup_env()
        load = os.getloadavg()  # other work on the machine, noted with every measurement
        result = {"ok": True, **WORKLOADS[workload](tool, args), "loadavg": list(load)}
    except BaseException as exc:  # report, never crash without a result line
        traceback.print_exc()
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        result = {
            "ok": False,
            "error": f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__,
        }
    os.write(result_fd, (json.dumps(result) + "\n").encode())
    os.close(result_fd)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
