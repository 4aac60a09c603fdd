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

import pytest

import runyard
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


SEED_004_PRELUDE = """
import os
os.makedirs({root!r}, exist_ok=True)
os.chdir({root!r})
x_values = [0, 1, 2, 3]
y_values = [1.0, 0.5, 0.25, 0.125]
class_x_scores = [0.1, 0.5, 0.9]
class_y_scores = [0.2, 0.4, 0.8]
labels = ["a", "b", "c"]
values = [3, 1, 2]
scores = [0.1, 0.2, 0.2, 0.7]
ground_truth = [0, 1, 2, 1]
predictions = [0, 1, 1, 1]
class_names = ["cat", "dog", "bird"]
data = [[0, 1.5], [1, 1.7]]
"""

# Block index -> the history key it logs (custom charts and the Plotly-HTML table).
SEED_004_BLOCKS = {
    0: "my_custom_plot_id",
    1: "my_custom_id",
    2: "my_bar_chart_id",
    3: "my_histogram",
    4: "my_custom_id",
    5: "pr",
    6: "roc",
    7: "conf_mat",
    8: "my_custom_chart",
    10: "test_table",
}


@pytest.mark.parametrize("index", sorted(SEED_004_BLOCKS))
def test_seed_004_chart_and_table_blocks(index: int, ry_dir: Path) -> None:
    code = snippets("004")[index]
    if "plotly" in code:
        pytest.importorskip("plotly")
    prelude = SEED_004_PRELUDE.format(root=str(ry_dir))
    result = run_script(prelude + as_runyard(code), ry_dir)
    assert result.returncode == 0, result.stderr
    (run,) = _runs(ry_dir)
    value = run["summary"][SEED_004_BLOCKS[index]]
    expected = "table-file" if index == 10 else "custom-chart"
    assert value["_type"] == expected
