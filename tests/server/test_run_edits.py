"""Run edits from the runs table (rename, tags, notes, delete, move), checked through
``runyard.Api()`` over the same store (SQLite and PostgreSQL), and their access rules
(issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.blobs.keys import run_prefix
from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.registry import open_store
from tests.server.auth_app import TeamApp, team_app

P = "/api/v1/projects/me/sweep"


def _log(tracking: Any, files: LocalBlobStore, run_id: str, state: str = "finished") -> None:
    ref = RunRef("me", "sweep", run_id)
    steps = np.arange(10, dtype=np.int64)
    tracking.write_batch(
        RunBatch(
            ref,
            create={"display_name": f"name-{run_id}", "tags": ["base"], "group": "g"},
            meta={"state": state, "last_step": 9},
            config={"lr": 0.1, "opt": {"name": "adam"}},
            summary_set=[(("loss",), 0.5), (("acc",), {"max": 0.9})],
            columns={"loss": (steps, steps * 0.1)},
            console=[(0, "stdout", 1.0, f"hello {run_id}")],
            system=[(0, 1.0, 0.5, {"system.cpu": 12.0})],
            metadata={"python": "3.12"},
        )
    )
    files.put(f"{run_prefix(ref)}/files/weights.txt", f"weights {run_id}".encode())


@pytest.fixture(params=["sqlite", "postgresql"])
def app(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[TestClient, runyard.Api, LocalBlobStore]]:
    uri = (
        f"sqlite:///{tmp_path}/runyard.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_uri")
    )
    tracking = open_store(uri)
    files = LocalBlobStore(tmp_path / "blobs")
    for run_id in ("a", "b", "c"):
        _log(tracking, files, run_id)
    _log(tracking, files, "live", state="running")
    tracking.write_batch(RunBatch(RunRef("me", "other", "x"), create={"display_name": "x"}))
    api = runyard.Api(store=tracking, blobs=files)
    with TestClient(create_app(tracking, files)) as client:
        yield client, api, files
    tracking.close()


def test_rename_one_run(app: tuple[TestClient, runyard.Api, LocalBlobStore]) -> None:
    client, api, _ = app
    answer = client.patch(f"{P}/runs", json={"runs": ["a"], "name": "  renamed "})
    assert answer.status_code == 200, answer.text
    assert api.run("me/sweep/a").name == "renamed"
    assert api.run("me/sweep/b").name == "name-b"


def test_a_name_for_many_runs_is_refused(
    app: tuple[TestClient, runyard.Api, LocalBlobStore],
) -> None:
    client, api, _ = app
    answer = client.patch(f"{P}/runs", json={"runs": ["a", "b"], "name": "same"})
    assert answer.status_code == 400 and "one run" in answer.text
    assert client.patch(f"{P}/runs", json={"runs": ["a"], "name": " "}).status_code == 400
    assert api.run("me/sweep/a").name == "name-a"


def test_tags_and_notes_on_many_runs(app: tuple[TestClient, runyard.Api, LocalBlobStore]) -> None:
    client, api, _ = app
    edit = {"runs": ["a", "b", "a"], "add_tags": ["best", "v2"], "remove_tags": ["base"]}
    answer = client.patch(f"{P}/runs", json=edit)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"runs": ["a", "b"]}
    assert api.run("me/sweep/a").tags == ["best", "v2"]
    assert api.run("me/sweep/b").tags == ["best", "v2"]
    assert api.run("me/sweep/c").tags == ["base"]
    answer = client.patch(f"{P}/runs", json={"runs": ["c"], "tags": ["x"], "notes": "why"})
    assert answer.status_code == 200, answer.text
    run = api.run("me/sweep/c")
    assert (run.tags, run.notes) == (["x"], "why")
    assert run.config["lr"] == 0.1 and run.summary["loss"] == 0.5  # nothing else touched


@pytest.mark.parametrize("tag", ["", "  ", "a\0b", "t" * 300])
def test_bad_tags_are_refused_naming_them(
    app: tuple[TestClient, runyard.Api, LocalBlobStore], tag: str
) -> None:
    client, api, _ = app
    answer = client.patch(f"{P}/runs", json={"runs": ["a"], "add_tags": [tag]})
    assert answer.status_code == 400 and "invalid tag" in answer.text
    assert api.run("me/sweep/a").tags == ["base"]


def test_an_id_of_another_project_changes_nothing(
    app: tuple[TestClient, runyard.Api, LocalBlobStore],
) -> None:
    client, api, _ = app
    for route, body in (
        ("runs", {"runs": ["a", "x"], "add_tags": ["t"]}),
        ("runs/delete", {"runs": ["a", "x"]}),
        ("runs/move", {"runs": ["a", "x"], "entity": "me", "project": "dest"}),
    ):
        call = client.patch if route == "runs" else client.post
        answer = call(f"{P}/{route}", json=body)
        assert answer.status_code == 404 and "me/sweep/x" in answer.text, route
    assert api.run("me/sweep/a").tags == ["base"]
    assert api.run("me/other/x").name == "x"
    assert [r.id for r in api.runs("me/dest")] == []


def test_delete_many(app: tuple[TestClient, runyard.Api, LocalBlobStore]) -> None:
    client, api, files = app
    answer = client.post(f"{P}/runs/delete", json={"runs": ["a", "b"]})
    assert answer.status_code == 200, answer.text
    assert sorted(r.id for r in api.runs("me/sweep")) == ["c", "live"]
    assert files.list(run_prefix(RunRef("me", "sweep", "a"))) == []
    assert files.list(run_prefix(RunRef("me", "sweep", "c"))) != []


def test_move_takes_everything_with_it(
    app: tuple[TestClient, runyard.Api, LocalBlobStore],
) -> None:
    client, api, files = app
    before = api.run("me/sweep/a")
    history = list(before.scan_history())
    answer = client.post(f"{P}/runs/move", json={"runs": ["a"], "entity": "me", "project": "dest"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"moved": ["me/dest/a"]}
    assert sorted(r.id for r in api.runs("me/sweep")) == ["b", "c", "live"]
    moved = api.run("me/dest/a")
    assert (moved.name, moved.tags, moved.group, moved.state) == (
        "name-a",
        ["base"],
        "g",
        "finished",
    )
    assert moved.config == before.config and moved.summary["loss"] == 0.5
    assert dict(moved.summary["acc"]) == {"max": 0.9}
    assert moved.created_at == before.created_at
    assert list(moved.scan_history()) == history
    store = api.store
    dest = RunRef("me", "dest", "a")
    assert [line.text for line in store.iter_console(dest)] == ["hello a"]
    assert store.read_system(dest).values["system.cpu"] == [12.0]
    assert store.get_run(dest).metadata == {"python": "3.12"}  # type: ignore[union-attr]
    assert files.get(f"{run_prefix(dest)}/files/weights.txt") == b"weights a"
    assert files.list(run_prefix(RunRef("me", "sweep", "a"))) == []


def test_move_refusals(app: tuple[TestClient, runyard.Api, LocalBlobStore]) -> None:
    client, api, _ = app
    move = f"{P}/runs/move"
    same = client.post(move, json={"runs": ["a"], "entity": "me", "project": "sweep"})
    assert same.status_code == 400
    live = client.post(move, json={"runs": ["b", "live"], "entity": "me", "project": "dest"})
    assert live.status_code == 409 and "running" in live.text
    client.post(move, json={"runs": ["c"], "entity": "me", "project": "dest"})
    client.app.state.store.write_batch(  # type: ignore[attr-defined]
        RunBatch(RunRef("me", "sweep", "c"), create={}, meta={"state": "finished"})
    )
    taken = client.post(move, json={"runs": ["b", "c"], "entity": "me", "project": "dest"})
    assert taken.status_code == 409 and "me/dest/c already exists" in taken.text
    bad = client.post(move, json={"runs": ["b"], "entity": "me", "project": "a/b"})
    assert bad.status_code == 400
    # Nothing was half done: b stayed (every check passes before the first copy).
    assert sorted(r.id for r in api.runs("me/sweep")) == ["a", "b", "c", "live"]
    assert sorted(r.id for r in api.runs("me/dest")) == ["c"]


# -- access -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamApp]:
    root = tmp_path_factory.mktemp("edits") / "runyard"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNYARD_DIR", str(root))
        patch.setenv("RUNYARD_ENTITY", "tester")
        for name in ("RUNYARD_STORE", "RUNYARD_BASE_URL", "RUNYARD_API_KEY", "RUNYARD_BLOBS"):
            patch.delenv(name, raising=False)
        with team_app(root) as app:
            app.accounts.set_visibility("alice", "open", "public")
            yield app


def _alice_runs(project: str) -> list[str]:
    store = open_store(Settings.from_env().store_uri)
    return sorted(r.ref.run_id for r in store.list_runs("alice", project))


def test_others_cannot_edit_delete_or_move(team: TeamApp) -> None:
    private, public = "/api/v1/projects/alice/secret", "/api/v1/projects/alice/open"
    for headers, private_status, public_status in (
        ({}, 401, 401),
        (team.auth("bob"), 404, 403),  # the public project is readable, not writable
    ):
        for base, status in ((private, private_status), (public, public_status)):
            assert (
                team.client.patch(
                    f"{base}/runs", json={"runs": ["r1"], "name": "pwned"}, headers=headers
                ).status_code
                == status
            )
            assert (
                team.client.post(
                    f"{base}/runs/delete", json={"runs": ["r1"]}, headers=headers
                ).status_code
                == status
            )
            assert (
                team.client.post(
                    f"{base}/runs/move",
                    json={"runs": ["r1"], "entity": "bob", "project": "loot"},
                    headers=headers,
                ).status_code
                == status
            )
    assert _alice_runs("secret") == ["r1"] and _alice_runs("open") == ["r1"]
    assert runyard.Api().run("alice/secret/r1").name != "pwned"


def test_no_move_into_a_project_the_caller_cannot_write(team: TeamApp) -> None:
    # bob moves his own run: not into alice's private project (404, as if absent) nor
    # into her public one (403); nothing leaves bob's project.
    store = open_store(Settings.from_env().store_uri)
    store.write_batch(
        RunBatch(
            RunRef("bob", "mine", "b1"), create={"display_name": "b1"}, meta={"state": "finished"}
        )
    )
    for project, status in (("secret", 404), ("open", 403), ("new", 404)):
        answer = team.client.post(
            "/api/v1/projects/bob/mine/runs/move",
            json={"runs": ["b1"], "entity": "alice", "project": project},
            headers=team.auth("bob"),
        )
        assert answer.status_code == status, (project, answer.text)
    assert store.get_run(RunRef("bob", "mine", "b1")) is not None
    assert _alice_runs("secret") == ["r1"] and _alice_runs("new") == []
    # alice moves her run with artifacts? r1 has none here: between her projects, fine.
    answer = team.client.post(
        "/api/v1/projects/alice/open/runs/move",
        json={"runs": ["r1"], "entity": "alice", "project": "moved"},
        headers=team.auth("alice"),
    )
    assert answer.status_code == 200, answer.text
    assert _alice_runs("moved") == ["r1"] and _alice_runs("open") == []
