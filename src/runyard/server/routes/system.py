"""System metrics (wandb's ``events`` stream): one run's, and several runs' to compare.

Columnar answers: ``{"keys": [...], "ts": [...], "runtime": [...], "values": {key:
[float | null, …]}}``, entry ``i`` of every list being sample ``i``. A run has a
sample every 15 seconds by default (5,760 a day); longer runs are thinned to at most
``points`` samples, evenly spaced, the last one always kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from runyard.entities import RunRef
from runyard.server.access import check_access
from runyard.server.deps import require_run, store
from runyard.server.routes.keys import no_nul
from runyard.server.routes.logs import data_response
from runyard.store.base import SystemSamples, TrackingStore

__all__ = ["MAX_KEYS", "MAX_POINTS", "MAX_RUNS", "MAX_SERIES", "columnar", "router"]

router = APIRouter(tags=["system"])

#: Samples one run's answer holds at most.
MAX_POINTS = 10_000
#: Runs, keys and runs x keys one comparison may ask for (as ``/series``); without
#: ``keys`` every key each run has counts.
MAX_RUNS = 100
MAX_KEYS = 200
MAX_SERIES = 2500


def columnar(samples: SystemSamples, points: int) -> dict[str, Any]:
    """The samples as the routes answer them, thinned to ``points``."""
    n = len(samples)
    index: list[int] = list(range(n))
    if n > points:
        step = n / points
        index = sorted({min(n - 1, int(i * step)) for i in range(points - 1)} | {n - 1})
    pick = index if n > points else None

    def thin(column: list[Any]) -> list[Any]:
        return column if pick is None else [column[i] for i in pick]

    return {
        "keys": samples.keys,
        "ts": thin(samples.ts),
        "runtime": thin(samples.runtime),
        "values": {key: thin(samples.values[key]) for key in samples.keys},
    }


def _distinct(text: str, what: str) -> list[str]:
    """The comma-separated names in ``text``, each once, in the order first given."""
    return list(dict.fromkeys(no_nul(name, what) for name in text.split(",") if name))


def _keys(keys: str | None) -> list[str] | None:
    if keys is None:
        return None
    names = _distinct(keys, "system key")
    if len(names) > MAX_KEYS:
        raise HTTPException(400, f"at most {MAX_KEYS} keys per request, got {len(names)}")
    return names


@router.get("/projects/{entity}/{project}/runs/{run_id}/system")
def get_run_system(
    request: Request,
    entity: str,
    project: str,
    run_id: str,
    keys: str | None = Query(None, description="comma-separated keys (default: every key)"),
    points: int = Query(MAX_POINTS, ge=2, le=MAX_POINTS, description="most samples answered"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """The run's system metrics, columnar (see the module doc)."""
    check_access(request, entity, project)
    require_run(tracking, entity, project, run_id)
    samples = tracking.read_system(RunRef(entity, project, run_id), _keys(keys))
    return data_response(request, columnar(samples, points))


@router.get("/projects/{entity}/{project}/system")
def get_project_system(
    request: Request,
    entity: str,
    project: str,
    runs: str = Query(..., description=f"comma-separated run ids (at most {MAX_RUNS})"),
    keys: str | None = Query(None, description="comma-separated keys (default: every key)"),
    points: int = Query(1000, ge=2, le=MAX_POINTS, description="most samples per run"),
    tracking: TrackingStore = Depends(store),
) -> Response:
    """``{"runs": {run id: columnar}}`` for the runs given (a missing run answers
    empty columns). At most ``MAX_RUNS`` runs and ``MAX_SERIES`` runs x keys."""
    check_access(request, entity, project)
    ids = _distinct(runs, "run id")
    names = _keys(keys)
    if not ids:
        raise HTTPException(400, "runs must name at least one run id")
    if len(ids) > MAX_RUNS:
        raise HTTPException(400, f"at most {MAX_RUNS} runs per request, got {len(ids)}")
    if names is not None and len(ids) * len(names) > MAX_SERIES:
        raise HTTPException(
            400,
            f"at most {MAX_SERIES} series (runs x keys) per request, got {len(ids)} runs x "
            f"{len(names)} keys = {len(ids) * len(names)}; ask for fewer at a time",
        )
    out: dict[str, Any] = {}
    series = 0
    for run_id in ids:
        samples = tracking.read_system(RunRef(entity, project, run_id), names)
        series += len(samples.keys)
        if series > MAX_SERIES:  # only without keys: every key of every run counts
            raise HTTPException(
                400,
                f"at most {MAX_SERIES} series (runs x keys) per request; these runs have more "
                "system keys than that: name the keys",
            )
        out[run_id] = columnar(samples, points)
    return data_response(request, {"runs": out})
