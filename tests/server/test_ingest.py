"""``POST …/runs/{run_id}/batches`` and the store read routes, against a real SQLite
store: answers, idempotency, and every kind of bad input as a 4xx naming it."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.routes.ingest import MAX_BODY_BYTES
from runyard.store.base import RunBatch
from runyard.store.wire import MEDIA_TYPE, encode_batch, encode_body, pack, unpack
from tests.server.auth_app import TeamApp, team_app

RUN = RunRef("ent", "proj", "run1")
URL = "/api/v1/projects/ent/proj/runs/run1/batches"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(f"sqlite:///{tmp_path}/s.db", f"file://{tmp_path}/blobs")
    with TestClient(app) as test_client:
        yield test_client


def send(client: TestClient, obj: Any, url: str = URL, **headers: str) -> Any:
    body, encoding = encode_body(obj)
    return client.post(url, content=body, headers={"Content-Encoding": encoding, **headers})


def batch(start: int | None = 0, end: int = 100, **fields: Any) -> dict[str, Any]:
    return encode_batch(
        RunBatch(
            RUN,
            create={"display_name": "x"},
            columns={"loss": ([0, 1], [1.0, 0.5])},
            journal=("j1", end),
            journal_start=start,
            **fields,
        )
    )


def read(client: TestClient, path: str, **params: Any) -> Any:
    answer = client.get(f"/api/v1{path}", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPE
    return unpack(answer.content)


def test_batch_is_applied_and_answered(client: TestClient) -> None:
    answer = send(client, batch())
    assert answer.status_code == 200
    assert answer.json() == {"run": "ent/proj/run1", "journal": "j1", "start": 0, "end": 100}
    record = read(client, "/projects/ent/proj/runs/run1/record")["record"]
    assert record["display_name"] == "x" and record["last_step"] == 1
    series = read(client, "/projects/ent/proj/runs/run1/history/series", key="loss")
    assert series["steps"]["t"] == "<i8" and series["values"]["t"] == "<f8"
    assert read(client, "/journals/j1") == {"journal": "j1", "position": 100}


def test_a_delete_batch_removes_the_runs_files(client: TestClient, tmp_path: Path) -> None:
    send(client, batch())
    files = "/api/v1/projects/ent/proj/runs/run1/files"
    assert client.put(f"{files}/model.bin", content=b"w" * 10).status_code == 200
    assert [f["name"] for f in client.get(files).json()["files"]] == ["model.bin"]
    deleted = send(client, encode_batch(RunBatch(RUN, delete=True)))
    assert deleted.status_code == 200, deleted.text
    assert client.get(files).status_code == 404
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == ["blob-keys"]


def test_a_retried_batch_answers_the_same_and_changes_nothing(client: TestClient) -> None:
    first = send(client, batch())
    again = send(client, batch(config={"lr": 1}))  # same journal span: already applied
    assert again.status_code == 200 and again.json() == first.json()
    record = read(client, "/projects/ent/proj/runs/run1/record")["record"]
    assert record["config"] == {}


def test_a_gap_is_a_409_naming_the_stored_offset(client: TestClient) -> None:
    send(client, batch())
    answer = send(client, batch(start=150, end=200))
    assert answer.status_code == 409
    assert answer.json()["stored"] == 100
    assert "starts at offset 150 but the store stands at 100" in answer.json()["detail"]


def test_plain_msgpack_and_gzip_bodies_are_accepted(client: TestClient) -> None:
    import gzip

    assert client.post(URL, content=pack(batch())).status_code == 200
    body = gzip.compress(pack(batch(start=100, end=200)))
    assert client.post(URL, content=body, headers={"Content-Encoding": "gzip"}).status_code == 200


def _bomb(mib: int) -> bytes:
    """A few hundred KB of deflate that inflate to ``mib`` MiB of zeros."""
    deflater = zlib.compressobj(9)
    zeros = b"\0" * (1 << 20)
    return b"".join(deflater.compress(zeros) for _ in range(mib)) + deflater.flush()


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (b"\xc1", {}, 400, "body is not valid msgpack"),
        (b"garbage", {"Content-Encoding": "deflate"}, 400, "not valid deflate data"),
        (pack(batch()), {"Content-Encoding": "br"}, 415, "unsupported Content-Encoding 'br'"),
        (pack({"v": 1, "run": ["ent", "proj", "other"]}), {}, 400, "batch is for run"),
        (pack({**batch(), "v": 7}), {}, 400, "unsupported batch version 7"),
        (pack({**batch(), "columns": [["x", {"r": [0, 5]}, [1.0]]]}), {}, 400, "5 steps"),
        (_bomb(300), {"Content-Encoding": "deflate"}, 413, "inflates"),
    ],
)
def test_bad_bodies_are_4xx_naming_the_problem(
    client: TestClient, body: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    answer = client.post(URL, content=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["detail"]


def test_declared_oversized_body_is_a_413(client: TestClient) -> None:
    answer = client.post(
        URL, content=b"\0" * (MAX_BODY_BYTES + 1), headers={"Content-Type": MEDIA_TYPE}
    )
    assert answer.status_code == 413


def test_fork_from_a_missing_run_is_a_422_and_changes_nothing(client: TestClient) -> None:
    fork = batch(copy_history=(RunRef("ent", "proj", "ghost"), 3))
    answer = send(client, fork)
    assert answer.status_code == 422
    assert "no such run" in answer.json()["detail"]
    assert read(client, "/projects/ent/proj/runs/run1/record") == {"record": None}
    assert read(client, "/journals/j1")["position"] == 0


def test_read_routes_refuse_bad_parameters(client: TestClient) -> None:
    send(client, batch())
    answer = client.get("/api/v1/projects/ent/proj/records", params={"filters": "{bad"})
    assert answer.status_code == 400 and "filters is not valid JSON" in answer.json()["detail"]
    answer = client.get("/api/v1/projects/ent/proj/records", params={"filters": '{"$nope": 1}'})
    assert answer.status_code == 400 and "$nope" in answer.json()["detail"]
    answer = client.get(
        "/api/v1/projects/ent/proj/runs/run1/history/series",
        params={"key": "loss", "min_step": 5, "max_step": 2},
    )
    assert answer.status_code == 400 and "min_step (5)" in answer.json()["detail"]
    answer = client.post("/api/v1/projects/ent/proj/history/keys", content=pack({"runs": "run1"}))
    assert answer.status_code == 400 and "runs must be a list" in answer.json()["detail"]


def test_large_answers_are_deflated_when_accepted(client: TestClient) -> None:
    steps = list(range(5000))
    send(client, encode_batch(RunBatch(RUN, create={}, columns={"x": (steps, [0.5] * 5000)})))
    url = "/api/v1/projects/ent/proj/runs/run1/history/series"
    packed = client.get(url, params={"key": "x"}, headers={"Accept-Encoding": "deflate"})
    assert packed.headers.get("content-encoding") == "deflate"
    plain = client.get(url, params={"key": "x"}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert unpack(plain.content)["values"] == unpack(packed.content)["values"]


# -- access -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamApp]:
    root = tmp_path_factory.mktemp("ingest-access") / "runyard"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNYARD_DIR", str(root))
        patch.setenv("RUNYARD_ENTITY", "tester")
        for name in ("RUNYARD_STORE", "RUNYARD_BASE_URL", "RUNYARD_API_KEY", "RUNYARD_BLOBS"):
            patch.delenv(name, raising=False)
        with team_app(root) as app:
            yield app


def alice_batch(start: int) -> bytes:
    obj = encode_batch(
        RunBatch(
            RunRef("alice", "secret", "r9"),
            create={},
            columns={"x": ([start], [1.0])},
            journal=("alice-j", start + 10),
            journal_start=start,
        )
    )
    return pack(obj)


ALICE = "/api/v1/projects/alice/secret/runs/r9/batches"


def test_ingest_needs_a_key_that_may_write_the_project(team: TeamApp) -> None:
    assert team.client.post(ALICE, content=alice_batch(0)).status_code == 401
    bob = team.client.post(ALICE, content=alice_batch(0), headers=team.auth("bob"))
    assert bob.status_code == 404  # bob may not even see alice's private project
    public = "/api/v1/projects/alice/open/runs/r9/batches"
    other = team.client.post(public, content=alice_batch(0), headers=team.auth("bob"))
    assert other.status_code == 403  # readable, not writable
    owner = team.client.post(ALICE, content=alice_batch(0), headers=team.auth("alice"))
    assert owner.status_code == 200, owner.text


def test_journal_offsets_are_guarded_by_their_run_project(team: TeamApp) -> None:
    team.client.post(ALICE, content=alice_batch(10), headers=team.auth("alice"))
    url = "/api/v1/journals/alice-j"
    assert team.client.get(url, headers=team.auth("bob")).status_code == 404
    assert team.client.delete(url, headers=team.auth("bob")).status_code == 404
    owner = team.client.get(url, headers=team.auth("alice"))
    assert owner.status_code == 200 and unpack(owner.content)["position"] > 0
    unknown = "/api/v1/journals/nobody-knows-this-one"
    assert team.client.get(unknown).status_code == 401
    assert team.client.delete(unknown).status_code == 401
    assert team.client.get(unknown, headers=team.auth("bob")).status_code == 200


def test_fork_needs_read_access_to_the_source(team: TeamApp) -> None:
    obj = encode_batch(
        RunBatch(
            RunRef("bob", "mine", "f1"),
            create={},
            copy_history=(RunRef("alice", "secret", "r1"), 2),
        )
    )
    answer = team.client.post(
        "/api/v1/projects/bob/mine/runs/f1/batches", content=pack(obj), headers=team.auth("bob")
    )
    assert answer.status_code == 404


def test_project_stats_list_only_readable_projects(team: TeamApp) -> None:
    answer = team.client.get("/api/v1/project-stats", headers=team.auth("bob"))
    names = {(p[0], p[1]) for p in unpack(answer.content)["projects"]}
    assert ("alice", "open") in names and ("alice", "secret") not in names


def test_nul_in_names_is_a_400_naming_it(client: TestClient) -> None:
    send(client, batch())
    answer = client.get(
        "/api/v1/projects/ent/proj/runs/run1/history/series", params={"key": "lo\0ss"}
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "invalid history key 'lo\\x00ss': it holds a NUL character"
    answer = client.get("/api/v1/projects/ent/proj/runs/r%00n/record")
    assert answer.status_code == 400 and "invalid run id 'r\\x00n'" in answer.json()["detail"]
    bad = encode_batch(RunBatch(RUN, columns={"lo\0ss": ([0], [1.0])}))
    answer = send(client, bad)
    assert (
        answer.status_code == 400
        and "column key must be a string without NUL" in (answer.json()["detail"])
    )


@pytest.mark.parametrize("big", [2**63, 2**64 + 1, -(2**63) - 1, 10**30])
def test_ints_beyond_int64_are_stored_as_floats_not_a_500(client: TestClient, big: int) -> None:
    # A client that did not convert them (msgpack carries up to 2**64 - 1 as an int,
    # wider ones as documents): stored as wandb stores them, as floats.
    wire = encode_batch(
        RunBatch(RUN, create={}, columns={"seed": ([0, 1], [1, big])}, journal=("j", 9))
    )
    answer = send(client, wire)
    assert answer.status_code == 200, answer.text
    series = read(client, "/projects/ent/proj/runs/run1/history/series", key="seed")
    values = np.frombuffer(series["values"]["b"], "<f8").tolist()
    assert values == [1.0, float(big)]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"columns": {"k" * 2000: ([0], [1.0])}}, "kkkk"),
        ({"meta": {"no_such_field": 1}}, "no_such_field"),
    ],
)
def test_a_batch_the_store_cannot_hold_is_a_400_naming_it(
    client: TestClient, fields: dict[str, Any], named: str
) -> None:
    refused = RunBatch(RUN, create={}, journal=("j", 9), journal_start=0, **fields)
    answer = send(client, encode_batch(refused))
    assert answer.status_code == 400 and named in answer.json()["detail"]
    # Nothing of it was applied, and the journal's next batch is taken.
    assert send(client, batch(start=0, end=9)).status_code == 200


def test_a_run_with_a_document_nested_500_deep_does_not_break_its_project(
    client: TestClient,
) -> None:
    # The SDK refuses such values now; a run stored before that, or sent by another
    # client, must not make the project's runs list fail (it answered 400).
    deep: Any = 1
    for _ in range(500):
        deep = {"k": deep}
    sent = RunBatch(RUN, create={}, summary_set=[(("deep",), deep)], config={"deep": deep})
    assert send(client, encode_batch(sent)).status_code == 200
    other = RunBatch(RunRef("ent", "proj", "run2"), create={}, columns={"x": ([0], [1.0])})
    assert send(client, encode_batch(other), url=URL.replace("run1", "run2")).status_code == 200
    answer = client.get("/api/v1/projects/ent/proj/runs")
    assert answer.status_code == 200, answer.text
    assert sorted(r["id"] for r in answer.json()["runs"]) == ["run1", "run2"]
    assert client.get("/api/v1/projects/ent/proj/runs/run1").status_code == 200


def test_a_config_nested_too_deep_is_a_400_and_changes_nothing(client: TestClient) -> None:
    assert send(client, batch(config={"lr": 1})).status_code == 200
    deep: Any = 1
    for _ in range(300):  # 600 containers (Python's json recursed into a 500 past ~1,000)
        deep = {"k": [deep]}
    answer = send(client, batch(start=100, end=200, config={"deep": deep}))
    assert answer.status_code == 400, answer.text
    assert "nested deeper than 512 levels" in answer.json()["detail"]
    record = read(client, "/projects/ent/proj/runs/run1/record")["record"]
    assert record["config"] == {"lr": 1}
    assert read(client, "/journals/j1")["position"] == 100
