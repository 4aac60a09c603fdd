"""What ``init`` prints (issue 13, "Names and messages"): like wandb's "Tracking run …",
"Run data is saved locally in …", "View run at …" — the run, where its data is and
where to look at it — and nothing with RUNYARD_SILENT / WANDB_SILENT or the
``silent``/``quiet`` settings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import runyard
from tests.e2e.server import RunyardServer, upgrade_store

SCRIPT = """
import runyard
run = runyard.init(project="p", id="r1", settings={settings})
run.finish()
"""


def _stderr(tmp_path: Path, env: dict[str, str], settings: str = "None") -> str:
    """stderr of a script that starts and finishes one run, in its own process (the
    messages go to the real stderr, as a user sees them)."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(settings=settings)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def _env(ry_dir: Path, **extra: str) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


def test_an_embedded_run_says_where_it_is_and_how_to_view_it(
    ry_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="my proj")
    run.finish()
    err = capfd.readouterr().err
    assert f"runyard: Tracking run {run.name} (id {run.id}) in project 'my proj'" in err
    assert f"with Runyard {runyard.__version__}" in err
    assert f"runyard: Run data is saved locally in {ry_dir} (sqlite:///{ry_dir}/runyard.db)" in err
    # RUNYARD_DIR is not the default: the command says so, and the URL is the run's page.
    page = f"http://127.0.0.1:8765/tester/my%20proj/runs/{run.id}"
    assert f"View it with `RUNYARD_DIR={ry_dir} runyard ui`, then open {page}" in err


def test_the_default_directory_needs_no_environment_in_the_command(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RUNYARD_DIR")
    monkeypatch.setenv("HOME", str(ry_dir.parent))  # the default ~/.runyard, here
    run = runyard.init(project="p")
    run.finish()
    assert "View it with `runyard ui`, then open" in capfd.readouterr().err


def test_an_offline_run_says_where_its_journal_is_and_how_to_sync_it(
    ry_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="p", mode="offline")
    (journal,) = [
        j for j in (ry_dir / "offline").glob("*.journal") if not j.name.endswith(".side.journal")
    ]
    run.finish()
    err = capfd.readouterr().err
    assert f"runyard: Tracking run {run.id} offline in project 'p'" in err
    assert f"runyard: Run data is saved locally in {journal}" in err
    assert f"`runyard sync {journal}`" in err


@pytest.fixture
def server_url(ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real ``runyard server`` the SDK logs to (online mode)."""
    store = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(store)
    server = RunyardServer(tmp_path / "srv", store, f"file://{tmp_path / 'blobs'}").start()
    monkeypatch.setenv("RUNYARD_BASE_URL", server.url)
    try:
        yield server.url
    finally:
        server.stop()


def test_an_online_run_gives_the_servers_run_page(
    server_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="p", id="r1")
    url = run.url
    run.finish()
    err = capfd.readouterr().err
    assert url == f"{server_url}/tester/p/runs/r1"
    assert f"runyard: Tracking run r1 in project 'p' on {server_url}" in err
    assert f"runyard: View run r1 at {url}" in err


@pytest.mark.parametrize(
    ("env", "settings"),
    [
        ({"RUNYARD_SILENT": "true"}, "None"),
        ({"WANDB_SILENT": "true"}, "None"),
        ({}, "{'silent': True}"),
        ({}, "{'quiet': True}"),
        ({}, "runyard.Settings(quiet=True)"),
        ({}, "{'show_info': False}"),
        ({"WANDB_QUIET": "true"}, "None"),
    ],
)
def test_silent_and_quiet_print_nothing(
    ry_dir: Path, tmp_path: Path, env: dict[str, str], settings: str
) -> None:
    err = _stderr(tmp_path, _env(ry_dir, **env), settings)
    assert "Tracking run" not in err
    assert "runyard ui" not in err


def test_without_silence_the_script_prints_the_lines(ry_dir: Path, tmp_path: Path) -> None:
    """The counterpart of the test above: the same script, not silenced, prints them."""
    err = _stderr(tmp_path, _env(ry_dir))
    assert "runyard: Tracking run" in err
    assert "runyard ui" in err
