"""Seed 004 (charts, matplotlib/Plotly, HTML in tables) as runnable scripts.

The code blocks are read from ``../shared/seeds/004_*.txt`` and run as the document
prints them; only ``import wandb`` becomes ``import runyard as wandb``. The names
the document leaves to the reader (``x_values``, ``ground_truth``, ``hello.wav``…)
come from :data:`PRELUDE`, with small synthetic data.

The last block draws an audio spectrogram with the real holoviews, panel and bokeh
(dev dependencies) and saves it as Panel's HTML page, which loads BokehJS from its
CDN, as the document's code does.

:func:`log_seed_004` logs every block into one embedded store, for tests that
look at the result in the web app.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

__all__ = [
    "PRELUDE",
    "SEED_004_PANELS",
    "as_runyard",
    "block_script",
    "blocks",
    "log_seed_004",
]

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

#: Block index -> (history key the block logs, what is stored for it).
#: ``"chart:<preset>"``: a custom chart, stored as ``<key>_table`` plus config
#: ``_wandb.visualize.<key>`` with that ``panelDefId``; otherwise the ``_type``.
SEED_004_PANELS: dict[int, tuple[str, str]] = {
    0: ("my_custom_plot_id", "chart:wandb/line/v0"),
    1: ("my_custom_id", "chart:wandb/scatter/v0"),
    2: ("my_bar_chart_id", "chart:wandb/bar/v0"),
    3: ("my_histogram", "chart:wandb/histogram/v0"),
    4: ("my_custom_id", "chart:wandb/lineseries/v0"),
    5: ("pr", "chart:wandb/area-under-curve/v0"),
    6: ("roc", "chart:wandb/area-under-curve/v0"),
    7: ("conf_mat", "chart:wandb/confusion_matrix/v1"),
    8: ("my_custom_chart", "chart:carey/new_chart"),
    9: ("chart", "plotly-file"),
    10: ("test_table", "table-file"),
    11: ("audio_table", "table-file"),
}

PRELUDE = r"""
import os as _os, tempfile as _tempfile
import numpy as _np

_os.chdir(_tempfile.mkdtemp(prefix="seed004-"))
x_values = [0, 1, 2, 3, 4, 5]
y_values = [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125]
class_x_scores = [0.1, 0.5, 0.9, 0.3]
class_y_scores = [0.2, 0.4, 0.8, 0.1]
labels = ["cat", "dog", "bird"]
values = [3, 1, 2]
scores = [0.1, 0.2, 0.2, 0.35, 0.5, 0.7, 0.7, 0.9]
ground_truth = [0, 1, 2, 1, 0, 2]
predictions = [0, 1, 1, 1, 2, 2]
class_names = ["cat", "dog", "bird"]
data = [[0, 1.5], [1, 1.7], [2, 1.6], [3, 1.9]]


def _write_hello_wav():
    from scipy.io import wavfile

    rate = 8000
    t = _np.arange(rate // 2) / rate
    noise = _np.random.default_rng(4).normal(0, 0.05, t.size)
    wave = 0.5 * _np.sin(2 * _np.pi * 440 * t) + noise
    wavfile.write("hello.wav", rate, (wave * 32767).astype(_np.int16))


_write_hello_wav()
"""


def blocks() -> list[str]:
    """The seed's Python code blocks, in document order (12)."""
    (path,) = SEEDS.glob("004_*.txt")
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def as_runyard(code: str) -> str:
    """The block with ``import wandb`` replaced by ``import runyard as wandb``."""
    return "import runyard as wandb\n" + re.sub(r"^import wandb$", "", code, flags=re.M)


def block_script(index: int) -> str:
    """A script running block ``index`` after the prelude (for ``python -c``)."""
    return PRELUDE + as_runyard(blocks()[index])


_ALL_BLOCKS = """
import json, sys
for index, code in enumerate(json.loads(sys.argv[1])):
    namespace = dict(_PRELUDE_NAMES)
    exec(compile(code, f"<seed 004 block {index}>", "exec"), namespace)
    import matplotlib.pyplot
    matplotlib.pyplot.close("all")
"""


def log_seed_004(root: Path) -> None:
    """Log every seed-004 block into the embedded store at ``root`` (project ``seed-004``).

    One run per block, created in block order, so the project workspace shows
    every panel of the document: the nine custom charts (from config
    ``_wandb.visualize``), the matplotlib chart (a ``plotly-file``), and the two
    tables with HTML cells (Plotly's HTML and the static audio + spectrogram
    page). Runs are per block because blocks 1 and 4 both log ``my_custom_id``
    (a scatter and a line series): one run would keep only the second. The
    projects the last two blocks name are replaced by ``seed-004``; nothing else
    in the blocks is changed. Runs in a fresh process with ``RUNYARD_DIR=root``.
    See :data:`SEED_004_PANELS` for each block's key and what is stored.

    Raises:
        RuntimeError: a block failed; the message holds the process's stderr.
    """
    codes = [re.sub(r'project="[^"]*"', 'project="seed-004"', as_runyard(b)) for b in blocks()]
    script = PRELUDE + "\n_PRELUDE_NAMES = dict(globals())\n" + _ALL_BLOCKS
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(
        RUNYARD_DIR=str(root),
        RUNYARD_PROJECT="seed-004",
        RUNYARD_ENTITY=os.environ.get("RUNYARD_ENTITY", "tester"),
        MPLBACKEND="Agg",
    )
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(codes)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"logging seed 004 into {root} failed:\n{result.stderr}")
