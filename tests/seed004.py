"""Seed 004 (charts, matplotlib/Plotly, HTML in tables) as runnable scripts.

The code blocks are read from ``../shared/seeds/004_*.txt`` and run as the document
prints them; only ``import wandb`` becomes ``import runyard as wandb``. The names
the document leaves to the reader (``x_values``, ``ground_truth``, ``hello.wav``…)
come from :data:`PRELUDE`, with small synthetic data.

The last block draws an audio spectrogram with holoviews, panel and bokeh, which
Runyard does not install. When they are missing, the prelude registers small
stand-ins for exactly the calls the block makes (``hv.Image``, ``hv.VLine``,
``pn.pane.Audio``, ``pn.widgets.FloatSlider``, ``pn.Row(...).save``); ``save``
writes an equivalent static page: an ``<audio>`` player of the WAV file and the
spectrogram (computed by the block itself with scipy) as an inline PNG. With the
real libraries installed, the real ones are used.

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

PRELUDE = r'''
import base64 as _b64, io as _io, os as _os, sys as _sys, tempfile as _tempfile, types as _types
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


def _install_bokeh_standins():
    """Static stand-ins for the holoviews/panel/bokeh calls of the seed's last block."""
    from PIL import Image as _PIL

    class _Element:
        def __init__(self, data=None, kdims=None, **kwargs):
            self.data, self.kdims = data, kdims

        def opts(self, **kwargs):
            self.options = kwargs
            return self

        def __mul__(self, other):
            return _Overlay([self, other])

    class _Overlay(_Element):
        def __init__(self, items):
            super().__init__(items)

    class Image(_Element):
        def html(self):
            _, _, z = self.data
            z = _np.nan_to_num(_np.asarray(z, dtype=float), neginf=_np.nan)
            z = _np.nan_to_num(z, nan=_np.nanmin(z))
            span = float(z.max() - z.min()) or 1.0
            pixels = ((z - z.min()) / span * 255).astype(_np.uint8)[::-1]
            buffer = _io.BytesIO()
            _PIL.fromarray(pixels).resize((500, 150)).save(buffer, format="PNG")
            src = _b64.b64encode(buffer.getvalue()).decode()
            return f'<img alt="spectrogram" width="500" height="150" src="data:image/png;base64,{src}">'

    class VLine(_Element):
        def html(self):
            return ""

    class Audio:
        def __init__(self, data, sample_rate, name="Audio", throttle=None):
            from scipy.io import wavfile

            buffer = _io.BytesIO()
            wavfile.write(buffer, sample_rate, _np.asarray(data))
            self.src = _b64.b64encode(buffer.getvalue()).decode()
            self.name = name

        def html(self):
            return f'<audio controls title="{self.name}" src="data:audio/wav;base64,{self.src}"></audio>'

    class FloatSlider:
        def __init__(self, end=1.0, visible=True, **kwargs):
            self.end, self.visible = end, visible

        def jslink(self, target, bidirectional=False, **links):
            return None

        def html(self):
            return ""

    class Row:
        def __init__(self, *items):
            self.items = items

        def save(self, filename):
            parts = []
            for item in self.items:
                for element in item.data if isinstance(item, _Overlay) else [item]:
                    parts.append(element.html())
            body = "".join(parts)
            with open(filename, "w", encoding="utf-8") as f:
                f.write(f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>")

    hv = _types.ModuleType("holoviews")
    hv.Image, hv.VLine = Image, VLine
    hv.extension = lambda *args, **kwargs: None
    pn = _types.ModuleType("panel")
    pn.pane = _types.SimpleNamespace(Audio=Audio)
    pn.widgets = _types.SimpleNamespace(FloatSlider=FloatSlider)
    pn.Row = Row
    bokeh = _types.ModuleType("bokeh")
    resources = _types.ModuleType("bokeh.resources")
    resources.INLINE = "inline"
    bokeh.resources = resources
    _sys.modules.update(
        {"holoviews": hv, "panel": pn, "bokeh": bokeh, "bokeh.resources": resources}
    )


try:
    import bokeh.resources, holoviews, panel  # noqa: F401  (the real libraries when present)
except ImportError:
    _install_bokeh_standins()
'''


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
