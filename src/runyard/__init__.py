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
    "Audio",
    "CommError",
    "ConfigError",
    "Error",
    "Histogram",
    "Html",
    "Image",
    "Molecule",
    "Object3D",
    "Plotly",
    "RunNotFoundError",
    "Settings",
    "Table",
    "UsageError",
    "Video",
    "__version__",
    "agent",
    "config",
    "define_metric",
    "finish",
    "init",
    "link_model",
    "log",
    "log_artifact",
    "log_model",
    "login",
    "mark_preempting",
    "plot",
    "plot_table",
    "require",
    "restore",
    "run",
    "save",
    "summary",
    "sweep",
    "tensorboard",
    "termerror",
    "termlog",
    "termwarn",
    "unwatch",
    "use_artifact",
    "use_model",
    "watch",
]

# Lazily imported public names: attribute -> "module:attribute", or "module" for a
# subpackage (``runyard.plot``).
_LAZY = {
    "Api": "runyard.public_api.api:Api",
    "Artifact": "runyard.artifacts.artifact:Artifact",
    "Audio": "runyard.data_types.audio:Audio",
    "Histogram": "runyard.data_types.histogram:Histogram",
    "Html": "runyard.data_types.html:Html",
    "Image": "runyard.data_types.image:Image",
    "Molecule": "runyard.data_types.molecule:Molecule",
    "Object3D": "runyard.data_types.object3d:Object3D",
    "Plotly": "runyard.data_types.plotly:Plotly",
    "Settings": "runyard.settings:Settings",
    "Table": "runyard.data_types.table:Table",
    "Video": "runyard.data_types.video:Video",
    "login": "runyard.sdk.login:login",
    "plot": "runyard.plot",
    "plot_table": "runyard.plot.custom_chart:plot_table",
    "tensorboard": "runyard.tensorboard",
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


def log_artifact(artifact_or_path: Any, *args: Any, **kwargs: Any) -> Any:
    """``run.log_artifact`` on the current run."""
    return _require_run("log_artifact").log_artifact(artifact_or_path, *args, **kwargs)


def use_artifact(artifact_or_name: Any, *args: Any, **kwargs: Any) -> Any:
    """``run.use_artifact`` on the current run."""
    return _require_run("use_artifact").use_artifact(artifact_or_name, *args, **kwargs)


def log_model(path: Any, *args: Any, **kwargs: Any) -> Any:
    """``run.log_model`` on the current run."""
    return _require_run("log_model").log_model(path, *args, **kwargs)


def use_model(name: str) -> Any:
    """``run.use_model`` on the current run."""
    return _require_run("use_model").use_model(name)


def link_model(path: Any, registered_model_name: str, *args: Any, **kwargs: Any) -> Any:
    """``run.link_model`` on the current run."""
    return _require_run("link_model").link_model(path, registered_model_name, *args, **kwargs)


def watch(
    models: Any,
    criterion: Any = None,
    log: str | None = "gradients",
    log_freq: int = 1000,
    idx: int | None = None,
    log_graph: bool = False,
) -> None:
    """``run.watch`` on the current run: gradient/parameter histograms of torch models."""
    _require_run("watch").watch(
        models, criterion, log=log, log_freq=log_freq, idx=idx, log_graph=log_graph
    )


def unwatch(models: Any = None) -> None:
    """Remove the hooks ``watch`` added (of ``models``, else of every watched model)."""
    from runyard.sdk.watch import unwatch as remove_hooks

    remove_hooks(models)


def require(requirement: str | list[str] | None = None, experiment: Any = None) -> None:
    """wandb's feature switches (``require("service")``): Runyard needs none; accepted."""


def mark_preempting() -> None:
    """``run.mark_preempting`` on the current run."""
    _require_run("mark_preempting").mark_preempting()


def restore(
    name: str, run_path: str | None = None, replace: bool = False, root: str | None = None
) -> Any:
    """Download the file ``name`` of a run into ``root`` and return it open for reading
    (wandb's ``restore``). ``run_path`` (``entity/project/run_id``) defaults to the
    current run, ``root`` to its ``run.dir`` (else the working directory). A file
    already at ``root/name`` is returned as it is unless ``replace``. None when the run
    has no such file, or the current run is disabled, as in wandb."""
    import os

    from runyard.public_api.api import Api
    from runyard.sdk.init import current_run

    run = current_run()
    if run is not None and run.disabled:
        return None
    if run_path is None:
        if run is None:
            raise ValueError("run_path required when calling wandb.restore before wandb.init()")
        run_path = run.path
        api = Api(store=run.settings.store_uri, blobs=run.settings.blobs)
    else:
        api = Api()
    if root is None:
        root = run.dir if run is not None else os.getcwd()
    if os.path.exists(os.path.join(root, name)) and not replace:
        return open(os.path.join(root, name))  # the caller closes it, as with wandb
    files = api.run(run_path).files([name])
    return files[0].download(root, replace=True) if files else None


def sweep(*args: Any, **kwargs: Any) -> str:
    """Not supported yet: raises :class:`UsageError` saying so."""
    raise UsageError("wandb.sweep: sweeps are not supported by Runyard yet (a later issue)")


def agent(*args: Any, **kwargs: Any) -> None:
    """Not supported yet: raises :class:`UsageError` saying so."""
    raise UsageError("wandb.agent: sweeps are not supported by Runyard yet (a later issue)")


_said: set[str] = set()


def _term(message: str, level: str, newline: bool, repeat: bool, prefix: bool) -> None:
    if not repeat:
        if message in _said:
            return
        _said.add(message)
    import sys

    from runyard.printer import termlog as log_line

    if prefix and not level:
        log_line(message)  # silenced by RUNYARD_SILENT, as wandb's termlog
        return
    head = ("runyard: " if prefix else "") + (f"{level} " if level else "")
    print(head + message, end="\n" if newline else "", file=sys.stderr)


def termlog(
    string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True
) -> None:
    """Print a line prefixed ``runyard:`` on stderr; ``repeat=False`` prints a message once."""
    _term(string, "", newline, repeat, prefix)


def termwarn(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """Print a ``WARNING`` line on stderr; ``repeat=False`` prints a message once."""
    _term(string, "WARNING", newline, repeat, prefix)


def termerror(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """Print an ``ERROR`` line on stderr; ``repeat=False`` prints a message once."""
    _term(string, "ERROR", newline, repeat, prefix)


def _attach(attach_id: str | None = None, run_id: str | None = None, *, run: Any = None) -> Any:
    """wandb's ``_attach``: log into a parent process's run (its ``run._attach_id``)."""
    from runyard.sdk.init import attach

    return attach(attach_id, run_id, run=run)


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
