"""Run lookup and warnings shared by the callbacks (no Keras needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

import runyard
from runyard.integration.keras.active_run import current_run, require_run, warn_once


def test_require_run_raises_the_given_wandb_message(ry_dir: Path) -> None:
    with pytest.raises(runyard.Error, match=r"^You must call wandb.init\(\) before X\(\)$"):
        require_run("You must call wandb.init() before X()")
    run = runyard.init(project="p")
    assert require_run("unused") is run
    run.finish()


def test_current_run_falls_back_to_the_run_at_creation(ry_dir: Path) -> None:
    first = runyard.init(project="p")
    first.finish()
    assert current_run(first) is first
    second = runyard.init(project="p")
    assert current_run(first) is second
    second.finish()


def test_warn_once(capsys: pytest.CaptureFixture[str]) -> None:
    warn_once("test-key-unique", "something happened")
    warn_once("test-key-unique", "something happened")
    assert capsys.readouterr().err == "runyard: WARNING something happened\n"
