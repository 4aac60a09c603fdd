"""Run files through the server: PUT, HEAD, GET, list, and presigned uploads (local and S3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs
from runyard.server.app import create_app
from runyard.server.routes import files as files_routes
from runyard.settings import Settings

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
