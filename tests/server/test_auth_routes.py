"""``/auth`` and ``/admin`` routes on a real app with accounts: login sessions with
CSRF, who am I, API keys, users, teams, members and project visibility."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runyard.server.app import create_app
from runyard.settings import Settings
from tests.server.auth_app import PRIVATE, PUBLIC, TeamApp, team_app


@pytest.fixture
def team(ry_dir: Path) -> Iterator[TeamApp]:
    with team_app(ry_dir) as app:
        yield app


def login(client: TestClient, user: str, password: str | None = None) -> str:
    response = client.post(
        "/api/v1/auth/login", json={"username": user, "password": password or f"{user}-password"}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def test_login_sets_a_secure_session_cookie_and_returns_csrf(team: TeamApp) -> None:
    response = team.client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": "alice-password"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"username": "alice", "is_admin": False}
    assert body["entities"] == {"alice": "admin"} and body["csrf_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("runyard_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http without --secure-cookies
    me = team.client.get("/api/v1/auth/me").json()
    assert me["user"]["username"] == "alice" and me["csrf_token"] == body["csrf_token"]
    assert team.client.get(f"{PRIVATE}/runs").status_code == 200


def test_cookie_is_secure_over_https(team: TeamApp) -> None:
    https = TestClient(team.client.app, base_url="https://testserver")
    response = https.post(
        "/api/v1/auth/login", json={"username": "alice", "password": "alice-password"}
    )
    assert "Secure" in response.headers["set-cookie"]


def test_secure_cookies_setting(ry_dir: Path) -> None:
    from runyard.server.auth.accounts import Accounts
    from runyard.server.auth.install import secure_auth

    settings = Settings.from_env()
    accounts = Accounts.open(settings.store_uri)
    accounts.create_user("carol", "carol-password")
    accounts.close()
    app = create_app(settings.store_uri, settings.blobs_uri, auth=secure_auth)
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/auth/login", json={"username": "carol", "password": "carol-password"}
        )
        assert response.status_code == 200 and "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("user", "password"), [("alice", "wrong"), ("nobody", "alice-password"), ("alice", "")]
)
def test_bad_logins(team: TeamApp, user: str, password: str) -> None:
    response = team.client.post("/api/v1/auth/login", json={"username": user, "password": password})
    assert response.status_code in (401, 422)
    assert "set-cookie" not in response.headers


def test_session_writes_need_the_csrf_token(team: TeamApp) -> None:
    csrf = login(team.client, "alice")
    url = f"{PRIVATE}/workspace"
    missing = team.client.put(url, json={"settings": {"a": 1}})
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["detail"]
    wrong = team.client.put(url, json={"settings": {"a": 1}}, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    ok = team.client.put(url, json={"settings": {"a": 1}}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    # reads need no token; API keys need none either
    assert team.client.get(url).json() == {"settings": {"a": 1}, "scope": "personal"}
    keyed = TestClient(team.client.app)
    assert (
        keyed.put(url, json={"settings": {"b": 2}}, headers=team.auth("alice")).status_code == 200
    )
    # creating a key with the session is a write too
    assert team.client.post("/api/v1/auth/keys", json={}).status_code == 403


def test_logout_ends_the_session(team: TeamApp) -> None:
    csrf = login(team.client, "alice")
    assert team.client.post("/api/v1/auth/logout").status_code == 403  # CSRF
    response = team.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert team.client.get("/api/v1/auth/me").status_code == 401
    assert team.client.get(f"{PRIVATE}/runs").status_code == 401


def test_ended_session_cookie_is_refused(team: TeamApp) -> None:
    csrf = login(team.client, "alice")
    token = team.client.cookies["runyard_session"]
    team.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    replay = TestClient(team.client.app, cookies={"runyard_session": token})
    response = replay.get(f"{PUBLIC}/runs")  # even a public read: the cookie is bad
    assert response.status_code == 401 and "log in again" in response.json()["detail"]


def test_me_without_credentials_and_without_auth(team: TeamApp, ry_dir: Path) -> None:
    assert team.client.get("/api/v1/auth/me").status_code == 401
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as single:
        assert single.get("/api/v1/auth/me").json()["auth"] is False
        assert (
            single.post("/api/v1/auth/login", json={"username": "a", "password": "b"}).status_code
            == 404
        )
        assert single.get("/api/v1/auth/keys").status_code == 404


def test_me_with_a_key(team: TeamApp) -> None:
    body = team.client.get("/api/v1/auth/me", headers=team.auth("root")).json()
    assert body["user"] == {"username": "root", "is_admin": True}
    assert body["via"] == "key" and body["csrf_token"] is None


def test_api_keys_routes(team: TeamApp) -> None:
    auth = team.auth("alice")
    created = team.client.post("/api/v1/auth/keys", json={"name": "ci"}, headers=auth)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("ry_") and created.json()["name"] == "ci"
    listed = team.client.get("/api/v1/auth/keys", headers=auth).json()["keys"]
    assert [k["name"] for k in listed] == ["tests", "ci"]
    assert all("key" not in k for k in listed) and key not in str(listed)
    new_auth = {"Authorization": f"Bearer {key}"}
    assert team.client.get(f"{PRIVATE}/runs", headers=new_auth).status_code == 200
    key_id = created.json()["id"]
    # bob cannot revoke alice's key, and learns nothing about it
    assert (
        team.client.delete(f"/api/v1/auth/keys/{key_id}", headers=team.auth("bob")).status_code
        == 404
    )
    assert team.client.delete(f"/api/v1/auth/keys/{key_id}", headers=auth).status_code == 200
    assert team.client.get(f"{PRIVATE}/runs", headers=new_auth).status_code == 401
    assert team.client.delete("/api/v1/auth/keys/0", headers=auth).status_code == 422
    assert team.client.post("/api/v1/auth/keys", json={}).status_code == 401


def test_admin_creates_users_and_teams(team: TeamApp) -> None:
    root = team.auth("root")
    made = team.client.post(
        "/api/v1/admin/users", json={"username": "carol", "password": "carol-pw"}, headers=root
    )
    assert made.status_code == 201 and made.json() == {"username": "carol", "is_admin": False}
    login(team.client, "carol", "carol-pw")
    taken = team.client.post("/api/v1/admin/users", json={"username": "carol"}, headers=root)
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    bad = team.client.post("/api/v1/admin/users", json={"username": "../x"}, headers=root)
    assert bad.status_code == 400 and "'../x'" in bad.json()["detail"]
    # non-admins may not
    assert (
        team.client.post(
            "/api/v1/admin/users", json={"username": "x"}, headers=team.auth("bob")
        ).status_code
        == 403
    )
    anonymous = TestClient(team.client.app)
    assert anonymous.post("/api/v1/admin/users", json={"username": "x"}).status_code == 401
    # carol's session cookie without the CSRF token
    assert team.client.post("/api/v1/admin/users", json={"username": "x"}).status_code == 403
    team_made = team.client.post(
        "/api/v1/admin/teams", json={"name": "vision", "owner": "alice"}, headers=root
    )
    assert team_made.status_code == 201


def test_team_members_share_projects(team: TeamApp) -> None:
    root, alice, bob = team.auth("root"), team.auth("alice"), team.auth("bob")
    team.client.post("/api/v1/admin/teams", json={"name": "vision", "owner": "alice"}, headers=root)
    url = "/api/v1/projects/vision/shared/workspace"
    assert (
        team.client.put(url, json={"settings": {}}, headers=alice).status_code == 404
    )  # no project yet
    team.accounts.set_visibility("vision", "shared", "private")
    assert team.client.put(url, json={"settings": {"x": 1}}, headers=alice).status_code == 200
    assert team.client.get(url, headers=bob).status_code == 404
    # bob is not a team admin: he cannot add himself
    members = "/api/v1/admin/teams/vision/members"
    assert team.client.post(members, json={"username": "bob"}, headers=bob).status_code == 404
    added = team.client.post(members, json={"username": "bob"}, headers=alice)
    assert added.status_code == 200 and added.json()["role"] == "member"
    # a member reads the project: its shared workspace (alice's save is her personal
    # one), and what alice shares as a saved view
    assert team.client.get(url, headers=bob).json() == {"settings": {}, "scope": "project"}
    view = "/api/v1/projects/vision/shared/views/mine"
    assert team.client.put(view, json={"settings": {"x": 1}}, headers=alice).status_code == 200
    assert team.client.get(view, headers=bob).json()["settings"] == {"x": 1}
    # a member (not an admin) cannot add others
    assert team.client.post(members, json={"username": "root"}, headers=bob).status_code == 403
    bad_role = team.client.post(members, json={"username": "bob", "role": "owner"}, headers=alice)
    assert bad_role.status_code == 422


def test_visibility_route(team: TeamApp) -> None:
    url = f"{PRIVATE}/visibility"
    assert team.client.get(f"{PRIVATE}/runs").status_code == 401
    assert (
        team.client.put(url, json={"visibility": "public"}, headers=team.auth("bob")).status_code
        == 404
    )
    assert team.client.put(url, json={"visibility": "public"}).status_code == 401
    made = team.client.put(url, json={"visibility": "public"}, headers=team.auth("alice"))
    assert made.status_code == 200
    assert team.client.get(f"{PRIVATE}/runs").status_code == 200
    projects = team.client.get("/api/v1/projects").json()["projects"]
    assert {p["name"] for p in projects} == {"open", "secret"}
    bad = team.client.put(url, json={"visibility": "world"}, headers=team.auth("alice"))
    assert bad.status_code == 422
    team.client.put(url, json={"visibility": "private"}, headers=team.auth("root"))
    assert team.client.get(f"{PRIVATE}/runs").status_code == 401


def test_public_projects_are_read_only_to_others(team: TeamApp) -> None:
    bob = team.auth("bob")
    assert team.client.get(f"{PUBLIC}/runs/r1", headers=bob).status_code == 200
    put = team.client.put(f"{PUBLIC}/workspace", json={"settings": {}}, headers=bob)
    assert put.status_code == 403 and "bob may not write" in put.json()["detail"]
    anonymous = team.client.put(f"{PUBLIC}/workspace", json={"settings": {}})
    assert anonymous.status_code == 401
