"""``/runs/{id}/logs`` and ``output.log``: a run's console through the server (JSON for
the web app, msgpack for HttpStore), with its bounds and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.routes.logs import MAX_LINES
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore
from runyard.store.wire import MEDIA_TYPE, unpack

REF = RunRef("tester", "proj", "r1")
R = "/api/v1/projects/tester/proj/runs/r1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    s.write_batch(RunBatch(REF, create={"display_name": "one"}))
    yield s
    s.close()


@pytest.fixture
def client(store: SqlStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store, f"file://{tmp_path}/blobs")) as test_client:
        yield test_client


def lines(n: int) -> list[tuple[int, str, float, str]]:
    return [(i, "stderr" if i % 3 == 0 else "stdout", float(i), f"line {i}") for i in range(n)]


def test_logs_page_total_and_search(client: TestClient, store: SqlStore) -> None:
    store.write_batch(RunBatch(REF, console=lines(10)))
    page = client.get(f"{R}/logs", params={"start": 8}).json()
    assert page == {
        "lines": [
            {"line": 8, "stream": "stdout", "ts": 8.0, "text": "line 8"},
            {"line": 9, "stream": "stderr", "ts": 9.0, "text": "line 9"},
        ],
        "total": 10,
    }
    found = client.get(f"{R}/logs", params={"q": "LINE 1", "limit": 5}).json()
    assert [x["line"] for x in found["lines"]] == [1]
    assert (found["total"], found["matched"]) == (10, 1)
    found = client.get(f"{R}/logs", params={"q": r"^line [13]$", "regex": 1}).json()
    assert [x["line"] for x in found["lines"]] == [1, 3] and found["matched"] == 2


def test_logs_answer_msgpack_to_the_store_client(client: TestClient, store: SqlStore) -> None:
    store.write_batch(RunBatch(REF, console=lines(2)))
    response = client.get(f"{R}/logs", headers={"Accept": MEDIA_TYPE})
    assert response.headers["content-type"] == MEDIA_TYPE
    assert unpack(response.content)["total"] == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "(x", "regex": 1}, "invalid regex '(x'"),
        ({"q": "(a+)+b", "regex": 1}, "a repeated group that itself repeats"),
        ({"q": "x" * 1001, "regex": 1}, "regex is longer than 1000 characters"),
        ({"q": "a\0b"}, "invalid q"),
        ({"limit": MAX_LINES + 1}, "less than or equal to 5000"),
        ({"start": -1}, "greater than or equal to 0"),
    ],
)
def test_bad_requests_are_refused_naming_the_value(
    client: TestClient, params: dict[str, object], message: str
) -> None:
    response = client.get(f"{R}/logs", params=params)
    assert response.status_code in (400, 422), response.text
    assert message in response.text


def test_missing_run_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/projects/tester/proj/runs/nope/logs").status_code == 404


def test_output_log_is_listed_and_served_as_text(client: TestClient, store: SqlStore) -> None:
    assert "output.log" not in str(client.get(f"{R}/files").json())
    assert client.get(f"{R}/files/output.log").status_code == 404
    assert client.head(f"{R}/files/output.log").status_code == 404
    store.write_batch(RunBatch(REF, console=lines(2500)))
    text = "".join(f"line {i}\n" for i in range(2500))
    listed = client.get(f"{R}/files").json()["files"]
    assert listed == [{"name": "output.log", "size": len(text)}]
    response = client.get(f"{R}/files/output.log")
    assert response.status_code == 200 and response.text == text
    assert response.headers["content-type"].startswith("text/plain")
    head = client.head(f"{R}/files/output.log")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(text)


def test_a_stored_output_log_file_wins(client: TestClient, store: SqlStore) -> None:
    """A run that saved a file named output.log (run.save) keeps it."""
    store.write_batch(RunBatch(REF, console=lines(1)))
    assert client.put(f"{R}/files/output.log", content=b"saved").status_code == 200
    assert client.get(f"{R}/files/output.log").content == b"saved"
    listed = client.get(f"{R}/files").json()["files"]
    assert listed == [{"name": "output.log", "size": 5}]


def test_run_json_carries_metadata(client: TestClient, store: SqlStore) -> None:
    assert client.get(R).json()["metadata"] is None
    store.write_batch(RunBatch(REF, metadata={"git": {"commit": "abc"}}))
    assert client.get(R).json()["metadata"] == {"git": {"commit": "abc"}}
    runs = client.get("/api/v1/projects/tester/proj/runs").json()["runs"]
    assert "metadata" not in runs[0]  # lists stay small
