"""Signals are the training thread's: Runyard's background threads block them.

The kernel delivers a signal sent to the process (SIGTERM from a scheduler, SIGINT from
Ctrl-C) to any thread that does not block it. CPython runs the handler in the main
thread, but only wakes it from a blocking call (``time.sleep``, a queue's ``get``) when
the signal landed on that thread: delivered to a writer waiting on its event instead,
the handler (``SystemExit`` for SIGTERM, marking the run killed) waited until the main
thread's call returned, a minute later for a script sleeping in a loop.

So a run's threads are started by :func:`start_leaving_signals`: they block SIGINT and
SIGTERM from their first instruction, and the threads they start inherit that (the
sampler and the metadata collector, started by the run's launcher; the git commands
the collector runs, which are short and killed with SIGKILL past their timeout).
"""

from __future__ import annotations

import signal
import threading

__all__ = ["start_leaving_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def start_leaving_signals(thread: threading.Thread) -> None:
    """``thread.start()``, the thread blocking SIGINT and SIGTERM (a new thread
    inherits its creator's mask, which is blocked around the start only: a signal
    arriving meanwhile waits, and is then the caller's)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # (Windows: no masks, no such delivery either)
        thread.start()
        return
    before = mask(signal.SIG_BLOCK, _SIGNALS)
    try:
        thread.start()
    finally:
        mask(signal.SIG_SETMASK, before)
