"""``wandb.profiler.torch_trace_handler``: torch profiler traces stored with the run."""

from __future__ import annotations

from pathlib import Path

import pytest

import runyard
from runyard.compat.wandb.profiler import torch_trace_handler

torch = pytest.importorskip("torch")


def test_traces_are_written_under_run_dir_and_stored(ry_dir: Path) -> None:
    with pytest.raises(runyard.UsageError, match=r"before wandb\.profiler"):
        torch_trace_handler()
    run = runyard.init(project="prof")
    schedule = torch.profiler.schedule(wait=0, warmup=1, active=1, repeat=1)
    with torch.profiler.profile(schedule=schedule, on_trace_ready=torch_trace_handler()) as prof:
        for _ in range(3):
            torch.ones(4, 4).matmul(torch.ones(4, 4))
            prof.step()
    traces = list((Path(run.dir) / "pytorch_traces").glob("*.pt.trace.json.gz"))
    assert len(traces) == 1
    run.finish()
    names = [f.name for f in runyard.Api().run(f"prof/{run.id}").files()]
    assert f"pytorch_traces/{traces[0].name}" in names
