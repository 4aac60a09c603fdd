"""System metrics: the sampler's keys, its cost in calls, the thread, NVML and a run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.journal.frames import JournalReader
from runyard.journal.records import Rec
from runyard.sdk.system_monitor import GpuReader, SystemMonitor, SystemSampler

KEYS = (
    "system.cpu",
    "system.proc.cpu.threads",
    "system.memory_percent",
    "system.proc.memory.availableMB",
    "system.proc.memory.rssMB",
    "system.proc.memory.percent",
    "system.disk./.usagePercent",
    "system.disk./.usageGB",
    "system.network.sent",
    "system.network.recv",
)


def test_a_sample_has_cpu_memory_disk_and_network_keys() -> None:
    sample = SystemSampler(("/",)).sample()
    for key in KEYS:
        assert isinstance(sample[key], float), key
    assert "system.cpu.0.cpu_percent" in sample
    assert 0.0 <= sample["system.memory_percent"] <= 100.0
    assert sample["system.proc.memory.rssMB"] > 1.0
    assert all(isinstance(v, float) for v in sample.values())


def test_one_sample_costs_a_handful_of_file_reads_and_no_process() -> None:
    """The cost, counted (not timed): files opened and processes started per sample."""
    sampler = SystemSampler(("/",))
    events: list[str] = []
    active = threading.local()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if getattr(active, "on", False) and event in ("open", "subprocess.Popen", "os.system"):
            events.append(event)

    sys.addaudithook(hook)  # (hooks cannot be removed: this one only counts while `on`)
    active.on = True
    try:
        for _ in range(10):
            sampler.sample()
    finally:
        active.on = False
    assert "subprocess.Popen" not in events and "os.system" not in events
    opened = events.count("open") / 10
    # /proc/self/{stat,status,statm}, /proc/stat, /proc/meminfo, /proc/diskstats,
    # /proc/net/dev and a few /sys/block lookups: at 15 s this is far below 1 % of a core
    assert opened <= 12, opened  # 7 on Linux here


def test_the_monitor_samples_at_start_every_interval_and_at_stop() -> None:
    records: list[tuple[Any, ...]] = []
    three = threading.Event()

    def append(rec: tuple[Any, ...]) -> None:
        records.append(rec)
        if len(records) >= 3:
            three.set()

    monitor = SystemMonitor(append, runtime=lambda: 7.5, interval=0.05, clock=lambda: 1e9)
    monitor.start()
    assert three.wait(60)
    monitor.stop()
    count = len(records)
    assert count >= 4  # three while running, one at stop
    assert all(r[0] == Rec.STATS and r[1] == 1e9 and r[2] == 7.5 for r in records)
    assert all(key in r[3] for r in records for key in KEYS)
    monitor.stop()  # idempotent, and nothing more is recorded
    assert len(records) == count
    with pytest.raises(ValueError, match="0"):
        SystemMonitor(append, runtime=lambda: 0.0, interval=0)


def test_a_monitor_stopped_within_its_first_interval_keeps_its_start_sample_only() -> None:
    """A run shorter than the sampling interval (15 s by default) has its start sample,
    with every key, and takes none at finish (wandb takes none there either): finish
    does not wait for a sample."""
    records: list[tuple[Any, ...]] = []
    first = threading.Event()

    def append(rec: tuple[Any, ...]) -> None:
        records.append(rec)
        first.set()

    monitor = SystemMonitor(append, runtime=lambda: 0.5, interval=3600.0, start_delay=0.0)
    monitor.start()
    assert first.wait(60)
    monitor.stop()
    assert len(records) == 1 and monitor.samples == 1
    assert all(key in records[0][3] for key in KEYS)


def test_a_monitor_stopped_while_its_sampler_loads_records_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run ends while the sampler is being built (NVML probed, psutil next): the
    build stops there and no sample is taken for finish to wait on."""
    records: list[tuple[Any, ...]] = []
    probing = threading.Event()
    release = threading.Event()

    def slow_open(device_ids: Any = None) -> GpuReader | None:
        probing.set()
        release.wait(60)
        return None

    monkeypatch.setattr(GpuReader, "open", staticmethod(slow_open))
    monitor = SystemMonitor(records.append, runtime=lambda: 0.0, start_delay=0.0)
    monitor.start()
    assert probing.wait(60)
    stopper = threading.Thread(target=monitor.stop)
    stopper.start()
    while not monitor._stop.is_set():  # (stop() sets it first, then joins)
        threading.Event().wait(0.01)
    release.set()
    stopper.join(60)
    assert records == [] and monitor.sampler is None and monitor.error is None


def test_a_short_run_gets_its_start_sample_in_the_store(ry_dir: Path) -> None:
    """A run that outlives the start delay but not the interval: one sample, the
    start one, in the stored system stream."""
    run = runyard.init(
        project="p", settings={"x_stats_sampling_interval": 3600.0, "console": "off"}
    )
    assert run._context is not None
    run._context.ready()
    monitor = run._context.monitor
    assert monitor is not None
    while monitor.samples < 1:  # (no time asserted: the thread is waited for)
        threading.Event().wait(0.02)
    run.log({"a": 1.0})
    run.finish()
    rows = list(runyard.Api().run(run.path).history(stream="system", pandas=False))
    assert len(rows) == 1
    assert all(key in rows[0] for key in KEYS)


def test_nvml_without_a_gpu_says_no_gpu_once(caplog: pytest.LogCaptureFixture) -> None:
    """Against the real NVML binding: on a machine without the NVIDIA library it raises
    NVMLError_LibraryNotFound, which the reader turns into one debug line."""
    import pynvml

    error: Exception | None = None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        error = exc
    has_gpu = error is None and pynvml.nvmlDeviceGetCount() > 0
    if error is None:
        pynvml.nvmlShutdown()
    else:  # what this machine (no NVIDIA driver) answers
        assert isinstance(
            error, (pynvml.NVMLError_LibraryNotFound, pynvml.NVMLError_DriverNotLoaded)
        )
    GpuReader._said_no_gpu = False
    with caplog.at_level(logging.DEBUG, logger="runyard"):
        first = GpuReader.open()
        second = GpuReader.open()
    if has_gpu:  # a GPU machine: the readings and the metadata
        assert first is not None and second is not None
        out: dict[str, float] = {}
        first.sample(out)
        assert "system.gpu.0.gpu" in out and "system.gpu.0.memoryAllocated" in out
        facts = first.describe()
        assert facts["gpu_count"] >= 1 and facts["gpu_devices"][0]["name"]
        first.close()
        second.close()
        return
    assert first is None and second is None
    said = [r.getMessage() for r in caplog.records if "no GPU" in r.getMessage()]
    assert len(said) == 1 and "NVML" in said[0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_without_nvidia_ml_py_the_sampler_goes_on() -> None:
    code = (
        "import sys, logging\n"
        "sys.modules['pynvml'] = None  # the package is not installed\n"
        "logging.basicConfig(level=logging.DEBUG, format='%(message)s')\n"
        "from runyard.sdk.system_monitor import GpuReader, SystemSampler\n"
        "assert GpuReader.open() is None\n"
        "print(sorted(k for k in SystemSampler(('/',), None).sample() if 'gpu' in k))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert "no GPU metrics: nvidia-ml-py is not installed" in done.stderr
    assert "WARNING" not in done.stderr


def _side_records(folder: Path, code: int) -> list[Any]:
    (side,) = folder.glob("*.side.journal")
    with open(side, "rb") as file:
        return [rec for _o, rec in JournalReader(file.fileno()).records() if rec[0] == code]


def test_a_run_records_samples_and_they_read_back_as_the_system_stream(ry_dir: Path) -> None:
    run = runyard.init(
        project="p", mode="offline", settings={"x_stats_sampling_interval": 0.1, "console": "off"}
    )
    assert run._context is not None
    run._context.ready()  # started by a thread of its own, a moment after init
    monitor = run._context.monitor
    assert monitor is not None and monitor.interval == 0.1
    while monitor.samples < 3:  # (no time asserted: the thread is waited for)
        threading.Event().wait(0.05)
    run.finish()
    stats = _side_records(ry_dir / "offline", Rec.STATS)
    assert len(stats) >= 4
    for rec in stats:
        for key in KEYS:
            assert key in rec[3]
    runtimes = [rec[2] for rec in stats]
    assert runtimes == sorted(runtimes) and runtimes[0] >= 0.0


def test_disabled_stats_start_no_sampler(ry_dir: Path) -> None:
    for settings in ({"x_disable_stats": True}, {"_disable_stats": True}):
        run = runyard.init(project="p", mode="offline", settings={**settings, "console": "off"})
        assert run._context is not None
        run._context.ready()
        assert run._context.monitor is None
        run.finish()
    disabled = runyard.init(project="p", mode="disabled")
    disabled.log({"a": 1})
    names = {t.name for t in threading.enumerate()}
    disabled.finish()  # runyard.run is set until finish, as in wandb
    assert not names & {"runyard-system", "runyard-console", "runyard-metadata"}


def test_a_monitor_stopped_before_its_first_sample_builds_no_sampler() -> None:
    """A run shorter than the start delay records no sample: psutil and NVML are not
    loaded at finish just to take one."""
    records: list[tuple[Any, ...]] = []
    monitor = SystemMonitor(records.append, runtime=lambda: 0.0, start_delay=3600.0)
    monitor.start()
    monitor.stop()
    assert records == [] and monitor.sampler is None and monitor.error is None


def test_a_run_finished_before_the_sampler_starts_has_metadata_and_no_samples(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runyard.sdk import run_context

    monkeypatch.setattr(run_context, "START_DELAY", 3600.0)  # finish comes first
    run = runyard.init(project="p", mode="offline", settings={"console": "off"})
    run.log({"a": 1.0})
    run.finish()
    assert run._context is not None and run._context.monitor is None
    assert _side_records(ry_dir / "offline", Rec.STATS) == []
    metadata = [r for r in _side_records(ry_dir / "offline", Rec.META) if "metadata" in r[1]]
    assert metadata  # the metadata collector still ran


def test_without_an_nvidia_driver_pynvml_is_not_imported(tmp_path: Path) -> None:
    """No NVIDIA device node: no GPU, said once, without importing pynvml (~35 ms); with
    one (a stand-in path here) NVML itself is asked, as before."""
    from runyard.sdk import system_monitor

    if any(os.path.exists(node) for node in system_monitor._NVIDIA_NODES):
        pytest.fail("this test expects a machine without an NVIDIA driver")
    code = (
        "import sys, logging\n"
        "logging.basicConfig(level=logging.DEBUG, format='%(message)s')\n"
        "from runyard.sdk import system_monitor as m\n"
        "assert m.GpuReader.open() is None and m.GpuReader.open() is None\n"
        "print('pynvml' in sys.modules)\n"
        "m.GpuReader._said_no_gpu = False\n"
        f"m._NVIDIA_NODES = ({str(tmp_path)!r},)\n"
        "assert m.GpuReader.open() is None\n"
        "print('pynvml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]
    said = [line for line in done.stderr.splitlines() if "no GPU metrics" in line]
    assert len(said) == 2 and "no NVIDIA driver" in said[0] and "NVML" in said[1]
    assert "no NVIDIA driver" not in said[1]
