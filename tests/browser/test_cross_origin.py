"""Other web pages cannot change or read the local UI's data (issue 12, point 3).

A page served on a second port (another origin) tries what any site the user
visits could: a ``text/plain`` ``POST`` of a delete batch, a preset plant, a form
``POST`` (``enctype="text/plain"`` carrying JSON) and a ``fetch`` read. Then a
DNS-rebinding page: Chromium resolves ``evil.test`` to 127.0.0.1
(``--host-resolver-rules``), the page is at ``http://evil.test:<UI port>/`` and so
same-origin with the UI, and only the Host check stands between it and the data.
The store itself is read afterwards to check nothing changed.
"""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, Response

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore
from runyard.store.wire import encode_batch, pack
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ENTITY,
    Server,
    close_context,
    run_code,
    serve_ui,
)

pytestmark = pytest.mark.browser

PROJECT = "cross-origin"
VICTIM = RunRef(ENTITY, PROJECT, "victim")
BATCHES = f"/api/v1/projects/{ENTITY}/{PROJECT}/runs/victim/batches"
SPEC = {"mark": "point", "data": {"name": "wandb"}}
SEED = f"""
import runyard
with runyard.init(entity={ENTITY!r}, project={PROJECT!r}, id="victim", name="victim") as run:
    run.log({{"loss": 0.5}})
"""

# What the other site's page runs: each attempt reports how far it got.
ATTACKS = """
async ([ui, batch, spec]) => {
  const out = {};
  const bytes = Uint8Array.from(atob(batch), (c) => c.charCodeAt(0));
  const send = async (name, url, init) => {
    try { const r = await fetch(url, init); out[name] = r.type + ":" + r.status + ":" + (await r.text()); }
    catch (e) { out[name] = "error:" + e.name; }
  };
  await send("delete", ui + BATCHES, {method: "POST", mode: "no-cors",
                                      headers: {"Content-Type": "text/plain"}, body: bytes});
  await send("preset", ui + "/api/v1/presets/ENTITY/planted", {method: "POST", mode: "no-cors",
             headers: {"Content-Type": "text/plain"}, body: JSON.stringify({spec})});
  await send("read", ui + "/api/v1/projects", {});
  await send("read-no-cors", ui + "/api/v1/projects", {mode: "no-cors"});
  // A form needs no script on the target: JSON smuggled in a text/plain field.
  const sink = document.createElement("iframe");
  sink.name = "sink";
  document.body.appendChild(sink);
  await new Promise((resolve) => setTimeout(resolve, 0));  // about:blank's own load
  await new Promise((resolve) => {
    sink.onload = resolve;
    const form = document.createElement("form");
    form.method = "POST";
    form.enctype = "text/plain";
    form.target = "sink";
    form.action = ui + "/api/v1/presets/ENTITY/form-planted";
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = '{"spec":' + JSON.stringify(spec) + ',"pad":"';
    field.value = '"}';
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
  });
  out.form = "submitted";
  return out;
}
""".replace("BATCHES", json.dumps(BATCHES)).replace("ENTITY", ENTITY)

# The rebound page, same-origin with the UI: it may send any request.
REBOUND = (
    """
async ([batch]) => {
  const out = {};
  const bytes = Uint8Array.from(atob(batch), (c) => c.charCodeAt(0));
  for (const [name, url, init] of [
    ["projects", "/api/v1/projects", {}],
    ["runs", "/api/v1/projects/ENTITY/PROJECT/runs", {}],
    ["delete", BATCHES, {method: "POST", body: bytes,
                         headers: {"Content-Type": "application/vnd.runyard.v1+msgpack"}}],
  ]) {
    try { const r = await fetch(url, init); out[name] = [r.status, await r.text()]; }
    catch (e) { out[name] = [0, "error:" + e.name]; }
  }
  return out;
}
""".replace("BATCHES", json.dumps(BATCHES))
    .replace("ENTITY", ENTITY)
    .replace("PROJECT", PROJECT)
)

PAGE = b"<!doctype html><title>a page elsewhere</title><p>nothing to see</p>"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cross-origin") / "runyard"
    run_code(SEED, root)
    return root


@pytest.fixture(scope="module")
def ui(store_root: Path, _browser_stack: None) -> Iterator[Server]:
    with serve_ui(store_root) as ready:
        yield ready


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[str]:
    """Another origin: a plain page on a second port of 127.0.0.1."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def delete_batch() -> str:
    return base64.b64encode(pack(encode_batch(RunBatch(VICTIM, delete=True)))).decode()


def assert_store_unchanged(root: Path) -> None:
    store = SqlStore(f"sqlite:///{root}/runyard.db")
    try:
        run = store.get_run(VICTIM)
        assert run is not None, "the other page deleted the run"
        assert len(store.read_series(VICTIM, "loss")) == 1
        names = [name for name, _version in store.list_presets(ENTITY)]
        assert not [n for n in names if "planted" in n], names
    finally:
        store.close()


def test_a_page_of_another_origin_cannot_change_or_read_the_ui(
    browser: Browser, ui: Server, elsewhere: str, store_root: Path
) -> None:
    ui_origin = ui.url.rstrip("/")
    context = browser.new_context()
    page = context.new_page()
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if r.url.startswith(ui_origin) else None)
    try:
        page.goto(elsewhere)
        results = page.evaluate(ATTACKS, [ui_origin, delete_batch(), SPEC])
    finally:
        close_context(context)
    # The writes reached the UI (the browser sent them) and were refused there.
    writes = {urlsplit(r.url).path: r.status for r in answers if r.request.method == "POST"}
    assert writes == {
        BATCHES: 403,
        f"/api/v1/presets/{ENTITY}/planted": 403,
        f"/api/v1/presets/{ENTITY}/form-planted": 403,
    }, (writes, results)
    # The read gives the page nothing: CORS blocks it, and no-cors is opaque.
    assert results["read"] == "error:TypeError", results
    assert results["read-no-cors"] == "opaque:0:", results
    assert_store_unchanged(store_root)
    assert ui.get(f"/projects/{ENTITY}/{PROJECT}/runs")["runs"][0]["id"] == "victim"


@pytest.fixture(scope="module")
def rebinding_browser(browser: Browser) -> Iterator[Browser]:
    """Chromium resolving evil.test to 127.0.0.1, as after a DNS rebinding.

    Chromium's own Private Network Access check would block the page's requests (a
    page it thinks public reaching loopback); it is switched off here because
    Firefox and Safari have none and rebinding attacks get around it, so the
    server must not depend on it (the control test shows the page then reads)."""
    rebound = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--host-resolver-rules=MAP evil.test 127.0.0.1",
            "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults",
        ],
    )
    try:
        yield rebound
    finally:
        rebound.close()


def rebound_page(browser: Browser, ui: Server) -> tuple[Any, Page, str]:
    """A page at http://evil.test:<UI port>/ whose document comes from the attacker
    (Playwright answers it: the first DNS answer), its requests then reaching the UI."""
    port = urlsplit(ui.url).port
    origin = f"http://evil.test:{port}"
    context = browser.new_context()
    page = context.new_page()
    page.route(f"{origin}/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    page.goto(f"{origin}/")
    return context, page, origin


def test_a_dns_rebinding_page_cannot_read_or_change_the_ui(
    rebinding_browser: Browser, ui: Server, store_root: Path
) -> None:
    context, page, _origin = rebound_page(rebinding_browser, ui)
    try:
        results = page.evaluate(REBOUND, [delete_batch()])
    finally:
        close_context(context)
    for name in ("projects", "runs", "delete"):
        status, text = results[name]
        assert status == 400, results
        assert "victim" not in text and PROJECT not in text.replace("evil.test", ""), results
    assert_store_unchanged(store_root)


def test_a_rebinding_page_would_read_the_data_without_the_host_check(
    rebinding_browser: Browser, store_root: Path
) -> None:
    """Control: with evil.test allowed (--allowed-host), the same page reads every
    project, so the refusal above is the Host check's doing, not the browser's."""
    with serve_ui(store_root, "--allowed-host", "evil.test") as permissive:
        context, page, _origin = rebound_page(rebinding_browser, permissive)
        try:
            status, text = page.evaluate(
                "async () => { const r = await fetch('/api/v1/projects');"
                " return [r.status, await r.text()]; }"
            )
        finally:
            close_context(context)
    assert status == 200 and PROJECT in text
