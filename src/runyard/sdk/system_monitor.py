"""System metrics: a daemon thread samples CPU, memory, disk, network and GPUs every
``x_stats_sampling_interval`` seconds (15 by default, one sample at start, as wandb) and
journals each sample as ``(Rec.STATS, ts, runtime, {key: value})``. A run that outlives
its first interval gets a last sample at finish too (the part of an interval wandb's
samples miss); a shorter one keeps its start sample and takes none at finish.

Keys are wandb's (see docs/run-context.md), prefixed ``system.`` as wandb's server
stores them:

==================================  ===================================================
``system.cpu``                      this process's CPU use, % of the whole machine
``system.cpu.<i>.cpu_percent``      each core's use, %
``system.proc.cpu.threads``         this process's threads
``system.memory_percent``           the machine's memory in use, %
``system.proc.memory.availableMB``  the machine's available memory, MiB
``system.proc.memory.rssMB``        this process's resident memory, MiB
``system.proc.memory.percent``      this process's resident memory, % of the machine's
``system.disk.<path>.usagePercent`` use of the file system holding ``<path>``, %
``system.disk.<path>.usageGB``      its space in use, GiB
``system.disk.<dev>.in`` / ``.out`` MiB read / written on each disk since the run began
``system.network.sent`` / ``.recv`` bytes sent / received since the run began
``system.gpu.<i>.gpu``              GPU ``i``'s utilisation, % (NVIDIA, through NVML)
``system.gpu.<i>.memory``           its memory-controller utilisation, %
``system.gpu.<i>.memoryAllocated``  its memory in use, %; ``…Bytes`` in bytes
``system.gpu.<i>.temp``             its temperature, °C
``system.gpu.<i>.powerWatts``       its power draw, W; ``powerPercent`` of its limit,
                                    ``enforcedPowerLimitWatts`` that limit
``system.gpu.process.<i>.*``        the same, for GPUs this process uses
==================================  ===================================================

Cheap by construction: one sample reads a handful of ``/proc`` files (psutil, one
pass over this process's files with ``oneshot``) and a few NVML calls per GPU; no
subprocess, nothing on the training thread. GPUs: NVIDIA's ``nvidia-ml-py``
(``pip install runyard[gpu]``) is imported in the sampler thread; without it or
without a driver the sampler says "no GPU" once (a debug log line) and goes on.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from runyard.journal.records import Rec
from runyard.sdk.switch_interval import working

__all__ = ["GpuReader", "SystemMonitor", "SystemSampler"]


def _debug(message: str, *args: object) -> None:
    """A debug line in the ``runyard`` logger (logging is imported only then)."""
    import logging

    logging.getLogger("runyard").debug(message, *args)


_MIB = 1024.0 * 1024.0
_GIB = _MIB * 1024.0
#: Seconds after init before the first sample (and psutil's import).
START_DELAY = 0.2
#: Devices whose I/O is not a disk's.
_NOT_DISKS = ("loop", "ram", "zram", "fd", "sr")


#: Present wherever NVML can reach a driver: the driver's control device and its proc
#: entry (Linux, containers given GPUs), WSL2's GPU device.
_NVIDIA_NODES = ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg")


def _nvidia_driver() -> bool:
    """Whether an NVIDIA driver may be there for NVML (always True off Linux)."""
    import sys

    if not sys.platform.startswith("linux"):
        return True
    return any(os.path.exists(node) for node in _NVIDIA_NODES)


class GpuReader:
    """NVIDIA GPUs through NVML. :meth:`open` returns None (and says "no GPU" once, in
    the debug log) when ``nvidia-ml-py`` is not installed or NVML finds no driver."""

    _said_no_gpu = False

    def __init__(self, nvml: Any, handles: list[tuple[int, Any]]) -> None:
        self.nvml = nvml
        self.handles = handles
        self._pid = os.getpid()

    @classmethod
    def open(cls, device_ids: Sequence[int] | None = None) -> GpuReader | None:
        from importlib.util import find_spec

        with contextlib.suppress(ImportError, ValueError):
            if find_spec("pynvml") is None:
                cls._no_gpu("nvidia-ml-py is not installed")
                return None
        if not _nvidia_driver():
            # (importing pynvml only to hear NVML find no driver: ~35 ms of the GIL,
            # in the metadata and the sampler threads, often inside a short run's finish)
            cls._no_gpu("NVML: no NVIDIA driver (" + ", ".join(_NVIDIA_NODES) + " missing)")
            return None
        try:
            import pynvml

            pynvml.nvmlInit()
        except ImportError as exc:
            cls._no_gpu(f"nvidia-ml-py is not installed ({exc})")
            return None
        except Exception as exc:  # pynvml.NVMLError_LibraryNotFound, _DriverNotLoaded…
            cls._no_gpu(f"NVML: {exc}")
            return None
        try:
            count = int(pynvml.nvmlDeviceGetCount())
            ids = range(count) if device_ids is None else [i for i in device_ids if i < count]
            handles = [(i, pynvml.nvmlDeviceGetHandleByIndex(i)) for i in ids]
        except Exception as exc:
            cls._no_gpu(f"NVML: {exc}")
            return None
        if not handles:
            cls._no_gpu("NVML found no GPU")
            return None
        return cls(pynvml, handles)

    @classmethod
    def _no_gpu(cls, why: str) -> None:
        if not cls._said_no_gpu:
            cls._said_no_gpu = True
            _debug("runyard: no GPU metrics: %s", why)

    def sample(self, out: dict[str, float]) -> None:
        """Add each GPU's readings to ``out`` (a reading a GPU does not support is left out)."""
        for i, handle in self.handles:
            values = self._read(handle)
            for key, value in values.items():
                out[f"system.gpu.{i}.{key}"] = value
            if self._uses(handle):
                for key, value in values.items():
                    out[f"system.gpu.process.{i}.{key}"] = value

    def _read(self, handle: Any) -> dict[str, float]:
        nvml = self.nvml
        values: dict[str, float] = {}
        with contextlib.suppress(Exception):  # NVMLError_NotSupported: the keys are left out
            rates = nvml.nvmlDeviceGetUtilizationRates(handle)
            values["gpu"] = float(rates.gpu)
            values["memory"] = float(rates.memory)
        with contextlib.suppress(Exception):
            mem = nvml.nvmlDeviceGetMemoryInfo(handle)
            values["memoryAllocatedBytes"] = float(mem.used)
            if mem.total:
                values["memoryAllocated"] = 100.0 * mem.used / mem.total
        with contextlib.suppress(Exception):
            values["temp"] = float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
        with contextlib.suppress(Exception):
            values["powerWatts"] = nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
        with contextlib.suppress(Exception):
            limit = nvml.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000.0
            values["enforcedPowerLimitWatts"] = limit
            if limit and "powerWatts" in values:
                values["powerPercent"] = 100.0 * values["powerWatts"] / limit
        return values

    def _uses(self, handle: Any) -> bool:
        try:
            procs = self.nvml.nvmlDeviceGetComputeRunningProcesses(handle)
        except Exception:
            return False
        return any(getattr(p, "pid", None) == self._pid for p in procs)

    def describe(self) -> dict[str, Any]:
        """Metadata fields: ``gpu``, ``gpu_count``, ``gpu_devices``, ``cuda``."""
        nvml = self.nvml
        devices: list[dict[str, Any]] = []
        for _i, handle in self.handles:
            device: dict[str, Any] = {}
            try:
                name = nvml.nvmlDeviceGetName(handle)
                device["name"] = name.decode() if isinstance(name, bytes) else str(name)
            except Exception:
                device["name"] = "unknown"
            with contextlib.suppress(Exception):
                device["memory_total"] = int(nvml.nvmlDeviceGetMemoryInfo(handle).total)
            devices.append(device)
        info: dict[str, Any] = {
            "gpu": devices[0]["name"] if devices else None,
            "gpu_count": len(devices),
            "gpu_devices": devices,
        }
        try:
            version = int(nvml.nvmlSystemGetCudaDriverVersion())
            info["cuda"] = f"{version // 1000}.{version % 1000 // 10}"
        except Exception:
            pass
        return info

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.nvml.nvmlShutdown()


class SystemSampler:
    """Takes one sample of the machine and this process (psutil; see the module doc).

    Args:
        disk_paths: file systems whose use is reported (``x_stats_disk_paths``).
        gpu: the GPU reader, or None.
    """

    def __init__(self, disk_paths: Sequence[str] = ("/",), gpu: GpuReader | None = None) -> None:
        import psutil

        self._psutil = psutil
        self._proc = psutil.Process()
        self._cpus = psutil.cpu_count() or 1
        self._disk_paths = list(dict.fromkeys(disk_paths))
        self.gpu = gpu
        # Baselines: CPU percentages are measured between calls, I/O since the start.
        self._proc.cpu_percent(None)
        psutil.cpu_percent(None, percpu=True)
        self._disk0 = self._disks()
        self._net0 = self._net()

    def _disks(self) -> dict[str, tuple[int, int]]:
        try:
            counters = self._psutil.disk_io_counters(perdisk=True, nowrap=True) or {}
        except Exception:  # no /proc/diskstats (some containers)
            return {}
        return {
            dev: (c.read_bytes, c.write_bytes)
            for dev, c in counters.items()
            if not dev.startswith(_NOT_DISKS)
        }

    def _net(self) -> tuple[int, int] | None:
        try:
            c = self._psutil.net_io_counters(nowrap=True)
        except Exception:
            return None
        return None if c is None else (c.bytes_sent, c.bytes_recv)

    def sample(self) -> dict[str, float]:
        """One sample: ``{"system.<key>": value}``."""
        ps = self._psutil
        out: dict[str, float] = {}
        proc = self._proc
        try:
            with proc.oneshot():
                out["system.cpu"] = proc.cpu_percent(None) / self._cpus
                rss = float(proc.memory_info().rss)
                out["system.proc.cpu.threads"] = float(proc.num_threads())
        except Exception:
            rss = -1.0
        for i, pct in enumerate(ps.cpu_percent(None, percpu=True)):
            out[f"system.cpu.{i}.cpu_percent"] = float(pct)
        mem = ps.virtual_memory()
        out["system.memory_percent"] = float(mem.percent)
        out["system.proc.memory.availableMB"] = mem.available / _MIB
        if rss >= 0:
            out["system.proc.memory.rssMB"] = rss / _MIB
            out["system.proc.memory.percent"] = 100.0 * rss / mem.total if mem.total else 0.0
        for path in self._disk_paths:
            try:
                usage = ps.disk_usage(path)
            except OSError:
                continue
            out[f"system.disk.{path}.usagePercent"] = float(usage.percent)
            out[f"system.disk.{path}.usageGB"] = usage.used / _GIB
        for dev, (read, written) in self._disks().items():
            read0, written0 = self._disk0.setdefault(dev, (read, written))
            out[f"system.disk.{dev}.in"] = (read - read0) / _MIB
            out[f"system.disk.{dev}.out"] = (written - written0) / _MIB
        net = self._net()
        if net is not None and self._net0 is not None:
            out["system.network.sent"] = float(net[0] - self._net0[0])
            out["system.network.recv"] = float(net[1] - self._net0[1])
        if self.gpu is not None:
            self.gpu.sample(out)
        return out


class SystemMonitor:
    """The sampler thread: journals a sample at start (after ``start_delay``), every
    ``interval`` seconds and at :meth:`stop` once an interval has passed. A monitor
    stopped before its first sample (a run shorter than ``start_delay``, or one that
    ends while the sampler is being built) records none and builds no sampler, or stops
    building it; one stopped within its first interval keeps its start sample and takes
    no other (``finish`` does not wait for a sample). Nothing here runs on the training
    thread except ``start``/``stop``.

    Args:
        append: journals a record (thread-safe).
        runtime: the run's runtime now, in seconds.
        interval: seconds between samples.
        disk_paths, gpu_ids: ``x_stats_disk_paths``, ``x_stats_gpu_device_ids``.
        clock: the timestamp of each sample.
        sampler: a ready sampler (tests); by default one is made in the thread (importing
            psutil and NVML there, not in ``init``).
        start_delay: seconds before the first sample (``init`` returns meanwhile).
    """

    def __init__(
        self,
        append: Callable[[tuple[Any, ...]], object],
        runtime: Callable[[], float],
        interval: float = 15.0,
        disk_paths: Sequence[str] = ("/",),
        gpu_ids: Sequence[int] | None = None,
        clock: Callable[[], float] = time.time,
        sampler: SystemSampler | None = None,
        start_delay: float = START_DELAY,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"the sampling interval must be positive, got {interval!r}")
        self._append = append
        self._runtime = runtime
        self.interval = interval
        self._disk_paths = disk_paths
        self._gpu_ids = gpu_ids
        self._clock = clock
        self.sampler = sampler
        self.start_delay = start_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples = 0
        #: Why sampling stopped early (psutil missing or failing), for the report.
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="runyard-system", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0, wait: bool = True) -> None:
        """End the thread (after a last sample once an interval has passed, see above);
        ``wait=False`` only tells it to (a later ``stop()`` waits for it)."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        if not wait:
            return
        thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        try:
            # Let init return first: the thread's imports (psutil, NVML) and the first
            # sample would otherwise compete with it for the GIL.
            stopping = self._stop.wait(self.start_delay)
            if stopping and self.sampler is None:
                # Stopped before the first sample: no sampler is built (psutil, NVML:
                # tens of ms of a short run's finish) to take just one.
                return
            if self.sampler is None:
                with working():
                    gpu = GpuReader.open(self._gpu_ids)
                    if self._stop.is_set():  # the run ended meanwhile: no psutil for it
                        if gpu is not None:
                            gpu.close()
                        return
                    self.sampler = SystemSampler(self._disk_paths, gpu)
                if self._stop.is_set():
                    return
            sampler = self.sampler
            if stopping:
                self.take(sampler)  # a ready sampler (tests) stopped before it started
                return
            self.take(sampler)  # at start
            if self._stop.wait(self.interval):
                return  # within the first interval: the start sample is the run's
            while True:
                self.take(sampler)
                if self._stop.wait(self.interval):
                    self.take(sampler)  # the last sample, at finish
                    return
        except Exception as exc:  # psutil missing or broken: no metrics, the run goes on
            self.error = exc
            _debug("runyard: system metrics stopped: %r", exc)
        finally:
            gpu_reader = self.sampler.gpu if self.sampler is not None else None
            if gpu_reader is not None:
                gpu_reader.close()

    def take(self, sampler: SystemSampler) -> None:
        with working():
            values = sampler.sample()
        self._append((Rec.STATS, self._clock(), self._runtime(), values))
        self.samples += 1
