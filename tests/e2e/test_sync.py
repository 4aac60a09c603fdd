"""``runyard sync`` into a team server: offline runs, and a training script killed with SIGKILL.

Counts are taken in PostgreSQL itself (runs, history chunks, non-scalar values,
journal bookkeeping): a second sync must leave every one of them unchanged.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psycopg

from runyard import Api
from tests.e2e.conftest import ENTITY, Team

OFFLINE = """
import sys, runyard
for n in range(2):
    run = runyard.init(project="p", id=f"off{n}", mode="offline", config={"n": n})
    for i in range(2500):
        run.log({"x": float(i), "label": f"step {i}" if i % 500 == 0 else None})
    run.summary["final"] = n
    run.finish()
"""


def counts(store_uri: str) -> dict[str, int]:
    conninfo = store_uri.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            for table in ("runs", "series_chunks", "history_values", "journals")
        }


def sync(team: Team, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "sync", *args],
        env=team.env(root),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_offline_runs_sync_once(team: Team, tmp_path: Path) -> None:
    client = tmp_path / "client"
    made = team.run(OFFLINE, client)
    assert made.returncode == 0, made.stderr
    assert "runyard sync" in made.stderr
    before = counts(team.store_uri)
    assert before["runs"] == 0

    first = sync(team, client)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count(", 2,500 rows, finished") == 2, first.stdout
    after = counts(team.store_uri)
    assert after["runs"] == 2

    again = sync(team, client)
    assert again.returncode == 0 and "2 skipped as already synced" in again.stdout
    checked = sync(team, client, "--include-synced")
    assert checked.returncode == 0 and checked.stdout.count("already there: root/p/off") == 2
    # (and each run's side journal: its console lines, system metrics and metadata)
    assert checked.stdout.count("already there: console, system metrics and metadata") == 2
    assert counts(team.store_uri) == after

    api = Api(store=team.servers[0].url, api_key=team.api_key)
    try:
        for n in range(2):
            run = api.run(f"{ENTITY}/p/off{n}")
            rows = list(run.scan_history())
            assert [r["_step"] for r in rows] == list(range(2500))
            assert [r["label"] for r in rows if r.get("label")] == [
                f"step {i}" for i in range(0, 2500, 500)
            ]
            assert (run.state, run.config, run.summary["final"]) == ("finished", {"n": n}, n)
    finally:
        api.close()


KILLED = """
import os, signal, time, runyard
run = runyard.init(project="p")  # no id: init needs no server, and it is down
print(run.id, flush=True)
for i in range(20000):
    run.log({"x": float(i)})
    if i == 19999:
        os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_script_leaves_a_journal_that_sync_uploads(team: Team, tmp_path: Path) -> None:
    client = tmp_path / "client"
    # The server is stopped while the script runs, so the journal holds most rows.
    server = team.servers[0]
    server.kill()
    killed = team.run(KILLED, client)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (journal,) = [  # (not the side journal of its console lines and system metrics)
        p for p in (client / "journals").rglob("*.journal") if not p.name.endswith(".side.journal")
    ]
    server.start()
    done = sync(team, client)
    assert done.returncode == 0, done.stderr
    run_id = killed.stdout.strip()
    assert f"done: root/p/{run_id}, 20,000 rows, crashed" in done.stdout, done.stdout
    assert team.steps(run_id) == list(range(20000))
    assert not journal.exists()
    assert not list((client / "journals").rglob("*.journal"))  # its side journal too
    unchanged = counts(team.store_uri)
    assert "nothing to sync" in sync(team, client).stdout
    assert counts(team.store_uri) == unchanged
