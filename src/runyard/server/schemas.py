"""JSON shapes at the HTTP edge (see docs/http-api.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from runyard.entities import RunRecord
from runyard.server.media import present_summary

__all__ = ["WorkspaceBody", "run_json"]


def run_json(record: RunRecord) -> dict[str, Any]:
    """A run as the HTTP API returns it."""
    return {
        "id": record.ref.run_id,
        "name": record.display_name or record.ref.run_id,
        "state": record.state,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "heartbeat_at": record.heartbeat_at,
        "runtime": record.runtime,
        "last_step": record.last_step,
        "tags": record.tags,
        "group": record.group,
        "job_type": record.job_type,
        "notes": record.notes,
        "host": record.host,
        "color": record.color,
        "exit_code": record.exit_code,
        "forked_from": record.forked_from,
        "stop_requested_at": record.stop_requested_at,
        "config": record.config,
        "summary": present_summary(record),
        "metrics": [
            {
                "name": m.get("name"),
                "summary": sorted(m.get("summary") or []),
                "step_metric": m.get("step_metric"),
                "hidden": bool(m.get("hidden")),
                "goal": m.get("goal"),
            }
            for m in record.metrics
        ],
    }


class WorkspaceBody(BaseModel):
    """Saved workspace settings: any JSON object."""

    settings: dict[str, Any] = Field(default_factory=dict)
