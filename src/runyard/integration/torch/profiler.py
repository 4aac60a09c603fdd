"""``torch_trace_handler``: wandb's ``wandb.profiler.torch_trace_handler``.

As wandb's, it is ``torch.profiler.tensorboard_trace_handler`` writing into
``<run.dir>/pytorch_traces``, whose files the run stores at ``finish`` (so TensorBoard's
PyTorch profiler plugin opens them from ``run.file(...)``). Unlike wandb's, the traces
are gzipped (``*.pt.trace.json.gz``, which the plugin reads too; a trace is tens of MB
uncompressed), and a second handler in the same run does not fail on the existing
directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import runyard

__all__ = ["torch_trace_handler"]


def torch_trace_handler() -> Callable[[Any], None]:
    """A ``torch.profiler`` ``on_trace_ready`` handler writing TensorBoard traces into
    ``<run.dir>/pytorch_traces``; the run stores files of its dir at ``finish``.

    Raises:
        runyard.UsageError: there is no run (``init()`` first, as wandb requires).
    """
    run = runyard.run
    if run is None:
        raise runyard.UsageError(
            "call wandb.init() (runyard.init()) before wandb.profiler.torch_trace_handler()"
        )
    from torch.profiler import tensorboard_trace_handler

    handler: Callable[[Any], None] = tensorboard_trace_handler(
        os.path.join(run.dir, "pytorch_traces"), use_gzip=True
    )
    return handler
