"""``wandb.profiler.torch_trace_handler``: torch profiler traces under the run's dir."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import runyard
from runyard.errors import UsageError

__all__ = ["torch_trace_handler"]


def torch_trace_handler() -> Callable[[Any], None]:
    """A ``torch.profiler`` ``on_trace_ready`` handler writing TensorBoard traces into
    ``<run.dir>/pytorch_traces``; the run stores files of its dir at ``finish``."""
    run = runyard.run
    if run is None:
        raise UsageError("call wandb.init() before wandb.profiler.torch_trace_handler()")
    from torch.profiler import tensorboard_trace_handler

    handler: Callable[[Any], None] = tensorboard_trace_handler(
        os.path.join(run.dir, "pytorch_traces"), use_gzip=True
    )
    return handler
