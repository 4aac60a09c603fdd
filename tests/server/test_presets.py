"""The presets routes: built-in specs, user presets saved as versions, and refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runyard.presets import BUILTIN_IDS, builtin_spec
from runyard.server.routes.presets import MAX_SPEC_BYTES
from tests.server.logged import BACKENDS, Logged, get, store_uri

API = "/api/v1"
SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "data": {"name": "wandb"},
    "title": "${string:title}",
    "mark": "bar",
    "encoding": {
        "x": {"field": "${field:x}", "type": "quantitative", "title": "${string:xlabel}"},
        "y": {"field": "${field:value}", "type": "quantitative"},
    },
}


@pytest.fixture(params=BACKENDS)
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """The routes on each store the server runs on (PostgreSQL: a team server)."""
    logged = Logged(tmp_path, store_uri(request))
    with logged.client() as test_client:
        yield test_client
    logged.store.close()


def save(client: TestClient, preset_id: str, body: Any, status: int = 200) -> Any:
    response = client.post(f"{API}/presets/{preset_id}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_builtins_are_listed_with_their_placeholders(client: TestClient) -> None:
    presets = get(client, f"{API}/presets")["presets"]
    assert [p["id"] for p in presets] == list(BUILTIN_IDS)
    line = next(p for p in presets if p["id"] == "wandb/line/v0")
    assert line == {
        "id": "wandb/line/v0",
        "entity": "wandb",
        "name": "line/v0",
        "version": 1,
        "builtin": True,
        "fields": ["x", "y", "stroke"],
        "strings": ["title"],
    }


def test_a_builtin_spec_by_id(client: TestClient) -> None:
    body = get(client, f"{API}/presets/wandb/confusion_matrix/v1")
    assert body["builtin"] and body["version"] == 1 and body["name"] == "confusion_matrix/v1"
    assert body["spec"] == builtin_spec("wandb/confusion_matrix/v1")
    assert set(body["fields"]) == {"Actual", "Predicted", "nPredictions"}
    assert get(client, f"{API}/presets/wandb/line/v0", version=1)["version"] == 1
    assert (
        "no preset 'wandb/line/v0' version 2"
        in get(client, f"{API}/presets/wandb/line/v0", 404, version=2)["detail"]
    )
    assert "no preset 'wandb/nope/v0'" in get(client, f"{API}/presets/wandb/nope/v0", 404)["detail"]


def test_saving_adds_versions_and_reads_the_latest(client: TestClient) -> None:
    assert save(client, "me/my_chart", {"spec": SPEC}) == {"id": "me/my_chart", "version": 1}
    second = {**SPEC, "mark": "line"}
    assert save(client, "me/my_chart", {"spec": second}) == {"id": "me/my_chart", "version": 2}
    latest = get(client, f"{API}/presets/me/my_chart")
    assert latest["version"] == 2 and latest["spec"] == second and not latest["builtin"]
    assert latest["entity"] == "me" and latest["name"] == "my_chart"
    assert latest["fields"] == ["x", "value"] and latest["strings"] == ["title", "xlabel"]
    assert get(client, f"{API}/presets/me/my_chart", version=1)["spec"] == SPEC
    assert (
        "no preset 'me/my_chart' version 3"
        in get(client, f"{API}/presets/me/my_chart", 404, version=3)["detail"]
    )
    assert "no preset 'me/other'" in get(client, f"{API}/presets/me/other", 404)["detail"]


def test_an_entity_lists_its_latest_versions_after_the_builtins(client: TestClient) -> None:
    save(client, "me/b", {"spec": SPEC})
    save(client, "me/a/nested", {"spec": SPEC})
    save(client, "me/b", {"spec": SPEC})
    save(client, "you/c", {"spec": SPEC})
    presets = get(client, f"{API}/presets", entity="me")["presets"]
    mine = [(p["id"], p["version"], p["builtin"]) for p in presets if not p["builtin"]]
    assert mine == [("me/a/nested", 1, False), ("me/b", 2, False)]
    assert len(presets) == len(BUILTIN_IDS) + 2
    assert len(get(client, f"{API}/presets", entity="wandb")["presets"]) == len(BUILTIN_IDS)


@pytest.mark.parametrize("preset_id", ["wandb/line/v0", "wandb/brand_new"])
def test_the_builtin_entity_is_read_only(client: TestClient, preset_id: str) -> None:
    detail = save(client, preset_id, {"spec": SPEC}, 400)["detail"]
    assert repr(preset_id) in detail and "read-only" in detail


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"spec": {"mark": "bar"}}, 'data entry named "wandb"'),
        ({"spec": {**SPEC, "data": {"name": "other"}}}, "got data={'name': 'other'}"),
        ({"spec": {**SPEC, "data": {"values": [1]}}}, 'data entry named "wandb"'),
        ({"spec": [SPEC]}, "spec must be a JSON object, got list"),
        ({"spec": "text"}, "spec must be a JSON object, got str"),
        ({"other": SPEC}, 'the body must be a JSON object {"spec": {...}}'),
        ([1], 'the body must be a JSON object {"spec": {...}}'),
    ],
)
def test_bad_specs_are_refused_naming_the_problem(
    client: TestClient, body: Any, message: str
) -> None:
    assert message in save(client, "me/x", body, 400)["detail"]
    get(client, f"{API}/presets/me/x", 404)


def test_vega_specs_with_a_data_list_are_accepted(client: TestClient) -> None:
    vega = {"$schema": "https://vega.github.io/schema/vega/v5.json", "data": [{"name": "wandb"}]}
    assert save(client, "me/vega", {"spec": vega})["version"] == 1


def test_bodies_that_are_not_json_or_too_big(client: TestClient) -> None:
    response = client.post(f"{API}/presets/me/x", content=b"{nope")
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]
    response = client.post(
        f"{API}/presets/me/x", content=b'{"spec": {"data": {"name": "wandb"}, "v": NaN}}'
    )
    assert response.status_code == 400 and "NaN is not a JSON value" in response.json()["detail"]
    big = json.dumps({"spec": {**SPEC, "pad": "x" * MAX_SPEC_BYTES}}).encode()
    response = client.post(f"{API}/presets/me/x", content=big)
    assert response.status_code == 413 and "1048576" in response.json()["detail"]


@pytest.mark.parametrize(
    "preset_id", ["me/a//b", "me/%2e/b", "me/%2e%2e/b", "me/a%5Cb", "me/" + "n" * 129, "me/a%00"]
)
def test_bad_names_are_refused(client: TestClient, preset_id: str) -> None:
    assert "invalid preset id" in save(client, preset_id, {"spec": SPEC}, 400)["detail"]
    assert "invalid preset id" in get(client, f"{API}/presets/{preset_id}", 400)["detail"]


def test_a_bare_entity_is_not_an_id(client: TestClient) -> None:
    assert "invalid preset id 'me'" in get(client, f"{API}/presets/me", 400)["detail"]
    get(client, f"{API}/presets/me/x", 422, version=0)
    get(client, f"{API}/presets/me/x", 422, version=2**31)  # beyond the store's versions
    assert "invalid entity 'a\\x00'" in get(client, f"{API}/presets", 400, entity="a\x00")["detail"]
