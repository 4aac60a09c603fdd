"""``/projects/{entity}/{project}/keys``: the metric keys runs logged, with their definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from runyard.entities import RunRecord
from runyard.metrics.definitions import MetricDefinition, MetricDefinitions
from runyard.metrics.flatten import parse_name
from runyard.server.access import check_access
from runyard.server.deps import store
from runyard.server.media import media_type_of, step_value, summary_value
from runyard.store.base import TrackingStore

router = APIRouter(tags=["series"])

_AXES = {"_step", "_runtime", "_timestamp"}


def no_nul(value: str, what: str) -> str:
    """``value``, or a 400 naming it when it holds NUL (no name can, and PostgreSQL
    refuses NUL in text parameters: it would be a 500 there)."""
    if "\0" in value:
        raise HTTPException(400, f"invalid {what} {value!r}: NUL is not allowed")
    return value


def run_ids(runs: str | None, limit: int) -> list[str] | None:
    if runs is None:
        return None
    ids = [no_nul(r, "run id") for r in runs.split(",") if r]
    if not ids:
        raise HTTPException(400, "runs must name at least one run id")
    if len(ids) > limit:
        raise HTTPException(400, f"at most {limit} runs per request, got {len(ids)}")
    return ids


#: Runs read per query while looking for the media keys' types in summaries.
_SUMMARY_PAGE = 100
#: Runs whose history is searched for a media key's type when no summary tells it.
_TYPE_PROBES = 20


def media_types(
    tracking: TrackingStore, entity: str, project: str, ids: list[str] | None, keys: list[str]
) -> dict[str, str | None]:
    """The payload ``_type`` of each non-numeric key (``None`` for plain values).

    The runs' summaries hold the last value of every key, so they answer almost
    always: the newest run whose summary holds the key decides, read a page of runs
    at a time, so a project whose runs all log the same keys costs one small query
    however many runs it has. A key missing from every summary (deleted) is looked
    up in the history of the newest few runs.
    """
    if not keys:
        return {}
    filters = None if ids is None else {"name": {"$in": ids}}
    found: dict[str, str | None] = {}
    probes: list[RunRecord] = []
    offset = 0
    while len(found) < len(keys):
        page = tracking.query_runs(
            entity, project, filters, "-created_at", limit=_SUMMARY_PAGE, offset=offset
        )
        probes.extend(page[: _TYPE_PROBES - len(probes)])
        for record in page:
            for key in keys:
                if key not in found:
                    value = summary_value(record.summary, key)
                    if value is not None:
                        found[key] = media_type_of(value)
        if len(page) < _SUMMARY_PAGE:
            break
        offset += _SUMMARY_PAGE
    for key in keys:
        if key in found:
            continue
        for record in probes:
            latest = step_value(tracking, record, key, None)
            if latest is not None:
                found[key] = media_type_of(latest[1])
                break
    return {key: found.get(key) for key in keys}


@router.get("/projects/{entity}/{project}/keys")
def list_keys(
    request: Request,
    entity: str,
    project: str,
    runs: str | None = None,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    check_access(request, entity, project)
    ids = run_ids(runs, 10_000)
    kinds = tracking.project_keys(entity, project, ids)
    media = media_types(tracking, entity, project, ids, [k for k in kinds if not kinds[k]])
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
            "media": media.get(key),
        }
        for definitions in definition_sets:
            definition = definitions.match(parse_name(key))
            if definition is not None:
                info["step_metric"] = info["step_metric"] or definition.step_metric
                info["hidden"] = info["hidden"] or definition.hidden
        keys.append(info)
    return {"keys": keys}
