"""``GET /colors``: key-based colours from stored values, the workspace setting and overrides."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.metrics.colors import (
    MISSING_COLOR,
    RUN_PALETTE,
    assign_key_colors,
    assign_run_colors,
    ramp,
)
from runyard.server.app import create_app
from runyard.settings import Settings

P = "/api/v1/projects/tester/proj"
T0 = 1_700_000_000.0
#: per run: config, the acc values logged (one per step), seconds between rows
RUNS: dict[str, tuple[dict[str, Any], list[float], float]] = {
    "a": ({"lr": 0.1, "optimizer": "adam"}, [0.50, 0.90, 0.70], 1.0),
    "b": ({"lr": 0.01, "optimizer": "sgd"}, [0.20, 0.40, 0.60, 0.65], 2.0),
    "c": ({"lr": 0.001, "optimizer": "adam"}, [0.30, 0.35], 10.0),
}


@pytest.fixture
def client(ry_dir: Path) -> Iterator[TestClient]:
    for run_id, (config, accs, dt) in RUNS.items():
        with runyard.init(project="proj", id=run_id, config=config, name=f"run-{run_id}") as run:
            if run_id == "a":
                run.define_metric("acc", summary="max")  # summary["acc"] is {"max": ...}
            for step, acc in enumerate(accs):
                run.log({"acc": acc, "_timestamp": T0 + step * dt})
    # a run without acc or config, with a colour set from code
    with runyard.init(project="proj", id="d", settings={"run_color": "#aabbcc"}) as run:
        run.log({"loss": 1.0})
    # a long run: its rollups span several buckets, and one acc value is NaN
    with runyard.init(project="proj", id="e", config={"lr": 0.05, "optimizer": True}) as run:
        for step in range(300):
            acc = math.nan if step == 10 else 0.4 + step / 1000
            run.log({"acc": acc, "_timestamp": T0 + step * 0.5})
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as test_client:
        yield test_client


def get(client: TestClient, status: int = 200, **params: Any) -> Any:
    response = client.get(f"{P}/colors", params=params)
    assert response.status_code == status, response.text
    return response.json()


def by_run(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {r["id"]: r[field] for r in body["runs"]}


def test_off_by_default_gives_each_runs_own_colour(client: TestClient) -> None:
    body = get(client)
    assert body["enabled"] is False and body["kind"] is None and body["legend"] == []
    colors = by_run(body, "color")
    assert colors["d"] == "#aabbcc"
    assert set(colors.values()) - {"#aabbcc"} <= set(RUN_PALETTE)
    assert by_run(body, "bucket") == dict.fromkeys("abcde")
    runs = client.get(f"{P}/runs").json()["runs"]
    assert colors == assign_run_colors((r["id"], r["created_at"], r["color"]) for r in runs)


def test_max_min_latest_of_a_metric(client: TestClient) -> None:
    body = get(client, key="acc", y="max", buckets=3)
    assert body["enabled"] is True and body["kind"] == "numeric"
    values = by_run(body, "value")
    e_max = 0.4 + 299 / 1000
    assert values == {"a": 0.9, "b": 0.65, "c": 0.35, "d": None, "e": e_max}
    expected = assign_key_colors(values, 3, "viridis")
    assert [b["label"] for b in body["legend"]] == [b.label for b in expected.buckets]
    assert body["legend"][0]["label"] == "Min – 0.5333"
    assert by_run(body, "bucket") == {"a": 2, "b": 1, "c": 0, "d": None, "e": 1}
    assert by_run(body, "color")["d"] == MISSING_COLOR
    assert body["missing"] == ["d"]
    assert [b["runs"] for b in body["legend"]] == [["c"], ["b", "e"], ["a"]]
    assert [b["color"] for b in body["legend"]] == ramp("viridis", 3)

    minimum = by_run(get(client, key="acc", y="min"), "value")
    assert minimum == {"a": 0.5, "b": 0.2, "c": 0.3, "d": None, "e": 0.4}
    # latest: the summary's value, or the last logged one when define_metric replaced it
    latest = by_run(get(client, key="acc", y="latest"), "value")
    assert latest == {"a": 0.7, "b": 0.65, "c": 0.35, "d": None, "e": e_max}


def test_config_keys_numeric_and_categorical(client: TestClient) -> None:
    body = get(client, key="config:lr", buckets=2, palette="magma")
    assert by_run(body, "value") == {"a": 0.1, "b": 0.01, "c": 0.001, "d": None, "e": 0.05}
    assert [b["runs"] for b in body["legend"]] == [["b", "c", "e"], ["a"]]  # split at 0.0505
    assert [b["color"] for b in body["legend"]] == ramp("magma", 2)

    body = get(client, key="config:optimizer")
    assert body["kind"] == "categorical"
    assert [(b["label"], b["runs"]) for b in body["legend"]] == [
        ("true", ["e"]),
        ("adam", ["a", "c"]),
        ("sgd", ["b"]),
    ]
    assert [b["color"] for b in body["legend"]] == list(RUN_PALETTE[:3])


def test_default_metrics(client: TestClient) -> None:
    wall = by_run(get(client, key="_wall", y="latest"), "value")
    assert wall["a"] == 2.0 and wall["b"] == 6.0 and wall["c"] == 10.0 and wall["e"] == 149.5
    assert wall["d"] == pytest.approx(0.0, abs=1.0)
    assert by_run(get(client, key="_wall", y="min"), "value")["b"] == 0.0
    steps = get(client, key="_step", y="max")
    assert by_run(steps, "value") == {"a": 2.0, "b": 3.0, "c": 1.0, "d": 0.0, "e": 299.0}
    assert by_run(get(client, key="_step", y="min"), "value")["e"] == 0.0
    stamps = by_run(get(client, key="_timestamp", y="min"), "value")
    assert stamps["a"] == stamps["b"] == stamps["e"] == T0
    runtime = by_run(get(client, key="_runtime", y="max"), "value")
    assert all(isinstance(v, float) and v >= 0 for v in runtime.values())


def test_the_saved_setting_is_used_and_query_params_override_it(client: TestClient) -> None:
    saved = {
        "keyColors": {"enabled": True, "key": "acc", "y": "max", "buckets": 2},
        "runColors": {"a": "#ff0000"},
    }
    assert client.put(f"{P}/workspace", json={"settings": saved}).status_code == 200
    body = get(client)
    assert (body["enabled"], body["key"], body["y"], body["buckets"]) == (True, "acc", "max", 2)
    assert body["palette"] == "viridis"
    assert len(body["legend"]) == 2
    assert by_run(get(client, y="min"), "value")["b"] == 0.2
    assert get(client, buckets=4)["key"] == "acc"
    # turned off: the colour picked in the runs table wins
    saved["keyColors"]["enabled"] = False
    client.put(f"{P}/workspace", json={"settings": saved})
    off = get(client)
    assert off["enabled"] is False and by_run(off, "color")["a"] == "#ff0000"
    # only some runs: buckets over those
    some = get(client, key="acc", y="max", runs="a,c")
    assert [r["id"] for r in some["runs"]] == ["a", "c"]
    assert [b["runs"] for b in some["legend"]] == [["c"], ["a"]]


def test_non_finite_values_travel_as_markers(client: TestClient) -> None:
    with runyard.init(project="proj", id="f") as run:
        run.log({"acc": math.inf})
    body = get(client, key="acc", y="latest")
    assert by_run(body, "value")["f"] == {"$float": "Infinity"}
    assert by_run(body, "bucket")["f"] == len(body["legend"]) - 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"key": "acc", "y": "median"}, "invalid y value 'median'"),
        ({"key": "acc", "buckets": 9}, "invalid buckets 9"),
        ({"key": "acc", "palette": "rainbow"}, "invalid palette 'rainbow'"),
        ({"key": ""}, "key must not be empty"),
        ({"runs": ","}, "runs must name at least one run id"),
    ],
)
def test_bad_parameters(client: TestClient, params: dict[str, Any], message: str) -> None:
    assert message in get(client, 400, **params)["detail"]


def test_an_unknown_project_has_no_runs(client: TestClient) -> None:
    body = client.get("/api/v1/projects/tester/ghost/colors", params={"key": "acc"}).json()
    assert body["runs"] == [] and body["kind"] == "empty"
