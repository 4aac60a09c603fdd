"""The run page's Logs tab: 120,000 console lines virtualised, ANSI colours, stderr marked,
line numbers, the server-side search, and the live tail of a running run."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Locator, Page, expect

from tests.browser.charts import eventually, tid
from tests.browser.conftest import ENTITY, Server, _runyard_env, _stop
from tests.browser.run_context import (
    LINES,
    LIVE_PROJECT,
    PROJECT,
    STDERR_EVERY,
    console_line,
    store_of,
    write_console,
)

#: Rows a virtualised view keeps in the page: the visible ones plus an overscan.
MAX_ROWS = 200


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def logs_url(run_id: str, project: str = PROJECT) -> str:
    return f"/{ENTITY}/{project}/runs/{run_id}/logs"


def row(view: Locator, line: int) -> Locator:
    return view.locator(f'{tid("log-line")}[data-line="{line}"]')


def at_bottom(view: Locator) -> bool:
    return bool(view.evaluate("el => el.scrollHeight - el.scrollTop - el.clientHeight <= 8"))


def test_logs_tab_shows_every_line_virtualised_with_colours_and_stderr(
    context_page: Page, context_store: tuple[Path, dict[str, str]], screenshots: Path
) -> None:
    page = context_page
    run_id = context_store[1]["main"]
    page.goto(logs_url(run_id))
    count = page.locator(tid("logs-count"))
    expect(count).to_have_attribute("data-total", str(LINES))
    expect(count).to_have_attribute("data-held", str(LINES), timeout=60_000)
    expect(count).to_contain_text(f"{LINES} lines")
    view = page.locator(tid("logs-view"))
    rows = view.locator(tid("log-line"))
    assert 0 < rows.count() < MAX_ROWS

    # line numbers, stderr marked, escapes applied: red "ERROR", bold green "loss"
    first = row(view, 0)
    expect(first).to_have_attribute("data-stream", "stderr")
    expect(first).to_have_class(re.compile(r"\bstderr\b"))
    expect(first.locator(".log-lineno")).to_have_text("1")
    expect(first.locator(".log-text")).to_have_text(plain(console_line(0)[1]))
    error = first.locator(".log-text span").first
    expect(error).to_have_text("ERROR")
    expect(error).to_have_css("color", "rgb(241, 76, 76)")
    second = row(view, 1)
    expect(second).to_have_attribute("data-stream", "stdout")
    loss = second.locator(".log-text span").nth(1)
    expect(loss).to_have_text("loss")
    expect(loss).to_have_css("color", "rgb(35, 209, 139)")
    expect(loss).to_have_css("font-weight", "700")
    page.screenshot(path=str(screenshots / "run-logs.png"))

    # the end of 120,000 lines, still with a few rows in the page
    view.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = row(view, LINES - 1)
    expect(last.locator(".log-lineno")).to_have_text(str(LINES))
    expect(last.locator(".log-text")).to_have_text(plain(console_line(LINES - 1)[1]))
    assert 0 < rows.count() < MAX_ROWS

    # output.log has every line, colours kept
    href = page.locator(tid("logs-download")).get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.ok
    assert response.text().splitlines() == [console_line(i)[1] for i in range(LINES)]


def test_logs_search_asks_the_server_and_marks_matches(
    context_page: Page, context_store: tuple[Path, dict[str, str]]
) -> None:
    page = context_page
    run_id = context_store[1]["main"]
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/logs?" in r.url else None)
    page.goto(logs_url(run_id))
    count = page.locator(tid("logs-count"))
    view = page.locator(tid("logs-view"))
    expect(count).to_have_attribute("data-total", str(LINES))

    # any case, only the matching lines, with their own line numbers
    page.locator(tid("logs-search")).fill("WARNING at LINE")
    matches = LINES // STDERR_EVERY
    expect(count).to_have_attribute("data-query", "WARNING at LINE")
    expect(count).to_have_attribute("data-matched", str(matches))
    expect(count).to_have_attribute("data-held", str(matches))
    expect(count).to_contain_text(f"{matches} of {LINES} lines match")
    assert any("q=WARNING+at+LINE" in url for url in searches), searches
    hit = row(view, STDERR_EVERY)
    expect(hit.locator(".log-lineno")).to_have_text(str(STDERR_EVERY + 1))
    expect(hit.locator("mark")).to_have_text("warning at line")
    shown = view.locator(tid("log-line"))
    streams = shown.evaluate_all("rows => rows.map(r => r.dataset.stream)")
    assert streams and set(streams) == {"stderr"}

    # a regular expression
    page.locator(tid("logs-regex")).check()
    page.locator(tid("logs-search")).fill(r"line 1\d000$")
    expect(count).to_have_attribute("data-matched", "10")
    expect(shown).to_have_count(10)
    assert shown.evaluate_all("rows => rows.map(r => Number(r.dataset.line))") == [
        n * 1000 for n in range(10, 20)
    ]
    assert any("regex=1" in url for url in searches)

    # nothing found; an invalid pattern is named by the server
    page.locator(tid("logs-search")).fill("no such line")
    expect(page.locator(tid("logs-empty"))).to_have_text("No line matches.")
    page.locator(tid("logs-search")).fill("(unclosed")
    expect(page.locator(tid("logs-error"))).to_contain_text("invalid regex '(unclosed'")

    # clearing the search shows every line again
    page.locator(tid("logs-regex")).uncheck()
    page.locator(tid("logs-search")).fill("")
    expect(count).to_have_attribute("data-query", "")
    expect(row(view, 1)).to_be_visible()


TAILER = """
import os, time
import runyard as wandb
quiet = {{"console": "off", "x_disable_stats": True, "disable_git": True}}
with wandb.init(project={project!r}, name="tailing", settings=quiet) as run:
    print(run.id, flush=True)
    while not os.path.exists({stop!r}):
        time.sleep(0.05)
"""


@pytest.fixture
def tailing_run(
    context_store: tuple[Path, dict[str, str]], context_server: Server, tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    """A running run (a real SDK process), stored, and the file that ends it when created."""
    stop = tmp_path / "stop"
    process = subprocess.Popen(
        [sys.executable, "-c", TAILER.format(project=LIVE_PROJECT, stop=str(stop))],
        env=_runyard_env(context_store[0]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        run_id = process.stdout.readline().strip()
        assert run_id, process.stderr.read() if process.stderr else ""
        # the writer creates the run in the store shortly after init returns

        def stored() -> bool:
            try:
                context_server.get(f"/projects/{ENTITY}/{LIVE_PROJECT}/runs/{run_id}")
            except urllib.error.HTTPError:
                return False
            return True

        eventually(stored, True, timeout=30)
        yield run_id, stop
    finally:
        stop.touch()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _stop(process)
        for pipe in (process.stdout, process.stderr):
            if pipe:
                pipe.close()


def test_logs_tail_a_running_run_and_follow_only_at_the_bottom(
    context_page: Page,
    context_server: Server,
    context_store: tuple[Path, dict[str, str]],
    tailing_run: tuple[str, Path],
) -> None:
    page = context_page
    run_id, stop = tailing_run
    store = store_of(context_store[0])
    journal = f"tail-{run_id}"

    def write(first: int, last: int, text: str = "tail line {}") -> None:
        lines = [(i, "stdout", text.format(i)) for i in range(first, last)]
        write_console(store, run_id, lines, journal, LIVE_PROJECT)

    try:
        write(0, 300)
        page.goto(logs_url(run_id, LIVE_PROJECT))
        expect(page.locator(tid("run-page"))).to_be_visible()
        count = page.locator(tid("logs-count"))
        view = page.locator(tid("logs-view"))
        expect(count).to_have_attribute("data-held", "300")
        # a running run opens at its end, following it
        expect(row(view, 299)).to_be_visible()
        expect(view).to_have_attribute("data-following", "true")
        assert at_bottom(view)

        # printed lines arrive while the page is open; the view stays at the bottom
        write(300, 310)
        expect(row(view, 309)).to_be_visible(timeout=10_000)
        expect(row(view, 309).locator(".log-text")).to_have_text("tail line 309")
        assert at_bottom(view)
        # a progress bar redraws its line: the line is replaced, not added
        write(309, 310, "progress {} 100%")
        expect(row(view, 309).locator(".log-text")).to_have_text("progress 309 100%")
        expect(count).to_have_attribute("data-held", "310")

        # scrolled up, the user stays where they are while lines keep coming
        view.evaluate("el => { el.scrollTop = 0; }")
        expect(view).to_have_attribute("data-following", "false")
        write(310, 320)
        expect(count).to_have_attribute("data-held", "320", timeout=10_000)
        assert view.evaluate("el => el.scrollTop") == 0
        expect(row(view, 0)).to_be_visible()
        # "Follow" goes back to the end and follows again
        page.locator(tid("logs-follow")).click()
        expect(row(view, 319)).to_be_visible()
        expect(view).to_have_attribute("data-following", "true")

        # lines printed just before the run ends are shown once it has
        write(320, 325)
        stop.touch()
        expect(page.locator(".live-dot")).to_have_count(0, timeout=30_000)
        expect(count).to_have_attribute("data-held", "325", timeout=10_000)
        expect(row(view, 324)).to_be_visible()
        assert (
            context_server.get(
                f"/projects/{ENTITY}/{LIVE_PROJECT}/runs/{run_id}/logs", start=320, limit=10
            )["total"]
            == 325
        )
    finally:
        store.close()


PRINTER = """
import os, sys, time
import runyard as wandb
with wandb.init(project={project!r}, name="printer") as run:
    print(run.id, flush=True)
    for batch in range(2):
        while not os.path.exists(os.path.join({signals!r}, f"go{{batch}}")):
            time.sleep(0.05)
        for j in range(4):
            print(f"batch {{batch}} \\x1b[33mline {{j}}\\x1b[0m", flush=True)
        print(f"batch {{batch}} warning", file=sys.stderr, flush=True)
        os.write(1, f"batch {{batch}} from fd 1\\n".encode())
    while not os.path.exists(os.path.join({signals!r}, "stop")):
        time.sleep(0.05)
"""


def test_logs_of_a_real_run_arrive_while_it_prints(
    context_page: Page,
    context_server: Server,
    context_store: tuple[Path, dict[str, str]],
    tmp_path: Path,
) -> None:
    """The SDK's console capture end to end: what a running script prints (print,
    stderr, os.write) reaches the open Logs tab, coloured, and the search finds it."""
    page = context_page
    process = subprocess.Popen(
        [sys.executable, "-c", PRINTER.format(project=LIVE_PROJECT, signals=str(tmp_path))],
        env=_runyard_env(context_store[0]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        run_id = process.stdout.readline().strip()
        assert run_id, process.stderr.read() if process.stderr else ""
        page.goto(logs_url(run_id, LIVE_PROJECT))
        view = page.locator(tid("logs-view"))
        expect(page.locator(tid("run-logs"))).to_be_visible(timeout=30_000)
        lines = view.locator(tid("log-line"))

        (tmp_path / "go0").touch()
        expect(lines.filter(has_text="batch 0 from fd 1")).to_have_count(1, timeout=30_000)
        expect(lines.filter(has_text="batch 0 line 3")).to_have_count(1)
        colored = lines.filter(has_text="batch 0 line 0").locator(".log-text span").nth(1)
        expect(colored).to_have_text("line 0")
        expect(colored).to_have_css("color", "rgb(229, 229, 16)")
        warning = lines.filter(has_text="batch 0 warning")
        expect(warning).to_have_attribute("data-stream", "stderr")
        assert at_bottom(view)

        (tmp_path / "go1").touch()
        expect(lines.filter(has_text="batch 1 from fd 1")).to_have_count(1, timeout=30_000)
        assert at_bottom(view)
        # the search runs on the server, over the live run's lines
        page.locator(tid("logs-search")).fill("LINE 3")
        expect(page.locator(tid("logs-count"))).to_have_attribute("data-matched", "2")
        expect(lines).to_have_count(2)
        expect(lines.nth(1)).to_contain_text("batch 1 line 3")
        expect(lines.nth(1).locator("mark")).to_have_text("line 3")
    finally:
        (tmp_path / "stop").touch()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _stop(process)
        for pipe in (process.stdout, process.stderr):
            if pipe:
                pipe.close()
