"""``init``'s arguments and settings (issue 13, "Names and messages"): every argument of
``wandb.init`` 0.31 is taken, any other is a ``TypeError`` as in wandb; wandb's
``Settings`` fields that scripts pass are kept on ``run.settings`` under wandb's names;
``sync_tensorboard=True`` warns instead of being ignored."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import runyard

#: wandb.init's parameters in wandb 0.31 (reference/wandb-0.31-behaviour.md §g), plus
#: ``anonymous``, deprecated there but still taken (Lightning's WandbLogger passes it).
WANDB_INIT_PARAMETERS = [
    "entity",
    "project",
    "dir",
    "id",
    "name",
    "notes",
    "tags",
    "config",
    "config_exclude_keys",
    "config_include_keys",
    "allow_val_change",
    "group",
    "job_type",
    "mode",
    "force",
    "reinit",
    "resume",
    "resume_from",
    "fork_from",
    "save_code",
    "tensorboard",
    "sync_tensorboard",
    "monitor_gym",
    "settings",
    "anonymous",
]


def test_init_takes_every_wandb_init_parameter() -> None:
    parameters = inspect.signature(runyard.init).parameters
    assert set(WANDB_INIT_PARAMETERS) <= set(parameters)
    kinds = {p.kind for p in parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds  # nothing is swallowed silently


def test_wandb_only_arguments_are_accepted(ry_dir: Path) -> None:
    run = runyard.init(
        project="p", force=True, anonymous="never", save_code=True, monitor_gym=False
    )
    run.finish()
    assert run.settings.save_code is True


@pytest.mark.parametrize("mode", ["online", "offline", "disabled"])
def test_a_misspelt_argument_is_a_type_error_naming_it(ry_dir: Path, mode: str) -> None:
    with pytest.raises(TypeError, match="projct"):
        runyard.init(projct="p", mode=mode)
    assert runyard.run is None


@pytest.mark.parametrize("argument", ["sync_tensorboard", "tensorboard"])
def test_sync_tensorboard_patches_the_writers(
    ry_dir: Path, capfd: pytest.CaptureFixture[str], argument: str
) -> None:
    from runyard import tensorboard

    tensorboard.unpatch()
    try:
        run = runyard.init(project="p", **{argument: True})
        run.finish()
        assert run.settings.sync_tensorboard is True
        assert tensorboard.is_patched()  # what it mirrors: tests/test_tensorboard.py
        assert "WARNING sync_tensorboard" not in capfd.readouterr().err
    finally:
        tensorboard.unpatch()


def test_wandb_settings_are_kept_on_the_run_under_wandb_names(ry_dir: Path) -> None:
    settings = {
        "console": "off",
        "start_method": "thread",
        "disable_git": True,
        "save_code": False,
        "x_stats_sampling_interval": 2,
        "_disable_stats": True,  # wandb's older private spelling
        "_disable_meta": True,
        "init_timeout": 300,
        "quiet": True,
        "x_stats_gpu_device_ids": [0, 1],
        "heartbeat_seconds": 10,  # a wandb setting Runyard has no use for: kept aside
    }
    run = runyard.init(project="p", settings=settings)
    run.finish()
    s = run.settings
    assert (s.console, s.start_method, s.disable_git, s.save_code) == ("off", "thread", True, False)
    assert (s.x_stats_sampling_interval, s.x_disable_stats, s.x_disable_meta) == (2.0, True, True)
    assert (s.init_timeout, s.quiet, s.x_stats_gpu_device_ids) == (300.0, True, (0, 1))
    assert s.wandb_extras == {"heartbeat_seconds": 10}


def test_a_settings_object_applies_only_what_it_sets(ry_dir: Path) -> None:
    """``init(settings=runyard.Settings(console="off"))`` keeps RUNYARD_DIR and the rest
    of the environment, as wandb's ``settings=wandb.Settings(...)`` does."""
    run = runyard.init(project="p", settings=runyard.Settings(console="off", mode="offline"))
    run.finish()
    assert run.settings.console == "off"
    assert run.offline
    assert run.settings.root_dir == ry_dir
    assert run.settings.entity == "tester"


def test_settings_from_the_environment(ry_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_CONSOLE", "wrap")
    monkeypatch.setenv("WANDB__DISABLE_STATS", "true")
    monkeypatch.setenv("WANDB_X_STATS_SAMPLING_INTERVAL", "30")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "1")
    run = runyard.init(project="p")
    run.finish()
    s = run.settings
    assert (s.console, s.x_disable_stats, s.x_stats_sampling_interval, s.disable_git) == (
        "wrap",
        True,
        30.0,
        True,
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"consle": "off"}, r"unknown setting 'consle'; did you mean 'console'"),
        ({"console": "loud"}, r"invalid value for setting 'console': 'loud'"),
        ({"x_stats_sampling_interval": 0.01}, r"'x_stats_sampling_interval': 0.01; expected at"),
        ({"disable_git": "maybe"}, r"'disable_git': 'maybe'; expected a bool"),
    ],
)
def test_bad_settings_are_refused_naming_them(
    ry_dir: Path, settings: dict[str, object], message: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        runyard.init(project="p", settings=settings)
    with pytest.raises((TypeError, ValueError), match=message):
        runyard.Settings(**settings)


def test_settings_must_be_a_dict_or_settings(ry_dir: Path) -> None:
    with pytest.raises(TypeError, match=r"settings must be a dict or runyard\.Settings"):
        runyard.init(project="p", settings=["console"])  # type: ignore[arg-type]
