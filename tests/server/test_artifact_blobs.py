"""Uploading artifact contents: SHA-256 checked by the server, multipart through the
server or (S3) through presigned URLs, and no way to name another project's content."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from runyard.blobs.artifacts import artifact_key
from runyard.blobs.registry import open_blobs
from runyard.server.app import create_app
from runyard.store.base import ArtifactCommit, ArtifactFile, RunBatch
from runyard.store.sql.store import SqlStore
from runyard.store.wire import MEDIA_TYPE, encode_batch, pack

BLOBS = "/api/v1/projects/ent/proj/artifact-blobs"


def _app(tmp_path: Path, blobs_uri: str | None = None, limit: int | None = None) -> Any:
    store = SqlStore(f"sqlite:///{tmp_path}/s.db")
    blobs = open_blobs(blobs_uri or f"file://{tmp_path}/blobs")
    app = create_app(store, blobs, auth=None)
    if limit is not None:
        app.state.max_upload_bytes = limit
    return app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path, limit=1000)) as test_client:
        yield test_client


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def held(client: TestClient, *digests: str, project: str = "proj") -> list[str]:
    answer = client.post(
        f"/api/v1/projects/ent/{project}/artifact-blobs/held", json={"digests": list(digests)}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["held"])


def test_put_checks_the_sha256_of_the_body(client: TestClient) -> None:
    data = b"model weights"
    wrong = client.put(f"{BLOBS}/{sha(b'other')}", content=data)
    assert wrong.status_code == 400 and sha(data) in wrong.json()["detail"]
    assert held(client, sha(b"other")) == []
    assert client.put(f"{BLOBS}/{sha(data)}", content=data).status_code == 200
    assert held(client, sha(data), sha(b"other")) == [sha(data)]
    assert held(client, sha(data), project="elsewhere") == []  # per project
    assert client.put(f"{BLOBS}/not-a-digest", content=data).status_code == 400
    over = client.put(f"{BLOBS}/{sha(b'x' * 2000)}", content=b"x" * 2000)
    assert over.status_code == 413


def test_multipart_through_the_server_resumes_and_checks_the_whole(client: TestClient) -> None:
    data = bytes(range(256)) * 10  # 2560 bytes, parts of at most 1000
    plan = client.post(f"{BLOBS}/{sha(data)}/uploads", json={"size": len(data)}).json()
    assert plan["part_size"] == 1000 and [p["number"] for p in plan["parts"]] == [1, 2, 3]
    assert not any(p["direct"] for p in plan["parts"])
    upload = f"{BLOBS}/{sha(data)}/uploads/{plan['upload_id']}"
    first = client.put(plan["parts"][0]["url"], content=data[:1000])
    assert first.status_code == 200, first.text
    # A client killed now plans again and gets the same upload (file-backed blobs:
    # the upload id is fixed by project, content and size); another project, or
    # another size, gets another.
    again = client.post(f"{BLOBS}/{sha(data)}/uploads", json={"size": len(data)}).json()
    assert again == plan
    other = client.post(
        f"/api/v1/projects/ent/other/artifact-blobs/{sha(data)}/uploads", json={"size": 2560}
    ).json()
    assert other["upload_id"] != plan["upload_id"]
    resized = client.post(f"{BLOBS}/{sha(data)}/uploads", json={"size": 2561}).json()
    assert resized["upload_id"] != plan["upload_id"]
    # A resumed client learns which parts are there and sends the others.
    assert [p["number"] for p in client.get(upload).json()["parts"]] == [1]
    etags = [first.json()["etag"]]
    for part in plan["parts"][1:]:
        n = part["number"]
        etags.append(
            client.put(part["url"], content=data[(n - 1) * 1000 : n * 1000]).json()["etag"]
        )
    parts = [{"number": i + 1, "etag": e} for i, e in enumerate(etags)]
    done = client.post(f"{upload}/complete", json={"parts": parts})
    assert done.status_code == 200, done.text
    assert held(client, sha(data)) == [sha(data)]
    # A second client uploading the same content at the same time had the same upload:
    # its parts went with the first one's completion, and its own completion succeeds.
    late = client.post(f"{upload}/complete", json={"parts": parts})
    assert late.status_code == 200 and late.json() == {"digest": sha(data), "size": 2560}
    # ... but only for content the project holds: never a way to claim another's.
    elsewhere = f"/api/v1/projects/ent/other/artifact-blobs/{sha(data)}/uploads"
    theirs = client.post(elsewhere, json={"size": 2560}).json()["upload_id"]
    claim = client.post(f"{elsewhere}/{theirs}/complete", json={"parts": parts})
    assert claim.status_code == 400 and "missing parts" in claim.json()["detail"]
    assert held(client, sha(data), project="other") == []


def test_multipart_with_other_content_is_refused(client: TestClient, tmp_path: Path) -> None:
    claimed = sha(b"secret of another project")
    plan = client.post(f"{BLOBS}/{claimed}/uploads", json={"size": 5}).json()
    client.put(plan["parts"][0]["url"], content=b"fake!")
    upload = f"{BLOBS}/{claimed}/uploads/{plan['upload_id']}"
    refused = client.post(f"{upload}/complete", json={"parts": [{"number": 1, "etag": "x"}]})
    assert refused.status_code == 400 and "SHA-256" in refused.json()["detail"]
    assert held(client, claimed) == []
    assert not (tmp_path / "blobs" / artifact_key(claimed)).exists()


def _post_batch(client: TestClient, batch: RunBatch) -> httpx.Response:
    return client.post(
        f"/api/v1/projects/{batch.run.entity}/{batch.run.project}/runs/{batch.run.run_id}/batches",
        content=pack(encode_batch(batch)),
        headers={"Content-Type": MEDIA_TYPE},
    )


def test_a_commit_may_name_only_content_its_project_holds(client: TestClient) -> None:
    data = b"uploaded to proj only"
    client.put(f"{BLOBS}/{sha(data)}", content=data)
    entries = [ArtifactFile("w.bin", sha(data), len(data))]
    from runyard.entities import RunRef

    thief = RunBatch(
        RunRef("ent", "other", "r"),
        create={},
        artifacts=[ArtifactCommit("c1", "stolen", "model", entries)],
    )
    refused = _post_batch(client, thief)
    assert refused.status_code == 400 and "not uploaded to ent/other" in refused.json()["detail"]
    owner = RunBatch(
        RunRef("ent", "proj", "r"),
        create={},
        artifacts=[ArtifactCommit("c2", "net", "model", entries)],
    )
    assert _post_batch(client, owner).status_code == 200
    served = client.get("/api/v1/projects/ent/proj/artifacts/net/v0/files/w.bin")
    assert served.status_code == 200 and served.content == data
    assert client.get("/api/v1/projects/ent/proj/artifacts/net/v0/files/nope").status_code == 404


def test_s3_multipart_through_presigned_urls(
    tmp_path: Path, s3_blobs_uri: str, s3_endpoint: str
) -> None:
    from runyard.blobs.s3 import S3BlobStore

    app = _app(tmp_path, blobs_uri=s3_blobs_uri)
    app.state.blobs = S3BlobStore(s3_blobs_uri, endpoint_url=s3_endpoint)
    data = b"\x01" * (5 << 20) + b"tail"  # S3's smallest part is 5 MiB
    with TestClient(app) as client:
        import runyard.server.routes.artifact_blobs as routes

        routes_part = routes.PART_BYTES
        routes.PART_BYTES = 5 << 20
        try:
            plan = client.post(f"{BLOBS}/{sha(data)}/uploads", json={"size": len(data)}).json()
        finally:
            routes.PART_BYTES = routes_part
        assert [p["direct"] for p in plan["parts"]] == [True, True]
        etags = []
        for part in plan["parts"]:
            n = part["number"]
            answer = httpx.put(part["url"], content=data[(n - 1) * (5 << 20) : n * (5 << 20)])
            assert answer.status_code == 200, answer.text
            etags.append(answer.headers["etag"])
        upload = f"{BLOBS}/{sha(data)}/uploads/{plan['upload_id']}"
        assert [p["number"] for p in client.get(upload).json()["parts"]] == [1, 2]
        parts = [{"number": i + 1, "etag": e} for i, e in enumerate(etags)]
        done = client.post(f"{upload}/complete", json={"parts": parts})
        assert done.status_code == 200, done.text
        assert app.state.blobs.get(artifact_key(sha(data))) == data
        assert app.state.blobs.list("artifacts/staging") == []
        assert held(client, sha(data)) == [sha(data)]
