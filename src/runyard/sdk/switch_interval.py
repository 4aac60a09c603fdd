"""The interpreter's switch interval, lowered while Runyard's background threads work.

Every call that releases the GIL (SQLite, ``pread``, zlib in the store's encode
threads, a subprocess's pipe) must take it back from a training thread that logs in a
tight loop, and that thread hands it over only after the switch interval: at CPython's
5 ms a batch of a few hundred such calls waits seconds, so a loop of under a second
left all of its rows (and the run's metadata and first system sample) to ``finish``.
While a writer, the metadata collector or the sampler works, the interval is 0.5 ms;
the training thread's ``log()`` is unchanged, it is only interrupted more often, and
only then.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

__all__ = ["WORKING_SWITCH_INTERVAL", "working"]

#: The interpreter's switch interval (seconds) while Runyard's threads work
#: (see :func:`working`); the default is 0.005.
WORKING_SWITCH_INTERVAL = 0.0005

_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved: float | None = None


@contextlib.contextmanager
def working() -> Iterator[None]:
    """Lower the switch interval for the ``with`` block (see the module doc); the last
    of several threads inside restores it, unless the script set another meanwhile."""
    global _switch_users, _switch_saved
    with _switch_lock:
        _switch_users += 1
        if _switch_users == 1:
            current = sys.getswitchinterval()
            if current > WORKING_SWITCH_INTERVAL:
                _switch_saved = current
                sys.setswitchinterval(WORKING_SWITCH_INTERVAL)
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0 and _switch_saved is not None:
                # Unless the script changed it meanwhile.
                if abs(sys.getswitchinterval() - WORKING_SWITCH_INTERVAL) < 1e-7:
                    sys.setswitchinterval(_switch_saved)
                _switch_saved = None


def _after_fork_in_child() -> None:
    """A child forked while a thread was working (a DataLoader worker) has none of
    those threads: it gets the script's interval back, and a fresh lock."""
    global _switch_lock, _switch_users, _switch_saved
    _switch_lock = threading.Lock()
    lowered = abs(sys.getswitchinterval() - WORKING_SWITCH_INTERVAL) < 1e-7
    if _switch_users and _switch_saved is not None and lowered:
        sys.setswitchinterval(_switch_saved)
    _switch_users = 0
    _switch_saved = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
