"""Plain value types shared by the SDK, the stores and the public API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ID_FORBIDDEN",
    "MAX_NAME",
    "NAME_FORBIDDEN",
    "RUN_STATES",
    "RunRecord",
    "RunRef",
    "check_entity_name",
    "check_project_name",
    "check_ref",
    "check_run_id",
]

#: Every state a run can be in. ``running`` until finish; ``crashed`` when the
#: process died without finishing; ``killed`` on SIGTERM/SIGINT.
RUN_STATES = ("running", "finished", "failed", "crashed", "killed")


#: Characters wandb refuses in run ids, and in project and entity names.
ID_FORBIDDEN = ":;,#?/'"
NAME_FORBIDDEN = "/\\#?%:"
#: Longest run id, project and entity name (the database columns hold 128).
MAX_NAME = 128


def _control(value: str) -> str | None:
    """The first control character (NUL … U+001F, DEL) in ``value``, if any: NUL cannot
    be stored in PostgreSQL text, and none belongs in a path, a URL or a log line."""
    for char in value:
        if char < " " or char == "\x7f":
            return char
    return None


def _common(kind: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{kind} must be a string, got {value!r}")
    if not value or not value.strip():
        raise ValueError(f"{kind} cannot be empty or only whitespace: {value!r}")
    if value in (".", ".."):
        raise ValueError(f"{kind} cannot be {value!r}: it names a directory, not a run")
    bad = _control(value)
    if bad is not None:
        raise ValueError(f"{kind} cannot contain control characters ({bad!r}): {value!r}")
    if len(value) > MAX_NAME:
        raise ValueError(f"{kind} is longer than {MAX_NAME} characters: {value!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{kind} is not valid Unicode (a lone surrogate): {value!r}") from None
    return value


def check_run_id(value: object) -> str:
    """``value`` when it is a valid run id, else ``ValueError`` naming it.

    wandb's rules (no ``:;,#?/'``, no surrounding whitespace) plus what no store can
    hold safely: ``.``/``..``, control characters (NUL) and more than 128 characters.
    Any other character is fine (blob keys spell every name injectively).
    """
    run_id = _common("Run ID", value)
    if run_id != run_id.strip():
        raise ValueError(f"Run ID cannot start or end with whitespace: {run_id!r}")
    if any(c in ID_FORBIDDEN for c in run_id):
        raise ValueError(f"Run ID cannot contain the characters: {ID_FORBIDDEN} (got {run_id!r})")
    return run_id


def _check_name(kind: str, value: object) -> str:
    name = _common(kind.capitalize() + " name", value)
    if any(c in NAME_FORBIDDEN for c in name):
        raise ValueError(
            f"Invalid {kind} name {name!r}: cannot contain the characters {NAME_FORBIDDEN} "
            f"and must be at most {MAX_NAME} characters"
        )
    return name


def check_project_name(value: object) -> str:
    """A valid project name (wandb: no ``/\\#?%:``, at most 128), else ``ValueError``."""
    return _check_name("project", value)


def check_entity_name(value: object) -> str:
    """A valid entity (user or team) name, by the project-name rules, else ``ValueError``."""
    return _check_name("entity", value)


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


def check_ref(ref: RunRef) -> RunRef:
    """``ref`` when its entity, project and run id are all valid, else ``ValueError``."""
    check_entity_name(ref.entity)
    check_project_name(ref.project)
    check_run_id(ref.run_id)
    return ref


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
    #: The run's environment as wandb records it (``wandb-metadata.json``: Python, OS,
    #: host, program, args, git, GPUs …), or None when the run sent none.
    metadata: dict[str, Any] | None = None
    #: When "Stop run" was asked for (unix seconds); None when not, or once the run ended.
    stop_requested_at: float | None = None
