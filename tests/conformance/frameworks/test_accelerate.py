"""accelerate's trackers logging to Runyard, both routes (issue 15).

- shim: ``Accelerator(log_with="wandb")`` unchanged, in a venv with ``runyard wandb-shim
  install`` (accelerate's ``WandBTracker`` needs the ``wandb`` distribution's metadata,
  which the shim has);
- native: ``Accelerator(log_with=RunyardTracker("acc"))``, no wandb anywhere.

A tiny torch regression trains through ``accelerator.prepare``, logs a nested dict per
step, a table and images through the tracker, and ``end_training`` finishes the run.
Read back through ``runyard.Api()``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import runyard
from tests.conformance.frameworks.conftest import Python

TRAIN = """
import sys
import numpy as np
import torch
from accelerate import Accelerator

ROUTE = {route!r}
if ROUTE == "shim":
    accelerator = Accelerator(log_with="wandb", cpu=True)
    NAME = "wandb"
else:
    from runyard.integration.accelerate import RunyardTracker
    accelerator = Accelerator(log_with=RunyardTracker("acc", name="acc-run"), cpu=True)
    NAME = "runyard"
accelerator.init_trackers(
    "acc", config={{"lr": 0.05, "epochs": 3, "model": {{"width": 4}}}},
    init_kwargs={{"wandb": {{"name": "acc-run"}}}},
)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(32, 2)
y = x.sum(dim=1, keepdim=True)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
step = 0
for epoch in range(3):
    for xb, yb in loader:
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        accelerator.log({{"train_loss": loss.item(), "lr": {{"group0": 0.05}}}}, step=step)
        step += 1
tracker = accelerator.get_tracker(NAME)
assert type(accelerator.get_tracker(NAME, unwrap=True)).__name__ == "Run"
tracker.log_table(
    "predictions", columns=["x0", "x1", "pred"],
    data=[[float(a), float(b), float(p)] for (a, b), p in zip(x[:3], model(x[:3]).squeeze(1))],
    step=step,
)
black = np.zeros((6, 5, 3), dtype=np.uint8)
white = np.full((6, 5, 3), 255, dtype=np.uint8)
tracker.log_images({{"samples": [black, white]}}, step=step)
accelerator.end_training()
"""


@pytest.mark.parametrize("route", ["shim", "native"])
def test_accelerate_logs_config_history_table_and_images(
    route: str, request: pytest.FixtureRequest, workdir: Path
) -> None:
    python: Python = request.getfixturevalue(f"{route}_python")
    python.script(TRAIN.format(route=route), workdir)
    runs = list(runyard.Api().runs("acc"))
    assert [(r.name, r.state) for r in runs] == [("acc-run", "finished")]
    run = runs[0]
    assert run.config == {"lr": 0.05, "epochs": 3, "model": {"width": 4}}

    rows = list(run.scan_history())
    losses = [(r["_step"], r["lr.group0"]) for r in rows if "train_loss" in r]
    assert losses == [(step, 0.05) for step in range(12)]  # the steps accelerate passed
    media = rows[-1]
    assert media["_step"] == 12 and "train_loss" not in media

    table = media["predictions"]
    assert table["_type"] == "table-file" and (table["nrows"], table["ncols"]) == (3, 3)
    doc: dict[str, Any] = json.loads(run.file(table["path"]).read())
    assert doc["columns"] == ["x0", "x1", "pred"] and len(doc["data"]) == 3

    images = media["samples"]
    assert images["_type"] == "images/separated" and images["count"] == 2
    assert (images["width"], images["height"]) == (5, 6)
    from PIL import Image

    pixels = []
    for name in images["filenames"]:
        with Image.open(io.BytesIO(run.file(name).read())) as image:
            pixels.append(image.convert("RGB").getpixel((0, 0)))
    assert pixels == [(0, 0, 0), (255, 255, 255)]

    assert run.summary["train_loss"] == pytest.approx(
        [r["train_loss"] for r in rows if "train_loss" in r][-1]
    )
    assert run.summary["predictions"]["_type"] == "table-file"
