"""``file_stream`` and the run operations through the real app (no accounts, SQLite):
line ranges stored once whatever the retries, summaries and configs replaced whole,
console lines by number, run states, stop, and signed upload URLs."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.store.sql.store import SqlStore

REF = RunRef("local", "p", "r1")
STREAM = "/files/local/p/r1/file_stream"
UPSERT = """mutation UpsertBucket($name: String, $project: String, $entity: String,
  $config: JSONString, $id: String, $summaryMetrics: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, config: $config,
    id: $id, summaryMetrics: $summaryMetrics}) {
    bucket { id name displayName historyLineCount project { name entity { name } } } inserted } }"""


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


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query, "variables": variables})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return body["data"]


def create(client: TestClient, config: dict[str, Any] | None = None) -> dict[str, Any]:
    wrapped = {k: {"value": v} for k, v in (config or {}).items()}
    return gql(client, UPSERT, name="r1", project="p", entity=None, config=json.dumps(wrapped))


def history(offset: int, steps: list[int]) -> dict[str, Any]:
    lines = [json.dumps({"_step": s, "x": float(s), "_runtime": 1.0}) for s in steps]
    return {"files": {"wandb-history.jsonl": {"offset": offset, "content": lines}}}


def steps(store: SqlStore) -> list[int]:
    return [int(s) for s in store.read_series(REF, "x").steps.tolist()]


def test_upsert_creates_the_run_in_the_default_entity(client: TestClient, store: SqlStore) -> None:
    data = create(client, {"lr": 0.1, "_wandb": {"t": {"1": 2}}})["upsertBucket"]
    assert data["inserted"] is True
    assert data["bucket"]["name"] == "r1" and data["bucket"]["historyLineCount"] == 0
    assert data["bucket"]["project"] == {"name": "p", "entity": {"name": "local"}}
    assert data["bucket"]["displayName"]  # a generated adjective-noun-N name
    record = store.get_run(REF)
    assert record is not None and record.config == {"lr": 0.1, "_wandb": {"t": {"1": 2}}}
    # config is replaced whole; _wandb stays when the new one has none (wandb.Api edits)
    storage = data["bucket"]["id"]
    gql(client, UPSERT, id=storage, config=json.dumps({"lr": {"value": 0.2}}))
    record = store.get_run(REF)
    assert record is not None and record.config == {"lr": 0.2, "_wandb": {"t": {"1": 2}}}


def test_history_lines_are_stored_once_whatever_the_retries(
    client: TestClient, store: SqlStore
) -> None:
    create(client)
    for _ in range(2):  # a retry sends the same offsets again
        assert client.post(STREAM, json=history(0, [0, 10, 20])).json() == {
            "exitcode": None,
            "limits": {},
        }
    assert steps(store) == [0, 10, 20]  # _step from the line, not the offset
    client.post(STREAM, json=history(2, [20, 30, 40]))  # overlaps the stored range
    assert steps(store) == [0, 10, 20, 30, 40]
    body = gzip.compress(json.dumps(history(5, [50])).encode())
    answer = client.post(
        STREAM,
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200, answer.text
    assert steps(store) == [0, 10, 20, 30, 40, 50]
    query = '{ model(name: "p", entityName: "local") { bucket(name: "r1") { historyLineCount historyTail } } }'
    bucket = gql(client, query)["model"]["bucket"]
    assert bucket["historyLineCount"] == 6
    assert json.loads(json.loads(bucket["historyTail"])[-1])["_step"] == 50


def test_summary_replaced_whole_console_by_line_events_and_states(
    client: TestClient, store: SqlStore
) -> None:
    create(client)
    summary = {"files": {"wandb-summary.json": {"offset": 0, "content": ['{"a": 1, "b": 2}']}}}
    client.post(STREAM, json=summary)
    summary["files"]["wandb-summary.json"]["content"] = ['{"b": 3, "_wandb": {"runtime": 7}}']
    console = {
        "output.log": {
            "offset": 0,
            "content": ["2026-12-06T11:11:04.638079 one", "2026-12-06T11:11:04.7 ERROR two"],
        },
        "wandb-events.jsonl": {
            "offset": 0,
            "content": ['{"system.cpu": 12.5, "_wandb": true, "_timestamp": 5.0, "_runtime": 1.0}'],
        },
    }
    client.post(STREAM, json={"files": {**summary["files"], **console}})
    client.post(
        STREAM,
        json={"files": {"output.log": {"offset": 1, "content": ["2026-12-06T11:11:05 three"]}}},
    )
    record = store.get_run(REF)
    assert record is not None
    assert record.summary == {"b": 3, "_wandb": {"runtime": 7}} and record.runtime == 7.0
    assert [(c.line, c.stream, c.text) for c in store.read_console(REF)] == [
        (0, "stdout", "one"),
        (1, "stdout", "three"),  # a line sent again at its offset replaces it
    ]
    assert store.read_system(REF).values["system.cpu"] == [12.5]
    client.post(STREAM, json={"complete": True, "exitcode": 1})
    record = store.get_run(REF)
    assert record is not None and (record.state, record.exit_code) == ("failed", 1)
    client.post(STREAM, json={})  # a resumed session: running again
    record = store.get_run(REF)
    assert record is not None and record.state == "running"
    client.post(STREAM, json={"complete": True, "exitcode": 0})
    record = store.get_run(REF)
    assert record is not None and (record.state, record.exit_code) == ("finished", 0)


def test_stop_run_answers_stopped_and_ends_killed(client: TestClient, store: SqlStore) -> None:
    create(client)
    client.post(STREAM, json={})
    assert client.post("/api/v1/projects/local/p/runs/r1/stop").status_code == 200
    assert client.post(STREAM, json={})
    assert client.post(STREAM, json={}).json()["stopped"] is True
    client.post(STREAM, json={"complete": True, "exitcode": 255})
    record = store.get_run(REF)
    assert record is not None and record.state == "killed" and record.stop_requested_at is None
    assert client.post("/api/v1/projects/local/p/runs/r1/stop").status_code == 409


def test_signed_upload_urls(client: TestClient, store: SqlStore) -> None:
    create(client)
    query = """mutation C($files: [String!]!) { createRunFiles(input: {entityName: "local",
      projectName: "p", runName: "r1", files: $files}) { runID uploadHeaders files { name uploadUrl } } }"""
    files = gql(client, query, files=["media/a.png", "output.log"])["createRunFiles"]["files"]
    url = files[0]["uploadUrl"].removeprefix("http://testserver")
    assert client.put(url, content=b"png").status_code == 200
    assert client.put(url.split("?")[0], content=b"x").status_code == 403  # no signature
    forged = url.replace("sig=", "sig=0")
    assert client.put(forged, content=b"x").status_code == 403
    other = url.replace("media/a.png", "media/b.png")
    assert client.put(other, content=b"x").status_code == 403  # signed for another file
    assert client.get("/files/local/p/r1/media/a.png").content == b"png"
    console = files[1]["uploadUrl"].removeprefix("http://testserver")
    assert client.put(console, content=b"kept as lines, not as a file").status_code == 200
    assert client.get("/files/local/p/r1/output.log").status_code == 404


def test_unnamed_runs_get_generated_names_like_sdk_runs(
    client: TestClient, store: SqlStore
) -> None:
    import re

    from runyard.names import ADJECTIVES, NOUNS

    first = create(client)["upsertBucket"]["bucket"]["displayName"]
    second = gql(client, UPSERT, name="r2", project="p")["upsertBucket"]["bucket"]["displayName"]
    named = gql(
        client,
        'mutation U($name: String) { upsertBucket(input: {name: $name, modelName: "p", '
        'displayName: "mine"}) { bucket { displayName } } }',
        name="r3",
    )["upsertBucket"]["bucket"]["displayName"]
    for name, number in ((first, 1), (second, 2)):
        match = re.fullmatch(r"([a-z]+)-([a-z]+)-(\d+)", name)
        assert match is not None, name
        assert match[1] in ADJECTIVES and match[2] in NOUNS and int(match[3]) == number
    assert named == "mine"
    record = store.get_run(REF)
    assert record is not None and record.display_name == first
    # wandb's final upsertBucket (no displayName) keeps the generated name
    create(client)
    record = store.get_run(REF)
    assert record is not None and record.display_name == first
