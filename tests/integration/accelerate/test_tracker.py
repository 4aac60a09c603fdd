"""``RunyardTracker`` in-process with a real ``Accelerator``: what accelerate does with
a tracker instance (start, config, per-tracker log kwargs, get_tracker, end_training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from accelerate import Accelerator

import runyard
from runyard.integration.accelerate import RunyardTracker


def test_accelerator_drives_the_tracker(ry_dir: Path) -> None:
    tracker = RunyardTracker("acc", name="one", tags=["tiny"])
    assert tracker.tracker is None and runyard.run is None  # no run before init_trackers
    accelerator = Accelerator(log_with=tracker, cpu=True)
    accelerator.init_trackers("ignored", config={"lr": 0.1, "layers": 2})
    assert accelerator.get_tracker("runyard") is tracker
    run = accelerator.get_tracker("runyard", unwrap=True)
    assert run is runyard.run
    tracker.store_init_configuration({"lr": 0.2})  # a change is allowed, as in wandb
    accelerator.log({"loss": 1.0}, step=0)
    # kwargs reach run.log through accelerate's per-tracker table
    accelerator.log({"part": 1}, step=1, log_kwargs={"runyard": {"commit": False}})
    accelerator.log({"loss": 0.5}, step=1)
    tracker.log_images({"pics": [np.zeros((4, 4, 3), dtype=np.uint8)]}, step=2)
    accelerator.end_training()
    assert runyard.run is None

    stored = runyard.Api().run(f"acc/{run.id}")
    assert (stored.name, stored.state, stored.tags) == ("one", "finished", ["tiny"])
    assert stored.config == {"lr": 0.2, "layers": 2}
    rows = [
        {k: v for k, v in r.items() if not k.startswith("_") or k == "_step"}
        for r in stored.scan_history()
    ]
    assert rows[:2] == [{"_step": 0, "loss": 1.0}, {"_step": 1, "part": 1, "loss": 0.5}]
    assert rows[2]["pics"]["_type"] == "images/separated" and rows[2]["_step"] == 2
    assert list(runyard.Api().runs("ignored")) == []  # run_name is the project


def test_log_table_from_a_dataframe(ry_dir: Path) -> None:
    import pandas  # a dev dependency

    tracker = RunyardTracker("tables")
    accelerator = Accelerator(log_with=tracker, cpu=True)
    accelerator.init_trackers("tables")
    tracker.log_table("frame", dataframe=pandas.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    accelerator.end_training()
    (stored,) = runyard.Api().runs("tables")
    value = stored.summary["frame"]
    assert value["_type"] == "table-file" and (value["nrows"], value["ncols"]) == (2, 2)
