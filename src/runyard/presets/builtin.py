"""The built-in presets: JSON specs shipped in ``specs/``, read once and cached."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

__all__ = ["BUILTIN_ENTITY", "BUILTIN_IDS", "builtin_spec"]

#: The entity of the built-in presets (read-only: users cannot save under it).
BUILTIN_ENTITY = "wandb"

#: Every built-in preset id, as ``runyard.plot`` (and wandb) name them, in the order
#: of the helpers' documentation (the order a preset picker lists them in).
BUILTIN_IDS = (
    "wandb/line/v0",
    "wandb/scatter/v0",
    "wandb/bar/v0",
    "wandb/histogram/v0",
    "wandb/lineseries/v0",
    "wandb/area-under-curve/v0",
    "wandb/confusion_matrix/v1",
)


@functools.cache
def _load(preset_id: str) -> dict[str, Any]:
    spec_file = resources.files("runyard.presets").joinpath("specs")
    for part in f"{preset_id}.json".split("/"):
        spec_file = spec_file.joinpath(part)
    spec: dict[str, Any] = json.loads(spec_file.read_text(encoding="utf-8"))
    return spec


def builtin_spec(preset_id: str) -> dict[str, Any] | None:
    """A copy of the built-in spec ``preset_id``, or ``None`` when it is not one."""
    if preset_id not in BUILTIN_IDS:
        return None
    return copy.deepcopy(_load(preset_id))
