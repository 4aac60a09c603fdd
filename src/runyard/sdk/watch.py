"""``watch`` / ``unwatch``: gradient and parameter histograms of torch models, as wandb.

wandb's ``TorchHistory`` behaviour, kept key for key so dashboards and framework code
agree: a forward hook on each watched module logs ``parameters/<prefix><name>`` and a
hook on each parameter logs ``gradients/<prefix><name>``, each on its ``log_freq``-th
call (then every ``log_freq`` calls), as a 64-bin ``Histogram`` over the tensor's
finite min..max, with ``commit=False`` so they join the step the training loop
commits next. The first model watched in a run has no prefix; the model watched with
index ``i > 0`` gets ``graph_<i>`` glued to the name (wandb's ``gradients/graph_10.bias``
for layer ``0.bias``).

The hooks survive pickling (Lightning's ``ddp_spawn`` sends the watched model to its
workers): there they log into the run the worker attached to (``runyard._attach``).

torch is imported only when ``watch`` is called. A hook never raises into training:
once its run has finished the hook does nothing, and a failure is warned once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from runyard.printer import warn_once

if TYPE_CHECKING:
    from runyard.sdk.run import Run

__all__ = ["NUM_BINS", "unwatch", "watch"]

NUM_BINS = 64
_LOG_CHOICES = ("gradients", "parameters", "all", None)

_lock = threading.Lock()
_handles: dict[int, list[Any]] = {}  # id(model) -> its hook handles


def _tensor_histogram(tensor: Any) -> Any:
    """wandb's ``log_tensor_stats``: a 64-bin histogram of the finite values."""
    import torch

    from runyard.data_types.histogram import Histogram

    flat = tensor.detach().reshape(-1)
    if flat.is_sparse:
        flat = flat.coalesce().values()
    flat = flat.float().cpu()
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0:
        return None
    tmin, tmax = flat.min().item(), flat.max().item()
    if tmin == tmax:  # torch.histc widens an empty range by 1 on each side
        tmin, tmax = tmin - 1.0, tmax + 1.0
    counts = torch.histc(flat, bins=NUM_BINS, min=tmin, max=tmax)
    edges = torch.linspace(tmin, tmax, NUM_BINS + 1)
    return Histogram(np_histogram=([int(c) for c in counts.tolist()], edges.tolist()))


class _Every:
    """True on the ``freq``-th call, then every ``freq`` calls (wandb's log_track)."""

    def __init__(self, freq: int) -> None:
        self.freq = freq
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        if self.calls < self.freq:
            return False
        self.calls = 0
        return True


def _log(run: Run, key: str, tensor: Any) -> None:
    if run._finished:
        return
    try:
        histogram = _tensor_histogram(tensor)
        if histogram is not None:
            run.log({key: histogram}, commit=False)
    except Exception as exc:  # never break the training loop
        warn_once(f"watch:{key}", f"watch could not log {key}: {exc!r}")


def watch(
    run: Run,
    models: Any,
    criterion: Any = None,
    log: str | None = "gradients",
    log_freq: int = 1000,
    idx: int | None = None,
    log_graph: bool = False,
) -> None:
    """Hook ``models`` (a torch module or a sequence of them) into ``run``'s history.

    Raises:
        ValueError: ``log`` not one of ``"gradients"``, ``"parameters"``, ``"all"``,
            None; a ``log_freq`` below 1; a model that is not a ``torch.nn.Module``.
    """
    if log not in _LOG_CHOICES:
        raise ValueError(
            f"invalid value for log {log!r}: expected 'gradients', 'parameters', 'all' or None"
        )
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
        raise ValueError(f"invalid value for log_freq {log_freq!r}: expected an int >= 1")
    import torch

    listed = list(models) if isinstance(models, Sequence) else [models]
    for model in listed:
        if not isinstance(model, torch.nn.Module):
            raise ValueError(
                f"watch expects torch.nn.Module models, got {type(model).__name__}: {model!r}"
            )
    if log_graph:
        warn_once("watch:log_graph", "watch(log_graph=True): model graphs are not stored yet")
    with _lock:
        # wandb's _global_watch_idx, counted per run: one per model watched in it
        watched: int = run.__dict__.get("_watch_index", 0)
        if idx is None:
            idx = watched
        run.__dict__["_watch_index"] = watched + len(listed)
    for offset, model in enumerate(listed):
        index = idx + offset
        prefix = f"graph_{index}" if index > 0 else ""
        hook = _ModelHook(run, prefix, log, log_freq)
        handles = _handles.setdefault(id(model), [])
        # Registered for every ``log``: it carries the watch into processes the model is
        # pickled to (see _ModelHook), where it logs parameters and re-adds gradient hooks.
        handles.append(model.register_forward_hook(hook))
        if log in ("gradients", "all"):
            handles.extend(_add_gradient_hooks(run, model, prefix, log_freq))


def _add_gradient_hooks(run: Run, model: Any, prefix: str, log_freq: int) -> list[Any]:
    return [
        parameter.register_hook(_gradient_hook(run, f"gradients/{prefix}{name}", log_freq))
        for name, parameter in model.named_parameters()
        if parameter.requires_grad
    ]


class _ModelHook:
    """The forward hook of a watched model: its parameters every ``log_freq`` calls.

    Picklable, unlike wandb's lambdas (wandb#5573): Lightning's ``ddp_spawn`` pickles
    the watched model into its workers. There the hook has no run until the process
    has one (``runyard._attach`` on rank 0; other ranks never do, and log nothing, as
    wandb); on its first call with one it re-adds the gradient hooks, which torch does
    not pickle with parameters.
    """

    def __init__(self, run: Run | None, prefix: str, log: str | None, log_freq: int) -> None:
        self.run = run
        self.prefix = prefix
        self.log = log
        self.log_freq = log_freq
        self.every = _Every(log_freq)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "run": None}

    def __call__(self, module: Any, inputs: Any, outputs: Any) -> None:
        run = self.run
        if run is None:
            run = self._arm(module)
            if run is None:
                return
        if self.log in ("parameters", "all") and self.every():
            for name, parameter in module.named_parameters():
                _log(run, f"parameters/{self.prefix}{name}", parameter.data)

    def _arm(self, module: Any) -> Run | None:
        from runyard.sdk.init import current_run
        from runyard.sdk.run import Run

        run = current_run()
        if not isinstance(run, Run):  # no run (yet) in this process, or a disabled one
            return None
        self.run = run
        if self.log in ("gradients", "all"):
            hooks = _add_gradient_hooks(run, module, self.prefix, self.log_freq)
            with _lock:
                _handles.setdefault(id(module), []).extend(hooks)
        return run


def _gradient_hook(run: Run, key: str, log_freq: int) -> Any:
    every = _Every(log_freq)

    def hook(grad: Any) -> None:
        if every():
            _log(run, key, grad)

    # torch's unserializable_hook mark: left behind when pickled, _ModelHook adds it again
    hook.__torch_unserializable__ = True  # type: ignore[attr-defined]
    return hook


def unwatch(models: Any = None) -> None:
    """Remove the hooks of ``models`` (a module or sequence), or of every watched model."""
    with _lock:
        if models is None:
            keys = list(_handles)
        else:
            listed = list(models) if isinstance(models, Sequence) else [models]
            keys = [id(model) for model in listed]
        removed = [_handles.pop(key, []) for key in keys]
    for handles in removed:
        for handle in handles:
            handle.remove()
