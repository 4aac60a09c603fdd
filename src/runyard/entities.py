"""Plain value types shared by the SDK, the stores and the public API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RUN_STATES", "RunRecord", "RunRef"]

#: Every state a run can be in. ``running`` until finish; ``crashed`` when the
#: process died without finishing; ``killed`` on SIGTERM/SIGINT.
RUN_STATES = ("running", "finished", "failed", "crashed", "killed")


@dataclass(frozen=True, order=True)
class RunRef:
    """Names one run: ``entity/project/run_id``."""

    entity: str
    project: str
    run_id: str

    @property
    def path(self) -> str:
        return f"{self.entity}/{self.project}/{self.run_id}"

    def __str__(self) -> str:
        return self.path


@dataclass
class RunRecord:
    """A run as the store holds it (the read model)."""

    ref: RunRef
    display_name: str | None = None
    state: str = "running"
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    #: Reducer state behind ``summary`` (aggregates, step-metric values), for resume.
    summary_state: dict[str, Any] = field(default_factory=dict)
    #: ``define_metric`` definitions as dicts.
    metrics: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    host: str | None = None
    color: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    heartbeat_at: float = 0.0
    #: Seconds of process time, accumulated over every session of the run.
    runtime: float = 0.0
    #: Last committed ``_step``; -1 before any row.
    last_step: int = -1
    exit_code: int | None = None
    sessions: int = 0
    forked_from: str | None = None
