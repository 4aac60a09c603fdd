"""The ASGI fast path for ``POST …/runs/{run_id}/batches`` (runyard.server.fast_ingest)
answers exactly what the FastAPI route answers, writes the same into the store, and
keeps every access rule: checked against the route itself (``fast_ingest=False``) on
SQLite and PostgreSQL, with accounts, rate limits and session cookies."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.fast_ingest import IngestFastPath
from runyard.server.limits import Limits
from runyard.server.routes.ingest import MAX_BODY_BYTES, post_batch
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore
from runyard.store.wire import MEDIA_TYPE, encode_batch, pack
from tests.server.auth_app import PRIVATE, PUBLIC, TeamApp, team_app

RUN = RunRef("ent", "proj", "run1")
URL = "/api/v1/projects/ent/proj/runs/run1/batches"


def fast_path(app: FastAPI) -> IngestFastPath:
    """The app's fast-path middleware (the stack is built on the first request)."""
    layer: Any = app.middleware_stack
    while layer is not None:
        if isinstance(layer, IngestFastPath):
            return layer
        layer = getattr(layer, "app", None)
    raise AssertionError("no IngestFastPath in the middleware stack")


def body(
    start: int | None, end: int, steps: range = range(2), run: RunRef = RUN, **fields: Any
) -> bytes:
    x = np.arange(steps.start, steps.stop, dtype=np.int64)
    return pack(
        encode_batch(
            RunBatch(
                run,
                create={"display_name": "x"},
                columns={"loss": (x, x * 0.5), "acc": (x, x.astype(np.float64))},
                journal=("j1", end),
                journal_start=start,
                **fields,
            )
        )
    )


def _bomb(mib: int) -> bytes:
    deflater = zlib.compressobj(9)
    zeros = b"\0" * (1 << 20)
    return b"".join(deflater.compress(zeros) for _ in range(mib)) + deflater.flush()


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    while total > 0:
        yield b"\0" * min(size, total)
        total -= size


#: (method, url, body, headers): every answer the route gives, good and bad.
REQUESTS: list[tuple[str, str, Any, dict[str, str]]] = [
    ("POST", URL, body(0, 100), {"Content-Type": MEDIA_TYPE}),
    ("POST", URL, body(0, 100), {}),  # a retry: the same answer, nothing changes
    ("POST", URL, body(300, 400, range(2, 4)), {}),  # a gap: 409 with "stored"
    ("POST", URL, body(100, 200, range(2, 5)), {}),
    (
        "POST",
        URL,
        zlib.compress(body(200, 300, range(5, 9))),
        {"Content-Encoding": "deflate"},
    ),
    ("POST", URL, b"\xc1", {}),
    ("POST", URL, b"garbage", {"Content-Encoding": "deflate"}),
    ("POST", URL, body(300, 400), {"Content-Encoding": "br"}),
    ("POST", URL, pack({"v": 7}), {}),
    ("POST", URL, _bomb(300), {"Content-Encoding": "deflate"}),  # inflates past the limit
    # the body names another run than the URL: refused, nothing written anywhere
    ("POST", URL, body(300, 400, run=RunRef("ent", "other", "run1")), {}),
    ("POST", "/api/v1/projects/ent/proj/runs/r%00n/batches", body(0, 1), {}),
    ("POST", URL + "?note=a%00b", body(300, 400), {}),
    ("POST", "/api/v1/projects/ent/proj/runs/%20x/batches", body(0, 1), {}),
    ("POST", "/api/v1/projects/ent/proj/runs/..%2F/batches", body(0, 1), {}),
    ("POST", URL, body(300, 400, copy_history=(RunRef("ent", "proj", "ghost"), 3)), {}),
    ("POST", URL, lambda: b"\0" * (MAX_BODY_BYTES + 1), {}),  # declared too large
    ("POST", URL, lambda: _chunks(MAX_BODY_BYTES + 1), {}),  # streamed, no Content-Length
    ("POST", URL + "/", body(300, 400), {}),  # not the route's path: FastAPI answers
    ("PUT", URL, body(300, 400), {}),  # nor its method
    ("GET", URL, None, {}),
    ("POST", URL, body(300, 400, range(9, 12), journal_done=True), {}),
]


def _answers(app: FastAPI) -> list[tuple[int, Any, str | None]]:
    out = []
    with TestClient(app, follow_redirects=False) as client:
        for method, url, content, headers in REQUESTS:
            if callable(content):
                content = content()  # made per app: a generator is used up
            answer = client.request(method, url, content=content, headers=headers)
            kind = answer.headers.get("content-type")
            out.append(
                (answer.status_code, answer.json() if kind == "application/json" else None, kind)
            )
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def uris(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fast.db", f"sqlite:///{tmp_path}/route.db"
    else:
        server = request.getfixturevalue("postgres_server")
        yield server.new_database(), server.new_database()


def test_the_fast_path_answers_and_stores_what_the_route_does(
    uris: tuple[str, str], tmp_path: Path
) -> None:
    fast_uri, route_uri = uris
    fast = create_app(fast_uri, f"file://{tmp_path}/fast-blobs")
    route = create_app(route_uri, f"file://{tmp_path}/route-blobs", fast_ingest=False)
    fast_answers, route_answers = _answers(fast), _answers(route)
    for request, mine, theirs in zip(REQUESTS, fast_answers, route_answers, strict=True):
        assert mine == theirs, request[:2]
    statuses = [a[0] for a in fast_answers]
    assert statuses[:14] == [200, 200, 409, 200, 200, 400, 400, 415, 400, 413, 400, 400, 400, 400]
    assert statuses[14:] == [405, 422, 413, 413, 405, 405, 404, 200]
    assert fast_answers[2][1]["stored"] == 100
    # The fast path answered every batch post of the route's path, and only those.
    assert fast_path(fast).served == 18
    for uri in (fast_uri, route_uri):
        store = SqlStore(uri)
        try:
            loss = store.read_series(RUN, "loss")
            assert list(loss.steps) == list(range(12))
            assert list(loss.values) == [s * 0.5 for s in range(12)]
            assert store.journal_offset("j1") == 0  # done: nothing more is admitted
            assert store.get_run(RUN).state == "running"
            assert store.query_runs("ent", "other") == []
        finally:
            store.close()


def _team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits) -> Iterator[TeamApp]:
    root = tmp_path / "team"
    monkeypatch.setenv("RUNYARD_DIR", str(root))
    monkeypatch.setenv("RUNYARD_ENTITY", "tester")
    for name in ("RUNYARD_STORE", "RUNYARD_BASE_URL", "RUNYARD_API_KEY", "RUNYARD_BLOBS"):
        monkeypatch.delenv(name, raising=False)
    with team_app(root, limits) as app:
        yield app


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamApp]:
    yield from _team(tmp_path, monkeypatch, Limits())


@pytest.fixture
def limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamApp]:
    """Three requests per key, then one every 100 s."""
    yield from _team(tmp_path, monkeypatch, Limits(rate=0.01, burst=3))


def alice(run_id: str = "r9", start: int = 0, journal: str = "alice-j") -> bytes:
    return pack(
        encode_batch(
            RunBatch(
                RunRef("alice", "secret", run_id),
                create={},
                columns={"x": ([start], [1.0])},
                journal=(journal, start + 10),
                journal_start=start,
            )
        )
    )


def test_access_rules_hold_on_the_fast_path(team: TeamApp) -> None:
    client = team.client
    url = f"{PRIVATE}/runs/r9/batches"
    anonymous = client.post(url, content=alice())
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"]
    bad_key = client.post(url, content=alice(), headers={"Authorization": "Bearer nope"})
    assert bad_key.status_code == 401
    assert client.post(url, content=alice(), headers=team.auth("bob")).status_code == 404
    public = client.post(f"{PUBLIC}/runs/r9/batches", content=alice(), headers=team.auth("bob"))
    assert public.status_code == 403
    assert client.post(url, content=alice(), headers=team.auth("alice")).status_code == 200
    # bob, writing his own project, can neither name alice's run in the body nor take
    # over her journal (409 without her offset), and nothing of his batch is applied
    bob_url = "/api/v1/projects/bob/mine/runs/r9/batches"
    wrong_run = client.post(bob_url, content=alice(), headers=team.auth("bob"))
    assert wrong_run.status_code == 400 and "batch is for run" in wrong_run.json()["detail"]
    bobs = pack(
        encode_batch(
            RunBatch(
                RunRef("bob", "mine", "r9"),
                create={},
                columns={"x": ([0], [2.0])},
                journal=("alice-j", 20),
                journal_start=10,
            )
        )
    )
    taken = client.post(bob_url, content=bobs, headers=team.auth("bob"))
    assert taken.status_code == 409 and "stored" not in taken.json(), taken.text
    store = team.client.app.state.store  # type: ignore[attr-defined]
    assert store.get_run(RunRef("bob", "mine", "r9")) is None
    assert list(store.read_series(RunRef("alice", "secret", "r9"), "x").values) == [1.0]
    assert fast_path(team.client.app).served == 7  # type: ignore[arg-type]


def test_rate_limits_and_session_writes_on_the_fast_path(limited: TeamApp) -> None:
    team = limited
    client = team.client
    url = f"{PRIVATE}/runs/r8/batches"
    answers = [
        client.post(url, content=alice("r8", s, "j8"), headers=team.auth("alice")).status_code
        for s in (0, 10, 20, 30, 40)
    ]
    assert answers == [200, 200, 200, 429, 429]
    refused = client.post(url, content=alice("r8", 30, "j8"), headers=team.auth("alice"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    store = client.app.state.store  # type: ignore[attr-defined]
    assert store.journal_offset("j8") == 30
    login = client.post(
        "/api/v1/auth/login", json={"username": "root", "password": "root-password"}
    )
    assert login.status_code == 200, login.text
    no_token = client.post(f"{PRIVATE}/runs/r7/batches", content=alice("r7", 0, "j7"))
    assert no_token.status_code == 403 and "X-CSRF-Token" in no_token.json()["detail"]
    assert store.get_run(RunRef("alice", "secret", "r7")) is None


def test_the_router_would_send_these_requests_to_the_ingest_route(tmp_path: Path) -> None:
    """The fast path shadows the route, not another one registered earlier: the first
    route matching a batch post (as the router picks it) is ``post_batch``."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Match

    app = create_app(f"sqlite:///{tmp_path}/s.db", f"file://{tmp_path}/blobs")
    for path in (
        URL,
        "/api/v1/projects/e/p/runs/history/batches",
        "/api/v1/projects/e/p/runs/r 1/batches",
    ):
        scope = {"type": "http", "method": "POST", "path": path, "root_path": "", "headers": []}
        chosen = None
        for context in iter_route_contexts(app.router.routes):
            if context.matches(scope)[0] == Match.FULL:
                chosen = context.endpoint
                break
        assert chosen is post_batch, path
        assert fast_path_pattern(app).fullmatch(path)


def fast_path_pattern(app: FastAPI) -> Any:
    with TestClient(app):  # builds the middleware stack
        return fast_path(app)._path
