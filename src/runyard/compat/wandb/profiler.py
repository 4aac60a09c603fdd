"""``wandb.profiler``: Runyard's torch profiler trace handler (the same function)."""

from __future__ import annotations

from runyard.integration.torch.profiler import torch_trace_handler

__all__ = ["torch_trace_handler"]
