"""``runyard demo`` (issue 13, "Names and messages"): it ends by saying how to open the
web app on what it logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from runyard.cli.main import main


def test_demo_ends_with_how_to_open_the_ui(ry_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--runs", "2", "--steps", "20", "--project", "my demo"]) == 0
    out, err = capfd.readouterr()
    lines = out.strip().splitlines()
    assert lines[0] == f"runyard: logged 2 runs to project 'my demo' in {ry_dir}"
    assert (
        f"See them in the web app: run `RUNYARD_DIR={ry_dir} runyard ui`, "
        "then open http://127.0.0.1:8765/tester/my%20demo"
    ) in lines
    assert lines[-1] == "Read them back with: runyard.Api().runs('tester/my demo')"
    assert "Tracking run" not in err  # each run's own start-up lines stay quiet


def test_demo_on_the_default_directory_says_plain_runyard_ui(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RUNYARD_DIR")
    monkeypatch.setenv("HOME", str(ry_dir.parent))
    assert main(["demo", "--runs", "1", "--steps", "5"]) == 0
    out = capfd.readouterr().out
    assert "run `runyard ui`, then open http://127.0.0.1:8765/tester/demo" in out
