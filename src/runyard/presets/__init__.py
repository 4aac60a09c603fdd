"""Custom-chart presets: the built-in Vega-Lite specs and what a spec must hold.

A preset is a Vega-Lite (or Vega) JSON spec drawing the dataset named ``wandb``,
with ``${field:NAME}`` and ``${string:NAME}`` placeholders that a chart's field
mapping and strings fill in (W&B's custom-chart convention). The built-ins ship as
JSON files in ``specs/``, one per id (``wandb/line/v0`` is ``specs/wandb/line/v0.json``);
user presets are versioned in the tracking store.
"""

from __future__ import annotations

from runyard.presets.builtin import BUILTIN_ENTITY, BUILTIN_IDS, builtin_spec
from runyard.presets.placeholders import Placeholders, check_spec, fill, placeholders

__all__ = [
    "BUILTIN_ENTITY",
    "BUILTIN_IDS",
    "Placeholders",
    "builtin_spec",
    "check_spec",
    "fill",
    "placeholders",
]
