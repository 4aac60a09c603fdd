"""``/projects/{entity}/{project}/keys``: the metric keys runs logged, with their definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from runyard.metrics.definitions import MetricDefinition, MetricDefinitions
from runyard.metrics.flatten import parse_name
from runyard.server.deps import store
from runyard.store.base import TrackingStore

router = APIRouter(tags=["series"])

_AXES = {"_step", "_runtime", "_timestamp"}


def run_ids(runs: str | None, limit: int) -> list[str] | None:
    if runs is None:
        return None
    ids = [r for r in runs.split(",") if r]
    if not ids:
        raise HTTPException(400, "runs must name at least one run id")
    if len(ids) > limit:
        raise HTTPException(400, f"at most {limit} runs per request, got {len(ids)}")
    return ids


@router.get("/projects/{entity}/{project}/keys")
def list_keys(
    entity: str,
    project: str,
    runs: str | None = None,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    ids = run_ids(runs, 10_000)
    kinds = tracking.project_keys(entity, project, ids)
    # Definitions are per run; the first that gives a key an x-axis wins.
    definition_sets = [
        MetricDefinitions(MetricDefinition.from_dict(m) for m in metrics)
        for metrics in tracking.project_metrics(entity, project, ids)
        if metrics
    ]
    keys = []
    for key in sorted(k for k in kinds if k not in _AXES):
        info: dict[str, Any] = {
            "key": key,
            "numeric": kinds[key],
            "step_metric": None,
            "hidden": False,
        }
        for definitions in definition_sets:
            definition = definitions.match(parse_name(key))
            if definition is not None:
                info["step_metric"] = info["step_metric"] or definition.step_metric
                info["hidden"] = info["hidden"] or definition.hidden
        keys.append(info)
    return {"keys": keys}
