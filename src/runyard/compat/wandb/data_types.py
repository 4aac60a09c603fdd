"""``wandb.data_types``: Runyard's media and table classes."""

from __future__ import annotations

from runyard.data_types.audio import Audio
from runyard.data_types.histogram import Histogram
from runyard.data_types.html import Html
from runyard.data_types.image import Image
from runyard.data_types.molecule import Molecule
from runyard.data_types.object3d import Object3D
from runyard.data_types.plotly import Plotly
from runyard.data_types.table import Table
from runyard.data_types.video import Video

__all__ = [
    "Audio",
    "Histogram",
    "Html",
    "Image",
    "Molecule",
    "Object3D",
    "Plotly",
    "Table",
    "Video",
]
