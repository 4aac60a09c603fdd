"""Runyard: a self-hosted experiment tracker with a wandb-compatible API.

``import runyard as wandb`` works for real scripts::

    import runyard as wandb

    run = wandb.init(project="demo", config={"lr": 0.01})
    run.log({"loss": 0.5})
    run.finish()

Only the SDK is imported eagerly; the public API, data types and the rest load on
first use (module ``__getattr__``), so ``import runyard`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from runyard.errors import CommError, ConfigError, Error, RunNotFoundError, UsageError
from runyard.sdk.init import init

__version__ = "0.1.0.dev0"

__all__ = [
    "Api",
    "Artifact",
    "CommError",
    "ConfigError",
    "Error",
    "Histogram",
    "Html",
    "Image",
    "Plotly",
    "RunNotFoundError",
    "Settings",
    "Table",
    "UsageError",
    "__version__",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "login",
    "plot",
    "plot_table",
    "run",
    "save",
    "summary",
]

# Lazily imported public names: attribute -> "module:attribute", or "module" for a
# subpackage (``runyard.plot``).
_LAZY = {
    "Api": "runyard.public_api.api:Api",
    "Artifact": "runyard.artifacts.artifact:Artifact",
    "Histogram": "runyard.data_types.histogram:Histogram",
    "Html": "runyard.data_types.html:Html",
    "Image": "runyard.data_types.image:Image",
    "Plotly": "runyard.data_types.plotly:Plotly",
    "Settings": "runyard.settings:Settings",
    "Table": "runyard.data_types.table:Table",
    "login": "runyard.sdk.login:login",
    "plot": "runyard.plot",
    "plot_table": "runyard.plot.custom_chart:plot_table",
}


def _require_run(call: str) -> Any:
    from runyard.sdk.init import current_run

    run = current_run()
    if run is None:
        raise Error(f"You must call wandb.init() before wandb.{call}()")
    return run


def log(data: Any, step: int | None = None, commit: bool | None = None) -> None:
    """``run.log`` on the current run (see :meth:`runyard.sdk.run.Run.log`)."""
    _require_run("log").log(data, step=step, commit=commit)


def save(glob_str: Any, base_path: Any = None, policy: str = "live") -> list[str]:
    """``run.save`` on the current run (see :meth:`runyard.sdk.run.Run.save`)."""
    names: list[str] = _require_run("save").save(glob_str, base_path=base_path, policy=policy)
    return names


def define_metric(name: str, *args: Any, **kwargs: Any) -> Any:
    """``run.define_metric`` on the current run."""
    return _require_run("define_metric").define_metric(name, *args, **kwargs)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run; a no-op when there is none (as wandb)."""
    from runyard.sdk.init import current_run

    run = current_run()
    if run is not None:
        run.finish(exit_code=exit_code, quiet=quiet)


def __getattr__(name: str) -> Any:
    if name in ("run", "config", "summary"):
        from runyard.sdk.init import current_run
        from runyard.sdk.preinit import PreInitObject

        run = current_run()
        if name == "run":
            return run
        if run is None:
            return PreInitObject(f"wandb.{name}")
        return getattr(run, name)
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'runyard' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = importlib.import_module(module)  # a bare module path names a subpackage
    if attr:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
