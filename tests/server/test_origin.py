"""Other web pages cannot use the API through the user's browser (issue 12, point 3).

Each test sends, with the real app over a real store, what a browser sends for a
page of another origin (a text/plain or form POST, an ``Origin``, a
``Sec-Fetch-Site``, a rebound ``Host``), asserts the refusal, and then reads the
store to check nothing changed. A control request shows the same body does change
the store when our own client sends it, so each refusal is the guard's doing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.origin import HostNames, RequestGuard, served_hosts
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore
from runyard.store.wire import MEDIA_TYPE, encode_batch, pack
from tests.server.auth_app import PRIVATE, TeamApp, team_app

REF = RunRef("me", "proj", "victim")
P = "/api/v1/projects/me/proj"
BATCHES = f"{P}/runs/victim/batches"
PRESET = "/api/v1/presets/me/planted"
SPEC = {"mark": "point", "data": {"name": "wandb"}}
HOSTS = served_hosts("127.0.0.1", ["runyard.example.org"])
UI = "http://127.0.0.1:8765"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    tracking = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    tracking.write_batch(RunBatch(REF, create={"display_name": "victim"}))
    yield tracking
    tracking.close()


@pytest.fixture
def client(store: SqlStore, tmp_path: Path) -> Iterator[TestClient]:
    """``runyard ui``'s app (no accounts), serving 127.0.0.1 and a proxy's name."""
    app = create_app(store, LocalBlobStore(tmp_path / "blobs"), hosts=HOSTS)
    with TestClient(app, base_url=UI) as test_client:
        yield test_client


def delete_batch() -> bytes:
    return pack(encode_batch(RunBatch(REF, delete=True)))


def presets(client: TestClient) -> list[str]:
    answer = client.get("/api/v1/presets", params={"entity": "me"})
    assert answer.status_code == 200, answer.text
    return [p["id"] for p in answer.json()["presets"]]


# -- cross-site "simple" requests ---------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        " TEXT/PLAIN ",
    ],
)
def test_simple_body_types_cannot_delete_a_run(
    client: TestClient, store: SqlStore, content_type: str
) -> None:
    answer = client.post(BATCHES, content=delete_batch(), headers={"Content-Type": content_type})
    assert answer.status_code == 403, answer.text
    assert "Content-Type" in answer.json()["detail"]
    assert store.get_run(REF) is not None


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_simple_body_types_cannot_plant_a_preset(client: TestClient, content_type: str) -> None:
    body = json.dumps({"spec": SPEC}).encode()
    answer = client.post(PRESET, content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 403, answer.text
    assert "me/planted" not in presets(client)


def test_our_clients_body_types_and_header_are_served(client: TestClient, store: SqlStore) -> None:
    """Controls: the same bodies from our clients (JSON, msgpack, or the header) work."""
    planted = client.post(PRESET, json={"spec": SPEC})
    assert planted.status_code == 200, planted.text
    assert "me/planted" in presets(client)
    headed = client.post(
        "/api/v1/presets/me/again",
        content=json.dumps({"spec": SPEC}).encode(),
        headers={"Content-Type": "text/plain", "X-Runyard-Client": "web"},
    )
    assert headed.status_code == 200, headed.text
    deleted = client.post(BATCHES, content=delete_batch(), headers={"Content-Type": MEDIA_TYPE})
    assert deleted.status_code == 200, deleted.text
    assert store.get_run(REF) is None


# -- Origin and Sec-Fetch-Site ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://127.0.0.1:9999"},  # another port: another origin
        {"Origin": "http://evil.example"},
        {"Origin": "null"},  # sandboxed frames, data: URLs
        {"Origin": "http://127.0.0.1:8765.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # same host, another port
        {"Origin": UI, "Sec-Fetch-Site": "same-site"},
    ],
    ids=["port", "site", "null", "suffix", "cross-site", "same-site", "fetch-site-wins"],
)
def test_writes_from_other_origins_are_403(
    client: TestClient, store: SqlStore, headers: dict[str, str]
) -> None:
    sent = {"Content-Type": MEDIA_TYPE, **headers}
    answer = client.post(BATCHES, content=delete_batch(), headers=sent)
    assert answer.status_code == 403, answer.text
    planted = client.post(PRESET, json={"spec": SPEC}, headers=headers)
    assert planted.status_code == 403, planted.text
    workspace = client.put(f"{P}/workspace", json={"settings": {"x": 1}}, headers=headers)
    assert workspace.status_code == 403, workspace.text
    assert store.get_run(REF) is not None
    assert "me/planted" not in presets(client)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": UI, "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost:8765", "Host": "localhost:8765"},
        {"Origin": "https://runyard.example.org", "Host": "127.0.0.1:8765"},  # proxy
        {"Origin": "https://runyard.example.org", "Host": "runyard.example.org"},
        {"Sec-Fetch-Site": "none"},
    ],
    ids=["same-origin", "localhost", "proxy-rewrites-host", "proxy-keeps-host", "typed"],
)
def test_writes_from_our_own_pages_are_served(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post(PRESET, json={"spec": SPEC}, headers=headers)
    assert answer.status_code == 200, answer.text


def test_reads_are_not_checked_for_origin(client: TestClient) -> None:
    """A page elsewhere cannot read the answer anyway (no CORS headers), and links
    to the app from other sites must open."""
    answer = client.get(
        f"{P}/runs", headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


# -- Host (DNS rebinding) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example:8765", "evil.example", "127.0.0.1.evil.example", "localhost.evil"]
)
def test_unknown_host_names_are_refused(client: TestClient, store: SqlStore, host: str) -> None:
    for answer in (
        client.get("/api/v1/projects", headers={"Host": host}),
        client.get(f"{P}/runs", headers={"Host": host}),
        client.get("/", headers={"Host": host}),
        client.post(
            BATCHES, content=delete_batch(), headers={"Host": host, "Content-Type": MEDIA_TYPE}
        ),
    ):
        assert answer.status_code == 400, answer.text
        assert "victim" not in answer.text
        assert "--allowed-host" in answer.json()["detail"]
    assert store.get_run(REF) is not None


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8765",
        "localhost:8765",
        "LOCALHOST",
        "[::1]:8765",
        "10.1.2.3:8765",
        "[fe80::1]",
        "runyard.example.org",
        "runyard.example.org:443",
        "localhost.",
    ],
)
def test_served_host_names(client: TestClient, host: str) -> None:
    assert client.get("/api/v1/projects", headers={"Host": host}).status_code == 200


def test_served_hosts_of_a_wildcard_bind_and_of_star() -> None:
    import socket

    everywhere = served_hosts("0.0.0.0")
    assert everywhere.serves(socket.gethostname())
    assert everywhere.serves("192.168.1.7:8765") and not everywhere.serves("evil.example")
    bound = served_hosts("box.lan")
    assert bound.serves("box.lan:8765") and not bound.serves(socket.gethostname() + ".evil")
    assert served_hosts("127.0.0.1", ["*"]).serves("anything.example")
    assert not HostNames(frozenset({"localhost"})).serves("evil.example")


def test_the_guard_alone_covers_the_start_up_shim() -> None:
    """``runyard ui`` wraps its start-up shim (static files before the API is ready)
    in the guard: a rebound page gets no page either."""
    import asyncio
    import threading

    sent: list[Any] = []
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    guard = RequestGuard(app, served_hosts("127.0.0.1"))
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"evil.example")]}
    # A thread of its own: an earlier test in this process (Playwright's sync API) may
    # have left an event loop running on this one.
    worker = threading.Thread(target=lambda: asyncio.run(guard(scope, receive, send)))
    worker.start()
    worker.join()
    assert reached == [] and sent[0]["status"] == 400


# -- the team server ----------------------------------------------------------------------


@pytest.fixture
def team(ry_dir: Path) -> Iterator[TeamApp]:
    with team_app(ry_dir) as app:
        yield app


def test_team_server_session_writes_from_other_origins_are_403(team: TeamApp) -> None:
    """With a login cookie and even the right CSRF token, another origin's write is
    refused; the same write from the app's own page is served."""
    login = team.client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": "alice-password"}
    )
    csrf = login.json()["csrf_token"]
    url = f"{PRIVATE}/workspace"
    evil = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    assert team.client.put(url, json={"settings": {"x": 1}}, headers=evil).status_code == 403
    own = {"X-CSRF-Token": csrf, "Origin": "http://testserver"}
    assert team.client.put(url, json={"settings": {"x": 1}}, headers=own).status_code == 200


def test_team_server_login_from_another_origin_is_403(team: TeamApp) -> None:
    """Login CSRF: another page logging the user in as the attacker."""
    answer = team.client.post(
        "/api/v1/auth/login",
        json={"username": "bob", "password": "bob-password"},
        headers={"Origin": "http://evil.example"},
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_team_server_api_keys_work_without_browser_headers(team: TeamApp) -> None:
    answer = team.client.put(
        f"{PRIVATE}/workspace", json={"settings": {"k": 1}}, headers=team.auth("alice")
    )
    assert answer.status_code == 200, answer.text


def test_no_auth_team_app_is_guarded_too(store: SqlStore, tmp_path: Path) -> None:
    """``runyard server --no-auth`` builds the same app without accounts."""
    app = create_app(store, LocalBlobStore(tmp_path / "blobs"), auth=None, hosts=HOSTS)
    with TestClient(app, base_url=UI) as test_client:
        answer = test_client.post(
            BATCHES, content=delete_batch(), headers={"Content-Type": "text/plain"}
        )
        assert answer.status_code == 403
        assert (
            test_client.get("/api/v1/projects", headers={"Host": "evil.example"}).status_code == 400
        )
    assert store.get_run(REF) is not None


def test_the_app_page_cannot_be_framed_by_other_sites(store: SqlStore, tmp_path: Path) -> None:
    """A decoy page framing the UI could trick clicks (delete a run) into it."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>Runyard</title>")
    app = create_app(store, LocalBlobStore(tmp_path / "blobs"), static, hosts=HOSTS)
    with TestClient(app, base_url=UI) as test_client:
        page = test_client.get("/tester/p")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
