"""PyTorch helpers with wandb's behaviour: the profiler's trace handler.

Example:
    >>> import runyard  # doctest: +SKIP
    >>> from runyard.integration.torch import torch_trace_handler  # doctest: +SKIP
    >>> runyard.init(project="prof")  # doctest: +SKIP
    >>> with torch.profiler.profile(on_trace_ready=torch_trace_handler()) as prof:  # doctest: +SKIP
    ...     train(prof)

Importing this package imports nothing from torch (``torch_trace_handler`` does, when
called). ``wandb.profiler`` of the ``wandb`` shim re-exports the same function.
"""

from __future__ import annotations

from runyard.integration.torch.profiler import torch_trace_handler

__all__ = ["torch_trace_handler"]
