"""Runyard's own messages to the terminal: one place, silenced by ``RUNYARD_SILENT``."""

from __future__ import annotations

import sys
import threading

__all__ = ["set_silent", "termlog", "termwarn", "warn_once"]

_seen: set[str] = set()
_lock = threading.Lock()
_silent = False


def set_silent(silent: bool) -> None:
    global _silent
    _silent = silent


def termlog(message: str) -> None:
    if not _silent:
        print(f"runyard: {message}", file=sys.stderr)


def termwarn(message: str) -> None:
    """Warnings are shown even when silent: they mean something needs attention."""
    print(f"runyard: WARNING {message}", file=sys.stderr)


def warn_once(key: str, message: str) -> None:
    """Print ``message`` the first time ``key`` is seen in this process."""
    with _lock:
        if key in _seen:
            return
        _seen.add(key)
    termwarn(message.removeprefix("runyard: "))
