"""What ``runyard ui`` says (issue 13, "Names and messages"): which store it serves and,
when offline runs are waiting under its directory (``WANDB_MODE=offline`` on a
cluster), that they exist and how to bring them in."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from runyard.cli.sync import sync
from runyard.settings import Settings
from tests.cli.test_ui import serving
from tests.helpers import run_script

OFFLINE = (
    "import runyard\n"
    "run = runyard.init(project='p', mode='offline')\n"
    "run.log({'x': 1})\n"
    "run.finish()\n"
)


def _ui_stderr(ry_dir: Path, env: dict[str, str] | None = None) -> str:
    said: list[str] = []
    with serving(ry_dir, env=env, stderr=said) as url:
        # Answered once uvicorn serves, which is after the messages were printed.
        response = urllib.request.urlopen(url + "api/v1/projects", timeout=60)
        response.close()
        assert response.status == 200
    return " ".join(said[0].split())  # one line: the messages wrap nothing, but be safe


def test_ui_names_the_store_it_serves(ry_dir: Path) -> None:
    err = _ui_stderr(ry_dir)
    assert f"runyard: serving the store sqlite:///{ry_dir}/runyard.db (RUNYARD_DIR {ry_dir})" in err
    assert "offline run" not in err


def test_ui_points_out_offline_runs_until_they_are_synced(ry_dir: Path) -> None:
    for _ in range(2):
        done = run_script(OFFLINE, ry_dir)
        assert done.returncode == 0, done.stderr
    err = _ui_stderr(ry_dir)
    assert (
        f"runyard: 2 offline runs are waiting in {ry_dir / 'offline'}, not in this store: "
        "bring them in with `runyard sync`"
    ) in err
    settings = Settings(root_dir=ry_dir, entity="tester")
    assert sync(settings=settings) == 0
    assert "offline run" not in _ui_stderr(ry_dir)


def test_ui_of_a_machine_logged_in_to_a_server_says_how_to_sync_here(ry_dir: Path) -> None:
    """Plain `runyard sync` would send them to the server: the command names this store."""
    done = run_script(OFFLINE, ry_dir)
    assert done.returncode == 0, done.stderr
    err = _ui_stderr(ry_dir, env={"RUNYARD_BASE_URL": "http://team.example:8765"})
    assert (
        f"1 offline run is waiting in {ry_dir / 'offline'}, not in this store: bring them in "
        f"with `runyard sync --store sqlite:///{ry_dir}/runyard.db` "
        "(or `runyard sync` to send them to http://team.example:8765)"
    ) in err
