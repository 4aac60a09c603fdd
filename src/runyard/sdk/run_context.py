"""`RunContext`: what a run records with no line of code — console output, system
metrics, metadata and source files — started by ``init`` once the run exists and
stopped first thing in ``finish`` (on the atexit and signal paths too).

Everything goes to the run's side journal (:mod:`runyard.sdk.side_journal`), written by
background threads and moved into the store by a writer thread of its own; nothing
here runs on the training thread after ``init`` except the capture of the script's
own writes (one journal append each) and ``stop``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runyard.errors import CommError
from runyard.journal.records import Rec
from runyard.sdk.side_journal import SideJournal, side_journal_path
from runyard.sdk.signals import start_leaving_signals
from runyard.sdk.switch_interval import working

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore
    from runyard.entities import RunRef
    from runyard.sdk.console import ConsoleCapture
    from runyard.sdk.metadata import MetadataCollector
    from runyard.sdk.system_monitor import SystemMonitor
    from runyard.sdk.writer import Writer
    from runyard.settings import Settings
    from runyard.store.base import TrackingStore

__all__ = ["RunContext", "wait_for_run"]

#: Longest ``finish`` waits for the metadata thread (git and the package list).
METADATA_WAIT = 10.0
#: Seconds after init before the sampler and the metadata collector start (the metadata
#: collector sooner once the script logs: see :meth:`RunContext.start`).
START_DELAY = 0.2
#: How often the side journal's writer looks for its run before writing to it.
_RUN_POLL = 0.2


class RunContext:
    """The side journal, its writer and the threads that fill it (see the module doc)."""

    def __init__(self, side: SideJournal) -> None:
        self.side = side
        self.console: ConsoleCapture | None = None
        self.monitor: SystemMonitor | None = None
        self.metadata: MetadataCollector | None = None
        self.writer: Writer | None = None
        self._main_writer: Writer | None = None
        self._launcher: threading.Thread | None = None
        self._go = threading.Event()
        self._started = time.monotonic()
        #: Why the sampler or the metadata collector could not start.
        self.error: BaseException | None = None
        self._stopped = False
        #: The side journal's EXIT record, written by _close (set by stop).
        self._exit: tuple[Any, ...] | None = None

    @classmethod
    def start(
        cls,
        *,
        settings: Settings,
        ref: RunRef,
        journal: Path,
        start: dict[str, Any],
        runtime: Callable[[], float],
        started_at: float,
        main_writer: Writer | None = None,
        open_store: Callable[[], TrackingStore] | None = None,
        open_blobs: Callable[[], BlobStore] | None = None,
    ) -> RunContext:
        """Open the side journal beside ``journal`` (the main one, whose START record is
        ``start``) and start what ``settings`` asks for: console capture (``console``),
        the sampler (unless ``x_disable_stats``), metadata (unless ``x_disable_meta``)."""
        session = int((start.get("meta") or {}).get("sessions") or 1)
        side = SideJournal(side_journal_path(journal), ref, str(start["journal_id"]), session)
        context = cls(side)
        if main_writer is not None and open_store is not None:
            context._start_writer(ref, main_writer, open_store, open_blobs, settings)
        if main_writer is not None:
            # Once the script logs, init has returned: the metadata is collected while
            # it logs rather than at finish (a loop of under START_DELAY left it all
            # there: imports, git, psutil). The sampler keeps its start delay.
            main_writer.on_rows = context._go.set
        if settings.console != "off":
            # On this thread, first: the script's output from here on is recorded.
            from runyard.sdk.console import ConsoleCapture

            context.console = ConsoleCapture(side.append, settings.console)
            context.console.start()
        # The sampler and the metadata collector are made by a thread of their own:
        # importing them (and what they import) is no work for init.
        context._launcher = threading.Thread(
            target=context._launch,
            args=(settings, runtime, started_at, os.getcwd()),
            name="runyard-context",
            daemon=True,
        )
        start_leaving_signals(context._launcher)  # so are the sampler's and collector's
        return context

    def _launch(
        self, settings: Settings, runtime: Callable[[], float], started_at: float, cwd: str
    ) -> None:
        # Let init return (and the script start) first: these imports, and the threads
        # started right away, would compete with it for the GIL. (The main writer sets
        # _go when the script's first rows arrive.)
        self._go.wait(START_DELAY)
        try:
            with working():
                self._build(settings, runtime, started_at, cwd)
        except Exception as exc:  # the run goes on without them
            self.error = exc

    def _build(
        self, settings: Settings, runtime: Callable[[], float], started_at: float, cwd: str
    ) -> None:
        """Start the metadata collector and the sampler (in the launcher thread)."""
        side = self.side
        if not settings.x_disable_meta:
            from runyard.sdk.metadata import MetadataCollector

            options: dict[str, Any] = {
                "started_at": started_at,
                "root": cwd,
                "program": settings.program,
                "disable_git": settings.disable_git,
                "disk_paths": tuple(settings.x_stats_disk_paths) or ("/",),
                "machine": not settings.x_disable_machine_info,
                "gpu": _gpu_facts(settings.x_stats_gpu_device_ids),
            }
            self.metadata = MetadataCollector(
                side.append,
                side.spool.put,
                side.spool.put_file,
                options,
                save_code=bool(settings.save_code) and not settings.disable_code,
                save_requirements=settings.x_save_requirements,
            )
            self.metadata.start_delay = 0.0
            self.metadata.start()
        # A run that ends before its first sample records none: building the
        # sampler (psutil, NVML) only to take one would cost its finish tens of ms.
        if not settings.x_disable_stats and not self._stopped:
            from runyard.sdk.system_monitor import SystemMonitor

            self.monitor = SystemMonitor(
                side.append,
                runtime,
                interval=settings.x_stats_sampling_interval,
                disk_paths=tuple(settings.x_stats_disk_paths) or ("/",),
                gpu_ids=settings.x_stats_gpu_device_ids,
                start_delay=max(0.0, START_DELAY - (time.monotonic() - self._started)),
            )
            self.monitor.start()

    def begin(self) -> None:
        """``init`` is returning: start the metadata collector (and make the sampler,
        which keeps its start delay) now. Waiting for the script's first rows to reach
        the main writer left it to ``finish`` in a short loop, where the writer, starved
        of the GIL by the loop, had read none (its imports and git: 15-35 ms of CPU)."""
        self._go.set()

    def ready(self, timeout: float = METADATA_WAIT) -> None:
        """Start the sampler and the metadata collector now (if not yet); wait for it."""
        self._go.set()
        if self._launcher is not None:
            self._launcher.join(timeout)

    def _start_writer(
        self,
        ref: RunRef,
        main_writer: Writer,
        open_store: Callable[[], TrackingStore],
        open_blobs: Callable[[], BlobStore] | None,
        settings: Settings,
    ) -> None:
        from runyard.sdk.writer import Writer

        def open_side_store() -> TrackingStore:
            return wait_for_run(open_store(), ref, main_writer)

        self._main_writer = main_writer
        self.writer = Writer(
            self.side.journal,
            open_side_store,
            store_name=main_writer.store_name,
            remote=settings.remote,
            stop_timeout=main_writer.stop_timeout,
            open_blobs=open_blobs,
            open_at_once=False,  # its run must exist first (open_side_store)
        )
        self.writer.checkpoint_at_end = False  # the run does it at finish (settle_soon)
        # Its end never seals the run's series (the main writer's does, or the run's
        # settling thread): a batch of its ending the run would, at once.
        self.writer.seal_later_from = 0
        start_leaving_signals(self.writer)

    def stop(self, state: str, exit_code: int | None, runtime: float) -> None:
        """Stop capturing (the last console chunk is recorded) and tell the sampler to
        take its last sample. The sampler (still importing psutil, or sampling) and the
        metadata (git runs in subprocesses) are waited for and the side journal closed
        with the run's exit by :meth:`finish_writer`, so that the main writer's last
        batch is written meanwhile."""
        if self._stopped:
            return
        self._stopped = True
        for step in (self._stop_console, self.ready, self._stop_monitor):
            with contextlib.suppress(Exception):  # finishing must go on
                step()
        self._exit = (Rec.EXIT, state, exit_code, runtime)

    def _close(self) -> None:
        """Wait a little for the metadata; close the side journal with the run's exit."""
        if self._exit is None:
            return
        exit_record, self._exit = self._exit, None
        with contextlib.suppress(Exception):
            self._wait_metadata()
        with contextlib.suppress(Exception):
            if self.monitor is not None:
                self.monitor.stop()  # its last sample is in the side journal
        self.side.close(exit_record)

    def _stop_console(self) -> None:
        if self.console is not None:
            self.console.stop()

    def _stop_monitor(self) -> None:
        if self.monitor is not None:
            self.monitor.stop(wait=False)  # waited for by _close

    def _wait_metadata(self) -> None:
        if self.metadata is not None:
            self.metadata.join(METADATA_WAIT)

    def stop_writer(self) -> None:
        """Wait for the metadata, close the side journal with the run's exit and tell
        its writer to move the rest into the store: while the main writer stores the
        run's last batch (its batches only attach to the run, which exists by then or
        is waited for; none of them ends the run or seals it)."""
        self._close()
        if self.writer is not None:
            self.writer.request_stop()

    def finish_writer(self, timeout: float) -> bool:
        """After the main writer is done: :meth:`stop_writer` (if not yet), wait up to
        ``timeout`` for the side writer, then delete the side journal when the store
        has it all (else it stays for replay or ``runyard sync``). Returns True when it
        was deleted."""
        self.stop_writer()
        writer = self.writer
        if writer is None:  # offline: the journal is the run
            self.side.release(delete=False)
            return False
        writer.join(timeout)
        drained = writer.drained
        self.side.release(delete=drained)
        return drained


def wait_for_run(store: TrackingStore, ref: RunRef, main_writer: Writer) -> TrackingStore:
    """``store`` once the run ``ref`` is in it: a batch of the side journal only attaches
    to its run, so it must not reach the store before the main journal's first batch
    has created it (a store drops a batch for a run it does not have).

    The main writer's first stored batch created the run (or found it), so once that is
    known no look is needed: a look begun before that batch committed reads the store
    as it was, and answered "no run" while the run was there (the writer then slept
    0.2 s inside ``finish``, one short run in ten)."""
    while True:
        # Both before the look: the main writer may store, or end, meanwhile.
        stored = main_writer.stored.is_set()
        alive = main_writer.is_alive()
        if stored or store.get_run(ref) is not None:
            return store
        if not alive:
            if main_writer.stored.is_set():
                return store  # (it stored its last batch and ended since)
            raise CommError(f"run {ref.path} is not in the store yet")
        # Woken by the main writer's first stored batch (a finishing run's side writer
        # is told to stop while the main one may not have stored one).
        main_writer.stored.wait(_RUN_POLL)


def _gpu_facts(device_ids: Any) -> Callable[[], dict[str, Any]]:
    def describe() -> dict[str, Any]:
        from runyard.sdk.system_monitor import GpuReader

        reader = GpuReader.open(device_ids)
        if reader is None:
            return {}
        try:
            return reader.describe()
        finally:
            reader.close()

    return describe
