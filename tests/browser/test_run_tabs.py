"""The run page's tabs: in the URL (shareable, reload and back keep them), the Overview's
environment (command, git commit link, machine), and the Files tab's logical names
(the key and step each media file was logged at, the run files, code)."""

from __future__ import annotations

import json
import platform
import re
import socket
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from tests.browser.charts import tid
from tests.browser.conftest import ENTITY, Server, open_page
from tests.browser.run_context import DIFF, METADATA, PROJECT, REMOTE, SHA, TRAIN_PY

TABS = ("overview", "charts", "system", "logs", "files")


def run_url(run_id: str, tab: str | None = None) -> str:
    return f"/{ENTITY}/{PROJECT}/runs/{run_id}" + (f"/{tab}" if tab else "")


def selected(page: Page) -> list[str]:
    return [
        tab
        for tab in TABS
        if page.locator(tid(f"run-tab-{tab}")).get_attribute("aria-selected") == "true"
    ]


def test_the_tab_is_in_the_url(
    context_page: Page, context_server: Server, context_store: tuple[Path, dict[str, str]]
) -> None:
    page = context_page
    run_id = context_store[1]["main"]
    # from the runs table to the run's charts (the bare run URL)
    page.goto(f"/{ENTITY}/{PROJECT}")
    page.locator(tid(f"run-link-{run_id}")).click()
    expect(page).to_have_url(f"{context_server.url.rstrip('/')}{run_url(run_id)}")
    expect(page.locator(tid("run-charts")).locator(tid("panel-loss"))).to_be_visible()
    assert selected(page) == ["charts"]

    # each tab has its own URL; links are real links (open in a new tab works)
    for tab in TABS:
        link = page.locator(tid(f"run-tab-{tab}"))
        expected = run_url(run_id) if tab == "charts" else run_url(run_id, tab)
        assert link.get_attribute("href") == expected
    page.locator(tid("run-tab-logs")).click()
    expect(page).to_have_url(re.compile(f"{re.escape(run_url(run_id, 'logs'))}$"))
    expect(page.locator(tid("run-logs"))).to_be_visible()
    assert selected(page) == ["logs"]
    page.reload()
    expect(page.locator(tid("run-logs"))).to_be_visible()
    assert selected(page) == ["logs"]
    page.locator(tid("run-tab-files")).click()
    expect(page.locator(tid("run-files"))).to_be_visible()
    page.go_back()
    expect(page.locator(tid("run-logs"))).to_be_visible()
    page.go_back()
    expect(page.locator(tid("run-charts"))).to_be_visible()

    # a shared link opens its tab; an unknown tab is not a page
    for tab, body in (("overview", "run-overview"), ("system", "system-panels")):
        page.goto(run_url(run_id, tab))
        expect(page.locator(tid(body))).to_be_visible()
        assert selected(page) == [tab]
    page.goto(run_url(run_id, "artifacts-someday"))
    expect(page.locator("h1")).to_have_text("Not found")


def test_overview_shows_the_environment_command_and_commit(
    browser: Browser,
    context_server: Server,
    context_store: tuple[Path, dict[str, str]],
    request: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    run_id = context_store[1]["main"]
    with open_page(browser, context_server.url, request, 15_000) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(run_url(run_id, "overview"))
        env = page.locator(tid("run-environment"))
        command = "python train.py --lr 0.1 --name 'my run'"
        expect(env.locator(tid("run-env-command")).locator("td code")).to_have_text(command)
        page.locator(tid("copy-command")).click()
        expect(page.locator(tid("copy-command"))).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == command

        commit = env.locator(tid("run-env-git-commit")).locator("a")
        expect(commit).to_have_text(SHA)
        expect(commit).to_have_attribute(
            "href", f"https://github.com/runyard-tests/demo/commit/{SHA}"
        )
        expect(commit).to_have_attribute("target", "_blank")
        remote = env.locator(tid("run-env-git-remote")).locator("td a")
        expect(remote).to_have_text("https://github.com/runyard-tests/demo.git")
        expect(remote).to_have_attribute("href", "https://github.com/runyard-tests/demo")
        expect(env.locator(tid("run-env-git-branch"))).to_contain_text("main")
        # the token in the remote URL is shown nowhere
        assert "ghp_notashowntoken" not in page.content()
        assert "ghp_notashowntoken" in REMOTE

        expected = {
            "python": METADATA["python"],
            "os": METADATA["os"],
            "host": METADATA["host"],
            "user": METADATA["username"],
            "executable": METADATA["executable"],
            "started": "2024-05-01 12:00:00",
            "cpus": "8 (16 logical)",
            "gpus": f"2 × {METADATA['gpu']}",
            "cuda": METADATA["cuda"],
        }
        for fact, value in expected.items():
            expect(env.locator(tid(f"run-env-{fact}")).locator("td")).to_have_text(value)
        env.locator("details.env-other summary").click()
        expect(env.locator(tid("run-metadata-email")).locator("td")).to_have_text(METADATA["email"])
        # config and summary as before
        expect(page.locator(tid("run-config-lr")).locator("td")).to_have_text("0.1")
        expect(page.locator(tid("run-summary-loss")).locator("td")).not_to_be_empty()
        page.screenshot(path=str(screenshots / "run-overview.png"), full_page=True)

        # the metadata the SDK records for a run of its own
        page.goto(run_url(context_store[1]["unnamed1"], "overview"))
        env = page.locator(tid("run-environment"))
        python = f"{platform.python_implementation()} {platform.python_version()}"
        expect(env.locator(tid("run-env-python")).locator("td")).to_have_text(python)
        expect(env.locator(tid("run-env-host")).locator("td")).to_have_text(socket.gethostname())


def _media(server: Server, run_id: str, key: str) -> list[dict[str, Any]]:
    body = server.get(f"/projects/{ENTITY}/{PROJECT}/media", runs=run_id, key=key)
    steps: list[dict[str, Any]] = body["runs"][0]["steps"]
    return steps


def test_files_tab_names_files_by_key_and_step(
    context_page: Page, context_server: Server, context_store: tuple[Path, dict[str, str]]
) -> None:
    page = context_page
    run_id = context_store[1]["main"]
    page.goto(run_url(run_id, "files"))
    files = page.locator(tid("run-files"))
    expect(files).to_have_attribute("data-ready", "true")

    def label(name: str) -> Any:
        return files.locator(tid(f"file-{name}")).locator(tid("file-label"))

    # media files: the key and step (and place in a list) they were logged at
    samples = _media(context_server, run_id, "samples")
    assert [s["step"] for s in samples] == [0, 1, 2]
    for s in samples:
        row = files.locator(tid(f"file-{s['value']['path']}"))
        expect(row).to_have_attribute("data-section", "media")
        # the last image is the summary's value too
        also = "; samples in the summary" if s["step"] == 2 else ""
        expect(row.locator(tid("file-label"))).to_have_text(f"samples at step {s['step']}{also}")
    (gallery,) = _media(context_server, run_id, "gallery")
    names = gallery["value"]["filenames"]
    assert len(names) == 2
    for i, name in enumerate(names):
        expect(label(name)).to_have_text(
            f"gallery [{i}] at step {gallery['step']}; gallery [{i}] in the summary"
        )
    media_rows = files.locator(tid("files-section-media")).locator("tr")
    expect(media_rows).to_have_count(5)
    # in key, step order
    assert media_rows.evaluate_all("rows => rows.map(r => r.dataset.testid)") == [
        f"file-{n}" for n in names
    ] + [f"file-{s['value']['path']}" for s in samples]

    # run files, code, the rest
    expect(label("output.log")).to_have_text("Console output (stdout and stderr)")
    expect(label("diff.patch")).to_have_text("Uncommitted changes (git diff against the commit)")
    expect(label("requirements.txt")).to_have_text("Installed Python packages")
    expect(label("config.json")).to_have_text("Config")
    expect(label("wandb-summary.json")).to_have_text("Summary")
    expect(label("wandb-metadata.json")).to_have_text("Environment and git metadata")
    expect(files.locator(tid("file-code/train.py"))).to_have_attribute("data-section", "code")
    expect(label("code/train.py")).to_have_text("train.py")
    expect(files.locator(tid("file-weights.bin"))).to_have_attribute("data-section", "other")

    # every link downloads the file
    def download(name: str) -> bytes:
        href = files.locator(tid(f"file-{name}")).locator("a").get_attribute("href")
        assert href
        if href.startswith("data:"):
            return bytes(page.evaluate("href => fetch(href).then(r => r.text())", href), "utf-8")
        response = page.request.get(href)
        assert response.ok, name
        return response.body()

    assert download("diff.patch").decode() == DIFF
    assert download("code/train.py").decode() == TRAIN_PY
    assert download("requirements.txt")
    assert json.loads(download("config.json"))["lr"] == 0.1
    assert json.loads(download("wandb-metadata.json"))["git"]["commit"] == SHA
    listed = context_server.get(f"/projects/{ENTITY}/{PROJECT}/runs/{run_id}/files")["files"]
    sizes = {f["name"]: f["size"] for f in listed}
    assert len(download(samples[0]["value"]["path"])) == sizes[samples[0]["value"]["path"]]
    assert download("output.log").decode().startswith("\x1b[31mERROR\x1b[0m warning at line 0\n")
