"""The run the callbacks log to, and their warnings.

Callbacks take ``runyard.run`` when they are created (wandb's rule: creating one
before ``init()`` is an error) and keep logging to the current run afterwards.
Once training has started, nothing a callback does may stop it: failures become
one warning per kind, printed like Runyard's own (``runyard: WARNING …``).
"""

from __future__ import annotations

import sys
from typing import Any

import runyard

__all__ = ["current_run", "require_run", "warn_once"]

_warned: set[str] = set()


def require_run(message: str) -> Any:
    """The active run; ``runyard.Error(message)`` (wandb's text) when there is none."""
    run = runyard.run
    if run is None:
        raise runyard.Error(message)
    return run


def current_run(fallback: Any) -> Any:
    """The current run if there is one, else ``fallback`` (the run at creation)."""
    run = runyard.run
    return run if run is not None else fallback


def warn_once(key: str, message: str) -> None:
    """Print ``message`` to stderr the first time ``key`` is seen in this process."""
    if key in _warned:
        return
    _warned.add(key)
    print(f"runyard: WARNING {message}", file=sys.stderr)
