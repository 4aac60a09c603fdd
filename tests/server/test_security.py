"""Security tests of the team server: credentials (none, wrong, revoked, basic),
one entity reading another's run, file and media, path traversal, oversized and
streamed bodies, CSRF, rate limits, and a schemathesis fuzz of the OpenAPI schema
with no 500s."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runyard.server.limits import Limits
from tests.server.auth_app import CANARY, PRIVATE, PUBLIC, TeamApp, team_app


@pytest.fixture
def team(ry_dir: Path) -> Iterator[TeamApp]:
    with team_app(ry_dir) as app:
        yield app


def basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


# -- credentials ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer ry_000000000000_unknownsecret"},
        {"Authorization": "Bearer "},
        {"Authorization": "Token abc"},
        {"Authorization": "Basic !!!"},
        {"Cookie": "runyard_session=forged"},
    ],
    ids=["none", "garbage", "unknown", "empty", "scheme", "bad-basic", "forged-cookie"],
)
def test_missing_or_wrong_credentials_are_401(team: TeamApp, headers: dict[str, str]) -> None:
    response = team.client.get(f"{PRIVATE}/runs", headers=headers)
    assert response.status_code == 401, response.text
    assert CANARY not in response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_key_is_401_even_for_public_projects(team: TeamApp) -> None:
    assert team.client.get(f"{PUBLIC}/runs").status_code == 200
    wrong = {"Authorization": "Bearer ry_000000000000_unknownsecret"}
    assert team.client.get(f"{PUBLIC}/runs", headers=wrong).status_code == 401


def test_key_with_one_character_changed_is_401(team: TeamApp) -> None:
    key = team.keys["alice"]
    changed = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert team.client.get(f"{PRIVATE}/runs", headers=team.auth("alice")).status_code == 200
    response = team.client.get(f"{PRIVATE}/runs", headers={"Authorization": f"Bearer {changed}"})
    assert response.status_code == 401


def test_revoked_key_is_401(team: TeamApp) -> None:
    auth = team.auth("alice")
    (record,) = team.accounts.list_keys("alice")
    assert team.client.delete(f"/api/v1/auth/keys/{record.id}", headers=auth).status_code == 200
    response = team.client.get(f"{PRIVATE}/runs", headers=auth)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_basic_auth_with_the_key_as_password(team: TeamApp) -> None:
    """wandb clients send ``api:<key>``."""
    ok = team.client.get(f"{PRIVATE}/runs", headers=basic("api", team.keys["alice"]))
    assert ok.status_code == 200 and ok.json()["total"] == 1
    assert team.client.get(f"{PRIVATE}/runs", headers=basic("api", "wrong")).status_code == 401
    assert team.client.get(f"{PRIVATE}/runs", headers=basic("alice", "")).status_code == 401


# -- one entity reading another's data ---------------------------------------------------


def _media_path(team: TeamApp) -> str:
    files = team.client.get(f"{PRIVATE}/runs/r1/files", headers=team.auth("alice")).json()
    return str(next(f["name"] for f in files["files"] if f["name"].startswith("media/")))


@pytest.mark.parametrize(
    "url",
    [
        "/runs/r1",
        "/runs",
        "/runs/r1/files",
        f"/runs/r1/files/{CANARY}.txt",
        "/series?runs=r1&keys=loss",
        "/keys",
        "/colors",
        "/workspace",
        "/media?runs=r1&key=picture",
    ],
)
def test_other_entity_gets_404_for_run_file_and_media(team: TeamApp, url: str) -> None:
    assert team.client.get(PRIVATE + url, headers=team.auth("alice")).status_code == 200
    response = team.client.get(PRIVATE + url, headers=team.auth("bob"))
    assert response.status_code == 404 and response.json() == {"detail": "no project alice/secret"}


def test_media_file_by_path_is_404_to_another_entity(team: TeamApp) -> None:
    url = f"{PRIVATE}/runs/r1/media/{_media_path(team)}"
    assert team.client.get(url, headers=team.auth("alice")).status_code == 200
    assert team.client.get(url, headers=team.auth("bob")).status_code == 404
    assert team.client.get(url).status_code == 401


def test_404_does_not_tell_a_missing_project_from_a_forbidden_one(team: TeamApp) -> None:
    bob = team.auth("bob")
    forbidden = team.client.get(f"{PRIVATE}/runs/r1", headers=bob)
    missing = team.client.get("/api/v1/projects/alice/nothing-here/runs/r1", headers=bob)
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json()["detail"].replace("secret", "X") == missing.json()["detail"].replace(
        "nothing-here", "X"
    )


# -- path traversal ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fr2%2Ffile.txt",
        "a%2F..%2F..%2Fx",
        "%2Fetc%2Fpasswd",
        "a%5C..%5Cb",
        "a%00b",
        "a%2F%2Fb",
    ],
)
def test_path_traversal_in_file_names_is_400(team: TeamApp, name: str) -> None:
    alice = team.auth("alice")
    files = team.client.get(f"{PRIVATE}/runs/r1/files/{name}", headers=alice)
    assert files.status_code == 400 and "invalid file name" in files.json()["detail"]
    media = team.client.get(f"{PRIVATE}/runs/r1/media/{name}", headers=alice)
    assert media.status_code == 400


# -- body size -----------------------------------------------------------------------------


def test_oversized_body_is_413_with_the_limit(team: TeamApp) -> None:
    body = json.dumps({"settings": {"x": "y" * (2 << 20)}}).encode()
    response = team.client.put(
        f"{PRIVATE}/workspace",
        content=body,
        headers={**team.auth("alice"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"request body is larger than the limit of {1 << 20} bytes"
    }


def test_streamed_body_without_length_is_cut_at_the_limit(team: TeamApp) -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        yield b'{"settings": {"x": "'
        for _ in range(64):
            sent.append(1)
            yield b"y" * 65536
        yield b'"}}'

    response = team.client.put(
        f"{PRIVATE}/workspace",
        content=chunks(),
        headers={**team.auth("alice"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert "limit of 1048576 bytes" in response.json()["detail"]


def test_bad_content_length_is_400(team: TeamApp) -> None:
    response = team.client.put(
        f"{PRIVATE}/workspace",
        content=b'{"settings": {}}',
        headers={**team.auth("alice"), "Content-Type": "application/json", "Content-Length": "-1"},
    )
    assert response.status_code in (400, 413)


def test_body_limit_is_configurable(ry_dir: Path) -> None:
    with team_app(ry_dir, Limits(body_bytes=100)) as team:
        big = {"settings": {"x": "y" * 200}}
        response = team.client.put(f"{PRIVATE}/workspace", json=big, headers=team.auth("alice"))
        assert response.status_code == 413 and "limit of 100 bytes" in response.text
        small = team.client.put(
            f"{PRIVATE}/workspace", json={"settings": {}}, headers=team.auth("alice")
        )
        assert small.status_code == 200


# -- CSRF ------------------------------------------------------------------------------


def test_csrf_missing_is_403(team: TeamApp) -> None:
    login = team.client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": "alice-password"}
    )
    csrf = login.json()["csrf_token"]
    url = f"{PRIVATE}/workspace"
    assert team.client.put(url, json={"settings": {}}).status_code == 403
    assert (
        team.client.put(url, json={"settings": {}}, headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )


def test_login_needs_json_so_forms_cannot_post_it(team: TeamApp) -> None:
    response = team.client.post(
        "/api/v1/auth/login",
        content=b"username=alice&password=alice-password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # refused by the body-type rule before the route (runyard.server.origin)
    assert response.status_code == 403 and "set-cookie" not in response.headers


# -- rate limits -----------------------------------------------------------------------------


def test_rate_limit_is_429_with_retry_after(ry_dir: Path) -> None:
    limits = Limits(rate=0.5, burst=3, anonymous_rate=0.5, anonymous_burst=2)
    with team_app(ry_dir, limits) as team:
        alice = team.auth("alice")
        for _ in range(3):
            assert team.client.get(f"{PRIVATE}/runs", headers=alice).status_code == 200
        limited = team.client.get(f"{PRIVATE}/runs", headers=alice)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "rate limit" in limited.json()["detail"]
        # another key has its own bucket
        assert team.client.get(f"{PUBLIC}/runs", headers=team.auth("bob")).status_code == 200
        # wrong keys are counted per client address
        wrong = {"Authorization": "Bearer ry_000000000000_x"}
        statuses = [team.client.get(f"{PUBLIC}/runs", headers=wrong).status_code for _ in range(4)]
        assert statuses[:2] == [401, 401] and statuses[-1] == 429


def test_login_attempts_are_limited(ry_dir: Path) -> None:
    with team_app(ry_dir, Limits(login_rate=0.01, login_burst=3)) as team:
        body = {"username": "alice", "password": "guess"}
        statuses = [team.client.post("/api/v1/auth/login", json=body).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 429, 429]


def test_default_limits_leave_room_for_training_runs() -> None:
    """A sweep of 32 runs on one key, each flushing 4 times a second, stays well
    under the sustained rate; bodies up to 1 MiB pass everywhere."""
    limits = Limits()
    assert limits.rate >= 32 * 4 * 0.5 and limits.burst >= 10 * limits.rate
    assert limits.body_bytes == 1 << 20 and limits.large_body_bytes == 64 << 20


# -- fuzzing -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def any_team(
    request: pytest.FixtureRequest, ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TeamApp]:
    """The team app over SQLite, and over PostgreSQL (the team server's database)."""
    if request.param == "postgresql":
        monkeypatch.setenv("RUNYARD_STORE", request.getfixturevalue("postgres_uri"))
    with team_app(ry_dir) as app:
        yield app


def test_nul_in_names_is_400_not_a_database_error(any_team: TeamApp) -> None:
    """Found by the fuzz on PostgreSQL, whose text cannot hold NUL (DataError: 500)."""
    alice = any_team.auth("alice")
    stats = any_team.client.get("/api/v1/project-stats", params={"entity": "a\0"}, headers=alice)
    assert stats.status_code == 400 and "invalid entity" in stats.json()["detail"]
    values = any_team.client.get(
        f"{PRIVATE}/runs/r1/history/values", params={"key": "k\0"}, headers=alice
    )
    assert values.status_code == 400 and "invalid history key" in values.json()["detail"]
    runs = any_team.client.get("/api/v1/projects/al%00ice/secret/runs", headers=alice)
    assert runs.status_code == 404


def test_openapi_fuzz_finds_no_server_errors(any_team: TeamApp) -> None:
    """Schemathesis over the app's own schema, in process, as the site admin (so
    requests get past access checks into the routes): per operation, valid requests
    with random and with real path parameters (alice's project and run), and invalid
    ones; derandomized (a fixed seed) and a few examples each, so it stays well under
    a minute."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable

    app = any_team.client.app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).exclude(
        path="/api/v1/auth/keys/{key_id}",
        method="DELETE",  # would revoke the fuzzer's key
    )
    headers = any_team.auth("root")
    spec = app.openapi()  # type: ignore[attr-defined]
    real = {"entity": "alice", "project": "secret", "run_id": "r1", "team": "alice"}
    errors: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # (an Err raises: a bad schema fails)
        names = set(re.findall(r"\{(\w+)\}", operation.path))
        fixed = {k: v for k, v in real.items() if k in names}
        strategies = [
            (operation.as_strategy(), 3),
            (operation.as_strategy(path_parameters=fixed), 4),
        ]
        declared = spec["paths"][operation.path][operation.method.lower()]
        if "requestBody" in declared or any(
            p["in"] != "path" for p in declared.get("parameters", [])
        ):  # only string path parameters: no invalid value exists, and looking is slow
            negative = schemathesis.GenerationMode.NEGATIVE
            strategies.append((operation.as_strategy(negative), 3))  # type: ignore[arg-type]
        for strategy, examples in strategies:

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: Any) -> None:
                nonlocal calls
                calls += 1
                try:
                    response = case.call(headers=headers)
                except Exception as exc:  # the in-process client re-raises server errors
                    errors.append(f"{case.as_curl_command()}: {exc!r}")
                    return
                if response.status_code >= 500:
                    errors.append(f"{case.as_curl_command()}: {response.status_code}")

            try:
                fuzz()
            except Unsatisfiable:  # no invalid request exists (an operation without inputs)
                assert strategy is strategies[-1][0], operation.path
    assert not errors, "\n".join(sorted(set(errors)))
    assert calls > 250


@pytest.mark.parametrize("param", ["min_step", "max_step"])
@pytest.mark.parametrize("route", ["series", "rollup", "values"])
def test_steps_beyond_64_bits_are_400(team: TeamApp, route: str, param: str) -> None:
    """Found by the fuzz: such steps reached SQLite and raised OverflowError (a 500)."""
    url = f"{PRIVATE}/runs/r1/history/{route}"
    response = team.client.get(
        url, params={"key": "loss", param: 2**70}, headers=team.auth("alice")
    )
    assert response.status_code == 400 and param in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        f"{PRIVATE}/runs?offset=",
        f"{PRIVATE}/records?offset=",
        f"{PRIVATE}/records?limit=",
        "/api/v1/preset-versions?entity=alice&name=x&version=",
        "/api/v1/presets/alice/x?version=",
    ],
)
def test_integers_beyond_the_columns_are_refused(team: TeamApp, url: str) -> None:
    """Found by the fuzz: such numbers reached the database and raised OverflowError
    (SQLite) or DataError (PostgreSQL): 500s."""
    response = team.client.get(f"{url}{2**70}", headers=team.auth("alice"))
    assert response.status_code == 422
    revoke = team.client.delete(f"/api/v1/auth/keys/{2**40}", headers=team.auth("alice"))
    assert revoke.status_code == 422


def test_project_lists_show_anonymous_callers_the_public_projects(team: TeamApp) -> None:
    """Both lists (the web app's and the store protocol's) filter by what the caller
    may read; bad credentials are refused rather than treated as anonymous."""
    from runyard.store.wire import unpack

    listed = team.client.get("/api/v1/projects").json()["projects"]
    assert [(p["entity"], p["name"]) for p in listed] == [("alice", "open")]
    stats = team.client.get("/api/v1/project-stats")
    assert stats.status_code == 200
    assert [p[:2] for p in unpack(stats.content)["projects"]] == [["alice", "open"]]
    owner = unpack(team.client.get("/api/v1/project-stats", headers=team.auth("alice")).content)
    assert sorted(p[1] for p in owner["projects"]) == ["open", "secret"]
    wrong = {"Authorization": "Bearer ry_000000000000_wrong"}
    assert team.client.get("/api/v1/project-stats", headers=wrong).status_code == 401
    assert team.client.get("/api/v1/projects", headers=wrong).status_code == 401
