"""A seeded sweep-like project for the compare-and-analyse browser tests (issue 17).

64 runs over learning rate x batch size x seed (4 x 4 x 4), the optimizer cycling
sgd/adam/adamw over them (22/21/21 runs), logged by the real SDK into a store of its own.
The optimizer drives the metric (each has its own loss floor and decay rate), the learning
rate moves it a little, the batch size not at all, so importance ranks ``optim.name``
first. Everything is a pure function of the run's index (:func:`history`), so tests compute
what the page must show with numpy from the same numbers the SDK logged.

Use the fixtures ``sweep_store``, ``sweep_server`` and ``sweep_page`` from a test module by
importing their functions (named apart from the fixtures, so that parameters named after
the fixtures do not shadow an import)::

    from tests.browser.sweep import fixture_sweep_page, fixture_sweep_server, fixture_sweep_store  # noqa: F401

Config of a run (nested ``optim`` and ``model``)::

    {"learning_rate": 0.01, "batch_size": 32, "seed": 0,
     "optim": {"name": "adam", "weight_decay": 0.0}, "model": {"depth": 4, "width": 64}}

Groups, job types and tags: ``group`` is ``bs-<batch size>``, ``job_type`` is ``train``,
tags are ``["sweep", "adaptive" | "plain"]`` (adam/adamw are adaptive) and ``lr-<lr>``.
History: ``loss`` at every step 0..STEPS-1, ``acc`` at every ACC_EVERY-th step
(``step % ACC_EVERY == ACC_EVERY - 1``). Summary: the last ``loss``/``acc`` (wandb's
default) plus ``best_acc`` and ``final_loss``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from tests.browser.conftest import ENTITY, Server, open_page, run_code, serve_ui

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PROJECT = "sweep"
LRS = (0.1, 0.03, 0.01, 0.003)
BATCH_SIZES = (32, 64, 128, 256)
SEEDS = (0, 1, 2, 3)
OPTIMIZERS = ("sgd", "adam", "adamw")
STEPS = 300
ACC_EVERY = 5
# What the optimizer does to the loss: its floor and how fast it gets there.
FLOOR = {"sgd": 0.6, "adam": 0.3, "adamw": 0.2}
RATE = {"sgd": 3.0, "adam": 6.0, "adamw": 7.0}
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SweepRun:
    index: int
    lr: float
    batch_size: int
    seed: int
    optimizer: str

    @property
    def name(self) -> str:
        return f"{self.optimizer}-lr{self.lr}-bs{self.batch_size}-s{self.seed}"

    @property
    def config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.lr,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "optim": {
                "name": self.optimizer,
                "weight_decay": 0.01 if self.optimizer == "adamw" else 0.0,
            },
            "model": {"depth": 4, "width": 64},
        }

    @property
    def group(self) -> str:
        return f"bs-{self.batch_size}"

    @property
    def tags(self) -> list[str]:
        return ["sweep", "plain" if self.optimizer == "sgd" else "adaptive", f"lr-{self.lr}"]


def sweep_runs() -> list[SweepRun]:
    """The 64 runs, in the order they are logged (so in created_at order)."""
    grid = itertools.product(LRS, BATCH_SIZES, SEEDS)
    return [
        SweepRun(n, lr, bs, seed, OPTIMIZERS[n % len(OPTIMIZERS)])
        for n, (lr, bs, seed) in enumerate(grid)
    ]


def history(run: SweepRun) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The run's logged metrics as ``key -> (steps, values)`` (float64, rounded so that the
    SDK's float values and these arrays are the same numbers)."""
    rng = np.random.default_rng(1000 + run.index)
    steps = np.arange(STEPS)
    t = steps / STEPS
    floor, rate = FLOOR[run.optimizer], RATE[run.optimizer] * (1 + 0.1 * math.log10(run.lr / 0.01))
    loss = floor + (1.5 - floor) * np.exp(-rate * t) + rng.normal(0, 0.04, STEPS)
    acc = 1 - 0.6 * loss + rng.normal(0, 0.02, STEPS)
    acc_steps = steps[steps % ACC_EVERY == ACC_EVERY - 1]
    return {
        "loss": (steps.astype(np.float64), np.round(loss, 6)),
        "acc": (acc_steps.astype(np.float64), np.round(acc[acc_steps], 6)),
    }


def log_sweep() -> None:
    """Log the sweep through the SDK (into ``RUNYARD_DIR``); run in a fresh process."""
    import runyard

    for run in sweep_runs():
        lines = history(run)
        (steps, loss), (acc_steps, acc) = lines["loss"], lines["acc"]
        accs = dict(zip(acc_steps.tolist(), acc.tolist(), strict=True))
        with runyard.init(
            project=PROJECT,
            name=run.name,
            config=run.config,
            group=run.group,
            job_type="train",
            tags=run.tags,
            reinit="create_new",
        ) as live:
            for step, value in zip(steps.tolist(), loss.tolist(), strict=True):
                row = {"loss": value}
                if step in accs:
                    row["acc"] = accs[step]
                live.log(row, step=int(step))
            live.summary["best_acc"] = float(acc.max())
            live.summary["final_loss"] = float(loss[-1])


SEED = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.browser.sweep import log_sweep
log_sweep()
"""


@pytest.fixture(scope="session", name="sweep_store")
def fixture_sweep_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RUNYARD_DIR holding project ``tester/sweep`` (the 64 runs)."""
    root = tmp_path_factory.mktemp("sweep") / "runyard"
    run_code(SEED, root, timeout=600)
    return root


@pytest.fixture(scope="session", name="sweep_server")
def fixture_sweep_server(sweep_store: Path, _browser_stack: None) -> Iterator[Server]:
    """``runyard ui`` on the sweep store."""
    with serve_ui(sweep_store) as ready:
        yield ready


@pytest.fixture(name="sweep_page")
def fixture_sweep_page(
    browser: Browser, sweep_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh page on the sweep server (see :func:`open_page`), at no particular URL:
    ``page.goto(WORKSPACE)`` for the workspace."""
    with open_page(browser, sweep_server.url, request, 20_000) as fresh:
        yield fresh


WORKSPACE = f"/{ENTITY}/{PROJECT}"


def by_name(server: Server) -> dict[str, str]:
    """Run name -> run id, as the server lists them."""
    body = server.get(f"/projects/{ENTITY}/{PROJECT}/runs", limit=500)
    runs = body["runs"] if isinstance(body, dict) else body
    return {r["name"]: r["id"] for r in runs}
