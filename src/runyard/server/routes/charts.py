"""``/projects/{entity}/{project}/charts``: the custom charts runs logged.

A chart logged under ``K`` leaves wandb's trace in the run's config at
``_wandb.visualize.K``: ``{"panel_type", "panel_config": {"panelDefId",
"fieldSettings", "stringSettings", "userQuery": ...}}``, the table itself being
logged under ``K_table`` (named in the user query's ``tableKey``). Each chart key
is one entry listing the runs that logged it; when runs disagree about its preset
or fields, the first run asked for (in ``runs`` order, else oldest first) wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from runyard.entities import RunRecord
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.routes.keys import run_ids
from runyard.store.base import TrackingStore

router = APIRouter(tags=["media"])


def _table_key(key: str, panel_config: Mapping[str, Any]) -> str:
    """The ``tableKey`` argument in the chart's user query, else wandb's ``K_table``."""
    stack: list[Any] = [panel_config.get("userQuery")]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if node.get("name") == "tableKey" and isinstance(node.get("value"), str):
                return str(node["value"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return f"{key}_table"


def _str_map(value: Any) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): None if v is None else str(v) for k, v in value.items()}


def chart_entries(records: list[RunRecord]) -> list[dict[str, Any]]:
    """One entry per chart key of the runs' ``_wandb.visualize`` configs, sorted by key."""
    charts: dict[str, dict[str, Any]] = {}
    for record in records:
        meta = record.config.get("_wandb")
        visualize = meta.get("visualize") if isinstance(meta, Mapping) else None
        if not isinstance(visualize, Mapping):
            continue
        for key, chart in visualize.items():
            if not isinstance(chart, Mapping):
                continue
            config = chart.get("panel_config")
            if not isinstance(config, Mapping) or not isinstance(config.get("panelDefId"), str):
                continue
            entry = charts.get(key)
            if entry is None:
                entry = charts[key] = {
                    "key": key,
                    "table_key": _table_key(key, config),
                    "panel_type": str(chart.get("panel_type") or "Vega2"),
                    "preset": config["panelDefId"],
                    "fields": _str_map(config.get("fieldSettings")),
                    "string_fields": _str_map(config.get("stringSettings")),
                    "runs": [],
                }
            entry["runs"].append(record.ref.run_id)
    return [charts[k] for k in sorted(charts)]


@router.get("/projects/{entity}/{project}/charts")
def list_charts(
    request: Request,
    entity: str,
    project: str,
    runs: str | None = None,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    check_access(request, entity, project)
    ids = run_ids(runs, 10_000)
    if ids is None:
        return {"charts": chart_entries(tracking.list_runs(entity, project))}
    # One query for every run asked for, then back into the order asked in.
    found = {
        r.ref.run_id: r
        for r in tracking.query_runs(entity, project, {"name": {"$in": ids}}, order=None)
    }
    missing = [run_id for run_id in ids if run_id not in found]
    if missing:
        raise HTTPException(404, f"no run {entity}/{project}/{missing[0]}")
    return {"charts": chart_entries([found[run_id] for run_id in dict.fromkeys(ids)])}
