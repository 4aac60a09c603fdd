"""wandb's artifact operations through the real app (no accounts, SQLite, a local blob
store, so uploads and downloads go through this server's signed URLs): the write
sequence of wandb's core, identical content as one version, reads by alias, the
manifest in wandb's shape, and refusals that name what is wrong."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.store.sql.store import SqlStore

CREATE = """mutation CreateArtifact($input: CreateArtifactInput!) {
  createArtifact(input: $input) { artifact { id state artifactSequence { latestArtifact { id } } } } }"""
MANIFEST = """mutation CreateArtifactManifest($artifactID: ID!, $name: String!, $digest: String!,
  $entityName: String!, $projectName: String!, $runName: String!, $includeUpload: Boolean!) {
  createArtifactManifest(input: {artifactID: $artifactID, name: $name, digest: $digest,
    entityName: $entityName, projectName: $projectName, runName: $runName}) {
    artifactManifest { id file { id uploadUrl @include(if: $includeUpload) } } } }"""
FILES = """mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) {
  createArtifactFiles(input: $input) { files { edges { node { storagePath uploadUrl
    artifact { id } } } } } }"""
COMMIT = """mutation CommitArtifact($artifactID: ID!) {
  commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest } } }"""
BY_NAME = """query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) { artifactCollectionMembership(name: $name) {
    __typename id versionIndex aliases { __typename alias }
    artifactCollection { __typename name project { name entity { name } } }
    artifact { __typename id versionIndex state size digest fileCount
      artifactType { name } artifactSequence { __typename name }
      aliases { __typename alias artifactCollection { __typename name } } } } } }"""
USE = """mutation UseArtifact($input: UseArtifactInput!) {
  useArtifact(input: $input) { artifact { id digest state } } }"""
FETCH_MANIFEST = """query FetchArtifactManifest($id: ID!) {
  artifact(id: $id) { currentManifest { file { directUrl } } } }"""
FILE_URLS = """query GetArtifactMembershipFileUrls($entity: String!, $project: String!,
  $collection: String!, $alias: String!) {
  project(name: $project, entityName: $entity) { artifactCollection(name: $collection) {
    __typename artifactMembership(aliasName: $alias) { files(first: 100) {
      pageInfo { __typename endCursor hasNextPage } edges { node { __typename name directUrl } }
    } } } } }"""
UPSERT = """mutation UpsertBucket($name: String, $project: String) {
  upsertBucket(input: {name: $name, modelName: $project}) { bucket { id name displayName } } }"""

FILES_OF_V0 = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256))}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    yield s
    s.close()


@pytest.fixture
def client(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("RUNYARD_ENTITY", "local")
    with TestClient(create_app(store, f"file://{tmp_path}/blobs")) as test_client:
        yield test_client


def answer(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = answer(client, query, **variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def log_artifact(
    client: TestClient, run: str, files: dict[str, bytes], client_id: str, **extra: Any
) -> tuple[str, str]:
    """wandb core's write sequence; ``(artifact id, state createArtifact answered)``."""
    gql(client, UPSERT, name=run, project="p")
    created = gql(
        client,
        CREATE,
        input={
            "entityName": "",  # what `wandb sync` sends: the default entity
            "projectName": "p",
            "runName": run,
            "artifactTypeName": "dataset",
            "artifactCollectionName": "ds",
            "aliases": [
                {"alias": "best", "artifactCollectionName": "ds"},
                {"alias": "latest", "artifactCollectionName": "ds"},
            ],
            "clientID": client_id,
            "sequenceClientID": "seq" + client_id,
            "digest": "ignored",
            "digestAlgorithm": "MANIFEST_MD5",
            "metadata": json.dumps({"rows": 2}),
            "description": "the data",
            **extra,
        },
    )["createArtifact"]["artifact"]
    artifact_id = created["id"]
    common = {
        "artifactID": artifact_id,
        "name": "wandb_manifest.json",
        "entityName": "local",
        "projectName": "p",
        "runName": run,
    }
    manifest = gql(client, MANIFEST, digest="", includeUpload=False, **common)
    manifest_id = manifest["createArtifactManifest"]["artifactManifest"]["id"]
    edges = gql(
        client,
        FILES,
        input={
            "artifactFiles": [
                {
                    "artifactID": artifact_id,
                    "artifactManifestID": manifest_id,
                    "md5": md5(data),
                    "name": name,
                    "mimetype": None,
                    "uploadPartsInput": None,
                }
                for name, data in files.items()
            ],
            "storageLayout": "V2",
        },
    )["createArtifactFiles"]["files"]["edges"]
    assert len(edges) == len(files)
    for edge, data in zip(edges, files.values(), strict=True):
        url = edge["node"]["uploadUrl"]
        assert client.put(_local(url), content=data).status_code == 200
    upload = gql(client, MANIFEST, digest="d", includeUpload=True, **common)
    url = upload["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"]
    body = {
        "version": 1,
        "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": {"storageLayout": "V2"},
        "contents": {n: {"digest": md5(d), "size": len(d)} for n, d in files.items()},
    }
    assert client.put(_local(url), content=json.dumps(body)).status_code == 200
    committed = gql(client, COMMIT, artifactID=artifact_id)["commitArtifact"]["artifact"]
    assert committed["id"] == artifact_id
    return artifact_id, created["state"]


def test_log_an_artifact_then_read_use_and_download_it(client: TestClient, store: SqlStore) -> None:
    artifact_id, state = log_artifact(client, "r1", FILES_OF_V0, "c" * 128)
    assert state == "PENDING"
    record = store.get_artifact("local", "p", "ds", "latest")
    assert record is not None and record.version == "v0"
    assert sorted(record.aliases) == ["best", "latest"]
    assert record.metadata == {"rows": 2} and record.description == "the data"
    assert record.logged_by == RunRef("local", "p", "r1")
    paths = {f.path: f.digest for f in store.artifact_files(record)}
    assert paths == {n: hashlib.sha256(d).hexdigest() for n, d in FILES_OF_V0.items()}

    # Identical content, another run: the same version (and no new one).
    again, _ = log_artifact(client, "r2", dict(reversed(FILES_OF_V0.items())), "d" * 128)
    assert [v.version for v in store.list_artifact_versions("local", "p", "ds")] == ["v0"]

    found = gql(client, BY_NAME, entity="local", project="p", name="ds:latest")
    member = found["project"]["artifactCollectionMembership"]
    assert member["__typename"] == "ArtifactCollectionMembership"
    assert member["artifact"]["versionIndex"] == 0 and member["artifact"]["state"] == "COMMITTED"
    assert member["artifact"]["artifactType"] == {"name": "dataset"}
    assert member["artifact"]["artifactSequence"] == {"__typename": "ArtifactSequence",
                                                      "name": "ds"}  # fmt: skip
    assert sorted(a["alias"] for a in member["aliases"]) == ["best", "latest"]
    version_id = member["artifact"]["id"]

    gql(client, UPSERT, name="user", project="p")
    use = {"artifactID": version_id, "entityName": "local", "projectName": "p", "runName": "user"}
    gql(client, USE, input=use)
    assert [r.run_id for r in store.runs_using(record)] == ["user"]

    url = gql(client, FETCH_MANIFEST, id=version_id)["artifact"]["currentManifest"]["file"]
    manifest = client.get(_local(url["directUrl"])).json()
    assert manifest["contents"] == {
        n: {"digest": md5(d), "size": len(d)} for n, d in FILES_OF_V0.items()
    }
    collection = gql(client, FILE_URLS, entity="local", project="p", collection="ds", alias="v0")
    files = collection["project"]["artifactCollection"]["artifactMembership"]["files"]
    assert files["pageInfo"] == {"__typename": "PageInfo", "endCursor": "2", "hasNextPage": False}
    got = {e["node"]["name"]: client.get(_local(e["node"]["directUrl"])).content
           for e in files["edges"]}  # fmt: skip
    assert got == FILES_OF_V0

    # The ids the writing client holds name the version (before: its draft, pending).
    for held in (artifact_id, again):
        by_id = gql(
            client, "query A($id: ID!) { artifact(id: $id) { versionIndex state } }", id=held
        )
        assert by_id["artifact"] == {"versionIndex": 0, "state": "COMMITTED"}


def test_a_file_not_uploaded_or_not_matching_its_md5_refuses_the_commit(
    client: TestClient, store: SqlStore
) -> None:
    gql(client, UPSERT, name="r1", project="p")
    created = gql(
        client,
        CREATE,
        input={"entityName": "local", "projectName": "p", "runName": "r1", "clientID": "x" * 128,
               "artifactTypeName": "dataset", "artifactCollectionName": "ds"},
    )  # fmt: skip
    artifact_id = created["createArtifact"]["artifact"]["id"]
    common = {
        "artifactID": artifact_id,
        "name": "wandb_manifest.json",
        "entityName": "local",
        "projectName": "p",
        "runName": "r1",
    }
    url = gql(client, MANIFEST, digest="d", includeUpload=True, **common)["createArtifactManifest"][
        "artifactManifest"
    ]["file"]["uploadUrl"]
    contents = {"a.txt": {"digest": md5(b"alpha\n"), "size": 6}}
    assert client.put(_local(url), content=json.dumps({"contents": contents})).status_code == 200
    refused = answer(client, COMMIT, artifactID=artifact_id)
    assert refused["errors"][0]["message"] == "artifact file 'a.txt' was not uploaded"

    edges = gql(
        client,
        FILES,
        input={"artifactFiles": [{"artifactID": artifact_id, "md5": md5(b"alpha\n"),
                                  "name": "a.txt"}]},
    )["createArtifactFiles"]["files"]["edges"]  # fmt: skip
    client.put(_local(edges[0]["node"]["uploadUrl"]), content=b"tampered")
    refused = answer(client, COMMIT, artifactID=artifact_id)
    assert "the uploaded bytes do not match its MD5" in refused["errors"][0]["message"]
    assert store.get_artifact("local", "p", "ds", "latest") is None

    bad = client.put(_local(edges[0]["node"]["uploadUrl"]).split("&sig=")[0] + "&sig=0")
    assert bad.status_code == 403

    # A draft's id edited to name another project (one the caller may write) is refused.
    text = base64.b64decode(artifact_id).decode().replace(":local:p:", ":local:other:")
    forged = base64.b64encode(text.encode()).decode()
    refused = answer(client, COMMIT, artifactID=forged)
    assert refused["errors"][0]["message"] == (
        f"artifact {forged!r:.80} is not a draft of local/other"
    )


LINK = """mutation LinkArtifact($input: LinkArtifactInput!) {
  result: linkArtifact(input: $input) { versionIndex } }"""


def test_link_a_version_into_the_registry(client: TestClient, store: SqlStore) -> None:
    artifact_id, _ = log_artifact(client, "r1", FILES_OF_V0, "c" * 128)
    link = {
        "artifactID": artifact_id,
        "artifactPortfolioName": "reg",
        "entityName": "local",
        "projectName": "model-registry",
        "aliases": [{"artifactCollectionName": "reg", "alias": "prod"}],
    }
    assert gql(client, LINK, input=link)["result"] == {"versionIndex": 0}
    assert gql(client, LINK, input=link)["result"] == {"versionIndex": 0}  # again: no new link
    linked = store.get_artifact("local", "model-registry", "reg", "prod")
    assert linked is not None and linked.source == ("local", "p", "ds", "v0")
    assert [v.version for v in store.list_artifact_versions("local", "model-registry", "reg")] == [
        "v0"
    ]
    refused = answer(client, LINK, input={**link, "artifactID": None, "clientID": "c" * 128})
    assert refused["errors"][0]["message"] == (
        "linkArtifact needs the artifact's id (commit it first)"
    )
