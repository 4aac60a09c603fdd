"""``torch_trace_handler`` (wandb's ``wandb.profiler.torch_trace_handler``): torch profiler
traces written under the run's dir and stored with the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.compat.wandb import profiler as wandb_profiler
from runyard.integration.torch import torch_trace_handler

torch = pytest.importorskip("torch")


def _profile(handler_factory: Callable[[], Callable[[Any], None]]) -> None:
    schedule = torch.profiler.schedule(wait=0, warmup=1, active=1, repeat=1)
    with torch.profiler.profile(schedule=schedule, on_trace_ready=handler_factory()) as prof:
        for _ in range(3):
            torch.ones(4, 4).matmul(torch.ones(4, 4))
            prof.step()


def test_traces_are_written_under_run_dir_and_stored(ry_dir: Path) -> None:
    with pytest.raises(runyard.UsageError, match=r"before wandb\.profiler\.torch_trace_handler"):
        torch_trace_handler()
    run = runyard.init(project="prof")
    _profile(torch_trace_handler)
    _profile(torch_trace_handler)  # a second handler: the directory exists already
    traces = sorted((Path(run.dir) / "pytorch_traces").glob("*.pt.trace.json.gz"))
    assert len(traces) == 2
    run.finish()
    names = [f.name for f in runyard.Api().run(f"prof/{run.id}").files()]
    assert {f"pytorch_traces/{t.name}" for t in traces} <= set(names)


def test_the_shims_handler_is_this_one() -> None:
    assert wandb_profiler.torch_trace_handler is torch_trace_handler
