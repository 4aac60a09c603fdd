"""Live mirroring of TensorFlow's summary writers, which write event files from C++.

``tf.summary.create_file_writer`` (and the Keras ``TensorBoard`` callback, which uses
it) ends in the op ``gen_summary_ops.create_summary_file_writer``, which
:func:`wrap_create_op` wraps to learn each writer's log directory and the event file
it opens (the files that appear in the directory while the op runs; when none does,
any new file of the directory). A writer made in a graph (its log directory is not
known until the graph runs) or writing to a remote path is not mirrored: a warning
says so. A :class:`Watcher` thread tails those files (TensorBoard's own reader, which
resumes where it stopped and leaves a record TF has not finished writing for the next
look), converts each event as ``runyard import tensorboard`` does
(:func:`runyard.importers.tensorboard.event_values`, in file order, so a tag's
metadata written with its first value only is known), and hands the values to the
same merge as the torch/tensorboardX mirror (:class:`runyard.tensorboard._Mirror`).

Steps: TF flushes each writer on its own (10 events or 2 minutes, and on flush/close),
so a ``validation`` file may arrive after ``train`` went further. Events are held
until every file being tailed has reached their step, or for :data:`HOLD` seconds at
most, then given to the run in step order (a step the run has passed is dropped with
a warning, as ``run.log`` drops it). At ``finish`` the watcher stops, flushes the TF
writers it knows, reads what is left and gives it all before the run ends.

Nothing here runs on the training thread but the wrapped op (a directory listing) and
``finish``; the run's journal, which ``log()`` writes without a lock, is shared with
the watcher thread through a lock on its two write calls while a TF writer is mirrored
(see :meth:`Watcher.attach`). A failure is warned about once and never raised into
the training loop; a damaged file is given up, the others are still tailed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runyard.printer import warn_once

if TYPE_CHECKING:
    from runyard.importers.tensorboard import EventValue
    from runyard.sdk.run import Run
    from runyard.tensorboard import _Mirror

__all__ = ["HOLD", "INTERVAL", "Watcher"]

#: Seconds between two looks at the tailed files.
INTERVAL = 1.0
#: Longest an event waits for the other files to reach its step.
HOLD = 10.0
#: Longest ``finish`` waits for the watcher thread to end its current look.
JOIN_TIMEOUT = 10.0
#: The op TensorFlow's file writers are created with.
TF_OPS_MODULE = "tensorflow.python.ops.gen_summary_ops"


def _is_event_file(name: str) -> bool:
    return "tfevents" in name and not name.endswith((".tmp", ".crc"))


def _listing(path: str) -> set[str]:
    try:
        return {n for n in os.listdir(path) if _is_event_file(n)}
    except OSError:
        return set()


@dataclass
class _Dir:
    """A log directory a TF writer writes to; ``before``: its event files that are not
    ours (there before the writer); ``plugins``: tag → plugin, as read so far."""

    path: str
    before: set[str]
    plugins: dict[str, str] = field(default_factory=dict)


@dataclass
class _Tail:
    """One event file being read; ``step``: the highest step read from it."""

    path: str
    logdir: _Dir
    loader: Any = None
    step: int = -1
    failed: bool = False


@dataclass(order=True)
class _Pending:
    """Converted values of one event, waiting to be logged (ordered by step, wall time,
    then read order)."""

    step: int
    wall_time: float
    seq: int
    logdir: str = field(compare=False)
    values: list[EventValue] = field(compare=False)
    read_at: float = field(compare=False)


class Watcher:
    """Tails the event files of TF's writers into the current run (see the module doc).

    Args:
        mirror: the merge shared with the torch/tensorboardX mirror.
        interval: seconds between looks (default :data:`INTERVAL`); ``hold``: see
            :data:`HOLD`.
        clock: monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        mirror: _Mirror,
        interval: float | None = None,
        hold: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mirror = mirror
        self.interval = INTERVAL if interval is None else interval
        self.hold = HOLD if hold is None else hold
        self.clock = clock
        self._dirs: dict[str, _Dir] = {}
        self._tails: dict[str, _Tail] = {}
        self._pending: list[_Pending] = []
        self._seq = 0
        #: The open TF writers' resources (weakly: a writer dropped took its resource
        #: with it), flushed at finish.
        self._handles: dict[int, weakref.ref[Any]] = {}
        self._state = threading.Lock()  # dirs, tails, pending: the op and the thread
        self._run: Run | None = None
        self._restore: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- learning where TF writes (training thread) --------------------------------
    def register(self, logdir: str, before: set[str], handle: Any = None) -> None:
        """A TF writer was created in ``logdir``; ``before``: the directory's event
        files just before. The files that appeared since are tailed; when none did
        (the op has not run yet), any new file of the directory will be."""
        logdir = os.path.abspath(logdir)
        now = _listing(logdir)
        with self.mirror.lock:
            self.mirror.namespace(logdir)  # namespaces in the order writers open
        with self._state:
            found = self._dirs.get(logdir)
            if found is None:
                found = self._dirs[logdir] = _Dir(logdir, set(before))
            for name in sorted(now - before):
                self._tail(found, name)
            if handle is not None:
                self._handles[id(handle)] = weakref.ref(handle)

    def closed(self, handle: Any) -> None:
        """A TF writer was closed (and flushed): nothing to flush at finish."""
        with self._state:
            self._handles.pop(id(handle), None)

    def has_logdirs(self) -> bool:
        return bool(self._dirs)

    def _tail(self, logdir: _Dir, name: str) -> None:
        path = os.path.join(logdir.path, name)
        if path not in self._tails:
            self._tails[path] = _Tail(path, logdir)

    # -- the run ---------------------------------------------------------------------
    def attach(self, run: Run) -> None:
        """Mirror into ``run`` from now on (on the training thread, before the watcher
        thread starts): its journal's two write calls take the mirror's lock, so the
        watcher's ``log`` and the training thread's records never interleave within a
        frame, and ``finish`` drains the watcher first."""
        if self._run is run or getattr(run, "_finished", True):
            return
        if self._run is not None:
            self.detach()
        lock = self.mirror.lock
        restore = {"_packb": run._packb, "_append": run._append}

        def locked(call: Callable[[Any], Any]) -> Callable[[Any], Any]:
            def under_lock(arg: Any) -> Any:
                with lock:
                    return call(arg)

            return under_lock

        for name, call in restore.items():
            setattr(run, name, locked(call))
        original_finish = run._finish

        def finish(state: str, exit_code: int | None) -> None:
            self.drain(run)
            original_finish(state, exit_code)

        run._finish = finish  # type: ignore[method-assign]
        self._restore = restore
        self._run = run
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="runyard-tb-watch", daemon=True)
        self._thread.start()

    def detach(self) -> None:
        """Stop the thread and give the run back its own write calls."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT)
        self._thread = None
        run = self._run
        if run is not None:
            for name in ("_packb", "_append", "_finish"):
                run.__dict__.pop(name, None)
            # (a journal that failed meanwhile replaced _append with its drop: keep it)
            for name, call in self._restore.items():
                if name not in run.__dict__:
                    setattr(run, name, call)
        self._run = None
        self._restore = {}

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def drain(self, run: Run) -> None:
        """At ``finish`` (the finishing thread): stop the watcher, flush TF's writers,
        read what is left and log it all. Never raises."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT)
            if thread.is_alive():
                warn_once("tb-watch-join", "TensorFlow events still being read are not logged")
                self.detach()
                return
        try:
            self._flush_writers()
            self.look(final=True)
        except Exception as exc:
            warn_once("tb-watch-drain", f"the last TensorFlow events were not logged: {exc!r}")
        finally:
            self.detach()

    def _flush_writers(self) -> None:
        import sys

        ops = sys.modules.get(TF_OPS_MODULE)
        if ops is None:
            return
        flush = ops.flush_summary_writer
        with self._state:
            handles = [ref() for ref in self._handles.values()]
        for handle in handles:
            if handle is None:  # its writer was dropped, which flushed it
                continue
            with contextlib.suppress(Exception):  # deleted meanwhile: flushed then
                flush(handle)

    # -- the watcher thread ---------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.look(final=False)
            except Exception as exc:  # never ends the thread on a bad look
                warn_once("tb-watch", f"TensorFlow events could not be mirrored: {exc!r}")

    def look(self, final: bool) -> None:
        """Read what the files gained and log the events that are due (all when
        ``final``)."""
        self._read()
        run = self._run
        if run is None:
            return
        with self._state:
            due = self._due(final)
        for item in due:
            try:
                # One event at a time: the training thread's log() waits for one at most.
                with self.mirror.lock:
                    self.mirror.log(run, item.logdir, item.step, item.wall_time, item.values)
            except Exception as exc:
                warn_once("tb-watch-log", f"a TensorFlow event was not logged: {exc!r}")

    def _read(self) -> None:
        with self._state:
            for logdir in self._dirs.values():
                for name in sorted(_listing(logdir.path) - logdir.before):
                    self._tail(logdir, name)
            tails = [t for t in self._tails.values() if not t.failed]
        for tail in tails:
            try:
                self._read_file(tail)
            except Exception as exc:
                tail.failed = True
                warn_once(
                    f"tb-watch-{tail.path}",
                    f"the TensorFlow event file {tail.path} is no longer mirrored: {exc!r}",
                )

    def _read_file(self, tail: _Tail) -> None:
        from runyard.importers.tensorboard import event_values

        if tail.loader is None:
            from tensorboard.backend.event_processing.event_file_loader import (
                LegacyEventFileLoader,
            )

            tail.loader = LegacyEventFileLoader(tail.path)
        now = self.clock()
        read: list[_Pending] = []
        for event in tail.loader.Load():
            if not event.HasField("summary"):
                continue
            values = list(event_values(event, tail.logdir.plugins))
            step = int(event.step)
            if not values:
                continue
            tail.step = max(tail.step, step)
            self._seq += 1
            read.append(
                _Pending(step, float(event.wall_time), self._seq, tail.logdir.path, values, now)
            )
        if read:
            with self._state:
                self._pending.extend(read)

    def _due(self, final: bool) -> list[_Pending]:
        """The pending events to log now, in order: every one when ``final``; else those
        at or below the step every file has reached, and those held long enough."""
        if not self._pending:
            return []
        if final:
            everything, self._pending = sorted(self._pending), []
            return everything
        reached = [t.step for t in self._tails.values() if not t.failed]
        frontier = min(reached) if reached else -1
        limit = self.clock() - self.hold
        due: list[_Pending] = []
        kept: list[_Pending] = []
        for item in self._pending:
            (due if item.step <= frontier or item.read_at <= limit else kept).append(item)
        self._pending = kept
        return sorted(due)


# -- the TensorFlow op -------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A string argument of the op: a str, bytes or an eager string tensor (None for a
    graph tensor, whose value is not known yet)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    numpy = getattr(value, "numpy", None)
    if numpy is None:
        return None
    try:
        found = numpy()
    except Exception:
        return None
    return found.decode("utf-8", "replace") if isinstance(found, bytes) else str(found)


def wrap_create_op(original: Callable[..., Any], watcher: Watcher) -> Callable[..., Any]:
    """``create_summary_file_writer`` that also tells ``watcher`` where it writes."""

    @functools.wraps(original)
    def create_summary_file_writer(*args: Any, **kwargs: Any) -> Any:
        logdir: str | None = None
        before: set[str] = set()
        try:
            logdir = _text(kwargs["logdir"] if "logdir" in kwargs else args[1])
            if logdir is not None and "://" not in logdir:
                before = _listing(os.path.abspath(logdir))
        except Exception:
            logdir = None
        result = original(*args, **kwargs)
        try:
            if logdir is None:
                warn_once("tb-watch-graph", "a TensorFlow writer made in a graph is not mirrored")
            elif "://" in logdir:
                warn_once(
                    f"tb-watch-{logdir}", f"TensorFlow events in {logdir} are not mirrored (remote)"
                )
            else:
                handle = kwargs.get("writer", args[0] if args else None)
                watcher.register(logdir, before, handle if hasattr(handle, "numpy") else None)
                import runyard

                run = getattr(runyard, "run", None)  # (typed None until init)
                if run is not None:
                    watcher.attach(run)
        except Exception as exc:
            warn_once("tb-watch-register", f"a TensorFlow writer is not mirrored: {exc!r}")
        return result

    return create_summary_file_writer


def wrap_close_op(original: Callable[..., Any], watcher: Watcher) -> Callable[..., Any]:
    """``close_summary_writer`` that also tells ``watcher`` the writer is closed (so
    ``finish`` does not flush a writer TF no longer has)."""

    @functools.wraps(original)
    def close_summary_writer(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        with contextlib.suppress(Exception):
            watcher.closed(kwargs["writer"] if "writer" in kwargs else args[0])
        return result

    return close_summary_writer
