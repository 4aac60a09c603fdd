"""``runyard sync``: offline runs and leftover journals into SQLite and PostgreSQL stores.

Every run here is a real script in a fresh process; the store is read back through
``runyard.Api`` and compared row by row before and after a second sync.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runyard.cli.main import main
from runyard.entities import RunRef
from runyard.store.registry import open_store
from tests.helpers import run_script

OFFLINE_RUN = """
import sys, runyard
run = runyard.init(project="p", id=sys.argv[1], mode="offline", config={"lr": 0.1})
print("hello from", sys.argv[1])
for i in range(int(sys.argv[2])):
    run.log({"loss": 1.0 / (i + 1), "acc": i * 0.001, "tag": f"s{i}" if i % 100 == 0 else None})
run.summary["best"] = 0.5
run.finish()
"""


def offline_run(root: Path, run_id: str, steps: int) -> None:
    result = run_script(OFFLINE_RUN, root, run_id, str(steps))
    assert result.returncode == 0, result.stderr
    # The hint at finish names the run's journal, once (its side journal goes with it).
    assert f"runyard sync {main_journal(root / 'offline', run_id)}\n" in result.stderr


def main_journal(folder: Path, run_id: str = "") -> Path:
    """The run's journal in ``folder`` (not ``<stem>.side.journal``, its background
    threads' console lines, system metrics and metadata)."""
    (found,) = [
        p for p in folder.glob(f"{run_id}*.journal") if not p.name.endswith(".side.journal")
    ]
    return found


def side_journal(main: Path) -> Path:
    return main.with_name(main.name.removesuffix(".journal") + ".side.journal")


def store_rows(uri: str, ref: RunRef) -> tuple[int, list[dict[str, object]]]:
    """(run count of the project, every history row) as the store holds them."""
    store = open_store(uri)
    try:
        runs = store.count_runs(ref.entity, ref.project)
        rows = list(store.scan_history(ref))
    finally:
        store.close()
    return runs, rows


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'target.db'}"
    uri: str = request.getfixturevalue("postgres_uri")
    return uri


def test_offline_run_syncs_once(
    ry_dir: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    offline_run(ry_dir, "off1", 1200)
    ref = RunRef("tester", "p", "off1")
    assert main(["sync", "--store", target]) == 0
    out = capsys.readouterr().out
    assert "done: tester/p/off1, 1,200 rows, finished" in out
    runs, rows = store_rows(target, ref)
    assert runs == 1
    assert [r["_step"] for r in rows] == list(range(1200))
    assert [r["loss"] for r in rows] == [1.0 / (i + 1) for i in range(1200)]
    assert rows[100]["tag"] == "s100"

    # Again: skipped by the marker; with --include-synced the store says it has it all.
    assert main(["sync", "--store", target]) == 0
    assert "1 skipped as already synced" in capsys.readouterr().out
    assert main(["sync", "--store", target, "--include-synced"]) == 0
    assert "already there: tester/p/off1" in capsys.readouterr().out
    assert store_rows(target, ref) == (runs, rows)
    store = open_store(target)
    try:
        record = store.get_run(ref)
    finally:
        store.close()
    assert record is not None
    assert (record.state, record.config, record.summary["best"]) == ("finished", {"lr": 0.1}, 0.5)
    assert (ry_dir / "offline").exists() and list((ry_dir / "offline").glob("*.journal"))


def test_clean_removes_synced_journals(ry_dir: Path, tmp_path: Path) -> None:
    offline_run(ry_dir, "off2", 10)
    target = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["sync", "--store", target, "--clean"]) == 0
    assert list((ry_dir / "offline").iterdir()) == []
    assert store_rows(target, RunRef("tester", "p", "off2"))[0] == 1


def test_syncing_to_a_second_store_sends_everything(ry_dir: Path, tmp_path: Path) -> None:
    offline_run(ry_dir, "off3", 50)
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    assert main(["sync", "--store", first]) == 0
    assert main(["sync", "--store", second]) == 0
    ref = RunRef("tester", "p", "off3")
    assert store_rows(first, ref) == store_rows(second, ref)
    assert len(store_rows(second, ref)[1]) == 50


def test_paths_and_missing_paths(ry_dir: Path, tmp_path: Path) -> None:
    offline_run(ry_dir, "off4", 5)
    target = f"sqlite:///{tmp_path / 't.db'}"
    journal = main_journal(ry_dir / "offline")
    assert main(["sync", "--store", target, str(journal)]) == 0
    assert store_rows(target, RunRef("tester", "p", "off4"))[0] == 1
    assert main(["sync", "--store", target, str(tmp_path / "nope")]) == 2


def test_nothing_to_sync(ry_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 0
    assert "nothing to sync" in capsys.readouterr().out


KILLED_ONLINE_RUN = """
import os, signal, sys, runyard
run = runyard.init(project="p", id="killed", settings={"store": sys.argv[1]})
for i in range(3000):
    run.log({"loss": float(i)})
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_run_leaves_a_journal_that_sync_uploads(ry_dir: Path, target: str) -> None:
    result = run_script(KILLED_ONLINE_RUN, ry_dir, target)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert main(["sync", "--store", target]) == 0
    runs, rows = store_rows(target, RunRef("tester", "p", "killed"))
    assert runs == 1
    assert [r["loss"] for r in rows] == [float(i) for i in range(3000)]
    # The SDK's own journal is deleted once stored; nothing is left to sync.
    assert list((ry_dir / "journals").rglob("*.journal")) == []
    store = open_store(target)
    try:
        record = store.get_run(RunRef("tester", "p", "killed"))
    finally:
        store.close()
    assert record is not None and record.state == "crashed"


def test_interrupted_sync_resumes_without_duplicates(ry_dir: Path, tmp_path: Path) -> None:
    """SIGKILL a `runyard sync` once it stored some batches; the next sync sends the rest."""
    steps = 400_000
    big = (
        "import runyard\n"
        "run = runyard.init(project='p', id='big', mode='offline')\n"
        f"for i in range({steps}):\n"
        "    run.log({'x': float(i)})\n"
        "run.finish()\n"
    )
    assert run_script(big, ry_dir).returncode == 0
    db = tmp_path / "t.db"
    target = f"sqlite:///{db}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(RUNYARD_DIR=str(ry_dir), RUNYARD_CONFIG_DIR=str(ry_dir / "config"))
    with subprocess.Popen(
        [sys.executable, "-m", "runyard.cli.main", "sync", "--store", target],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as proc:
        position = 0
        deadline = time.monotonic() + 60
        while position == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    found = conn.execute("SELECT MAX(position) FROM journals").fetchone()
                position = int(found[0] or 0)
            except sqlite3.Error:
                continue
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    journal = main_journal(ry_dir / "offline")
    assert 0 < position < journal.stat().st_size, "the sync was not caught midway"
    partial = len(store_rows(target, RunRef("tester", "p", "big"))[1])
    assert 0 < partial < steps
    assert main(["sync", "--store", target]) == 0
    runs, rows = store_rows(target, RunRef("tester", "p", "big"))
    assert runs == 1
    assert [r["x"] for r in rows] == [float(i) for i in range(steps)]


def test_entity_and_project_move_the_runs(ry_dir: Path, tmp_path: Path) -> None:
    offline_run(ry_dir, "moved", 20)
    target = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["sync", "--store", target, "--entity", "team", "--project", "cluster"]) == 0
    assert store_rows(target, RunRef("team", "cluster", "moved"))[1][-1]["_step"] == 19
    store = open_store(target)
    try:
        assert store.get_run(RunRef("tester", "p", "moved")) is None
    finally:
        store.close()


def test_a_journal_already_stored_stays_with_its_run(
    ry_dir: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--entity/--project`` apply to what the store has not taken: a journal it holds
    belongs to the run it went to (issue 12, point 4), and a second sync says so."""
    offline_run(ry_dir, "kept", 20)
    assert main(["sync", "--store", target]) == 0
    capsys.readouterr()
    moved = ["sync", "--store", target, "--include-synced", "--entity", "team"]
    assert main(moved) == 0
    assert "already there: tester/p/kept" in capsys.readouterr().out
    store = open_store(target)
    try:
        assert store.get_run(RunRef("team", "p", "kept")) is None
    finally:
        store.close()


def test_journals_of_other_servers_are_pointed_out(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = ry_dir / "journals" / "team.example.org-8443-0123456789"
    other.mkdir(parents=True)
    (other / "abc-1-1.journal").write_bytes(b"")
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert f"1 journal(s) of runs meant for another server are in {other}" in out
    assert (other / "abc-1-1.journal").exists()  # not sent to the embedded store


def test_offline_files_written_under_the_old_blob_keys_are_sent(
    tmp_path: Path, ry_dir: Path
) -> None:
    """An offline run recorded before blob keys became injective (issue 12, point 2)
    kept its files under the old prefix; sync still sends them."""
    from runyard.blobs.keys import legacy_run_prefix, run_prefix
    from runyard.blobs.registry import open_blobs
    from runyard.cli.sync import _send_files
    from runyard.settings import Settings
    from tests.e2e.server import RunyardServer, upgrade_store

    uri = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(uri)
    server = RunyardServer(tmp_path / "srv", uri, f"file://{tmp_path / 'server-blobs'}").start()
    try:
        settings = Settings.from_env()
        ref = RunRef("tester", "My Project", "old1")
        local = open_blobs(settings.blobs_uri)
        local.put(f"{legacy_run_prefix(ref)}/notes.txt", b"from before")
        assert legacy_run_prefix(ref) != run_prefix(ref)
        assert _send_files(settings, server.url, ref, ref) == 1
        sent = tmp_path / "server-blobs" / run_prefix(ref) / "notes.txt"
        assert sent.read_bytes() == b"from before"
    finally:
        server.stop()


CORRUPT_STORE_RUN = """
import runyard
run = runyard.init(project="p", config={"lr": 0.1})
for i in range(30):
    run.log({"loss": float(i)})
print(run.id)
run.finish()
"""


def test_a_corrupt_store_file_gets_advice_that_works(ry_dir: Path, tmp_path: Path) -> None:
    """`runyard sync <journal>` into the same corrupt file cannot succeed: the message
    says to move the file aside (or to sync into another store), and doing so works."""
    ry_dir.mkdir(parents=True, exist_ok=True)
    db = ry_dir / "runyard.db"
    db.write_bytes(b"this is not an SQLite database " * 200)
    result = run_script(CORRUPT_STORE_RUN, ry_dir)
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip()
    (journal,) = [p for p in (ry_dir / "journals").glob("*.journal") if ".side." not in p.name]
    assert "is damaged" in result.stderr and "not a database" in result.stderr
    assert f"mv {db} {db}.damaged" in result.stderr
    assert f"runyard sync {journal} --store sqlite:///" in result.stderr
    assert f"Upload it with:\nrunyard sync {journal}\n" not in result.stderr

    # What `runyard sync` itself says about that store, then the advice followed.
    assert main(["sync", str(journal)]) == 1
    os.replace(db, f"{db}.damaged")
    assert main(["sync", str(journal)]) == 0
    runs, rows = store_rows(f"sqlite:///{db}", RunRef("tester", "p", run_id))
    assert runs == 1 and [r["loss"] for r in rows] == [float(i) for i in range(30)]


def test_sync_says_what_to_do_with_a_corrupt_store(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offline_run(ry_dir, "off9", 5)
    db = tmp_path / "bad.db"
    db.write_bytes(b"\x00garbage" * 1000)
    assert main(["sync", "--store", f"sqlite:///{db}"]) == 1
    err = capsys.readouterr().err
    assert "not a database" in err
    assert f"mv {db} {db}.damaged" in err and "--store sqlite:///" in err


def test_a_damaged_journal_is_synced_as_far_as_it_reads(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from runyard.journal.frames import JournalReader

    offline_run(ry_dir, "off8", 50)
    journal = main_journal(ry_dir / "offline")
    with open(journal, "rb") as f:
        ends = [end for end, _ in JournalReader(f.fileno()).records()]
    data = bytearray(journal.read_bytes())
    data[ends[10] + 14] ^= 0x40  # the frame after the 11th: a LOG of the first steps
    journal.write_bytes(bytes(data))
    target = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["sync", "--store", target]) == 0
    captured = capsys.readouterr()
    assert "is damaged" in captured.err and "everything else is stored" in captured.err
    _, rows = store_rows(target, RunRef("tester", "p", "off8"))
    assert len(rows) == 49
    assert journal.exists()  # the user's file is left where it is


def console_and_metadata(uri: str, ref: RunRef) -> tuple[list[str], dict[str, object] | None]:
    store = open_store(uri)
    try:
        record = store.get_run(ref)
        assert record is not None
        return [line.text for line in store.read_console(ref)], record.metadata
    finally:
        store.close()


def test_syncing_a_journal_path_takes_its_side_journal(
    ry_dir: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`runyard sync <journal>` (the path finish() prints) brings the session's console
    lines and metadata too, main journal first; twice adds nothing."""
    offline_run(ry_dir, "side1", 10)
    journal = main_journal(ry_dir / "offline")
    assert side_journal(journal).exists()
    ref = RunRef("tester", "p", "side1")
    assert main(["sync", "--store", target, str(journal)]) == 0
    out = capsys.readouterr().out
    stored = out.index("done: tester/p/side1, 10 rows, finished")
    assert stored < out.index("done: console, system metrics and metadata of tester/p/side1")
    assert "1 journal(s) synced" in out  # one run session
    lines, metadata = console_and_metadata(target, ref)
    assert lines == ["hello from side1"]
    assert metadata is not None and metadata["program"]
    before = (store_rows(target, ref), lines, metadata)

    assert main(["sync", "--store", target, str(journal)]) == 0
    out = capsys.readouterr().out
    assert "1 skipped as already synced" in out and "runyard: syncing" not in out
    assert main(["sync", "--store", target, str(journal), "--include-synced"]) == 0
    out = capsys.readouterr().out
    assert "already there: tester/p/side1" in out
    assert "already there: console, system metrics and metadata of tester/p/side1" in out
    assert (store_rows(target, ref), *console_and_metadata(target, ref)) == before


def test_sync_without_paths_takes_each_journal_once(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offline_run(ry_dir, "both", 5)
    target = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["sync", "--store", target]) == 0
    out = capsys.readouterr().out
    assert out.count("runyard: syncing") == 2 and "1 journal(s) synced" in out
    assert console_and_metadata(target, RunRef("tester", "p", "both"))[0] == ["hello from both"]
    journal = main_journal(ry_dir / "offline")
    assert main(["sync", "--store", target, str(journal)]) == 0  # the same journals
    assert "1 skipped as already synced" in capsys.readouterr().out


def test_a_side_journal_waits_for_its_run(
    ry_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Synced alone before its run is in the store, a side journal is not lost (the
    store would drop what attaches to no run): it is left, not marked synced."""
    offline_run(ry_dir, "alone", 5)
    journal = main_journal(ry_dir / "offline")
    side = side_journal(journal)
    target = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["sync", "--store", target, str(side)]) == 1
    out = capsys.readouterr().out
    assert f"its run tester/p/alone is not in the store yet; `runyard sync {journal}` first" in out
    assert not side.with_name(side.name + ".synced").exists()
    assert main(["sync", "--store", target, str(side)]) == 1  # still waiting
    assert main(["sync", "--store", target, str(journal)]) == 0
    assert console_and_metadata(target, RunRef("tester", "p", "alone"))[0] == ["hello from alone"]
