"""wandb's shapes ↔ Runyard's: config documents, metric definitions, history lines.

Pure functions (no I/O), used by the GraphQL resolvers and ``file_stream``.

- Config: wandb sends the whole config as ``{"lr": {"value": 0.1, "desc": null}, …}``;
  Runyard stores ``{"lr": 0.1}``. ``_wandb`` (the client's telemetry ``t``, metric
  definitions ``m``, custom charts ``visualize`` …) is kept as a key of its own: resume
  needs ``t`` back (see docs/wandb-client.md), and the web app hides ``_`` keys.
- Metric definitions: ``_wandb.m`` holds wandb's ``MetricRecord`` protos as JSON with
  field numbers for keys (``{"1": "loss", "6": [3], "7": [1]}``: name, options
  ``defined``, summary ``min``); they become Runyard's ``define_metric`` list, so the
  web app pins ``loss.min`` as it does for the Runyard SDK's runs.
- History lines: one JSON object per ``run.log`` commit, ``_step`` chosen by the client;
  nested dicts are flattened into dotted keys as the Runyard SDK does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from runyard.metrics.flatten import flatten, key_of

__all__ = [
    "config_from_wandb",
    "config_to_wandb",
    "history_columns",
    "loads_object",
    "metrics_from_wandb",
    "summary_from_wandb",
]

#: wandb's ``MetricSummary`` field numbers → Runyard's summary ops (``copy`` has none).
_SUMMARY_OPS = {1: "min", 2: "max", 3: "mean", 4: "best", 5: "last", 6: "none", 8: "first"}
_GOALS = {1: "minimize", 2: "maximize"}


def _constant(name: str) -> float:
    """Python's json reads NaN/Infinity; wandb writes them bare too."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def loads_object(text: Any, what: str) -> dict[str, Any]:
    """A JSON object from wandb's ``JSONString`` (or a dict already); ``ValueError``
    naming ``what`` otherwise."""
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a JSON object text, got {text!r:.80}")
    try:
        value = json.loads(text, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc.msg}): {text[:80]!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, got {text[:80]!r}")
    return value


def config_from_wandb(text: Any) -> dict[str, Any]:
    """``{"k": {"value": v}}`` → ``{"k": v}`` (a key without ``value`` is taken as is)."""
    out: dict[str, Any] = {}
    for key, item in loads_object(text, "config").items():
        out[key] = item["value"] if isinstance(item, dict) and "value" in item else item
    return out


def config_to_wandb(config: Mapping[str, Any]) -> str:
    """``{"k": v}`` → wandb's ``{"k": {"value": v}}`` text."""
    return dumps({key: {"value": value} for key, value in config.items()})


def summary_from_wandb(text: Any) -> dict[str, Any]:
    """A whole summary (``wandb-summary.json``, ``summaryMetrics``) as a dict."""
    return loads_object(text, "summary")


def dumps(value: Any) -> str:
    """JSON text as wandb's client reads it (NaN and infinities written bare)."""
    return json.dumps(value, separators=(",", ":"), default=str)


def _numbers(value: Any) -> set[int]:
    if isinstance(value, list):
        return {int(v) for v in value if isinstance(v, int | float)}
    return set()


def metrics_from_wandb(records: Any) -> list[dict[str, Any]]:
    """wandb's ``_wandb.m`` list → Runyard's definitions (``MetricDefinitions.to_list``).

    A record's step metric is named (field 4) or given by its index in the list
    (field 5, 0-based). Records wandb expanded from a glob (field 10) are left out:
    the glob itself is kept and matches those keys again.
    """
    if not isinstance(records, list):
        return []
    names = [r.get("1") or r.get("2") if isinstance(r, dict) else None for r in records]
    out: list[dict[str, Any]] = []
    for revision, record in enumerate(records, start=1):
        if not isinstance(record, dict) or record.get("10"):
            continue
        name = record.get("1") or record.get("2")
        if not isinstance(name, str) or not name:
            continue
        step_metric = record.get("4")
        index = record.get("5")
        if not step_metric and isinstance(index, int) and 0 < index <= len(names):
            step_metric = names[index - 1]  # proto3 ints are 1-based here (0 is unset)
        options = _numbers(record.get("6"))
        summary = sorted(_SUMMARY_OPS[n] for n in _numbers(record.get("7")) if n in _SUMMARY_OPS)
        goal = record.get("8")
        out.append(
            {
                "name": name,
                "step_metric": step_metric if isinstance(step_metric, str) else None,
                "step_sync": 1 in options,
                "hidden": 2 in options,
                "summary": summary,
                "goal": _GOALS.get(goal) if isinstance(goal, int) else None,
                "revision": revision,
            }
        )
    return out


def history_columns(
    lines: Iterable[Mapping[str, Any]],
) -> dict[str, tuple[list[int], list[Any]]]:
    """History lines as ``RunBatch.columns`` (``key -> (steps, values)``).

    A line without an integer ``_step`` is skipped (wandb's client always sends one).
    Nested dicts become dotted keys (a dict with ``_type`` — media — is one value).
    """
    columns: dict[str, tuple[list[int], list[Any]]] = {}
    for line in lines:
        step = line.get("_step")
        if isinstance(step, float) and step.is_integer():
            step = int(step)
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            continue
        # wandb's usual line is flat: its keys are the history keys as they are.
        flat = not any(type(v) is dict for v in line.values())
        items = line.items() if flat else ((key_of(p), v) for p, v in flatten(line).items())
        for key, value in items:
            if key == "_step":
                continue
            column = columns.get(key)
            if column is None:
                column = columns[key] = ([], [])
            column[0].append(step)
            column[1].append(value)
    return columns
