"""Workspaces and saved views: shared, personal per user, named views (issue 18)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import runyard
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.routes.workspace import RESERVED
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.sql.migrate import upgrade
from runyard.store.sql.store import SqlStore
from tests.server.auth_app import PRIVATE, PUBLIC, team_app

P = "/api/v1/projects/tester/proj"


@pytest.fixture
def client(ry_dir: Path) -> Iterator[TestClient]:
    run = runyard.init(project="proj", id="r0")
    run.log({"loss": 1.0})
    run.finish()
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as test_client:
        yield test_client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_named_views_round_trip_beside_the_workspace(client: TestClient) -> None:
    ok(client.put(f"{P}/workspace", json={"settings": {"xAxis": "_step"}}))
    assert ok(client.get(f"{P}/views")) == {"views": []}
    view = {"xAxis": "_runtime", "groupBy": ["config.lr"], "view": {"zoom": [1, 5]}}
    saved = ok(client.put(f"{P}/views/lr sweep", json={"settings": view}))
    assert saved["name"] == "lr sweep" and saved["settings"] == view and saved["owner"] is None
    assert saved["created_at"] == saved["updated_at"] > 0
    ok(client.put(f"{P}/views/a-first", json={"settings": {}}))
    names = [v["name"] for v in ok(client.get(f"{P}/views"))["views"]]
    assert names == ["a-first", "lr sweep"]
    assert ok(client.get(f"{P}/views/lr sweep"))["settings"] == view
    # the workspace is untouched by views, and saving the workspace keeps the views
    assert ok(client.get(f"{P}/workspace")) == {"settings": {"xAxis": "_step"}, "scope": "project"}
    ok(client.put(f"{P}/workspace", json={"settings": {"xAxis": "epoch"}}))
    assert ok(client.get(f"{P}/views/lr sweep"))["settings"] == view
    # the reserved key can not be written through the workspace
    ok(client.put(f"{P}/workspace", json={"settings": {RESERVED: {"views": {}}, "a": 1}}))
    assert ok(client.get(f"{P}/workspace"))["settings"] == {"a": 1}
    assert len(ok(client.get(f"{P}/views"))["views"]) == 2
    assert ok(client.delete(f"{P}/views/a-first")) == {"deleted": "a-first"}
    assert [v["name"] for v in ok(client.get(f"{P}/views"))["views"]] == ["lr sweep"]
    # the list leaves the settings out unless asked for them
    assert "settings" not in ok(client.get(f"{P}/views"))["views"][0]
    assert ok(client.get(f"{P}/views?full=true"))["views"][0]["settings"] == view


def test_a_view_is_renamed_and_names_stay_unique(client: TestClient) -> None:
    ok(client.put(f"{P}/views/a", json={"settings": {"x": 1}}))
    ok(client.put(f"{P}/views/b", json={"settings": {"x": 2}}))
    taken = ok(client.patch(f"{P}/views/a", json={"name": "b"}), 409)
    assert "'b'" in taken["detail"]
    renamed = ok(client.patch(f"{P}/views/a", json={"name": "c"}))
    assert renamed["name"] == "c" and renamed["settings"] == {"x": 1}
    assert [v["name"] for v in ok(client.get(f"{P}/views"))["views"]] == ["b", "c"]
    assert ok(client.get(f"{P}/views/a"), 404)
    assert "'a'" in ok(client.patch(f"{P}/views/a", json={"name": "d"}), 404)["detail"]
    assert (
        "invalid view name ''" in ok(client.patch(f"{P}/views/c", json={"name": ""}), 422)["detail"]
    )
    # saving under an existing name replaces that view: still one row per name
    ok(client.put(f"{P}/views/b", json={"settings": {"x": 3}}))
    assert [v["name"] for v in ok(client.get(f"{P}/views"))["views"]] == ["b", "c"]
    assert ok(client.get(f"{P}/views/b"))["settings"] == {"x": 3}


@pytest.fixture(params=["sqlite", "postgresql"])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_uri"))
    return f"sqlite:///{tmp_path}/views.db"


def test_views_saved_at_the_same_instant_all_survive(store_uri: str, tmp_path: Path) -> None:
    """Each view is its own row: saves racing from many threads lose none (the views
    used to be read-modify-write of the workspace document, where the last save won)."""
    seed = SqlStore(store_uri)
    seed.write_batch(RunBatch(RunRef("tester", "proj", "r0"), create={}))
    seed.close()
    threads, rounds = 8, 4
    barrier = threading.Barrier(threads)
    failures: list[str] = []
    app = create_app(store_uri, f"file://{tmp_path}/blobs")
    with TestClient(app) as c:

        def save(i: int) -> None:
            for r in range(rounds):
                barrier.wait()
                response = c.put(f"{P}/views/v{i}-{r}", json={"settings": {"i": i, "r": r}})
                if response.status_code != 200:
                    failures.append(response.text)

        workers = [threading.Thread(target=save, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert failures == []
        names = {v["name"] for v in ok(c.get(f"{P}/views"))["views"]}
        assert names == {f"v{i}-{r}" for i in range(threads) for r in range(rounds)}
        assert ok(c.get(f"{P}/views/v3-2"))["settings"] == {"i": 3, "r": 2}


def test_views_kept_in_the_workspace_document_show_after_the_upgrade(
    store_uri: str, tmp_path: Path
) -> None:
    """A store written before revision 0008 (views under the reserved key) opens with its
    views in their own rows, the personal workspaces kept, and the document cleaned."""
    upgrade(store_uri, "0007")
    old_views = {
        "lr sweep": {"settings": {"xAxis": "_runtime"}, "owner": "alice", "updated_at": 12.5},
        "plain": {"settings": {}, "owner": None, "updated_at": 3.0},
        "broken": "not a view",
    }
    document = {"xAxis": "_step", RESERVED: {"personal": {"bob": {"a": 1}}, "views": old_views}}
    engine = sa.create_engine(store_uri)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO projects (id, entity, name, created_at, visibility) "
                "VALUES (1, 'tester', 'proj', :t, 'private')"
            ),
            {"t": time.time()},
        )
        conn.execute(
            sa.text("INSERT INTO workspaces (project_id, settings, updated_at) VALUES (1, :s, 0)"),
            {"s": json.dumps(document)},
        )
    engine.dispose()
    app = create_app(store_uri, f"file://{tmp_path}/blobs")  # the store upgrades itself
    with TestClient(app) as c:
        listed = ok(c.get(f"{P}/views"))["views"]
        assert [(v["name"], v["owner"], v["updated_at"]) for v in listed] == [
            ("lr sweep", "alice", 12.5),
            ("plain", None, 3.0),
        ]
        assert ok(c.get(f"{P}/views/lr sweep"))["settings"] == {"xAxis": "_runtime"}
        assert ok(c.get(f"{P}/workspace")) == {"settings": {"xAxis": "_step"}, "scope": "project"}
    store = SqlStore(store_uri)
    try:
        assert store.get_workspace("tester", "proj") == {
            "xAxis": "_step",
            RESERVED: {"personal": {"bob": {"a": 1}}},
        }
    finally:
        store.close()


def test_bad_view_requests_name_the_value(client: TestClient) -> None:
    assert "'nope'" in ok(client.get(f"{P}/views/nope"), 404)["detail"]
    assert "'nope'" in ok(client.delete(f"{P}/views/nope"), 404)["detail"]
    bad = ok(client.put(f"{P}/views/{'x' * 101}", json={"settings": {}}), 422)
    assert "invalid view name 'xxx" in bad["detail"]
    assert (
        "invalid view name ' '"
        in ok(client.put(f"{P}/views/%20", json={"settings": {}}), 422)["detail"]
    )
    assert ok(client.put(f"{P}/views/v", json={"settings": [1]}), 422)
    huge = {"settings": {"blob": "x" * (1 << 20)}}
    assert ok(client.put(f"{P}/views/v", json=huge), 413)
    assert ok(client.put("/api/v1/projects/tester/ghost/views/v", json={"settings": {}}), 404)


def test_personal_workspaces_per_user_and_shared_views(ry_dir: Path) -> None:
    with team_app(ry_dir) as app:
        c = app.client
        alice, root, bob = app.auth("alice"), app.auth("root"), app.auth("bob")
        # before anyone saves, everyone sees the shared (empty) workspace
        assert ok(c.get(f"{PRIVATE}/workspace", headers=alice))["scope"] == "project"
        ok(c.put(f"{PRIVATE}/workspace", json={"settings": {"x": "alice"}}, headers=alice))
        assert ok(c.get(f"{PRIVATE}/workspace", headers=alice)) == {
            "settings": {"x": "alice"},
            "scope": "personal",
        }
        # root (an admin) has not saved one: still the shared workspace, not alice's
        assert ok(c.get(f"{PRIVATE}/workspace", headers=root)) == {
            "settings": {},
            "scope": "project",
        }
        ok(c.put(f"{PRIVATE}/workspace", json={"settings": {"x": "root"}}, headers=root))
        assert ok(c.get(f"{PRIVATE}/workspace", headers=alice))["settings"] == {"x": "alice"}
        assert ok(c.get(f"{PRIVATE}/workspace", headers=root))["settings"] == {"x": "root"}
        # a view saved by alice is seen by root, owner recorded; bob sees nothing private
        ok(c.put(f"{PRIVATE}/views/mine", json={"settings": {"x": 1}}, headers=alice))
        assert ok(c.get(f"{PRIVATE}/views", headers=root))["views"][0]["owner"] == "alice"
        assert c.get(f"{PRIVATE}/views", headers=bob).status_code == 404
        assert c.get(f"{PRIVATE}/views/mine", headers=bob).status_code == 404
        assert c.get(f"{PRIVATE}/views").status_code == 401
        # a public project's views are readable by anyone and writable by members only
        ok(c.put(f"{PUBLIC}/views/open", json={"settings": {"y": 2}}, headers=alice))
        assert ok(c.get(f"{PUBLIC}/views/open"))["settings"] == {"y": 2}
        assert c.put(f"{PUBLIC}/views/x", json={"settings": {}}, headers=bob).status_code == 403
        assert c.delete(f"{PUBLIC}/views/open", headers=bob).status_code == 403
        assert c.put(f"{PUBLIC}/workspace", json={"settings": {}}, headers=bob).status_code == 403


def test_personal_workspaces_saved_at_the_same_instant_both_land(ry_dir: Path) -> None:
    """Each save reads and rewrites the workspace document in one store transaction: two
    users saving at once keep both (a separate read and write let one undo the other)."""
    with team_app(ry_dir) as app:
        c = app.client
        users, rounds = ("alice", "root"), 40
        barrier = threading.Barrier(len(users))
        failures: list[str] = []

        def save(user: str) -> None:
            for r in range(rounds):
                barrier.wait()
                body = {"settings": {"round": r, "by": user}}
                response = c.put(f"{PRIVATE}/workspace", json=body, headers=app.auth(user))
                if response.status_code != 200:
                    failures.append(response.text)
                barrier.wait()
                mine = c.get(f"{PRIVATE}/workspace", headers=app.auth(user)).json()["settings"]
                if mine != body["settings"]:
                    failures.append(f"{user} round {r}: {mine}")

        workers = [threading.Thread(target=save, args=(u,)) for u in users]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert failures == []


def test_run_colours_follow_the_callers_workspace(ry_dir: Path) -> None:
    with team_app(ry_dir) as app:
        c = app.client
        alice, root = app.auth("alice"), app.auth("root")
        before = ok(c.get(f"{PRIVATE}/colors", headers=root))["runs"][0]["color"]
        mine = {"runColors": {"r1": "#123456"}}
        ok(c.put(f"{PRIVATE}/workspace", json={"settings": mine}, headers=alice))
        assert ok(c.get(f"{PRIVATE}/colors", headers=alice))["runs"][0]["color"] == "#123456"
        assert (
            ok(c.get(f"{PRIVATE}/colors", headers=root))["runs"][0]["color"] == before != "#123456"
        )
