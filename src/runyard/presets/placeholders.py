"""Placeholders of a custom-chart spec and the rules a saved spec must follow.

``${field:NAME}`` stands for a table column chosen per chart (``fields[NAME]``) and
``${string:NAME}`` for a text such as a title (``string_fields[NAME]``); both may
appear anywhere in the spec's strings, object keys included, and are replaced
textually — the web app does the same in ``web/src/lib/vegaSpec.ts``.

Vega-Lite reads a ``field`` such as ``train.loss`` or ``x[0]`` as a nested path, so
the built-in specs never put ``${field:…}`` in a ``field``: they copy each column
with ``{"calculate": "datum['${field:x}']", "as": "_x"}`` and encode ``_x``, which
works for any column name without a single quote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DATASET", "Placeholders", "check_spec", "fill", "placeholders"]

#: The dataset a spec draws: the chart's table rows, tagged with their run.
DATASET = "wandb"

_PLACEHOLDER = re.compile(r"\$\{(field|string):([^}]*)\}")


@dataclass
class Placeholders:
    """Placeholder names in order of first appearance."""

    fields: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)


def _strings(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping):
            for key, value in reversed(list(item.items())):
                stack.append(value)
                stack.append(key)
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out


def placeholders(spec: Any) -> Placeholders:
    """The ``${field:…}`` and ``${string:…}`` names used in ``spec``."""
    found = Placeholders()
    for text in _strings(spec):
        for kind, name in _PLACEHOLDER.findall(text):
            names = found.fields if kind == "field" else found.strings
            if name not in names:
                names.append(name)
    return found


def fill(spec: Any, fields: Mapping[str, Any], strings: Mapping[str, Any]) -> Any:
    """``spec`` with its placeholders replaced as the web app does (unset names: "")."""

    def replace(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            value = (fields if match[1] == "field" else strings).get(match[2])
            return "" if value is None else str(value)

        return _PLACEHOLDER.sub(one, text)

    if isinstance(spec, str):
        return replace(spec)
    if isinstance(spec, list):
        return [fill(v, fields, strings) for v in spec]
    if isinstance(spec, Mapping):
        return {replace(str(k)): fill(v, fields, strings) for k, v in spec.items()}
    return spec


def check_spec(spec: Any) -> dict[str, Any]:
    """``spec`` when it can be a preset, else ``ValueError`` naming the problem.

    A preset is a JSON object whose ``data`` is the named dataset ``wandb``:
    ``{"name": "wandb"}`` (Vega-Lite), or an entry of a ``data`` list (Vega).
    """
    if not isinstance(spec, dict):
        raise ValueError(f"spec must be a JSON object, got {type(spec).__name__}")
    data = spec.get("data")
    entries = data if isinstance(data, list) else [data]
    if not any(isinstance(d, Mapping) and d.get("name") == DATASET for d in entries):
        raise ValueError(
            f'spec must have a data entry named "{DATASET}" ({{"data": {{"name": "{DATASET}"}}}}'
            f" or a Vega data list holding one), got data={data!r}"
        )
    return spec
