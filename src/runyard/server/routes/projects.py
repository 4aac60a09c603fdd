"""``/projects``: every project with its run count and latest activity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from runyard.server.deps import store
from runyard.store.base import TrackingStore

router = APIRouter(tags=["projects"])


@router.get("/projects")
def list_projects(tracking: TrackingStore = Depends(store)) -> dict[str, Any]:
    return {
        "projects": [
            {
                "entity": p.entity,
                "name": p.name,
                "run_count": p.run_count,
                "last_activity": p.last_activity,
            }
            for p in tracking.project_stats()
        ]
    }
