"""The public facade: a sorted ``__all__`` whose every name resolves to what its module defines."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import runyard
from runyard import errors

DYNAMIC = {"run", "config", "summary"}
LAZY = {
    "Api": ("runyard.public_api.api", "Api"),
    "Artifact": ("runyard.artifacts.artifact", "Artifact"),
    "Audio": ("runyard.data_types.audio", "Audio"),
    "Histogram": ("runyard.data_types.histogram", "Histogram"),
    "Html": ("runyard.data_types.html", "Html"),
    "Image": ("runyard.data_types.image", "Image"),
    "Molecule": ("runyard.data_types.molecule", "Molecule"),
    "Object3D": ("runyard.data_types.object3d", "Object3D"),
    "Plotly": ("runyard.data_types.plotly", "Plotly"),
    "Settings": ("runyard.settings", "Settings"),
    "Table": ("runyard.data_types.table", "Table"),
    "Video": ("runyard.data_types.video", "Video"),
    "login": ("runyard.sdk.login", "login"),
    "plot_table": ("runyard.plot.custom_chart", "plot_table"),
}
MODULES = {"plot": "runyard.plot", "tensorboard": "runyard.tensorboard"}


def test_all_is_sorted() -> None:
    assert runyard.__all__ == sorted(runyard.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(set(runyard.__all__)) == len(runyard.__all__)


@pytest.mark.parametrize("name", sorted(set(runyard.__all__) - DYNAMIC))
def test_every_exported_name_resolves(name: str) -> None:
    value = getattr(runyard, name)
    assert value is not None
    if name in MODULES:
        assert value is importlib.import_module(MODULES[name])
    elif name != "__version__":
        # Objects exported by the facade are Runyard's own, not leaked third-party names.
        assert getattr(value, "__module__", "").startswith("runyard"), value


@pytest.mark.parametrize("name", sorted(LAZY))
def test_lazy_names_are_the_objects_in_their_modules(name: str) -> None:
    module, attr = LAZY[name]
    assert name in runyard.__all__
    assert getattr(runyard, name) is getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_lazy_subpackages_are_the_modules(name: str) -> None:
    assert name in runyard.__all__
    assert getattr(runyard, name) is importlib.import_module(MODULES[name])


@pytest.mark.parametrize(
    "name", ["CommError", "ConfigError", "Error", "RunNotFoundError", "UsageError"]
)
def test_errors_are_the_ones_in_errors(name: str) -> None:
    assert getattr(runyard, name) is getattr(errors, name)


def test_init_is_the_sdk_init() -> None:
    from runyard.sdk.init import init

    assert runyard.init is init


def test_version_is_a_string() -> None:
    assert isinstance(runyard.__version__, str)
    assert runyard.__version__


def test_dir_lists_every_export() -> None:
    assert set(runyard.__all__) <= set(dir(runyard))


def test_unknown_attribute_raises_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = runyard.no_such_thing  # type: ignore[attr-defined]


def test_dynamic_names_before_and_after_init(ry_dir: Path) -> None:
    assert runyard.run is None
    # Before init, config and summary are placeholders that exist but refuse use.
    assert runyard.config is not None
    assert runyard.summary is not None
    run = runyard.init(project="exports")
    try:
        assert runyard.run is run
        assert type(runyard.config) is type(run.config)
        assert type(runyard.summary) is type(run.summary)
    finally:
        runyard.finish()
    assert runyard.run is None


def _child(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_lazy_names_load_their_modules_only_when_used() -> None:
    out = _child(
        """
        import sys
        import runyard
        before = [m for m in ("runyard.public_api.api", "runyard.data_types.histogram")
                  if m in sys.modules]
        runyard.Api, runyard.Histogram
        after = [m for m in ("runyard.public_api.api", "runyard.data_types.histogram")
                 if m in sys.modules]
        print(before, after)
        """
    )
    assert out == "[] ['runyard.public_api.api', 'runyard.data_types.histogram']"


def test_star_import_gives_every_export() -> None:
    out = _child(
        """
        ns = {}
        exec("from runyard import *", ns)
        import runyard
        print(sorted(set(runyard.__all__) - set(ns)), ns["run"])
        """
    )
    assert out == "[] None"
