"""``watch`` / ``unwatch``: gradient and parameter histograms of torch models, as wandb.

wandb's ``TorchHistory`` behaviour, kept key for key so dashboards and framework code
agree: a forward hook on each watched module logs ``parameters/<prefix><name>`` and a
hook on each parameter logs ``gradients/<prefix><name>``, each on its ``log_freq``-th
call (then every ``log_freq`` calls), as a 64-bin ``Histogram`` over the tensor's
finite min..max, with ``commit=False`` so they join the step the training loop
commits next. The first model watched in a run has no prefix; the model watched with
index ``i > 0`` gets ``graph_<i>`` glued to the name (wandb's ``gradients/graph_10.bias``
for layer ``0.bias``).

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
        handles = _handles.setdefault(id(model), [])
        if log in ("parameters", "all"):
            handles.append(
                model.register_forward_hook(_parameters_hook(run, model, prefix, log_freq))
            )
        if log in ("gradients", "all"):
            for name, parameter in model.named_parameters():
                if parameter.requires_grad:
                    key = f"gradients/{prefix}{name}"
                    handles.append(parameter.register_hook(_gradient_hook(run, key, log_freq)))


def _parameters_hook(run: Run, model: Any, prefix: str, log_freq: int) -> Any:
    every = _Every(log_freq)

    def hook(module: Any, inputs: Any, outputs: Any) -> None:
        if not every():
            return
        for name, parameter in model.named_parameters():
            _log(run, f"parameters/{prefix}{name}", parameter.data)

    return hook


def _gradient_hook(run: Run, key: str, log_freq: int) -> Any:
    every = _Every(log_freq)

    def hook(grad: Any) -> None:
        if every():
            _log(run, key, grad)

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
