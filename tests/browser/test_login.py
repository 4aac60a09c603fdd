"""The team server's login in Chromium: a real ``runyard server`` with auth on (the
default) over a temporary SQLite store with a bootstrapped user; the app shows the
login page on 401, loads the data after logging in, sends the CSRF token on writes
(the workspace layout is saved), keeps the session cookie out of JavaScript's reach,
and logs out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from tests.browser.charts import eventually, tid
from tests.browser.conftest import close_context, run_code

PASSWORD = "correct horse battery"
SEED = """
import runyard as wandb
with wandb.init(entity="alice", project="secret", name="private-run", id="p1") as run:
    run.define_metric("loss", summary="min")
    for step in range(20):
        run.log({"loss": 1.0 / (step + 1), "acc": step / 20})
"""


@dataclass
class TeamServer:
    url: str
    key: str

    def api(self, path: str, data: Any = None, method: str = "GET") -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{self.url}api/v1{path}",
            data=None if data is None else json.dumps(data).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def _runyard() -> str:
    return shutil.which("runyard", path=str(Path(sys.executable).parent)) or "runyard"


@pytest.fixture(scope="module")
def team_server(
    tmp_path_factory: pytest.TempPathFactory, _browser_stack: None
) -> Iterator[TeamServer]:
    root = tmp_path_factory.mktemp("login") / "runyard"
    run_code(SEED, root)
    store = f"sqlite:///{root / 'runyard.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env["RUNYARD_DIR"] = str(root)
    boot = subprocess.run(
        [
            _runyard(),
            "admin",
            "bootstrap",
            "--store",
            store,
            "--username",
            "alice",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert boot.returncode == 0, boot.stderr
    process = subprocess.Popen(
        [
            _runyard(),
            "server",
            "--port",
            "0",
            "--store",
            store,
            "--blobs",
            f"file://{root / 'blobs'}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("Runyard UI: "):
        process.kill()
        pytest.fail(f"runyard server printed {line!r}: {process.communicate()[1]}")
    server = TeamServer(line.split()[-1], boot.stdout.strip())
    try:
        eventually(lambda: server.api("/auth/me")[0], 200)
        yield server
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
def team_page(browser: Browser, team_server: TeamServer) -> Iterator[Page]:
    context = browser.new_context(base_url=team_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        close_context(context)
    assert not errors, f"uncaught errors in the page: {errors}"


def log_in(page: Page, password: str) -> None:
    form = page.get_by_role("form", name="Log in")
    form.get_by_label("Username").fill("alice")
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()


def test_login_shows_the_data_and_writes_carry_csrf(
    team_page: Page, team_server: TeamServer
) -> None:
    page = team_page
    page.goto("/alice/secret")
    expect(page.get_by_role("form", name="Log in")).to_be_visible()
    expect(page.get_by_text("private-run")).to_have_count(0)

    log_in(page, "wrong password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")

    log_in(page, PASSWORD)
    expect(page.get_by_role("form", name="Log in")).to_have_count(0)
    expect(page.locator(tid("run-row-p1"))).to_be_visible()
    expect(page.locator(tid("panel-loss"))).to_be_visible()

    # the session cookie is HttpOnly: scripts cannot read it
    assert "runyard_session" not in page.evaluate("document.cookie")
    cookie = next(c for c in page.context.cookies() if c["name"] == "runyard_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # a write from the app (unpinning a column saves the layout) carries the CSRF token;
    # loss.min is a define_metric summary, pinned by default until columns are chosen
    team_server.api("/projects/alice/secret/workspace", {"settings": {}}, "PUT")
    page.locator(tid("column-chooser")).click()
    page.locator(tid("pin-summary:loss.min")).click()
    eventually(
        lambda: team_server.api("/projects/alice/secret/workspace")[1]["settings"].get("pinned"),
        [],
    )
    # … and the same write without the token is refused
    status = page.evaluate(
        """() => fetch('/api/v1/projects/alice/secret/workspace', {method: 'PUT',
               headers: {'Content-Type': 'application/json'},
               body: JSON.stringify({settings: {}})}).then(r => r.status)"""
    )
    assert status == 403

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("form", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("form", name="Log in")).to_be_visible()
