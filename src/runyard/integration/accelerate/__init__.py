"""accelerate logging to Runyard: :class:`RunyardTracker`, a ``GeneralTracker``.

Example:
    >>> from accelerate import Accelerator  # doctest: +SKIP
    >>> from runyard.integration.accelerate import RunyardTracker  # doctest: +SKIP
    >>> accelerator = Accelerator(log_with=RunyardTracker("my-project"))  # doctest: +SKIP
    >>> accelerator.init_trackers("my-project", config={"lr": 1e-3})  # doctest: +SKIP
    >>> accelerator.log({"loss": 0.5}, step=1)  # doctest: +SKIP

Importing this package imports nothing from accelerate: the tracker subclasses
``accelerate.tracking.GeneralTracker``, so its module imports ``accelerate`` when the
name is first looked up here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runyard.integration.lazy import lazy_names

if TYPE_CHECKING:
    from runyard.integration.accelerate.tracker import RunyardTracker

__all__ = ["RunyardTracker"]

__getattr__, __dir__ = lazy_names(
    __name__,
    {"RunyardTracker": "runyard.integration.accelerate.tracker"},
)
