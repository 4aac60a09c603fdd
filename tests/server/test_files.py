"""Run files through the server: PUT, HEAD, GET, list, and presigned uploads (local and S3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.auth import accounts as accounts_module
from runyard.server.routes import files as files_routes
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.wire import encode_batch, encode_body
from tests.server.auth_app import CANARY, TeamApp, team_app

R = "/api/v1/projects/tester/proj/runs/r1"
OCTETS = {"Content-Type": "application/octet-stream"}


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest, ry_dir: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        store = open_blobs(Settings.from_env().blobs_uri)
    else:
        store = open_blobs(
            request.getfixturevalue("s3_blobs_uri"),
            s3_endpoint_url=request.getfixturevalue("s3_endpoint"),
        )
    yield store
    store.close()


@pytest.fixture
def client(blob_store: BlobStore) -> Iterator[TestClient]:
    run = runyard.init(project="proj", id="r1")
    run.finish()
    app = create_app(Settings.from_env().store_uri, blob_store)
    app.state.max_upload_bytes = 1000
    with TestClient(app) as test_client:
        yield test_client


def test_put_then_read_back_every_way(client: TestClient) -> None:
    response = client.put(f"{R}/files/ckpt/model.bin", content=b"\x00weights", headers=OCTETS)
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "ckpt/model.bin", "size": 8}
    assert client.get(f"{R}/files/ckpt/model.bin").content == b"\x00weights"
    head = client.head(f"{R}/files/ckpt/model.bin")
    assert head.status_code == 200 and head.headers["content-length"] == "8"
    assert client.head(f"{R}/files/nothing").status_code == 404
    assert client.get(f"{R}/files").json() == {"files": [{"name": "ckpt/model.bin", "size": 8}]}
    client.put(f"{R}/files/ckpt/model.bin", content=b"v2", headers=OCTETS)
    assert client.get(f"{R}/files/ckpt/model.bin").content == b"v2"


def test_uploads_may_precede_the_run(client: TestClient) -> None:
    late = "/api/v1/projects/tester/proj/runs/not-yet"
    assert client.put(f"{late}/files/a.txt", content=b"a", headers=OCTETS).status_code == 200
    assert client.head(f"{late}/files/a.txt").status_code == 200


@pytest.mark.parametrize("name", ["a/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "a%5Cb", "a//b", "%2E"])
def test_path_traversal_is_refused(client: TestClient, name: str) -> None:
    response = client.put(f"{R}/files/{name}", content=b"x", headers=OCTETS)
    assert response.status_code == 400 and "invalid file name" in response.json()["detail"]
    response = client.post(f"{R}/uploads", json={"name": "../x", "size": 1})
    assert response.status_code == 400


def test_bodies_over_the_limit_are_refused(client: TestClient) -> None:
    response = client.put(f"{R}/files/big", content=b"x" * 1001, headers=OCTETS)
    assert response.status_code == 413 and "limit of 1000 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(11):
            yield b"x" * 100

    response = client.put(f"{R}/files/big", content=chunks(), headers=OCTETS)
    assert response.status_code == 413
    assert client.head(f"{R}/files/big").status_code == 404
    assert client.put(f"{R}/files/ok", content=b"x" * 1000, headers=OCTETS).status_code == 200


def test_upload_answers_a_presigned_url_or_the_put_route(
    client: TestClient, blob_store: BlobStore
) -> None:
    payload = bytes(range(256)) * 20  # over the server's limit: S3 takes it directly
    response = client.post(f"{R}/uploads", json={"name": "media/x y.bin", "size": len(payload)})
    if blob_store.presigned_put("k") is None:
        assert response.status_code == 413
        response = client.post(f"{R}/uploads", json={"name": "media/x y.bin", "size": 10})
        answer = response.json()
        assert answer == {
            "url": f"{R}/files/media/x%20y.bin",
            "method": "PUT",
            "headers": OCTETS,
            "direct": False,
        }
        payload = payload[:10]
        assert client.put(answer["url"], content=payload, headers=answer["headers"]).is_success
    else:
        answer = response.json()
        assert answer["direct"] is True and answer["method"] == "PUT"
        assert answer["url"].startswith("http://127.0.0.1:")
        put = httpx.put(answer["url"], content=payload, headers=answer["headers"], timeout=30)
        assert put.status_code == 200, put.text
    assert client.get(f"{R}/files/media/x y.bin").content == payload


def test_large_files_redirect_to_a_presigned_download(
    client: TestClient, blob_store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files_routes, "REDIRECT_BYTES", 100)
    client.put(f"{R}/files/small", content=b"s" * 99, headers=OCTETS)
    client.put(f"{R}/files/large", content=b"l" * 100, headers=OCTETS)
    assert client.get(f"{R}/files/small", follow_redirects=False).status_code == 200
    large = client.get(f"{R}/files/large", follow_redirects=False)
    if blob_store.presigned_get("k") is None:
        assert large.status_code == 200 and large.content == b"l" * 100
    else:
        assert large.status_code == 307
        assert httpx.get(large.headers["location"], timeout=30).content == b"l" * 100
    assert client.get(f"{R}/files/missing", follow_redirects=False).status_code == 404


def test_bad_upload_requests_name_the_problem(client: TestClient) -> None:
    assert client.post(f"{R}/uploads", json={"name": "a", "size": -1}).status_code == 422
    assert client.post(f"{R}/uploads", json={"size": 1}).status_code == 422


# -- runs never share a file area (issue 12, point 2) ------------------------------------

TWIN = "/api/v1/projects/alice./secret/runs/r1"  # bob's team, named like alice plus a dot
ALICE = "/api/v1/projects/alice/secret/runs/r1"


@pytest.fixture(params=["sqlite-local", "postgresql-local", "sqlite-s3"])
def twins(
    request: pytest.FixtureRequest, ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TeamApp]:
    """The team server (alice's private run ``secret/r1`` with a saved file, a media image
    and a summary tensor), and bob's team ``alice.``, made before names ending in a dot
    were refused (so past :func:`check_name`), with his run ``secret/r1``."""
    database, blobs = request.param.split("-")
    if database == "postgresql":
        monkeypatch.setenv("RUNYARD_STORE", request.getfixturevalue("postgres_uri"))
    if blobs == "s3":
        monkeypatch.setenv("RUNYARD_BLOBS", request.getfixturevalue("s3_blobs_uri"))
        monkeypatch.setenv("RUNYARD_S3_ENDPOINT_URL", request.getfixturevalue("s3_endpoint"))
    with team_app(ry_dir) as team:
        run = runyard.init(entity="alice", project="secret", id="r1", resume="must")
        run.summary["weights"] = np.full(40, 7.0)
        run.finish()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(accounts_module, "check_name", lambda name, what: name)
            team.accounts.create_team("alice.", owner="bob")
        created = team.client.post(
            f"{TWIN}/batches",
            content=encode_body(
                encode_batch(RunBatch(RunRef("alice.", "secret", "r1"), create={}))
            )[0],
            headers={"Content-Encoding": encode_body({})[1], **team.auth("bob")},
        )
        assert created.status_code == 200, created.text
        yield team


def test_a_team_named_like_a_user_plus_a_dot_cannot_reach_her_files(twins: TeamApp) -> None:
    bob, alice = twins.auth("bob"), twins.auth("alice")
    client = twins.client
    name = f"{CANARY}.txt"
    # bob's team's run sees none of alice's files: not her saved file, media or tensor
    assert client.get(f"{TWIN}/files", headers=bob).json() == {"files": []}
    assert client.get(f"{TWIN}/files/{name}", headers=bob).status_code == 404
    assert client.head(f"{TWIN}/files/summary/weights.npy", headers=bob).status_code == 404
    # and what he writes there lands in his run, not over alice's file
    put = client.put(f"{TWIN}/files/{name}", content=b"bob was here", headers={**OCTETS, **bob})
    assert put.status_code == 200
    assert (
        client.get(f"{ALICE}/files/{name}", headers=alice).content == f"weights {CANARY}\n".encode()
    )
    assert client.get(f"{TWIN}/files/{name}", headers=bob).content == b"bob was here"
    tensor = runyard.Api().run("alice/secret/r1").summary.load_tensor("weights")
    assert tensor.sum() == 280.0
    # deleting his run deletes only his files
    gone = client.post(
        f"{TWIN}/batches",
        content=encode_body(encode_batch(RunBatch(RunRef("alice.", "secret", "r1"), delete=True)))[
            0
        ],
        headers={"Content-Encoding": encode_body({})[1], **bob},
    )
    assert gone.status_code == 200, gone.text
    listed = [f["name"] for f in client.get(f"{ALICE}/files", headers=alice).json()["files"]]
    assert name in listed and "summary/weights.npy" in listed
    assert any(n.startswith("media/") for n in listed)


ATTACKS = [
    "../r2/x",
    "a/../../r2/x",
    "%2E%2E/r2/x",
    "a/%2e%2e/%2e%2e/x",
    "a%5C..%5C..%5Cx",
    "%2Fetc%2Fpasswd",
    "a%00b",
    "x" * 256,
    "a/" * 600,
]


@pytest.mark.parametrize("name", ATTACKS)
def test_file_names_never_leave_their_run(client: TestClient, name: str) -> None:
    """Whatever a file name holds, it is refused (400) or stays a file of this run."""
    other = "/api/v1/projects/tester/proj/runs/r2"
    runyard.init(project="proj", id="r2").finish()
    client.put(f"{other}/files/x", content=b"other", headers=OCTETS)
    for method in ("PUT", "GET", "HEAD", "DELETE"):
        answer = client.request(method, f"{R}/files/{name}", content=b"evil")
        # 405: the client itself resolved "../" into another route (not a file route)
        assert answer.status_code in (200, 204, 400, 404, 405), (method, answer.text)
    upload = client.post(f"{R}/uploads", json={"name": name.replace("%2F", "/"), "size": 1})
    assert upload.status_code in (200, 400, 422)
    assert client.get(f"{other}/files/x").content == b"other"
    listed = client.get(f"{R}/files").json()["files"]
    assert all(
        not f["name"].startswith(("/", "..")) and ".." not in f["name"].split("/") for f in listed
    )


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("tester/proj/runs/%2E%2E", "'..'"),
        ("tester/%2E/runs/r1", "'.'"),
        ("te%00ster/proj/runs/r1", "\\x00"),
    ],
)
def test_names_no_run_may_have_are_refused_on_writes(
    client: TestClient, path: str, bad: str
) -> None:
    url = f"/api/v1/projects/{path}"
    body, encoding = encode_body(encode_batch(RunBatch(RunRef("x", "y", "z"), create={})))
    answer = client.post(f"{url}/batches", content=body, headers={"Content-Encoding": encoding})
    assert answer.status_code == 400 and bad in answer.json()["detail"], answer.text
    put = client.put(f"{url}/files/a.txt", content=b"x", headers=OCTETS)
    assert put.status_code in (400, 404)
