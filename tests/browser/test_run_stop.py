"""The run page's Stop button stops a live run logged by the real wandb client
(``wandb==0.31.0`` against ``runyard ui``): the script is interrupted and the run
ends ``killed``, as the server reads it back through ``runyard.Api``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, expect

from runyard import Api
from tests.browser.conftest import ENTITY, open_page, serve_ui
from tests.conformance.conftest import SEED_004_PACKAGES, WANDB_VERSION, wandb_venv

STOPPED = """
import time, wandb
run = wandb.init(project="p", id="stopme")
try:
    for i in range(100000):
        run.log({"x": float(i)})
        if i == 10:
            print("logging", flush=True)
        time.sleep(0.01)
except KeyboardInterrupt:
    print("stopped", flush=True)
    raise
"""


def test_stop_button_stops_a_live_wandb_run(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    python = wandb_venv(WANDB_VERSION, SEED_004_PACKAGES)  # the conformance suite's venv
    client = tmp_path / "client"
    client.mkdir()
    with serve_ui(tmp_path / "runyard") as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
        env.update(
            HOME=str(client),
            WANDB_BASE_URL=server.url.rstrip("/"),
            WANDB_API_KEY="x" * 40,  # runyard ui has no accounts: any well-formed key
            WANDB_DIR=str(client),
            WANDB_CONFIG_DIR=str(client / "config"),
            WANDB_CACHE_DIR=str(client / "cache"),
            WANDB_DISABLE_GIT="true",
            WANDB_ERROR_REPORTING="false",
            WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL="1",  # not wandb's 15 s
        )
        process = subprocess.Popen(
            [str(python), "-c", STOPPED],
            env=env,
            cwd=client,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "logging\n"
            with open_page(browser, server.url, request, 15_000) as page:
                page.on("dialog", lambda dialog: dialog.accept())
                page.goto(f"/{ENTITY}/p/runs/stopme")
                button = page.get_by_test_id("run-stop")
                expect(button).to_have_text("Stop run")
                button.click()
                expect(button).to_have_attribute("data-state", "stopping")
                out, err = process.communicate(timeout=120)
                assert "stopped" in out, err[-3000:]
                # the run is no longer running: the page drops the button
                expect(page.get_by_test_id("run-stop")).to_have_count(0, timeout=30_000)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        api = Api(store=server.url.rstrip("/"))
        try:
            run = api.run(f"{ENTITY}/p/stopme")
            assert run.state == "killed"
            assert run.record.stop_requested_at is None  # cleared when the run ended
            steps = [r["_step"] for r in run.scan_history(keys=["x"])]
            assert len(steps) > 10 and steps == list(range(len(steps)))
        finally:
            api.close()
