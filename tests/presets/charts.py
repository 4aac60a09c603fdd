"""One chart of every built-in preset, made by ``runyard.plot`` as a script would."""

from __future__ import annotations

import numpy as np

import runyard
from runyard.plot import CustomChart


def sample_charts(seed: int = 0) -> dict[str, CustomChart]:
    """Preset id -> a chart drawn by it (pr/roc both use area-under-curve: pr is kept)."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 3, size=60)
    probas = rng.dirichlet(np.ones(3), size=60)
    xy = runyard.Table(columns=["x", "y"], data=[[i, float(i * i + seed)] for i in range(8)])
    stroked = runyard.Table(
        columns=["x", "y", "k"],
        data=[[i, float(i * k), f"k{k}"] for k in range(3) for i in range(6)],
    )
    dotted = runyard.Table(
        columns=["train.loss", "val[acc]"], data=[[i / 8, float(i % 3)] for i in range(8)]
    )
    labels = runyard.Table(columns=["l", "v"], data=[[f"c{i}", i + 1.0 + seed] for i in range(4)])
    scores = runyard.Table(columns=["s"], data=[[float(v)] for v in rng.normal(size=200)])
    return {
        "wandb/line/v0": runyard.plot.line(xy, "x", "y", title="Line"),
        "wandb/line/v0 stroke": runyard.plot.line(stroked, "x", "y", stroke="k", title="Lines"),
        "wandb/scatter/v0": runyard.plot.scatter(xy, "x", "y", title="Scatter"),
        "wandb/scatter/v0 dotted": runyard.plot.scatter(dotted, "train.loss", "val[acc]"),
        "wandb/bar/v0": runyard.plot.bar(labels, "l", "v", title="Bar"),
        "wandb/histogram/v0": runyard.plot.histogram(scores, "s", title="Histogram"),
        "wandb/lineseries/v0": runyard.plot.line_series(
            xs=[0, 1, 2, 3, 4],
            ys=[[10, 20, 30, 40, 50], [0.5, 11, 72, 3, 41]],
            keys=["metric Y", "metric Z"],
            title="Two Random Metrics",
            xname="x units",
        ),
        "wandb/area-under-curve/v0": runyard.plot.pr_curve(
            y_true, probas, labels=["cat", "dog", "bird"]
        ),
        "wandb/area-under-curve/v0 roc": runyard.plot.roc_curve(
            y_true, probas, labels=["cat", "dog", "bird"]
        ),
        "wandb/confusion_matrix/v1": runyard.plot.confusion_matrix(
            probs=probas, y_true=y_true, class_names=["cat", "dog", "bird"]
        ),
    }
