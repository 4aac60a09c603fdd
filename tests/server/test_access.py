"""Every ``/api/v1`` route, walked from the app's route table, refuses alice's private
project to an anonymous caller (401) and to bob, a signed-in user of another entity
(404, with a key or with a session): so a route added without ``check_access`` fails
here.

Path and query parameters are filled from alice's real data (her run, file, media
file, preset, journal); JSON bodies are generated from the route's OpenAPI schema so
that validation passes and the route itself answers. Routes not under one entity's
project (lists, ``/auth``) must simply not show alice's private data to them.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from runyard.entities import RunRef
from runyard.settings import Settings
from runyard.store.base import ArtifactCommit, ArtifactFile, ArtifactLink, ArtifactUse, RunBatch
from runyard.store.sql.store import SqlStore
from tests.server.auth_app import CANARY, TeamApp, team_app

#: Routes that are about the caller, not about an entity's data.
ACCOUNT_ROUTES = {
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
    "/api/v1/auth/keys",
    "/api/v1/auth/keys/{key_id}",
    "/api/v1/admin/users",
    "/api/v1/admin/teams",
}
#: Values for query parameters, by name (a new required one must be added here).
QUERY = {
    "runs": "r1",
    "keys": "loss",
    "key": "loss",
    "entity": "alice",
    "name": "mine",
    "by": "group",
    "metric": "loss",
}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamApp]:
    root = tmp_path_factory.mktemp("access") / "runyard"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNYARD_DIR", str(root))
        patch.setenv("RUNYARD_ENTITY", "tester")
        for name in ("RUNYARD_STORE", "RUNYARD_BASE_URL", "RUNYARD_API_KEY", "RUNYARD_BLOBS"):
            patch.delenv(name, raising=False)
        with team_app(root) as app:
            # alice's presets are readable by all (she has a public project); the walk's
            # canary preset lives in her team "hush", which has none.
            app.accounts.create_team("hush", owner="alice")
            store = SqlStore(Settings.from_env().store_uri)
            store.put_preset("alice", "mine", {"canary": CANARY})
            store.put_preset("hush", "mine", {"canary": CANARY})
            store.put_workspace("alice", "secret", {"canary": CANARY})
            _log_artifact(store)
            store.close()
            yield app


#: Content of alice's private artifact (its digest is a path parameter of the walk).
ARTIFACT_BYTES = f"weights {CANARY}".encode()


def _log_artifact(store: SqlStore) -> None:
    """alice's artifact ``<CANARY>.txt`` in her private project, used by her run and
    linked into her registry (collection ``reg``)."""
    from runyard.blobs.artifacts import artifact_key
    from runyard.blobs.registry import open_blobs

    digest = hashlib.sha256(ARTIFACT_BYTES).hexdigest()
    open_blobs(Settings.from_env().blobs_uri).put(artifact_key(digest), ARTIFACT_BYTES)
    store.write_batch(
        RunBatch(
            RunRef("alice", "secret", "r1"),
            artifacts=[
                ArtifactCommit(
                    "c0",
                    f"{CANARY}.txt",
                    "model",
                    [ArtifactFile("w.txt", digest, len(ARTIFACT_BYTES))],
                    description=CANARY,
                    aliases=["best"],  # so the walk's DELETE (without delete_aliases) keeps it
                )
            ],
            artifact_uses=[ArtifactUse("alice", "secret", f"{CANARY}.txt", "v0")],
            artifact_links=[ArtifactLink("alice/model-registry/reg", [CANARY], client_id="c0")],
        )
    )


def _schema(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def sample(spec: dict[str, Any], node: dict[str, Any]) -> Any:
    """A minimal value valid for a JSON schema (what the walk sends as a body)."""
    node = _schema(spec, node)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if _schema(spec, o).get("type") != "null"]
            return sample(spec, options[0])
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {name: sample(spec, props[name]) for name in node.get("required", [])}
    if kind == "array":
        return []
    if kind == "string":
        return "x" * max(1, node.get("minLength", 1))
    if kind in ("integer", "number"):
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    return {}


def _journal(team: TeamApp) -> str | None:
    path = Settings.from_env().store_uri.removeprefix("sqlite:///")
    rows = (
        sqlite3.connect(path)
        .execute(
            "SELECT j.path FROM journals j JOIN runs r ON r.id = j.run "
            "JOIN projects p ON p.id = r.project_id WHERE p.entity = 'alice' AND p.name = 'secret'"
        )
        .fetchall()
    )
    return rows[0][0] if rows else None


def _values(team: TeamApp) -> dict[str, str]:
    owner = team.auth("alice")
    files = team.client.get("/api/v1/projects/alice/secret/runs/r1/files", headers=owner).json()
    names = [f["name"] for f in files["files"]]
    media = next(n for n in names if n.startswith("media/"))
    key_id = team.client.get("/api/v1/auth/keys", headers=owner).json()["keys"][0]["id"]
    return {
        "entity": "alice",
        "team": "alice",
        "project": "secret",
        "run_id": "r1",
        "name": f"{CANARY}.txt",
        "path": media,
        "preset_id": "hush/mine",
        "key_id": str(key_id),
        "version": "v0",
        "digest": hashlib.sha256(ARTIFACT_BYTES).hexdigest(),
        "upload_id": "0" * 32,
        "number": "1",
        "client_id": "c0",
        "collection": "reg",
    }


def fill(path: str, values: dict[str, str]) -> str:
    """The route's path with its parameters replaced by ``values``."""

    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return re.sub(r"\{(\w+)(?::path)?\}", value, path)


def requests(team: TeamApp) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, route path, URL, request kwargs) for every API route."""
    spec = team.client.app.openapi()  # type: ignore[attr-defined]
    values = _values(team)
    journal = _journal(team)
    for context in iter_route_contexts(team.client.app.routes):  # type: ignore[attr-defined]
        path = context.path or ""
        if not path.startswith("/api/v1/") or path in ACCOUNT_ROUTES:
            continue
        openapi_path = re.sub(r"\{(\w+):path\}", r"{\1}", path)
        for method in sorted(context.methods or ()):
            operation = spec["paths"].get(openapi_path, {}).get(method.lower(), {})
            params = {
                p["name"]: QUERY[p["name"]]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            missing = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required") and p["name"] not in QUERY
            ]
            assert not missing, f"{method} {path}: add a value for {missing} to QUERY"
            route_values = dict(values)
            if path.startswith("/api/v1/journals/"):
                if journal is None:
                    continue
                route_values["name"] = journal
            if path.startswith("/api/v1/presets/{entity}"):
                route_values["entity"], route_values["name"] = "hush", "mine"
            url = fill(path, route_values)
            kwargs: dict[str, Any] = {"params": params}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                kwargs["json"] = sample(spec, body["schema"])
            elif method in ("POST", "PUT", "PATCH"):
                kwargs["content"] = b"{}"
            yield method, path, url, kwargs


def test_the_walk_covers_every_data_route(team: TeamApp) -> None:
    walked = {path for _m, path, _u, _k in requests(team)}
    for expected in (
        "/api/v1/projects/{entity}/{project}/runs",
        "/api/v1/projects/{entity}/{project}/runs/{run_id}/files/{name:path}",
        "/api/v1/projects/{entity}/{project}/runs/{run_id}/media/{path:path}",
        "/api/v1/projects/{entity}/{project}/workspace",
        "/api/v1/presets/{preset_id:path}",
        "/api/v1/projects/{entity}/{project}/artifacts/{name}/{version}",
        "/api/v1/projects/{entity}/{project}/artifacts/{name}/{version}/files/{path:path}",
        "/api/v1/projects/{entity}/{project}/artifact-blobs/{digest}",
        "/api/v1/registry/{entity}/{collection}",
    ):
        assert expected in walked
    assert len(walked) >= 20


def _entity_scoped(path: str) -> bool:
    return any(p in path for p in ("{entity}", "{preset_id", "{team}", "/journals/")) or (
        path.endswith("/preset-versions")
    )


def test_owner_reaches_every_route(team: TeamApp) -> None:
    """The control: alice's own requests are well-formed enough to get past validation
    and access, so the refusals below come from the access check."""
    for method, path, url, kwargs in requests(team):
        response = team.client.request(method, url, headers=team.auth("alice"), **kwargs)
        assert response.status_code not in (401, 403, 405), (method, path, response.text)


def foreign_failures(team: TeamApp, caller: str) -> list[str]:
    """What the walk finds wrong for one caller: entity routes answering other than
    401 (anonymous) / 404 (bob), or any route showing alice's private data."""
    client = TestClient(team.client.app)
    headers: dict[str, str] = {}
    if caller == "bob-key":
        headers = team.auth("bob")
    elif caller == "bob-session":
        login = client.post(
            "/api/v1/auth/login", json={"username": "bob", "password": "bob-password"}
        )
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
    expected = 401 if caller == "anonymous" else 404
    failures = []
    for method, path, url, kwargs in requests(team):
        response = client.request(method, url, headers=headers, **kwargs)
        if _entity_scoped(path):
            leaked = CANARY.encode() in response.content  # errors may echo the URL's names
            if response.status_code != expected or leaked:
                failures.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        elif CANARY.encode() in response.content or b"secret" in response.content:
            failures.append(f"{method} {path} shows alice's private data: {response.text[:120]}")
    return failures


@pytest.mark.parametrize("caller", ["anonymous", "bob-key", "bob-session"])
def test_no_route_shows_a_private_project_to_others(team: TeamApp, caller: str) -> None:
    store = SqlStore(Settings.from_env().store_uri)
    store.put_workspace("alice", "secret", {"canary": CANARY})
    try:
        assert foreign_failures(team, caller) == []
        assert store.get_workspace("alice", "secret") == {"canary": CANARY}  # no write landed
    finally:
        store.close()


def test_the_walk_catches_a_route_without_check_access(team: TeamApp) -> None:
    from fastapi.routing import APIRoute

    from runyard.server.app import create_app
    from runyard.server.auth.caller import AuthConfig

    settings = Settings.from_env()
    store = SqlStore(settings.store_uri)
    store.put_workspace("alice", "secret", {"canary": CANARY})
    store.close()
    app = create_app(settings.store_uri, settings.blobs_uri, auth=AuthConfig(team.accounts))

    def leaky(entity: str, project: str) -> dict[str, Any]:
        return {"settings": app.state.store.get_workspace(entity, project)}

    app.router.routes.insert(0, APIRoute("/api/v1/projects/{entity}/{project}/leaky", leaky))
    with TestClient(app) as client:
        leaking = TeamApp(client, team.accounts, team.keys)
        failures = foreign_failures(leaking, "bob-key")
    assert failures == [
        f'GET /api/v1/projects/{{entity}}/{{project}}/leaky: 200 {{"settings":{{"canary":"{CANARY}"}}}}'
    ]


def test_presets_of_an_entity_with_a_public_project_are_readable_by_all(team: TeamApp) -> None:
    # a public project's custom charts must draw for its readers, whoever owns the preset
    assert team.client.get("/api/v1/presets/alice/mine").json()["spec"] == {"canary": CANARY}
    assert (
        team.client.get("/api/v1/presets/alice/mine", headers=team.auth("bob")).status_code == 200
    )
    listed = team.client.get("/api/v1/presets", params={"entity": "alice"}).json()["presets"]
    assert "alice/mine" in {p["id"] for p in listed}
    bad = {"Authorization": "Bearer ry_000000000000_wrong"}
    assert team.client.get("/api/v1/presets/alice/mine", headers=bad).status_code == 401
    # no public project: members only
    assert team.client.get("/api/v1/presets/hush/mine").status_code == 401
    assert team.client.get("/api/v1/presets/hush/mine", headers=team.auth("bob")).status_code == 404
    assert (
        team.client.get("/api/v1/presets/hush/mine", headers=team.auth("alice")).status_code == 200
    )


def test_private_artifacts_and_registry_are_their_owners_only(team: TeamApp) -> None:
    name = f"{CANARY}.txt"
    version = f"/api/v1/projects/alice/secret/artifacts/{name}/v0"
    owner = team.auth("alice")
    assert team.client.get(version, headers=owner).json()["artifact"]["description"] == CANARY
    assert team.client.get(f"{version}/files/w.txt", headers=owner).content == ARTIFACT_BYTES
    registry = team.client.get("/api/v1/registry/alice/reg", headers=owner).json()["versions"]
    assert registry[0]["aliases"] == ["latest", CANARY]
    for path in (version, f"{version}/files/w.txt", "/api/v1/registry/alice/reg"):
        assert team.client.get(path, headers=team.auth("bob")).status_code == 404
        assert team.client.get(path).status_code == 401


def test_lineage_and_used_by_show_only_readable_projects(team: TeamApp) -> None:
    """A public dataset used by a private run: the run stays invisible to others."""
    from runyard.blobs.artifacts import artifact_key
    from runyard.blobs.registry import open_blobs

    data = b"public dataset"
    digest = hashlib.sha256(data).hexdigest()
    open_blobs(Settings.from_env().blobs_uri).put(artifact_key(digest), data)
    store = SqlStore(Settings.from_env().store_uri)
    try:
        store.write_batch(
            RunBatch(
                RunRef("alice", "open", "r1"),
                artifacts=[
                    ArtifactCommit("pub", "corpus", "dataset", [ArtifactFile("c", digest, 14)])
                ],
            )
        )
        store.write_batch(
            RunBatch(
                RunRef("alice", "secret", "r1"),
                artifact_uses=[ArtifactUse("alice", "open", "corpus", "v0")],
            )
        )
    finally:
        store.close()
    version = "/api/v1/projects/alice/open/artifacts/corpus/v0"
    for who, sees_secret in (("alice", True), ("bob", False)):
        lineage = team.client.get(f"{version}/lineage", headers=team.auth(who)).json()
        ids = {n["id"] for n in lineage["nodes"]}
        assert "run:alice/open/r1" in ids
        assert ("run:alice/secret/r1" in ids) is sees_secret
        runs = team.client.get(f"{version}/runs", headers=team.auth(who)).json()["runs"]
        assert (["alice", "secret", "r1"] in runs) is sees_secret
    anonymous = team.client.get(f"{version}/lineage").json()
    assert all("secret" not in n["id"] for n in anonymous["nodes"])
