"""``import wandb`` is Runyard: installed by ``runyard wandb-shim install``.

Every name is Runyard's own object (``wandb.init is runyard.init``); ``wandb.run``,
``wandb.config`` and ``wandb.summary`` follow the current run. Submodules that
third-party code imports (``wandb.sdk.lib``, ``wandb.wandb_run`` …) are thin modules
re-exporting Runyard's classes, imported on first attribute access like wandb's own.
"""

from __future__ import annotations

import importlib
from typing import Any

import runyard
from runyard.compat.shim import wandb_version

__version__ = wandb_version()

_SUBMODULES = frozenset(
    {
        "apis",
        "data_types",
        "env",
        "errors",
        "integration",
        "plot",
        "profiler",
        "sdk",
        "util",
        "wandb_run",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    return getattr(runyard, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(runyard)) | _SUBMODULES)
