"""A small project for the panel and view tests (issue 18): three runs with train and
validation metrics, one spike, and a histogram logged over steps."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import ENTITY, Server, open_page, run_code, serve_ui

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PROJECT = "panels"
WORKSPACE = f"/{ENTITY}/{PROJECT}"
RUNS = ("p-a", "p-b", "p-c")
STEPS = 40

SEED = f"""
import numpy as np
import runyard
for i, rid in enumerate({RUNS!r}):
    run = runyard.init(project={PROJECT!r}, id=rid, name=f"run-{{i}}", config={{"lr": 10.0 ** -i, "opt": "adam" if i else "sgd"}})
    rng = np.random.default_rng(i)
    for step in range({STEPS}):
        loss = 1.0 / (step + 1) + i * 0.1 + (50.0 if (i == 0 and step == 20) else 0.0)
        row = {{"loss": loss, "acc": step / {STEPS} - i * 0.05}}
        if step % 4 == 0:
            row["val/loss"] = loss * 1.1
            row["val/acc"] = step / {STEPS}
        if step % 5 == 0:
            row["weights"] = runyard.Histogram(rng.normal(step / 10, 1.0, 200))
        run.log(row, step=step)
    run.finish()
"""


@pytest.fixture(scope="session", name="panels_store")
def fixture_panels_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("panels") / "runyard"
    run_code(SEED, root)
    return root


@pytest.fixture(scope="session", name="panels_server")
def fixture_panels_server(panels_store: Path, _browser_stack: None) -> Iterator[Server]:
    with serve_ui(panels_store) as ready:
        yield ready


def put(server: Server, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{server.url}api/v1{server.project(PROJECT)}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def reset(server: Server, settings: dict[str, Any] | None = None) -> None:
    put(server, "/workspace", {"settings": settings or {}})


def saved(server: Server) -> dict[str, Any]:
    settings: dict[str, Any] = server.get(f"{server.project(PROJECT)}/workspace")["settings"]
    return settings


@pytest.fixture(name="panels_page")
def fixture_panels_page(
    browser: Browser, panels_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh page (accepting downloads) on a reset workspace of the panels project."""
    reset(panels_server)
    with open_page(browser, panels_server.url, request, 15_000) as fresh:
        yield fresh
    # Closing the page flushes its debounced workspace save: let it land before the next
    # test resets the workspace, or it would undo that reset.
    settle(panels_server)


def settle(server: Server, quiet: float = 0.6, limit: float = 8.0) -> None:
    """Wait until the saved workspace has not changed for ``quiet`` seconds."""
    deadline = time.monotonic() + limit
    last, since = saved(server), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.1)
        now = saved(server)
        if now != last:
            last, since = now, time.monotonic()
