"""Journal ownership through the real team server, with two accounts (issue 12, point 4).

Bob knows the id of one of Alice's journals (journal files used to be readable by
every user of a machine). Naming it from his own project must not move or mark it:
her later batches would be answered "already stored" and dropped. Nor may the
refusal tell him where her journal stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.registry import open_store
from runyard.store.wire import encode_batch, pack, unpack
from tests.server.auth_app import TeamApp, team_app

HERS = "/api/v1/projects/alice/secret/runs/r7/batches"
HIS = "/api/v1/projects/bob/mine/runs/b7/batches"


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TeamApp]:
    root = tmp_path / "runyard"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNYARD_DIR", str(root))
        patch.setenv("RUNYARD_ENTITY", "tester")
        for name in ("RUNYARD_STORE", "RUNYARD_BASE_URL", "RUNYARD_API_KEY", "RUNYARD_BLOBS"):
            patch.delenv(name, raising=False)
        with team_app(root) as app:
            yield app


def body(ref: RunRef, first: int, last: int, start: int | None, done: bool = False) -> bytes:
    steps = list(range(first, last))
    return pack(
        encode_batch(
            RunBatch(
                ref,
                create={},
                columns={"x": (steps, [float(s) for s in steps])},
                journal=("alice-journal", last),
                journal_start=start,
                journal_done=done,
            )
        )
    )


@pytest.mark.parametrize(("start", "done"), [(1000, True), (0, False), (None, True)])
def test_another_users_batch_cannot_take_her_journal(
    team: TeamApp, start: int | None, done: bool
) -> None:
    alice, bob = team.auth("alice"), team.auth("bob")
    her_run = RunRef("alice", "secret", "r7")
    first = team.client.post(HERS, content=body(her_run, 0, 1000, 0), headers=alice)
    assert first.status_code == 200, first.text

    his_run = RunRef("bob", "mine", "b7")
    answer = team.client.post(HIS, content=body(his_run, 0, 5000, start, done), headers=bob)
    assert answer.status_code == 409, answer.text
    assert "belongs to another run" in answer.json()["detail"]
    assert "stored" not in answer.json() and "1000" not in answer.text

    second = team.client.post(HERS, content=body(her_run, 1000, 2000, 1000), headers=alice)
    assert second.status_code == 200, second.text
    store = open_store(Settings.from_env().store_uri)
    try:
        assert store.get_run(his_run) is None  # nothing of the refused batch was applied
        assert store.read_series(her_run, "x").steps.tolist() == list(range(2000))
        assert store.journal_run("alice-journal") == her_run
    finally:
        store.close()
    position = unpack(team.client.get("/api/v1/journals/alice-journal", headers=alice).content)
    assert position["position"] == 2000


def test_the_owner_still_gets_the_offset_to_resend_from(team: TeamApp) -> None:
    alice = team.auth("alice")
    her_run = RunRef("alice", "secret", "r7")
    team.client.post(HERS, content=body(her_run, 0, 1000, 0), headers=alice)
    gap = team.client.post(HERS, content=body(her_run, 1500, 2000, 1500), headers=alice)
    assert gap.status_code == 409 and gap.json()["stored"] == 1000
