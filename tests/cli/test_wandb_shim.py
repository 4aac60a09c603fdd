"""``runyard wandb-shim``: a real ``wandb`` distribution in a fresh venv that is Runyard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runyard.compat.shim import wandb_version
from tests.compat.venv import Venv, make_venv

VERSION = wandb_version()


@pytest.fixture
def env(tmp_path: Path) -> Venv:
    return make_venv(tmp_path / "venv")


def _shim(env: Venv, *args: str, check: bool = True) -> str:
    done = env.cmd(["-m", "runyard", "wandb-shim", *args], check=check)
    return done.stdout + done.stderr


def _site_files(env: Venv) -> set[str]:
    return {p.relative_to(env.site).as_posix() for p in env.site.rglob("*")}


def test_install_log_read_uninstall(env: Venv, tmp_path: Path) -> None:
    before = _site_files(env)
    assert "no wandb installed" in _shim(env, "status", check=False)
    assert VERSION in _shim(env, "install")
    assert f"Runyard's shim wandb {VERSION} is installed" in _shim(env, "status")

    data = tmp_path / "data"
    out = env.run(
        """
        import importlib.metadata, json
        import wandb, runyard
        from wandb.wandb_run import Run
        from wandb.sdk.lib import RunDisabled
        from wandb.sdk.lib.config_util import ConfigError
        from wandb.sdk.wandb_run import Run as SdkRun
        from wandb.apis.public import Api
        import wandb.errors, wandb.util, wandb.env, wandb.plot, wandb.data_types, wandb.profiler
        import wandb.integration.keras, wandb.integration.xgboost, wandb.integration.lightgbm
        run = wandb.init(project="shim", config={"lr": 0.1})
        for step in range(3):
            wandb.log({"loss": 1.0 / (step + 1)})
        print(json.dumps({
            "isinstance": isinstance(run, wandb.wandb_run.Run),
            "same_run": Run is runyard.sdk.run.Run and SdkRun is Run,
            "disabled": RunDisabled is runyard.sdk.disabled.DisabledRun,
            "config_error": ConfigError is runyard.ConfigError,
            "api": Api is runyard.Api,
            "init": wandb.init is runyard.init,
            "run": wandb.run is run,
            "version": importlib.metadata.version("wandb"),
            "__version__": wandb.__version__,
            "top_level": importlib.metadata.distribution("wandb").read_text("top_level.txt"),
            "id": run.id,
        }))
        run.finish()
        """,
        env={"RUNYARD_DIR": str(data), "RUNYARD_SILENT": "true"},
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["isinstance"] and got["same_run"] and got["disabled"]
    assert got["config_error"] and got["api"] and got["init"] and got["run"]
    assert got["version"] == got["__version__"] == VERSION
    assert got["top_level"].strip() == "wandb"

    history = env.run(
        f"""
        import json, runyard
        run = runyard.Api().run("shim/{got["id"]}")
        print(json.dumps([run.config.get("lr"), [r["loss"] for r in run.scan_history()]]))
        """,
        env={"RUNYARD_DIR": str(data), "RUNYARD_SILENT": "true"},
    )
    assert json.loads(history.stdout.strip().splitlines()[-1]) == [0.1, [1.0, 0.5, 1.0 / 3]]

    listed = env.cmd(["-m", "pip", "list", "--format=json"]).stdout
    assert {"name": "wandb", "version": VERSION} in json.loads(listed)
    shown = env.cmd(["-m", "pip", "show", "wandb"]).stdout
    assert f"Version: {VERSION}" in shown

    assert f"removed wandb {VERSION}" in _shim(env, "uninstall")
    assert _site_files(env) == before  # compiled .pyc files and directories too
    assert "nothing to remove" in _shim(env, "uninstall")
    gone = env.run("import importlib.util; print(importlib.util.find_spec('wandb'))")
    assert gone.stdout.strip() == "None"


def test_pip_uninstall_removes_the_shim(env: Venv) -> None:
    before = _site_files(env)
    _shim(env, "install")
    env.run("import wandb.sdk.lib, wandb.apis.public")  # leaves __pycache__ behind
    env.cmd(["-m", "pip", "uninstall", "-y", "wandb"])
    assert _site_files(env) == before


def test_install_twice_replaces_the_shim(env: Venv) -> None:
    _shim(env, "install")
    stale = env.site / "wandb-0.31.0+runyard.0.0.1.dist-info"
    (env.site / f"wandb-{VERSION}.dist-info").rename(stale)
    for name in ("METADATA", "RECORD"):  # as an older Runyard wrote them
        text = (stale / name).read_text()
        (stale / name).write_text(text.replace(VERSION, "0.31.0+runyard.0.0.1"))
    assert "another Runyard version" in _shim(env, "status", check=False)
    _shim(env, "install")
    assert not stale.exists()
    assert f"Runyard's shim wandb {VERSION} is installed" in _shim(env, "status")


def _fake_real_wandb(env: Venv) -> Path:
    """A real wandb's layout as pip leaves it: the package and a dist-info with RECORD."""
    package = env.site / "wandb"
    package.mkdir()
    (package / "__init__.py").write_text("__version__ = '0.19.1'\n")
    info = env.site / "wandb-0.19.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wandb\nVersion: 0.19.1\n")
    (info / "RECORD").write_text(
        "wandb/__init__.py,,\nwandb-0.19.1.dist-info/METADATA,,\nwandb-0.19.1.dist-info/RECORD,,\n"
    )
    return info


def test_refuses_to_replace_a_real_wandb(env: Venv) -> None:
    info = _fake_real_wandb(env)
    done = env.cmd(["-m", "runyard", "wandb-shim", "install"], check=False)
    assert done.returncode == 1
    assert "a real wandb 0.19.1 is installed" in done.stderr and "--force" in done.stderr
    assert (env.site / "wandb" / "__init__.py").read_text() == "__version__ = '0.19.1'\n"
    assert "a real wandb 0.19.1" in _shim(env, "status", check=False)
    refused = env.cmd(["-m", "runyard", "wandb-shim", "uninstall"], check=False)
    assert refused.returncode == 1 and "pip uninstall wandb" in refused.stderr
    assert info.exists()

    _shim(env, "install", "--force")
    assert not info.exists()
    out = env.run("import importlib.metadata; print(importlib.metadata.version('wandb'))")
    assert out.stdout.strip() == VERSION


def test_refuses_a_wandb_package_without_metadata(env: Venv) -> None:
    (env.site / "wandb").mkdir()
    (env.site / "wandb" / "__init__.py").write_text("")
    done = env.cmd(["-m", "runyard", "wandb-shim", "install"], check=False)
    assert done.returncode == 1 and "no wandb distribution owns it" in done.stderr


# What Lightning, Transformers, accelerate, Ultralytics and XGBoost touch
# (../shared/reference/integrations.md), beyond the modules imported above.
FRAMEWORK_NAMES = [
    "Api",
    "Artifact",
    "Audio",
    "Histogram",
    "Image",
    "Molecule",
    "Object3D",
    "Settings",
    "Table",
    "Video",
    "_attach",
    "agent",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "log_artifact",
    "mark_preempting",
    "plot",
    "plot_table",
    "require",
    "restore",
    "run",
    "summary",
    "sweep",
    "termerror",
    "termlog",
    "termwarn",
    "unwatch",
    "use_artifact",
    "watch",
]


def test_names_frameworks_use(env: Venv) -> None:
    _shim(env, "install")
    out = env.run(
        f"""
        import json, importlib.util, wandb, wandb.profiler
        from wandb.integration.xgboost import WandbCallback
        missing = [n for n in {FRAMEWORK_NAMES!r} if not hasattr(wandb, n)]
        try:
            WandbCallback()
        except wandb.Error as exc:  # no run yet, as wandb's
            said = str(exc)
        print(json.dumps([missing, said, importlib.util.find_spec("wandb") is not None,
                          callable(wandb.profiler.torch_trace_handler)]))
        """
    )
    missing, said, found, handler = json.loads(out.stdout.strip().splitlines()[-1])
    assert missing == []
    assert "wandb.init() before WandbCallback()" in said
    assert found and handler
