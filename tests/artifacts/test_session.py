"""``run.log_artifact`` on the training thread (artifacts/session.py): one journal
record and no file-system call; the staging folder is moved by the writer thread, and
a kill before it did still stores the artifact on the next sync (issue 14)."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import runyard
from tests.e2e.server import client_env

#: Audit events of file-system calls (``open``, ``os.mkdir``, ``os.rename``, …).
_FS_EVENTS = ("open", "os.", "shutil.")
_watch: dict[str, Any] = {"thread": None, "events": None}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _watch["thread"] == threading.get_ident() and event.startswith(_FS_EVENTS):
        _watch["events"].append((event, args[:2]))


_hooked: list[bool] = []


@contextmanager
def _fs_calls() -> Iterator[list[tuple[str, Any]]]:
    """The file-system calls this thread makes inside the block (audit events: real
    calls, nothing replaced)."""
    if not _hooked:
        sys.addaudithook(_hook)  # cannot be removed: inert outside the block
        _hooked.append(True)
    events: list[tuple[str, Any]] = []
    _watch.update(thread=threading.get_ident(), events=events)
    try:
        yield events
    finally:
        _watch.update(thread=None, events=None)


def _tree(root: Path, files: int) -> dict[str, bytes]:
    contents = {}
    for i in range(files):
        name = f"part{i % 3}/f{i:03d}.bin"
        data = hashlib.sha256(str(i).encode()).digest() * 8
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        contents[name] = data
    return contents


def test_log_artifact_makes_no_file_system_call_on_the_training_thread(
    ry_dir: Path, tmp_path: Path
) -> None:
    """The staging folder's rename into the spool is the writer thread's (each system
    call on the training thread may wait for the GIL behind a busy writer); the
    artifact is stored whole, and its staged files are gone once it is."""
    contents = _tree(tmp_path / "data", 60)
    run = runyard.init(project="calls")
    art = runyard.Artifact("data", type="dataset")
    art.add_dir(str(tmp_path / "data"))
    staging = art._staging
    assert staging is not None and staging.is_dir()
    with _fs_calls() as calls:
        logged = run.log_artifact(art)
    assert calls == []
    # Before it is stored, the logged draft still reads its files (wherever they are).
    assert logged.size == sum(len(v) for v in contents.values())
    logged.wait(60)
    run.finish()
    assert not staging.exists()
    assert not list(ry_dir.rglob("*.spool/artifacts/*"))
    out = Path(logged.download(str(tmp_path / "out")))
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.bin")}
    assert got == contents


def test_an_offline_run_moves_the_staging_folder_into_its_spool_at_once(
    ry_dir: Path, tmp_path: Path
) -> None:
    """No writer thread: the journal and its spool are the run (copied elsewhere to
    be synced), so the staged files go beside the journal in log_artifact."""
    _tree(tmp_path / "data", 5)
    run = runyard.init(project="calls", mode="offline")
    art = runyard.Artifact("data", type="dataset")
    art.add_dir(str(tmp_path / "data"))
    staging = art._staging
    assert staging is not None
    run.log_artifact(art)
    spooled = Path(f"{run._journal.path}.spool") / "artifacts" / art._client_id
    assert not staging.exists()
    assert len(list(spooled.iterdir())) == 5
    run.finish()


LOG_AND_DIE = """
import os, signal, sys, runyard
run = runyard.init(project="killed", id="dies")
art = runyard.Artifact("data", type="dataset")
art.add_dir(sys.argv[1])
run.log_artifact(art)
print(art._staging, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_right_after_log_artifact_the_artifact_is_stored_by_sync(
    ry_dir: Path, tmp_path: Path
) -> None:
    """SIGKILL as log_artifact returns (the writer has not moved the staging folder
    yet, or has): ``runyard sync`` stores the whole artifact from the journal."""
    contents = _tree(tmp_path / "data", 40)
    root = ry_dir  # the child's data directory, read back here through the Api
    env = client_env(root, "")
    del env["RUNYARD_BASE_URL"]
    died = subprocess.run(
        [sys.executable, "-c", LOG_AND_DIE, str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    staging = Path(died.stdout.strip())
    synced = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert synced.returncode == 0, synced.stderr
    assert not staging.exists()
    assert not list(root.rglob("*.spool/artifacts/*"))
    api = runyard.Api(store=f"sqlite:///{root / 'runyard.db'}")
    art = api.artifact("tester/killed/data:latest")
    out = Path(art.download(str(tmp_path / "out")))
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.bin")}
    assert got == contents
