"""`Monitor`: which epoch is the best one, by a monitored metric and a mode.

Pure logic, shared by :class:`~runyard.integration.keras.callback.WandbCallback`.
The rules are wandb's (and Keras' ``ModelCheckpoint``'s): ``min`` improves on
``<`` from ``+inf``, ``max`` on ``>`` from ``-inf``, ``auto`` is ``max`` when the
name contains ``acc`` or starts with ``fmeasure`` and ``min`` otherwise. One
deliberate difference from wandb: a value of exactly ``0`` can be the best
(wandb's ``if self.current and …`` skipped it).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Monitor", "resolve_mode"]

MODES = ("auto", "min", "max")


def resolve_mode(monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"`` for ``mode`` (``auto`` decided from the name)."""
    if mode == "auto":
        return "max" if "acc" in monitor or monitor.startswith("fmeasure") else "min"
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    return mode


class Monitor:
    """Tracks the best value of ``monitor``.

    Example:
        >>> m = Monitor("val_accuracy", "auto")
        >>> m.goal, m.update(0.5), m.update(0.4), m.update(0.0), m.best
        ('max', True, False, False, 0.5)
    """

    def __init__(self, monitor: str, mode: str, best: Any = None) -> None:
        self.monitor = monitor
        self.goal = resolve_mode(monitor, mode)
        self.best = math.inf if self.goal == "min" else -math.inf
        if _number(best) is not None:
            self.best = float(best)

    def is_better(self, value: Any) -> bool:
        number = _number(value)
        if number is None:
            return False
        return number < self.best if self.goal == "min" else number > self.best

    def update(self, value: Any) -> bool:
        """Record ``value``; True when it is a new best."""
        if not self.is_better(value):
            return False
        self.best = float(value)
        return True


def _number(value: Any) -> float | None:
    """``value`` as a finite-or-infinite float; None for None, NaN and non-numbers."""
    if value is None or isinstance(value, (bool, str)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
