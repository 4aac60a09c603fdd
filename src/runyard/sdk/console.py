"""Console capture: what the script writes to stdout and stderr, journalled as it is written.

Modes (wandb's ``settings.console``):

* ``"wrap"`` (also ``"wrap_raw"``, ``"wrap_emu"``): ``sys.stdout.write`` and
  ``sys.stderr.write`` are patched on the stream objects (as wandb does); each chunk is
  journalled before the write returns, then written as before.
* ``"redirect"``: file-descriptor level, so output of C extensions and subprocesses is
  captured too. A pipe (a pseudo-terminal when the original is a terminal, so that
  programs asking ``isatty`` answer as before) is put on fd 1 and 2 with ``dup2``; a
  reader thread journals what arrives and then writes it to the original terminal or
  file. Python's own ``sys.stdout``/``sys.stderr`` are replaced by streams writing
  straight to that original, journalling each write before it returns (so a print is
  recorded even while Python buffers it, and ``sys.stdout.isatty()``, ``fileno()`` and
  the terminal size stay those of the real terminal: tqdm draws as before). Whatever
  still writes to fd 1/2 directly (``os.write``, C code, subprocesses, streams opened
  before) goes through the pipe, journalled as soon as the reader reads it. A
  Python-level write first takes in whatever already reached the pipes, so a
  subprocess's output and the print after it are recorded in that order.
* ``"auto"``: redirect when ``sys.stdout``/``sys.stderr`` are the process's fd 1 and 2
  (a script in a terminal, a batch job), else wrap (pytest's capture, notebooks).
* ``"off"``: nothing.

A chunk is journalled before anyone sees it on the terminal, so whatever appeared there
before a ``kill -9`` is in the journal. Everything is restored by :meth:`ConsoleCapture.stop`
(streams, descriptors, faulthandler's file); a stream the script replaced meanwhile is
left alone, and a patched ``write`` that cannot be removed (something wrapped it again)
only passes through.

Known limits: after ``stop`` a subprocess still holding the pipe gets ``EPIPE``;
writes to ``sys.stdout.buffer`` are captured in redirect mode only; a forked child's
Python-level output is sent through the pipe (the parent records it); output beyond
``max_bytes`` per run session is not recorded (one marker line says so).
"""

from __future__ import annotations

import codecs
import contextlib
import faulthandler
import io
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from runyard.journal.records import Rec

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ConsoleCapture",
    "can_redirect",
    "on_captured_pipes",
    "resolve_mode",
]

#: Characters of console output recorded per run session (then one marker line).
DEFAULT_MAX_BYTES = 256 << 20
_READ = 1 << 16
_STREAMS = (("stdout", 1), ("stderr", 2))
_CATCH_UP_READS = 16
_STOP_READS = 256

#: Captures whose redirect is active in this process: a forked child points its
#: Python streams back at the pipes (see _after_fork_in_child).
_redirects: list[ConsoleCapture] = []


def can_redirect() -> bool:
    """True when ``sys.stdout`` and ``sys.stderr`` write to file descriptors 1 and 2."""
    if sys.platform == "win32":
        return False
    for name, fd in _STREAMS:
        stream = getattr(sys, name, None)
        try:
            if stream is None or stream.fileno() != fd:
                return False
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation
            return False
    return True


def _identity(fd: int) -> list[int] | None:
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return [info.st_dev, info.st_ino]


def on_captured_pipes(pipes: dict[str, list[int]]) -> bool:
    """True when this process's fd 1 and 2 are the pipes of another process's capture
    (:meth:`ConsoleCapture.pipes`): that process records what is written here."""
    return bool(pipes) and all(_identity(fd) == pipes.get(name) for name, fd in _STREAMS)


def resolve_mode(mode: str) -> str:
    """``"wrap"``, ``"redirect"`` or ``"off"`` for a ``settings.console`` value."""
    if mode in ("wrap", "wrap_raw", "wrap_emu"):
        return "wrap"
    if mode == "off":
        return "off"
    if mode in ("auto", "redirect"):
        return "redirect" if can_redirect() else "wrap"
    raise ValueError(
        f"invalid value for console {mode!r}; input should be one of 'auto', 'off', "
        "'wrap', 'redirect', 'wrap_raw', 'wrap_emu'"
    )


class _JournalBuffer(io.BufferedWriter):
    """The binary buffer of a replacement ``sys.stdout``: every write is recorded, then
    buffered for the original file as before (or written at once, ``unbuffered``, as
    the original's were under ``python -u`` or ``PYTHONUNBUFFERED``)."""

    def __init__(
        self, raw: io.RawIOBase, record: Callable[[bytes], None], unbuffered: bool = False
    ) -> None:
        super().__init__(raw)
        self._record = record
        self._unbuffered = unbuffered

    def write(self, data: Any) -> int:
        self._record(bytes(data))
        n = super().write(data)
        if self._unbuffered:
            self.flush()
        return n


class _Patched:
    """One patched ``write`` (wrap mode) and how to undo it."""

    def __init__(self, stream: Any, original: Callable[[str], int], own: bool) -> None:
        self.stream = stream
        self.original = original
        self.own = own  # the stream had its own `write` attribute before
        self.write: Callable[[str], int] | None = None


class ConsoleCapture:
    """Records a run's console output through ``append`` (see the module doc).

    Args:
        append: journals a record (``(Rec.CONSOLE, stream, ts, text)``); called from
            the writing thread (wrap, and Python streams in redirect mode) or the
            reader thread, so it must be thread-safe and must not print.
        mode: ``settings.console``.
        max_bytes: characters recorded before the capture stops recording.
        clock: the timestamp of each chunk.
    """

    def __init__(
        self,
        append: Callable[[tuple[Any, ...]], object],
        mode: str = "auto",
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._append = append
        self._requested = mode
        self._max = max_bytes
        self._clock = clock
        self.mode = "off"
        self._active = False
        self._size = 0
        self._capped = False
        self._local = threading.local()
        self._pid = os.getpid()
        self._patched: list[_Patched] = []
        # redirect mode
        self._saved: dict[str, int] = {}  # stream -> dup of the original fd
        self._readers: dict[int, str] = {}  # read end of the pipe -> stream
        self._originals: dict[str, TextIO] = {}
        self._replacements: dict[str, TextIO] = {}
        self._stop_r = self._stop_w = -1
        self._thread: threading.Thread | None = None
        self._faulthandler = False
        self._pipes: dict[str, list[int]] = {}
        self._open: dict[int, str] = {}  # read end of a pipe not yet closed -> stream
        self._decoders: dict[int, codecs.IncrementalDecoder] = {}
        self._shown: dict[int, int] = {}  # read end -> where its bytes are shown
        # Held while what came through the pipes is recorded and shown, so that a
        # Python-level write first takes in what reached the pipes before it (a
        # subprocess's output, then a print: recorded in that order).
        self._order = threading.RLock()

    # -- recording ------------------------------------------------------------------
    def _record(self, stream: str, text: str) -> None:
        if not text or not self._active:
            return
        local = self._local
        if getattr(local, "busy", False):
            return  # a write from inside append (a signal handler, a warning): not again
        local.busy = True
        try:
            self._size += len(text)
            if self._size > self._max:
                if not self._capped:
                    self._capped = True
                    self._append(
                        (
                            Rec.CONSOLE,
                            "stderr",
                            self._clock(),
                            f"\n[runyard: console output beyond {self._max:,} characters "
                            "is not recorded]\n",
                        )
                    )
                return
            self._append((Rec.CONSOLE, stream, self._clock(), text))
        except Exception:  # recording must never break the script's output
            pass
        finally:
            local.busy = False

    def pipes(self) -> dict[str, list[int]]:
        """``{stream: [st_dev, st_ino]}`` of the pipes on fd 1 and 2 while redirecting
        (a child process writing into them is recorded here; see ``on_captured_pipes``)."""
        return dict(self._pipes) if self.mode == "redirect" else {}

    # -- start and stop -------------------------------------------------------------
    def start(self) -> str:
        """Start capturing; returns the mode in effect (``"off"`` if none could start)."""
        mode = resolve_mode(self._requested)
        if mode == "off":
            return "off"
        self._active = True
        if mode == "redirect":
            try:
                self._redirect()
                self.mode = "redirect"
                return self.mode
            except OSError:
                self._undo_redirect()
        self._wrap()
        self.mode = "wrap"
        return self.mode

    def stop(self) -> None:
        """Record what is still buffered, restore the streams and stop; idempotent."""
        if self.mode == "off" or os.getpid() != self._pid:
            return
        if self.mode == "redirect":
            self._undo_redirect()
        self._unwrap()
        self._active = False
        self.mode = "off"

    # -- wrap -----------------------------------------------------------------------
    def _wrap(self) -> None:
        for name, _fd in _STREAMS:
            stream = getattr(sys, name, None)
            if stream is None:
                continue
            try:
                original = stream.write
            except AttributeError:
                continue
            own = "write" in getattr(stream, "__dict__", {})
            patch = _Patched(stream, original, own)
            patch.write = self._writer(name, original)
            try:
                stream.write = patch.write
            except (AttributeError, TypeError):
                continue  # a stream without attributes of its own: left as it is
            self._patched.append(patch)

    def _writer(self, name: str, original: Callable[[str], int]) -> Callable[[str], int]:
        record = self._record

        def write(text: str) -> int:
            if type(text) is str:
                record(name, text)
            return original(text)

        return write

    def _unwrap(self) -> None:
        for patch in self._patched:
            stream = patch.stream
            if getattr(stream, "__dict__", {}).get("write") is not patch.write:
                continue  # wrapped again by someone: ours stays, passing through
            with contextlib.suppress(AttributeError, TypeError):
                if patch.own:
                    stream.write = patch.original
                else:
                    del stream.write
        self._patched = []

    # -- redirect ---------------------------------------------------------------------
    def _redirect(self) -> None:
        for name, fd in _STREAMS:
            stream = getattr(sys, name)
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
            saved = os.dup(fd)
            self._saved[name] = saved
            read, write = _open_pipe(saved)
            os.set_blocking(read, False)  # read by the reader thread and by _catch_up
            self._readers[read] = name
            self._pipes[name] = _identity(write) or []
            os.dup2(write, fd)
            os.close(write)
            self._originals[name] = stream
        self._open = dict(self._readers)
        self._decoders = {
            fd: codecs.getincrementaldecoder(self._originals[name].encoding or "utf-8")(
                errors="replace"
            )
            for fd, name in self._readers.items()
        }
        self._shown = {fd: self._saved[name] for fd, name in self._readers.items()}
        self._stop_r, self._stop_w = os.pipe()
        for name, _fd in _STREAMS:
            replacement = self._replacement(name, self._originals[name], self._saved[name])
            self._replacements[name] = replacement
            setattr(sys, name, replacement)
        if faulthandler.is_enabled():
            # A crash's traceback goes straight to the terminal: a reader thread dies with
            # the process and would lose it.
            faulthandler.enable(file=self._replacements["stderr"])
            self._faulthandler = True
        self._thread = threading.Thread(
            target=self._read_loop,
            args=(list(self._readers), self._stop_r, self._owned_fds()),
            name="runyard-console",
            daemon=True,
        )
        from runyard.sdk.signals import start_leaving_signals

        start_leaving_signals(self._thread)
        _redirects.append(self)

    def _replacement(self, name: str, original: TextIO, saved: int) -> TextIO:
        decoder = codecs.getincrementaldecoder(original.encoding or "utf-8")(errors="replace")
        record = self._record

        order, catch_up, pid = self._order, self._catch_up, self._pid

        def record_bytes(data: bytes) -> None:
            if os.getpid() != pid:  # a forked child: the parent reads the pipes
                record(name, decoder.decode(data))
                return
            with order:
                catch_up()
                record(name, decoder.decode(data))

        raw = io.FileIO(os.dup(saved), "w", closefd=True)
        stream = io.TextIOWrapper(
            # A batch job's PYTHONUNBUFFERED=1 shows each print at once: so must this.
            _JournalBuffer(raw, record_bytes, _unbuffered(original)),
            encoding=original.encoding,
            errors=original.errors,
            newline="\n",
            line_buffering=bool(original.line_buffering),
            write_through=True,  # each write reaches the buffer, so it is recorded now
        )
        with contextlib.suppress(AttributeError):
            stream.mode = "w"  # type: ignore[misc]
        return stream

    def _undo_redirect(self) -> None:
        if self in _redirects:
            _redirects.remove(self)
        for name, replacement in self._replacements.items():
            with contextlib.suppress(OSError, ValueError):
                replacement.flush()
            if getattr(sys, name) is replacement:
                setattr(sys, name, self._originals[name])
        if self._faulthandler:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                faulthandler.enable(file=sys.__stderr__ or sys.stderr)
            self._faulthandler = False
        for original in self._originals.values():
            with contextlib.suppress(OSError, ValueError):
                original.flush()  # into the pipe: still recorded
        for name, fd in _STREAMS:
            saved = self._saved.get(name)
            if saved is not None:
                with contextlib.suppress(OSError):
                    os.dup2(saved, fd)
        # What reached the pipes is recorded and shown here, not waited for from the
        # reader thread (which then closes the descriptors and ends on its own).
        fds = self._owned_fds()
        with self._order:
            for fd in list(self._open):
                for _ in range(_STOP_READS):  # a subprocess writing on and on
                    if not self._take(fd):
                        break
            self._open = {}
            reader, self._thread = self._thread, None
            if reader is None or reader.ident is None:  # never started
                _close_all(fds)
            elif reader.is_alive():
                with contextlib.suppress(OSError):
                    os.write(self._stop_w, b"x")
            # (else it ended, closing them)
        self._readers = {}
        self._saved = {}
        self._pipes = {}
        self._stop_r = self._stop_w = -1
        # The replacements stay usable (a tqdm bar may hold one): they write to their
        # own copy of the original descriptor, closed when they are collected.
        self._replacements = {}
        self._originals = {}

    def _owned_fds(self) -> list[int]:
        return [*self._readers, self._stop_r, self._stop_w, *self._saved.values()]

    def _read_loop(self, readers: list[int], stop_r: int, owned: list[int]) -> None:
        """Record and show what arrives through the pipes ``readers`` until a byte
        comes on ``stop_r``; then close ``owned`` (stop() took the rest first)."""
        try:
            poller = select.poll()
            for fd in readers:
                poller.register(fd, select.POLLIN)
            poller.register(stop_r, select.POLLIN)
            while True:
                try:
                    events = poller.poll()
                except InterruptedError:
                    continue
                for fd, _event in events:
                    if fd == stop_r:
                        return
                    with self._order:
                        if self._take(fd) is None:
                            poller.unregister(fd)
        finally:
            _close_all(owned)

    def _take(self, fd: int) -> int | None:
        """Record and show what the pipe ``fd`` holds now (call with ``_order`` held):
        the bytes read, or None once it is closed."""
        name = self._open.get(fd)
        if name is None:
            return None
        try:
            data = os.read(fd, _READ)
        except BlockingIOError:  # taken by _catch_up meanwhile
            return 0
        except OSError:  # EIO: a pseudo-terminal whose other end is closed
            data = b""
        if not data:
            del self._open[fd]
            return None
        self._record(name, self._decoders[fd].decode(data))
        _write_all(self._shown, fd, data)
        return len(data)

    def _catch_up(self) -> None:
        """Record and show what reached the pipes before a Python-level write (in the
        process that reads them; a forked child writes into them and never reads)."""
        if self._thread is None:
            return
        for fd in list(self._open):
            for _ in range(_CATCH_UP_READS):  # a subprocess writing on and on
                if not self._take(fd):
                    break


def _unbuffered(stream: TextIO) -> bool:
    """Whether ``stream`` writes through to its file at once (``python -u``)."""
    return isinstance(getattr(stream, "buffer", None), io.RawIOBase)


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def _write_all(saved: dict[int, int], fd: int, data: bytes) -> None:
    """Show ``data`` on the original terminal or file (never raising)."""
    target = saved.get(fd)
    if target is None:
        return
    view = memoryview(data)
    while view:
        try:
            n = os.write(target, view)
        except BlockingIOError:
            select.select([], [target], [], 1.0)
            continue
        except InterruptedError:
            continue
        except OSError:  # the terminal went away (a closed pipe): keep recording
            del saved[fd]
            return
        view = view[n:]


def _open_pipe(original: int) -> tuple[int, int]:
    """A (read, write) pair to put on a standard descriptor: a pseudo-terminal in raw
    mode of the original's size when the original is a terminal, else a pipe."""
    if os.isatty(original):
        try:
            import fcntl
            import termios
            import tty

            master, slave = os.openpty()
            try:
                tty.setraw(slave)  # no newline translation: the real terminal does it
                size = fcntl.ioctl(original, termios.TIOCGWINSZ, b"\0" * 8)
                fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
            except OSError:
                pass
            os.set_inheritable(master, False)
            return master, slave
        except (OSError, ImportError):
            pass
    return os.pipe()


def _after_fork_in_child() -> None:
    # A forked child has no reader thread: its Python streams write into the pipes,
    # which the parent reads (so a DataLoader worker's prints are recorded too).
    for capture in _redirects:
        for name, fd in _STREAMS:
            saved = capture._saved.get(name)
            if saved is not None:
                with contextlib.suppress(OSError):
                    os.dup2(fd, saved)
            replacement = capture._replacements.get(name)
            raw = getattr(getattr(replacement, "buffer", None), "raw", None)
            if raw is not None:
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(fd, raw.fileno())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
