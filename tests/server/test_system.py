"""``/runs/{id}/system`` and ``/projects/{p}/system``: system metrics, columnar, bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.routes import system as system_routes
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

P = "/api/v1/projects/tester/proj"


def samples(
    n: int, keys: tuple[str, ...] = ("system.cpu",)
) -> list[tuple[int, float, float, dict[str, float]]]:
    return [(i, 100.0 + i, float(i), {k: float(i) for k in keys}) for i in range(n)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    for run_id in ("a", "b"):
        s.write_batch(RunBatch(RunRef("tester", "proj", run_id), create={}))
    yield s
    s.close()


@pytest.fixture
def client(store: SqlStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store, f"file://{tmp_path}/blobs")) as test_client:
        yield test_client


def test_run_system_is_columnar(client: TestClient, store: SqlStore) -> None:
    ref = RunRef("tester", "proj", "a")
    store.write_batch(
        RunBatch(
            ref,
            system=[
                (0, 10.0, 0.5, {"system.cpu": 1.0, "system.disk./.usagePercent": 50.0}),
                (1, 25.0, 15.5, {"system.cpu": float("nan")}),
            ],
        )
    )
    body = client.get(f"{P}/runs/a/system").json()
    assert body == {
        "keys": ["system.cpu", "system.disk./.usagePercent"],
        "ts": [10.0, 25.0],
        "runtime": [0.5, 15.5],
        "values": {"system.cpu": [1.0, None], "system.disk./.usagePercent": [50.0, None]},
    }
    only = client.get(f"{P}/runs/a/system", params={"keys": "system.cpu,system.cpu"}).json()
    assert only["keys"] == ["system.cpu"] and only["values"] == {"system.cpu": [1.0, None]}
    assert client.get(f"{P}/runs/nope/system").status_code == 404


def test_long_runs_are_thinned_keeping_the_last_sample(client: TestClient, store: SqlStore) -> None:
    store.write_batch(RunBatch(RunRef("tester", "proj", "a"), system=samples(1000)))
    body = client.get(f"{P}/runs/a/system", params={"points": 10}).json()
    assert len(body["ts"]) == 10 and body["ts"][0] == 100.0 and body["ts"][-1] == 1099.0
    assert body["values"]["system.cpu"][-1] == 999.0


def test_project_system_compares_runs(client: TestClient, store: SqlStore) -> None:
    store.write_batch(RunBatch(RunRef("tester", "proj", "a"), system=samples(3)))
    store.write_batch(RunBatch(RunRef("tester", "proj", "b"), system=samples(2)))
    body = client.get(f"{P}/system", params={"runs": "a,b,missing", "keys": "system.cpu"}).json()
    assert body["runs"]["a"]["values"]["system.cpu"] == [0.0, 1.0, 2.0]
    assert body["runs"]["b"]["ts"] == [100.0, 101.0]
    assert body["runs"]["missing"] == {
        "keys": ["system.cpu"],
        "ts": [],
        "runtime": [],
        "values": {"system.cpu": []},
    }


def test_project_system_is_bounded(
    client: TestClient, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_many = ",".join(f"r{i}" for i in range(system_routes.MAX_RUNS + 1))
    response = client.get(f"{P}/system", params={"runs": too_many, "keys": "system.cpu"})
    assert response.status_code == 400 and "at most 100 runs" in response.text
    monkeypatch.setattr(system_routes, "MAX_SERIES", 3)
    response = client.get(f"{P}/system", params={"runs": "a,b", "keys": "k1,k2"})
    assert response.status_code == 400 and "2 runs x 2 keys" in response.text
    # Without keys, every key each run has counts.
    store.write_batch(RunBatch(RunRef("tester", "proj", "a"), system=samples(1, ("k1", "k2"))))
    store.write_batch(RunBatch(RunRef("tester", "proj", "b"), system=samples(1, ("k1", "k2"))))
    response = client.get(f"{P}/system", params={"runs": "a,b"})
    assert response.status_code == 400 and "name the keys" in response.text
    assert client.get(f"{P}/system", params={"runs": "a"}).status_code == 200
    assert client.get(f"{P}/system", params={"runs": ""}).status_code == 400
