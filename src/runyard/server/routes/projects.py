"""``/projects``: every project the caller may see, with its run count and latest activity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from runyard.server.access import project_filter
from runyard.server.deps import store
from runyard.store.base import TrackingStore

router = APIRouter(tags=["projects"])


@router.get("/projects")
def list_projects(request: Request, tracking: TrackingStore = Depends(store)) -> dict[str, Any]:
    visible = project_filter(request)
    return {
        "projects": [
            {
                "entity": p.entity,
                "name": p.name,
                "run_count": p.run_count,
                "last_activity": p.last_activity,
            }
            for p in tracking.project_stats()
            if visible(p.entity, p.name)
        ]
    }
