"""Logged HTML runs its own scripts but cannot reach the app: it is shown in an
``<iframe sandbox="allow-scripts allow-popups">`` (no ``allow-same-origin``), and the
server sends ``Content-Security-Policy: sandbox …`` with the file, so even opened on
its own it gets an opaque origin: no cookies, no parent DOM, no storage."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Frame, Page, expect

from tests.browser.charts import tid
from tests.browser.conftest import MEDIA_ENTITY, Server, run_code
from tests.browser.test_media_panels import panel

pytestmark = pytest.mark.browser

PROJECT = "html-security"
SECRET = "s3cret-session-value"

# The script tries to read the app's DOM and cookies, to write into the app, and
# to read storage; it writes what it got (or the error's name) into its own body.
HOSTILE = """
<p id="ran">no</p><p id="parent"></p><p id="cookie"></p><p id="storage"></p><p id="write"></p>
<script>
function report(id, attempt) {
  try { document.getElementById(id).textContent = "GOT:" + attempt(); }
  catch (e) { document.getElementById(id).textContent = "BLOCKED:" + e.name; }
}
document.getElementById("ran").textContent = "yes";
report("parent", () => parent.document.body.innerHTML.slice(0, 200));
report("cookie", () => document.cookie);
report("storage", () => JSON.stringify(Object.keys(localStorage)));
report("write", () => { parent.document.body.setAttribute("data-pwned", "1");
                         parent.document.title = "PWNED"; return "written"; });
</script>
"""

LOG_HTML = f"""
import runyard as wandb
with wandb.init(entity={MEDIA_ENTITY!r}, project={PROJECT!r}, name="hostile") as run:
    run.log({{"hostile": wandb.Html({HOSTILE!r}, inject=False)}})
"""


def read_results(frame: Frame) -> dict[str, str]:
    expect(frame.locator("#ran")).to_have_text("yes")  # its own script did run
    return {
        name: frame.locator(f"#{name}").inner_text()
        for name in ("parent", "cookie", "storage", "write")
    }


def test_logged_html_cannot_script_the_app_or_read_its_cookies(
    media_page: Page, media_server: Server, media_store_dir: Path, screenshots: Path
) -> None:
    page = media_page
    run_code(LOG_HTML, media_store_dir)
    # a cookie and local storage on the app's origin, which the HTML must not see
    page.context.add_cookies(
        [{"name": "runyard_session", "value": SECRET, "url": media_server.url}]
    )
    page.goto(f"/{MEDIA_ENTITY}/{PROJECT}")
    page.evaluate("secret => localStorage.setItem('runyard-secret', secret)", SECRET)
    assert SECRET in page.evaluate("() => document.cookie")  # the app's own page can read it
    title = page.title()

    html = panel(page, "hostile")
    frame_el = html.locator(tid("media-html"))
    expect(frame_el).to_have_count(1)
    sandbox = frame_el.get_attribute("sandbox") or ""
    assert sandbox.split() == ["allow-scripts", "allow-popups"]
    assert "allow-same-origin" not in sandbox
    frame = frame_el.element_handle().content_frame()
    assert frame is not None
    results = read_results(frame)
    assert results["parent"] == "BLOCKED:SecurityError", results
    assert results["write"] == "BLOCKED:SecurityError", results
    # a sandboxed document without allow-same-origin may not touch cookies or storage
    assert results["cookie"] in ("BLOCKED:SecurityError", "GOT:"), results
    assert results["storage"] == "BLOCKED:SecurityError", results
    assert SECRET not in " ".join(results.values())
    # the frame's document has an opaque origin
    assert frame.evaluate("() => self.origin") == "null"

    # the app is untouched
    assert page.title() == title
    assert page.evaluate("() => document.body.getAttribute('data-pwned')") is None
    expect(page.locator(tid("workspace"))).to_be_visible()
    html.screenshot(path=str(screenshots / "html-sandboxed.png"))


def test_html_opened_directly_is_sandboxed_by_the_server(
    media_page: Page, media_server: Server, media_store_dir: Path
) -> None:
    page = media_page
    runs = media_server.get(f"/projects/{MEDIA_ENTITY}/{PROJECT}/runs")["runs"]
    if not runs:
        run_code(LOG_HTML, media_store_dir)
        runs = media_server.get(f"/projects/{MEDIA_ENTITY}/{PROJECT}/runs")["runs"]
    body = media_server.get(
        f"/projects/{MEDIA_ENTITY}/{PROJECT}/media", runs=runs[0]["id"], key="hostile"
    )
    url = body["runs"][0]["steps"][-1]["value"]["url"]
    page.context.add_cookies(
        [{"name": "runyard_session", "value": SECRET, "url": media_server.url}]
    )
    response = page.goto(url)
    assert response is not None and response.ok
    csp = response.headers.get("content-security-policy", "")
    assert "sandbox" in csp and "allow-same-origin" not in csp
    assert response.headers.get("content-type", "").startswith("text/html")
    # opened as a page of the app's origin, the CSP sandbox still gives it an opaque origin
    results = read_results(page.main_frame)
    assert results["cookie"] in ("BLOCKED:SecurityError", "GOT:"), results
    assert results["storage"] == "BLOCKED:SecurityError", results
    assert SECRET not in " ".join(results.values())
    assert page.evaluate("() => self.origin") == "null"
