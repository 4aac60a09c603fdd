"""The seed documents' snippets run unchanged with ``import runyard as wandb``.

The code blocks are read from ``../shared/seeds`` itself, so a snippet is tested as
the document prints it. Only ``import wandb`` becomes ``import runyard as wandb``;
snippets that use names the document leaves to the reader (``args``, ``test()``)
get them from a prelude.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

import runyard
from tests import seed004
from tests.helpers import run_script

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def snippets(prefix: str) -> list[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def as_runyard(code: str) -> str:
    return "import runyard as wandb\n" + re.sub(r"^import wandb$", "", code, flags=re.M)


REPORT = """
import json, runyard
api = runyard.Api()
print(json.dumps([{"summary": r.summary.as_dict(), "config": r.config, "project": r.project}
                  for p in api.store.list_projects() for r in api.runs(f"{p[0]}/{p[1]}")]))
"""


def _runs(root: Path) -> list[dict]:
    result = run_script(REPORT, root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("seed", ["000", "001"])
def test_seed_custom_summary_min_max(seed: str, ry_dir: Path) -> None:
    (code,) = [s for s in snippets(seed) if "define_metric" in s]
    result = run_script(as_runyard(code), ry_dir)
    assert result.returncode == 0, result.stderr
    (run,) = _runs(ry_dir)
    random.seed(1)  # what the document's loop draws
    losses, accs = [], []
    for i in range(10):
        losses.append(random.uniform(0, 1 / (i + 1)))
        accs.append(random.uniform(1 / (i + 1), 1))
    assert run["summary"]["loss"] == {"min": min(losses)}
    assert run["summary"]["acc"] == {"max": max(accs)}


@pytest.mark.parametrize("seed", ["000", "001"])
def test_seed_best_accuracy_in_summary(seed: str, ry_dir: Path) -> None:
    (code,) = [s for s in snippets(seed) if "best_accuracy" in s]
    prelude = (
        "import argparse, itertools\n"
        "args = argparse.Namespace(epochs=5, lr=0.1)\n"
        "_accs = iter([0.5, 0.7, 0.6, 0.9, 0.8])\n"
        "def test():\n    return 0.1, next(_accs)\n"
    )
    result = run_script(prelude + as_runyard(code), ry_dir)
    assert result.returncode == 0, result.stderr
    (run,) = _runs(ry_dir)
    assert run["summary"]["best_accuracy"] == 0.9
    assert run["config"] == {"epochs": 5, "lr": 0.1}


def test_seed_002_acc_loss_and_config(ry_dir: Path) -> None:
    loop, config = snippets("002")
    for code in (loop, config):
        result = run_script(as_runyard(code), ry_dir)
        assert result.returncode == 0, result.stderr
    runs = _runs(ry_dir)
    assert {r["project"] for r in runs} == {"basic-intro"}
    logged = next(r for r in runs if "acc" in r["summary"])
    assert isinstance(logged["summary"]["acc"], float) and logged["summary"]["_step"] == 7
    configured = next(r for r in runs if r["config"])
    assert configured["config"] == {"learning_rate": 0.01, "batch_size": 32, "optimizer": "adam"}


def test_seeds_are_present() -> None:
    assert len(snippets("000")) == 3 and len(snippets("002")) == 2
    assert runyard.init  # the facade the snippets use


def _blob(run: Any, path: str) -> bytes:
    from runyard.blobs.keys import run_prefix
    from runyard.sdk.files import run_blobs

    data: bytes = run_blobs(runyard.Settings.from_env()).get(f"{run_prefix(run.ref)}/{path}")
    return data


def _only_run() -> Any:
    (run,) = [
        r for p in runyard.Api().store.list_projects() for r in runyard.Api().runs(f"{p[0]}/{p[1]}")
    ]
    return run


def test_seed_004_has_the_blocks_we_run() -> None:
    assert len(seed004.blocks()) == len(seed004.SEED_004_PANELS) == 12


@pytest.mark.parametrize("index", sorted(seed004.SEED_004_PANELS))
def test_seed_004_block_runs_unchanged(index: int, ry_dir: Path) -> None:
    result = run_script(seed004.block_script(index), ry_dir)
    assert result.returncode == 0, result.stderr
    run = _only_run()
    key, stored = seed004.SEED_004_PANELS[index]
    summary = run.summary
    if stored.startswith("chart:"):
        assert key not in summary
        assert summary[f"{key}_table"]["_type"] == "table-file"
        visualize = run.config["_wandb"]["visualize"][key]
        assert visualize["panel_type"] == "Vega2"
        assert visualize["panel_config"]["panelDefId"] == stored.removeprefix("chart:")
        return
    value = summary[key]
    assert value["_type"] == stored
    if stored == "plotly-file":  # the matplotlib block: plt.plot([1, 2, 3, 4]) in Plotly
        figure = json.loads(_blob(run, value["path"]))
        assert figure["data"][0]["y"] == [1.0, 2.0, 3.0, 4.0]
        return
    table = json.loads(_blob(run, value["path"]))
    (cell,) = table["data"][0]
    assert cell["_type"] == "html-file"
    html = _blob(run, cell["path"]).decode()
    # Block 10 writes Plotly's page; block 11 Panel's page with a Bokeh document.
    expected = "plotly" if index == 10 else "cdn.bokeh.org/bokeh/release/bokeh-"
    assert expected in html and '<base target="_blank">' in html


def test_log_seed_004_logs_every_block_into_one_project(tmp_path: Path) -> None:
    root = tmp_path / "store"
    seed004.log_seed_004(root)
    code = """
import json, runyard
api = runyard.Api()
print(json.dumps([{"keys": [k for k in r.summary.keys() if not k.startswith("_")], "viz": sorted(
    (r.config.get("_wandb") or {}).get("visualize", {}))} for r in api.runs("tester/seed-004")]))
"""
    result = run_script(code, root)
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout)
    found = []
    for run in runs:
        if run["viz"]:
            (key,) = run["viz"]
            assert run["keys"] == [f"{key}_table"]
            found.append(("chart", key))
        else:
            (key,) = run["keys"]
            found.append(("media", key))
    expected = [
        ("chart" if stored.startswith("chart:") else "media", key)
        for key, stored in seed004.SEED_004_PANELS.values()
    ]
    assert sorted(found) == sorted(expected)
