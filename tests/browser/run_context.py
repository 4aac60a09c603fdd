"""A store for the run page's tabs (issue 13): runs with console lines, system samples,
metadata and files, for tests/browser/test_logs.py, test_system_panels.py and
test_run_tabs.py.

The runs are made by the real SDK (`runyard.init`, `log`, `save`). Console lines,
system samples and metadata are written through the store's `write_batch` (the
`RunBatch` fields the writer fills from the SDK's captured console, sampler and
metadata), so the tests know exactly what the page must show; the SDK's own capture
and sampler are turned off in these runs so that they add nothing to it.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

from runyard.entities import RunRef
from runyard.store.base import RunBatch, TrackingStore
from runyard.store.registry import open_store
from tests.browser.conftest import ENTITY, run_code

PROJECT = "run-context"
#: Runs started during tests (live tails, the real sampler) go here, so that the
#: seeded project keeps exactly its four runs.
LIVE_PROJECT = "run-context-live"
#: Lines of the main run's console: enough that only a virtualised view copes.
LINES = 120_000
#: Every this many lines is an error on stderr (in red).
STDERR_EVERY = 1000
SAMPLES = 40  # 10 minutes of samples, 15 s apart
GPUS = 2
SHA = "0123456789abcdef0123456789abcdef01234567"
REMOTE = "https://someone:ghp_notashowntoken@github.com/runyard-tests/demo.git"
METADATA: dict[str, Any] = {
    "python": "CPython 3.12.1",
    "os": "Linux-6.1.0-x86_64-with-glibc2.36",
    "host": "gpu-box-7",
    "username": "ada",
    "program": "train.py",
    "codePath": "train.py",
    "args": ["--lr", "0.1", "--name", "my run"],
    "executable": "/usr/bin/python3",
    "startedAt": "2024-05-01T12:00:00.123456Z",
    "cpu_count": 8,
    "cpu_count_logical": 16,
    "gpu": "NVIDIA A100-SXM4-80GB",
    "gpu_count": GPUS,
    "cuda": "12.2",
    "git": {"remote": REMOTE, "commit": SHA, "branch": "main"},
    "email": "ada@example.org",
}
REQUIREMENTS = "numpy==2.1.0\nrunyard==0.1.0\n"
DIFF = "--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 0.01\n+lr = 0.1\n"
TRAIN_PY = "import runyard\nrunyard.init()\n"

# Runs by the SDK: "ctx-main" (images at three steps, a gallery, saved run files and
# code), "ctx-other" and two runs without a name (generated names).
SEED = """
import json, os, pathlib
import numpy as np
import runyard as wandb

quiet = {{"console": "off", "x_disable_stats": True, "disable_git": True}}
files = pathlib.Path({files!r})
ids = {{}}
rng = np.random.default_rng(0)
with wandb.init(project={project!r}, name="ctx-main", config={{"lr": 0.1}}, settings=quiet) as run:
    for step in range(3):
        run.log({{"loss": 1 / (step + 1),
                  "samples": wandb.Image((rng.random((8, 8, 3)) * 255).astype(np.uint8), caption=f"s{{step}}"),
                  **({{"gallery": [wandb.Image((rng.random((4, 4)) * 255).astype(np.uint8)) for _ in range(2)]}}
                     if step == 1 else {{}})}})
    run.save(str(files / "requirements.txt"), base_path=str(files), policy="now")
    run.save(str(files / "diff.patch"), base_path=str(files), policy="now")
    run.save(str(files / "code" / "train.py"), base_path=str(files), policy="now")
    run.save(str(files / "weights.bin"), base_path=str(files), policy="now")
    ids["main"] = run.id
with wandb.init(project={project!r}, name="ctx-other", settings=quiet) as run:
    run.log({{"loss": 0.7}})
    ids["other"] = run.id
for n in range(2):
    with wandb.init(project={project!r}, settings=quiet, reinit="create_new") as run:
        run.log({{"loss": 0.5 + n / 10}})
        ids[f"unnamed{{n}}"] = run.id
print(json.dumps(ids))
"""


def console_line(i: int) -> tuple[str, str]:
    """The main run's line ``i``: (stream, text)."""
    if i % STDERR_EVERY == 0:
        return "stderr", f"\x1b[31mERROR\x1b[0m warning at line {i}"
    return "stdout", f"epoch {i // 100} step {i} \x1b[1;32mloss\x1b[0m={math.exp(-i / 1e4):.4f}"


def system_values(run: int, sample: int, gpus: int) -> dict[str, float]:
    """Sample ``sample`` of run number ``run``: wandb's system keys."""
    values = {
        "system.cpu": 10.0 + run * 20 + sample % 7,
        "system.memory_percent": 40.0 + sample / 10,
        "system.proc.memory.rssMB": 300.0 + sample + run * 50,
        "system.disk./.usagePercent": 55.0,
        "system.network.sent": sample * 1000.0,
        "system.network.recv": sample * 2000.0,
    }
    for gpu in range(gpus):
        values[f"system.gpu.{gpu}.gpu"] = round(50 + 20 * math.sin(sample / 5 + gpu + run), 3)
        values[f"system.gpu.{gpu}.temp"] = 60.0 + gpu + run
    return values


def store_of(root: Path) -> TrackingStore:
    return open_store(f"sqlite:///{root / 'runyard.db'}")


# Journal offsets only grow: a batch ending where its journal already is was applied.
_offsets = itertools.count(1)


def write_console(
    store: TrackingStore,
    run_id: str,
    lines: list[tuple[int, str, str]],
    journal: str,
    project: str = PROJECT,
) -> None:
    """Console lines ``(line, stream, text)`` of one journal of a run, as the writer
    sends them (lines numbered within the journal)."""
    now = time.time()
    store.write_batch(
        RunBatch(
            run=RunRef(ENTITY, project, run_id),
            console=[(n, stream, now, text) for n, stream, text in lines],
            journal=(journal, next(_offsets)),
        )
    )


def write_system(store: TrackingStore, run_id: str, run: int, samples: int, gpus: int) -> None:
    t0 = time.time() - samples * 15
    store.write_batch(
        RunBatch(
            run=RunRef(ENTITY, PROJECT, run_id),
            system=[
                (s, t0 + s * 15, s * 15.0 + 0.5, system_values(run, s, gpus))
                for s in range(samples)
            ],
            journal=(f"system-{run_id}", next(_offsets)),
        )
    )


def seed(root: Path, files: Path) -> dict[str, str]:
    """The runs (ids by role: main, other, unnamed0, unnamed1) and their context."""
    (files / "code").mkdir(parents=True)
    (files / "requirements.txt").write_text(REQUIREMENTS)
    (files / "diff.patch").write_text(DIFF)
    (files / "code" / "train.py").write_text(TRAIN_PY)
    (files / "weights.bin").write_bytes(b"\0" * 64)
    out = run_code(SEED.format(project=PROJECT, files=str(files)), root)
    ids: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    store = store_of(root)
    try:
        lines = [(i, *console_line(i)) for i in range(LINES)]
        for at in range(0, LINES, 20_000):  # as the writer does: a batch at a time
            write_console(store, ids["main"], lines[at : at + 20_000], "console-main")
        write_system(store, ids["main"], 0, SAMPLES, GPUS)
        write_system(store, ids["other"], 1, SAMPLES // 2, 1)
        write_system(store, ids["unnamed0"], 2, SAMPLES // 4, 0)
        store.write_batch(RunBatch(run=RunRef(ENTITY, PROJECT, ids["main"]), metadata=METADATA))
    finally:
        store.close()
    return ids
