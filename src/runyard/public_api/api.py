"""`Api`: read runs after the fact (``wandb.Api``-compatible; completed by the public-API issue)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from runyard.entities import RunRecord, RunRef
from runyard.errors import RunNotFoundError
from runyard.settings import Settings
from runyard.store.base import TrackingStore

__all__ = ["Api", "Run", "parse_run_path"]


def parse_run_path(path: str, entity: str, project: str | None) -> RunRef:
    """wandb's run path forms: ``entity/project/run_id``, ``entity/project/runs/run_id``,
    ``entity/project:run_id``, ``project/run_id`` and ``run_id``."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"Invalid path: {path!r}")
    text = path.strip().strip("/")
    for prefix in ("runs/", "sweeps/"):
        text = text.removeprefix(prefix)
    if ":" in text:
        head, _, run_id = text.rpartition(":")
        parts = [*head.split("/"), run_id]
    else:
        parts = text.split("/")
    if len(parts) == 4 and parts[2] == "runs":
        parts = [parts[0], parts[1], parts[3]]
    if len(parts) == 3:
        return RunRef(*parts)
    if len(parts) == 2:
        return RunRef(entity, parts[0], parts[1])
    if len(parts) == 1:
        if project is None:
            raise ValueError(f"Invalid path: {path!r} (missing project)")
        return RunRef(entity, project, parts[0])
    raise ValueError(f"Invalid path: {path!r}")


class Run:
    """A stored run, read through the public API."""

    def __init__(self, api: Api, record: RunRecord) -> None:
        self._api = api
        self._record = record

    @property
    def id(self) -> str:
        return self._record.ref.run_id

    @property
    def entity(self) -> str:
        return self._record.ref.entity

    @property
    def project(self) -> str:
        return self._record.ref.project

    @property
    def path(self) -> list[str]:
        ref = self._record.ref
        return [ref.entity, ref.project, ref.run_id]

    @property
    def name(self) -> str | None:
        return self._record.display_name or self._record.ref.run_id

    @property
    def state(self) -> str:
        return self._record.state

    @property
    def config(self) -> dict[str, Any]:
        return self._record.config

    @property
    def summary(self) -> dict[str, Any]:
        return self._record.summary

    @property
    def tags(self) -> list[str]:
        return self._record.tags

    @property
    def notes(self) -> str | None:
        return self._record.notes

    @property
    def group(self) -> str | None:
        return self._record.group

    @property
    def job_type(self) -> str | None:
        return self._record.job_type

    @property
    def metadata(self) -> RunRecord:
        return self._record

    def scan_history(
        self,
        keys: Sequence[str] | None = None,
        page_size: int = 1000,
        min_step: int = 0,
        max_step: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every history row in step order (with ``keys``, only rows having all of them)."""
        if keys is not None:
            if not isinstance(keys, (list, tuple)):
                raise ValueError("keys must be specified in a list")
            if not all(isinstance(k, str) for k in keys):
                raise ValueError("keys argument must be a list of strings")
        return self._api.store.scan_history(
            self._record.ref, keys=keys, min_step=min_step, max_step=max_step, page_size=page_size
        )

    def __repr__(self) -> str:
        return f"<Run {'/'.join(self.path)} ({self.state})>"


class Api:
    """Entry point of the public API.

    Args:
        overrides: ``{"entity": …, "project": …}`` defaults for short paths.
        store: a store URI (default: the embedded store under ``RUNYARD_DIR``) or a
            ready :class:`~runyard.store.base.TrackingStore`.
    """

    def __init__(
        self,
        overrides: dict[str, Any] | None = None,
        store: str | TrackingStore | None = None,
    ) -> None:
        self.settings = Settings.from_env()
        self._overrides = dict(overrides or {})
        if isinstance(store, TrackingStore):
            self.store = store
        else:
            from runyard.sdk.recovery import recover_journals
            from runyard.store.registry import shared_store

            self.store = shared_store(store or self.settings.store_uri)
            if store is None:
                recover_journals(self.settings.journal_dir, self.store)

    @property
    def default_entity(self) -> str:
        return str(self._overrides.get("entity") or self.settings.entity)

    def run(self, path: str) -> Run:
        """The run at ``path``; ``RunNotFoundError`` when it does not exist."""
        ref = parse_run_path(path, self.default_entity, self._overrides.get("project"))
        record = self.store.get_run(ref)
        if record is None:
            raise RunNotFoundError(f"Could not find run {ref.path}")
        return Run(self, record)

    def runs(self, path: str) -> list[Run]:
        """Every run of a project (``entity/project`` or ``project``)."""
        parts = path.strip("/").split("/")
        entity, project = (
            (parts[0], parts[1]) if len(parts) == 2 else (self.default_entity, parts[0])
        )
        return [Run(self, r) for r in self.store.list_runs(entity, project)]
