"""Every /api/v1 route against a real embedded store, including bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.server.app import create_app
from runyard.settings import Settings

P = "/api/v1/projects/tester/proj"


@pytest.fixture
def client(ry_dir: Path) -> Iterator[TestClient]:
    for i, lr in enumerate([0.1, 0.01, 0.001]):
        run = runyard.init(project="proj", id=f"r{i}", config={"lr": lr}, name=f"lr-{lr}")
        run.define_metric("loss", summary="min")
        run.define_metric("val/*", step_metric="epoch")
        run.define_metric("secret", hidden=True)
        for step in range(50):
            run.log({"loss": 1.0 / (step + 1) + i, "secret": step, "text": f"s{step}"})
            if step % 10 == 9:
                run.log({"epoch": step // 10, "val/acc": step / 100})
        run.summary["weights"] = np.arange(64.0)
        run.finish()
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as test_client:
        yield test_client


def get(client: TestClient, url: str, status: int = 200, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == status, response.text
    return response.json()


def test_projects(client: TestClient) -> None:
    (project,) = get(client, "/api/v1/projects")["projects"]
    assert project["entity"] == "tester" and project["name"] == "proj"
    assert project["run_count"] == 3 and project["last_activity"] > 0


def test_runs_list_filter_order_page_and_cursor(client: TestClient) -> None:
    body = get(client, f"{P}/runs")
    assert body["total"] == 3 and [r["id"] for r in body["runs"]] == ["r2", "r1", "r0"]
    run = body["runs"][-1]
    assert run["name"] == "lr-0.1" and run["config"] == {"lr": 0.1}
    assert run["summary"]["loss"] == {"min": 0.02} and run["state"] == "finished"
    assert {
        "name": "loss",
        "summary": ["min"],
        "step_metric": None,
        "hidden": False,
        "goal": None,
    } in run["metrics"]
    filtered = get(
        client, f"{P}/runs", filters=json.dumps({"config.lr": {"$lt": 0.05}}), order="+config.lr"
    )
    assert [r["id"] for r in filtered["runs"]] == ["r2", "r1"] and filtered["total"] == 2
    paged = get(client, f"{P}/runs", limit=1, offset=1)
    assert [r["id"] for r in paged["runs"]] == ["r1"] and paged["total"] == 3
    later = get(client, f"{P}/runs", updated_since=body["now"])
    assert later["runs"] == [] and later["total"] == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filters": "{not json"}, "filters is not valid JSON"),
        ({"filters": "[1]"}, "filters must be a JSON object"),
        ({"filters": json.dumps({"colour": 1})}, "unknown filter field 'colour'"),
        ({"filters": json.dumps({"state": {"$foo": 1}})}, "$foo"),
        ({"order": "-colour"}, "colour"),
    ],
)
def test_runs_bad_parameters_are_400(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    body = get(client, f"{P}/runs", 400, **params)
    assert message in body["detail"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 10**6}, {"offset": -1}, {"updated_since": "x"}]
)
def test_runs_out_of_range_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    assert "detail" in get(client, f"{P}/runs", 422, **params)


def test_run_detail_and_missing(client: TestClient) -> None:
    assert get(client, f"{P}/runs/r1")["config"] == {"lr": 0.01}
    assert "no run tester/proj/nope" in get(client, f"{P}/runs/nope", 404)["detail"]


def test_keys(client: TestClient) -> None:
    keys = {k["key"]: k for k in get(client, f"{P}/keys")["keys"]}
    assert set(keys) == {"loss", "secret", "text", "epoch", "val/acc"}
    assert keys["loss"]["numeric"] and not keys["text"]["numeric"]
    assert keys["val/acc"]["step_metric"] == "epoch" and keys["secret"]["hidden"]
    assert {k["key"] for k in get(client, f"{P}/keys", runs="r0")["keys"]} == set(keys)
    assert get(client, f"{P}/keys", 400, runs=",")["detail"].startswith("runs must name")


def test_series_raw_reduced_and_axes(client: TestClient) -> None:
    raw = get(client, f"{P}/series", runs="r0", keys="loss")
    (series,) = raw["series"]
    assert series["reduced"] is False and series["raw_points"] == 50
    assert series["x"][:3] == [0.0, 1.0, 2.0] and series["y"][0] == 1.0
    reduced = get(client, f"{P}/series", runs="r0,r1", keys="loss", points=5)["series"]
    assert len(reduced) == 2 and all(s["reduced"] and s["returned"] <= 5 for s in reduced)
    assert reduced[0]["ymax"][0] == 1.0  # the first (largest) point survives as a bucket max
    zoom = get(client, f"{P}/series", runs="r0", keys="loss", xmin=10, xmax=19)["series"][0]
    assert (
        zoom["x"] == [x for x in series["x"] if 10 <= x <= 19] == [float(s) for s in range(11, 20)]
    )
    by_epoch = get(client, f"{P}/series", runs="r0", keys="val/acc", x="epoch")["series"][0]
    assert by_epoch["x"] == [0.0, 1.0, 2.0, 3.0, 4.0] and by_epoch["y"][0] == 0.09
    for axis in ("_runtime", "_wall", "_timestamp"):
        series = get(client, f"{P}/series", runs="r0", keys="loss", x=axis)["series"][0]
        assert series["raw_points"] == 50 and series["x"] == sorted(series["x"])
    wall = get(client, f"{P}/series", runs="r0", keys="loss", x="_wall")["series"][0]
    assert wall["x"][0] == 0.0
    missing = get(client, f"{P}/series", runs="ghost", keys="loss")["series"][0]
    assert missing["raw_points"] == 0 and missing["x"] == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"keys": "loss"}, 422),
        ({"runs": "r0"}, 422),
        ({"runs": "r0", "keys": ","}, 400),
        ({"runs": "r0", "keys": "loss", "points": 1}, 422),
        ({"runs": "r0", "keys": "loss", "xmin": 5, "xmax": 1}, 400),
        ({"runs": "r0", "keys": "loss", "xmin": "abc"}, 422),
        # 1,000 runs x 20 keys x 1,000 points are past the budget (1,000 runs are served)
        (
            {
                "runs": ",".join(f"r{i}" for i in range(1000)),
                "keys": ",".join(f"k{i}" for i in range(20)),
            },
            400,
        ),
        ({"runs": "r0", "keys": ",".join(f"k{i}" for i in range(51))}, 400),
    ],
)
def test_series_bad_parameters(client: TestClient, params: dict[str, Any], status: int) -> None:
    assert "detail" in get(client, f"{P}/series", status, **params)


def test_files_list_download_and_traversal(client: TestClient, ry_dir: Path) -> None:
    (entry,) = get(client, f"{P}/runs/r0/files")["files"]
    assert entry["name"] == "summary/weights.npy" and entry["size"] > 0
    response = client.get(f"{P}/runs/r0/files/summary/weights.npy")
    assert response.status_code == 200
    assert response.content == (ry_dir / "blobs/tester/proj/r0/summary/weights.npy").read_bytes()
    (ry_dir / "blobs" / "secret.txt").write_text("do not serve")
    for name in [
        "../../../secret.txt",
        "..%2F..%2Fsecret.txt",
        "summary/../../r1/x",
        "a\\b",
        "%00",
    ]:
        status = client.get(f"{P}/runs/r0/files/{name}").status_code
        assert status in (400, 404), name
    assert client.get(f"{P}/runs/r0/files/missing.txt").status_code == 404
    assert client.get(f"{P}/runs/nope/files").status_code == 404


def test_workspace_round_trip_and_limits(client: TestClient) -> None:
    assert get(client, f"{P}/workspace") == {"settings": {}, "scope": "project"}
    settings = {"pinned": ["loss.min"], "hidden": ["r1"], "x": "_step"}
    assert client.put(f"{P}/workspace", json={"settings": settings}).status_code == 200
    assert get(client, f"{P}/workspace") == {"settings": settings, "scope": "project"}
    assert client.put(f"{P}/workspace", json={"settings": [1]}).status_code == 422
    huge = {"settings": {"blob": "x" * (1 << 20)}}
    assert client.put(f"{P}/workspace", json=huge).status_code == 413
    assert (
        client.put("/api/v1/projects/tester/ghost/workspace", json={"settings": {}}).status_code
        == 404
    )


def test_openapi_and_ui_fallback(client: TestClient) -> None:
    spec = get(client, "/api/v1/openapi.json")
    assert "/api/v1/projects/{entity}/{project}/series" in spec["paths"]
    assert client.get("/api/v1/nothing").status_code == 404
    leaked = client.get("/assets/../../etc/passwd")
    assert "root:" not in leaked.text
    assert client.get("/assets/..%2F..%2F..%2Fetc%2Fpasswd").status_code == 404
    page = client.get("/tester/proj")
    assert page.status_code in (200, 503) and "Runyard" in page.text


def test_series_zoom_reads_raw_points_of_a_long_run(ry_dir: Path) -> None:
    run = runyard.init(project="long", id="big")
    values = np.cumsum(np.random.default_rng(0).normal(size=20_000))
    values[12_345] = 1e6  # a spike
    for v in values.tolist():
        run.log({"m": v})
    run.finish()
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as client:
        url = "/api/v1/projects/tester/long/series"
        full = get(client, url, runs="big", keys="m", points=500)["series"][0]
        assert full["reduced"] and full["raw_points"] == 20_000 and full["returned"] <= 500
        assert max(full["ymax"]) == 1e6  # the spike survives the rollups
        zoom = get(client, url, runs="big", keys="m", points=500, xmin=5000, xmax=5299)["series"][0]
        assert not zoom["reduced"] and zoom["x"] == [float(s) for s in range(5000, 5300)]
        assert zoom["y"] == values[5000:5300].tolist()
        spike = get(client, url, runs="big", keys="m", points=100, xmin=10_000, xmax=15_000)[
            "series"
        ][0]
        assert spike["reduced"] and max(spike["ymax"]) == 1e6
        assert abs(spike["raw_points"] - 5001) <= 2 * 64  # rollup buckets at the edges
