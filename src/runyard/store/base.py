"""`TrackingStore`: the one interface behind the SDK, the server and the public API.

Writes go through a single primitive, :meth:`TrackingStore.write_batch`, which
applies a :class:`RunBatch` atomically: create-or-update the run, apply field-level
config and summary edits (so edits from several writers merge instead of erasing
each other), append history rows and record how far a journal has been moved.
Reads are a handful of query primitives; conveniences are built on them here.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from runyard.entities import RunRecord, RunRef
from runyard.errors import StoreError

__all__ = [
    "CONSOLE_PAGE",
    "REGISTRY_PROJECT",
    "ROLLUP_POINTS",
    "ArtifactCollection",
    "ArtifactCommit",
    "ArtifactFile",
    "ArtifactLink",
    "ArtifactRecord",
    "ArtifactUse",
    "ConsoleLine",
    "ForeignJournal",
    "JournalConflict",
    "ProjectStats",
    "Rollup",
    "RunBatch",
    "SavedView",
    "Series",
    "SystemSamples",
    "TrackingStore",
    "ViewExistsError",
    "columns_from_rows",
    "manifest_digest",
    "parse_artifact_path",
]

#: A nested summary path, as in :mod:`runyard.metrics.flatten`.
Path = tuple[str, ...]


def columns_from_rows(
    rows: Iterable[Mapping[str, Any]],
    into: dict[str, tuple[list[int], list[Any]]] | None = None,
) -> dict[str, tuple[list[int], list[Any]]]:
    """Rows (``key -> value`` with ``_step``) as columns ``key -> (steps, values)``."""
    columns = {} if into is None else into
    for row in rows:
        step = int(row["_step"])
        for key, value in row.items():
            if key == "_step":
                continue
            column = columns.get(key)
            if column is None:
                column = columns[key] = ([], [])
            column[0].append(step)
            column[1].append(value)
    return columns


#: The project of an entity whose collections make its model registry (wandb's name).
REGISTRY_PROJECT = "model-registry"


@dataclass
class ArtifactFile:
    """One entry of an artifact's manifest.

    Attributes:
        path: the entry's name inside the artifact (``/``-separated).
        digest: lowercase hex SHA-256 of the content, stored content-addressed in the
            blob store (``None`` for a reference without content of ours).
        size: bytes (``None`` when a reference's size is unknown).
        ref: the URI of a reference entry (``s3://``, ``file://``, ``http(s)://``): not
            copied, only recorded.
        checksum: a reference's checksum (ETag, or size and mtime of a local file).
        extra: anything else the SDK keeps per entry (a data type's metadata).
    """

    path: str
    digest: str | None = None
    size: int | None = None
    ref: str | None = None
    checksum: str | None = None
    extra: dict[str, Any] | None = None


def manifest_digest(entries: Iterable[ArtifactFile]) -> str:
    """The artifact's digest: SHA-256 over its entries sorted by path (wandb's rule,
    with SHA-256 instead of MD5), so identical content gives one digest whatever the
    order files were added in. A reference counts by its URI and checksum."""
    hasher = hashlib.sha256(b"runyard-artifact-manifest-v1\n")
    for entry in sorted(entries, key=lambda e: e.path):
        part = entry.digest if entry.digest is not None else f"{entry.ref}#{entry.checksum}"
        hasher.update(f"{entry.path}:{part}\n".encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()


@dataclass
class ArtifactRecord:
    """One stored artifact version (of a collection, in a project).

    ``source`` is set for a version linked into a registry (or any portfolio)
    collection: ``(entity, project, name, version)`` of the version it links; its
    files are that version's.
    """

    id: int
    entity: str
    project: str
    name: str
    type: str
    version_index: int
    digest: str
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    size: int = 0
    file_count: int = 0
    created_at: float = 0.0
    logged_by: RunRef | None = None
    source: tuple[str, str, str, str] | None = None
    state: str = "committed"

    @property
    def version(self) -> str:
        """``"vN"``."""
        return f"v{self.version_index}"

    @property
    def qualified_name(self) -> str:
        """``entity/project/name:vN``."""
        return f"{self.entity}/{self.project}/{self.name}:{self.version}"


@dataclass
class ArtifactCollection:
    """A name in a project (a sequence of logged versions, or a portfolio of links)."""

    entity: str
    project: str
    name: str
    type: str
    kind: str = "sequence"
    description: str | None = None
    created_at: float = 0.0
    version_count: int = 0
    aliases: list[str] = field(default_factory=list)


@dataclass
class ArtifactCommit:
    """An artifact logged by the batch's run, into the run's project.

    ``client_id`` (hex, chosen by the SDK) makes the commit idempotent: a replay or
    retry finds the version it made. Content identical to a version of the same name
    (same :func:`manifest_digest`) is that version (aliases still applied).
    """

    client_id: str
    name: str
    type: str
    entries: list[ArtifactFile] = field(default_factory=list)
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


@dataclass
class ArtifactUse:
    """The batch's run used a version (lineage): ``entity/project/name:version``
    (``vN`` or an alias, resolved when stored), or the version a ``client_id`` made."""

    entity: str = ""
    project: str = ""
    name: str = ""
    version: str = "latest"
    type: str | None = None
    client_id: str | None = None


@dataclass
class ArtifactLink:
    """Link a version into the collection ``target`` (``entity/project/collection``;
    project :data:`REGISTRY_PROJECT` is the entity's registry), with ``aliases``.

    The version is the one ``client_id`` made, else ``source``
    (``entity/project/name:version``). Linking the same version again adds no link
    version, only the aliases.
    """

    target: str
    aliases: list[str] = field(default_factory=list)
    client_id: str | None = None
    source: str | None = None


def parse_artifact_path(
    path: str, entity: str | None = None, project: str | None = None
) -> tuple[str, str, str, str]:
    """``(entity, project, name, version)`` of ``entity/project/name:version``,
    ``project/name:version`` or ``name:version`` (version ``latest`` when absent),
    with the defaults given; ``ValueError`` naming the path otherwise."""
    if not isinstance(path, str) or not path.strip("/"):
        raise ValueError(f"invalid artifact path {path!r}")
    text = path.strip("/")
    head, sep, version = text.rpartition(":")
    if not sep or "/" in version:
        head, version = text, "latest"
    parts = head.split("/")
    if len(parts) == 3:
        entity, project, name = parts
    elif len(parts) == 2:
        project, name = parts
    elif len(parts) == 1:
        name = parts[0]
    else:
        raise ValueError(f"invalid artifact path {path!r}: expected entity/project/name:version")
    if not entity or not project or not name or not version:
        raise ValueError(
            f"invalid artifact path {path!r}: needs entity/project/name:version "
            f"(entity {entity!r}, project {project!r})"
        )
    return entity, project, name, version


@dataclass
class RunBatch:
    """Everything one writer flush changes in one run, applied in one transaction.

    Attributes:
        run: the run written to.
        create: fields for creating the run when it does not exist yet (ignored
            otherwise): ``display_name``, ``tags``, ``notes``, ``group``,
            ``job_type``, ``host``, ``color``, ``created_at``, ``forked_from``.
        meta: fields to set on the run (same names plus ``state``, ``exit_code``,
            ``runtime``, ``last_step``, ``heartbeat_at``, ``sessions``).
        config: top-level config keys to set.
        config_delete: top-level config keys to remove.
        summary_set: nested summary paths to set (a dict value replaces the subtree).
        summary_delete: nested summary paths to remove.
        summary_state: the reducer state to store (replaces the previous one).
        metrics: ``define_metric`` definitions (replace the previous list).
        truncate_after: delete history rows with ``_step`` greater than this,
            before appending ``rows`` (``resume_from`` rewinds).
        copy_history: ``(source run, last step)``: copy the source's history up to
            and including that step (``fork_from``).
        columns: committed history, column by column: ``key -> (steps, values)``
            with steps increasing (see :func:`columns_from_rows`). A scalar column
            may also be a pair of numpy arrays (``int64`` steps; ``float64`` or
            ``int64`` values): the HTTP server hands typed columns on that way.
        journal: ``(journal name, offset)`` reached once this batch is stored. The
            name is the journal's global identity (the ``journal_id`` of its START
            record; older journals use their path).
        journal_start: the journal offset this batch starts from (the ``journal``
            offset of the previous batch, 0 for the first). When set, the batch is
            applied only if the stored offset equals it; a batch whose end the store
            already reached (a retry, a second sync) changes nothing, and any other
            stored offset raises :class:`JournalConflict`. ``None`` applies the batch
            unconditionally (history is still idempotent by ``(run, key, step)``).
        journal_done: the journal is complete: it is marked done (its offset then
            reads as 0) and any later batch from it changes nothing.
        delete: remove the run with its history (everything else is ignored).
        console: terminal lines ``(line, stream, ts, text)`` as the run's console
            shows them (``stream`` is ``"stdout"`` or ``"stderr"``). Lines are
            numbered within the batch's journal: the store places a journal's lines
            after those the run held when the journal's first lines arrived (so the
            sessions of a resumed run follow each other), and a line sent again (a
            progress bar redrawn) replaces the stored one. A batch without a journal
            is a journal of its own.
        system: system-metric samples ``(sample, ts, runtime, {key: value})``
            (wandb's ``events`` stream), numbered within the journal like ``console``.
        metadata: the run's environment (``wandb-metadata.json``): replaces the
            stored one.
        artifacts: artifact versions the run logged (:class:`ArtifactCommit`), every
            entry's content already in the blob store; idempotent by ``client_id``.
        artifact_uses: versions the run used (:class:`ArtifactUse`; lineage).
        artifact_links: versions to link into collections (:class:`ArtifactLink`),
            applied after ``artifacts``, so a link may name a commit of the batch.
        seal_later: the run's last batch stores its points as a live batch does
            (uncompressed) instead of compressing the run's open series at once;
            :meth:`TrackingStore.seal` does that afterwards, off the finishing run
            (a store without ``seal`` ignores it).
    """

    run: RunRef
    create: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    config_delete: list[str] = field(default_factory=list)
    summary_set: list[tuple[Path, Any]] = field(default_factory=list)
    summary_delete: list[Path] = field(default_factory=list)
    summary_state: dict[str, Any] | None = None
    metrics: list[dict[str, Any]] | None = None
    truncate_after: int | None = None
    copy_history: tuple[RunRef, int] | None = None
    columns: dict[str, tuple[list[int], list[Any]]] = field(default_factory=dict)
    journal: tuple[str, int] | None = None
    journal_start: int | None = None
    journal_done: bool = False
    delete: bool = False
    console: list[tuple[int, str, float, str]] = field(default_factory=list)
    system: list[tuple[int, float, float, dict[str, float]]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    artifacts: list[ArtifactCommit] = field(default_factory=list)
    artifact_uses: list[ArtifactUse] = field(default_factory=list)
    artifact_links: list[ArtifactLink] = field(default_factory=list)
    seal_later: bool = False

    def is_empty(self) -> bool:
        return not (
            self.create
            or self.artifacts
            or self.artifact_uses
            or self.artifact_links
            or self.console
            or self.system
            or self.metadata is not None
            or self.meta
            or self.config
            or self.config_delete
            or self.delete
            or self.summary_set
            or self.summary_delete
            or self.summary_state is not None
            or self.metrics is not None
            or self.truncate_after is not None
            or self.copy_history is not None
            or self.columns
            or self.journal is not None
        )


class JournalConflict(StoreError):
    """A batch does not continue its journal where the store stands.

    ``stored`` is the store's offset for the journal: resend from there.
    """

    def __init__(self, journal: str, start: int, stored: int) -> None:
        super().__init__(
            f"batch of journal {journal!r} starts at offset {start} "
            f"but the store stands at {stored}"
        )
        self.journal = journal
        self.start = start
        self.stored = stored


class ForeignJournal(StoreError):
    """A batch names a journal that another run wrote first: refused.

    A journal belongs to the run its first batch wrote to. The refusal says nothing
    about where that journal stands (its caller may not own the other run).
    """

    def __init__(self, journal: str) -> None:
        super().__init__(f"journal {journal!r} belongs to another run; this batch was refused")
        self.journal = journal


@dataclass
class Series:
    """One key's history: parallel arrays of steps and values."""

    key: str
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)


#: Points per rollup bucket (see :meth:`TrackingStore.read_rollup`).
ROLLUP_POINTS = 64


@dataclass
class Rollup:
    """Buckets of consecutive points: last step and value, min, max and count of each."""

    key: str
    steps: np.ndarray
    last: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)


class ConsoleLine(NamedTuple):
    """One line of a run's console output, as a terminal shows it."""

    line: int
    stream: str
    ts: float
    text: str


#: Console lines read at a time by the conveniences built on ``read_console``.
CONSOLE_PAGE = 5000


@dataclass
class SystemSamples:
    """A run's system metrics, columnar: entry ``i`` of every list is sample ``i``.

    ``values[key]`` holds ``None`` where a sample lacks the key (a GPU that
    appeared later, a sensor that failed once).
    """

    keys: list[str]
    ts: list[float]
    runtime: list[float]
    values: dict[str, list[float | None]]

    @classmethod
    def empty(cls, keys: Sequence[str] | None = None) -> SystemSamples:
        """No samples (of ``keys``, each once)."""
        names = list(dict.fromkeys(keys or ()))
        return cls(names, [], [], {k: [] for k in names})

    def __len__(self) -> int:
        return len(self.ts)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Samples as rows, as wandb's ``events`` stream gives them: ``_timestamp``,
        ``_runtime``, ``_wandb: True`` and the keys the sample has."""
        for i in range(len(self.ts)):
            row: dict[str, Any] = {"_wandb": True, "_timestamp": self.ts[i]}
            row["_runtime"] = self.runtime[i]
            for key in self.keys:
                value = self.values[key][i]
                if value is not None:
                    row[key] = value
            yield row


@dataclass(frozen=True)
class ProjectStats:
    entity: str
    name: str
    run_count: int
    last_activity: float | None


@dataclass(frozen=True)
class SavedView:
    """A saved, named view of a project (the web app's settings and URL state)."""

    name: str
    settings: dict[str, Any]
    owner: str | None
    created_at: float
    updated_at: float


class ViewExistsError(StoreError):
    """A view was renamed to a name another view of the project already has."""


class TrackingStore(ABC):
    """Runs, their history and summaries; picked by URI in :mod:`runyard.store.registry`."""

    uri: str

    # -- the write primitive -------------------------------------------------
    @abstractmethod
    def write_batch(self, batch: RunBatch) -> None:
        """Apply ``batch`` atomically (all of it or nothing)."""

    # -- read primitives -----------------------------------------------------
    @abstractmethod
    def get_run(self, ref: RunRef) -> RunRecord | None:
        """The run, or ``None`` when it does not exist."""

    def run_display_name(self, ref: RunRef) -> str | None:
        """The run's stored display name (``None`` when the run does not exist or has
        none): what ``init`` learns once its run is created, without the run's document
        (a run of 10,000 keys carries a summary of 10,000 values)."""
        record = self.get_run(ref)
        return None if record is None else record.display_name

    def stop_requested_at(self, ref: RunRef) -> float | None:
        """When a stop of the run was asked for ("Stop run"), or ``None``: what a live
        run polls for (a store may read it without the run's document)."""
        record = self.get_run(ref)
        return None if record is None else record.stop_requested_at

    @abstractmethod
    def query_runs(
        self,
        entity: str,
        project: str,
        filters: Mapping[str, Any] | None = None,
        order: str | None = "+created_at",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RunRecord]:
        """Runs of a project matching wandb-style ``filters``, sorted by ``order``.

        Bad filters raise ``ValueError`` naming the operator or field.
        """

    @abstractmethod
    def count_runs(
        self, entity: str, project: str, filters: Mapping[str, Any] | None = None
    ) -> int:
        """How many runs :meth:`query_runs` would return without a limit."""

    def list_runs(self, entity: str, project: str) -> list[RunRecord]:
        """All runs of a project, oldest first."""
        return self.query_runs(entity, project)

    def run_stamps(self, entity: str, project: str) -> list[tuple[str, str, float, str | None]]:
        """``(run_id, name, created_at, color)`` of every run of a project, oldest first:
        what run colours are assigned from (a store may read them without the runs'
        documents: a project of 100,000 runs colours them in a fraction of a second)."""
        return [
            (r.ref.run_id, r.display_name or r.ref.run_id, r.created_at, r.color)
            for r in self.list_runs(entity, project)
        ]

    @abstractmethod
    def list_projects(self, entity: str | None = None) -> list[tuple[str, str]]:
        """``(entity, project)`` pairs, optionally of one entity."""

    @abstractmethod
    def history_keys(self, ref: RunRef) -> list[str]:
        """Every history key the run has logged, sorted."""

    @abstractmethod
    def read_series(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Series:
        """Numeric history of one key, ``min_step <= step < max_step``, in step order."""

    @abstractmethod
    def read_values(
        self, ref: RunRef, keys: Sequence[str], min_step: int, max_step: int | None
    ) -> dict[str, list[tuple[int, Any]]]:
        """Non-numeric history (lists, histograms, media, strings, None) of ``keys``."""

    @abstractmethod
    def read_rollup(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Rollup:
        """Pre-reduced history of one key: every ``ROLLUP_POINTS`` points as one bucket."""

    def read_series_many(
        self,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[tuple[str, str], Series]:
        """:meth:`read_series` of every ``(run id, key)`` pair of one project, keyed so
        (an empty series where the run or key has none). Stores that can answer in one
        query (``SqlStore``) override this; here it is one read per pair."""
        return {
            (run_id, key): self.read_series(
                RunRef(entity, project, run_id), key, min_step, max_step
            )
            for run_id in run_ids
            for key in keys
        }

    def read_rollup_many(
        self,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[tuple[str, str], Rollup]:
        """:meth:`read_rollup` of every ``(run id, key)`` pair of one project (as
        :meth:`read_series_many`)."""
        return {
            (run_id, key): self.read_rollup(
                RunRef(entity, project, run_id), key, min_step, max_step
            )
            for run_id in run_ids
            for key in keys
        }

    @abstractmethod
    def project_keys(
        self, entity: str, project: str, run_ids: Sequence[str] | None = None
    ) -> dict[str, bool]:
        """Every history key the project's runs (or the given ones) logged, mapped to
        whether it has numeric values (a chartable series)."""

    @abstractmethod
    def project_metrics(
        self, entity: str, project: str, run_ids: Sequence[str] | None = None
    ) -> list[list[dict[str, Any]]]:
        """The distinct ``define_metric`` lists of the project's runs (or the given ones)."""

    @abstractmethod
    def project_stats(self, entity: str | None = None) -> list[ProjectStats]:
        """Projects with their run counts and latest activity."""

    @abstractmethod
    def get_workspace(self, entity: str, project: str) -> dict[str, Any] | None:
        """The web app's saved settings for a project, or None."""

    @abstractmethod
    def put_workspace(self, entity: str, project: str, settings: Mapping[str, Any]) -> None:
        """Save the web app's settings for a project (the project must exist)."""

    def change_workspace(
        self,
        entity: str,
        project: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Replace the project's settings with ``change(current)`` (``{}`` when never
        saved) and return them. The SQL store reads and writes in one write transaction,
        so concurrent changes (two users saving their personal workspaces) both land;
        this default is a plain read then write. Raises :class:`StoreError` for an
        unknown project."""
        settings = change(dict(self.get_workspace(entity, project) or {}))
        self.put_workspace(entity, project, settings)
        return settings

    @abstractmethod
    def list_views(self, entity: str, project: str) -> list[SavedView]:
        """The project's saved views, sorted by name (an unknown project has none)."""

    @abstractmethod
    def get_view(self, entity: str, project: str, name: str) -> SavedView | None:
        """The saved view ``name`` of the project, or None."""

    @abstractmethod
    def put_view(
        self,
        entity: str,
        project: str,
        name: str,
        settings: Mapping[str, Any],
        owner: str | None = None,
    ) -> SavedView:
        """Save the view ``name`` (a new one, or replace the one of that name).

        Each view is its own row, so saves of different views never lose one another.
        Raises :class:`StoreError` for an unknown project.
        """

    @abstractmethod
    def rename_view(
        self, entity: str, project: str, name: str, new_name: str, owner: str | None = None
    ) -> SavedView | None:
        """Rename a view (None when it does not exist); raises :class:`ViewExistsError`
        when the project already has a view named ``new_name``."""

    @abstractmethod
    def delete_view(self, entity: str, project: str, name: str) -> bool:
        """Delete a view; False when it did not exist."""

    @abstractmethod
    def put_preset(self, entity: str, name: str, spec: Mapping[str, Any]) -> int:
        """Save ``spec`` as the next version of the custom-chart preset ``entity/name``.

        Versions start at 1 and each save takes the highest one plus one, atomically,
        so two clients saving at once get two versions; nothing is overwritten.
        Returns the new version. Names longer than 128 characters raise ``ValueError``.
        """

    @abstractmethod
    def get_preset(
        self, entity: str, name: str, version: int | None = None
    ) -> tuple[int, dict[str, Any]] | None:
        """``(version, spec)`` of a preset (its latest version by default), or ``None``."""

    @abstractmethod
    def list_presets(self, entity: str) -> list[tuple[str, int]]:
        """``(name, latest version)`` of every preset of ``entity``, sorted by name."""

    @abstractmethod
    def journal_offset(self, journal: str) -> int:
        """How far the named journal has been moved into the store (0 if never)."""

    @abstractmethod
    def forget_journal(self, journal: str) -> None:
        """Mark a journal that was fully stored (and deleted) done.

        Its offset then reads as 0, but the store keeps a done marker: a batch
        replayed from it later (a retried request, a second ``runyard sync`` of a
        copy) changes nothing. A journal the store never saw is left alone.
        """

    @abstractmethod
    def read_console(
        self,
        ref: RunRef,
        search: str | None = None,
        regex: bool = False,
        start: int = 0,
        limit: int = 1000,
    ) -> list[ConsoleLine]:
        """Up to ``limit`` console lines numbered ``start`` or more, in order.

        ``search`` keeps only matching lines: a case-insensitive substring, or with
        ``regex`` a case-insensitive regular expression (the syntax Python's ``re``
        and PostgreSQL share); a pattern that is not valid raises ``ValueError``
        naming it.
        """

    @abstractmethod
    def count_console(self, ref: RunRef, search: str | None = None, regex: bool = False) -> int:
        """How many console lines the run has (matching ``search``, as in
        :meth:`read_console`)."""

    @abstractmethod
    def read_system(self, ref: RunRef, keys: Sequence[str] | None = None) -> SystemSamples:
        """The run's system-metric samples in order, with every key or only ``keys``."""

    # -- artifacts (store/sql/artifacts.py; written through write_batch) ------------
    @abstractmethod
    def get_artifact(
        self, entity: str, project: str, name: str, version: str, type: str | None = None
    ) -> ArtifactRecord | None:
        """The version ``vN`` or alias ``version`` of ``name``, or ``None``; with ``type``,
        a collection of another type raises ``ValueError`` naming both types."""

    @abstractmethod
    def get_artifact_by_client_id(
        self, entity: str, project: str, client_id: str
    ) -> ArtifactRecord | None:
        """The version an :class:`ArtifactCommit` of ``client_id`` made in the project
        (``None`` until its batch is stored)."""

    @abstractmethod
    def artifact_files(self, artifact: ArtifactRecord) -> list[ArtifactFile]:
        """The version's manifest, sorted by path (a link's are its source's)."""

    @abstractmethod
    def list_artifact_collections(
        self, entity: str, project: str, type: str | None = None
    ) -> list[ArtifactCollection]:
        """The project's artifact names (of one type), sorted by name."""

    @abstractmethod
    def list_artifact_versions(self, entity: str, project: str, name: str) -> list[ArtifactRecord]:
        """Every version of ``name``, oldest first."""

    @abstractmethod
    def artifact_types(self, entity: str, project: str) -> list[str]:
        """The artifact types of the project, sorted."""

    @abstractmethod
    def artifacts_logged_by(self, ref: RunRef) -> list[ArtifactRecord]:
        """Versions the run logged (a deduplicated log counts for its first run only)."""

    @abstractmethod
    def artifacts_used_by(self, ref: RunRef) -> list[ArtifactRecord]:
        """Versions the run used."""

    @abstractmethod
    def runs_using(self, artifact: ArtifactRecord) -> list[RunRef]:
        """Runs that used the version, in the order they first did."""

    @abstractmethod
    def update_artifact(
        self,
        artifact: ArtifactRecord,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] | None = None,
    ) -> ArtifactRecord:
        """Set what is given (``aliases`` replaces the version's aliases; an alias moves
        from the version that had it) and return the stored version."""

    @abstractmethod
    def delete_artifact(self, artifact: ArtifactRecord, delete_aliases: bool = False) -> None:
        """Remove the version (and the registry links to it). A version with aliases
        other than ``latest`` raises ``ValueError`` unless ``delete_aliases``;
        ``latest`` moves to the newest version left."""

    @abstractmethod
    def artifact_blobs_held(
        self, entity: str, project: str, digests: Sequence[str], touch: bool = False
    ) -> set[str]:
        """Which of ``digests`` the project already holds (uploaded to it, or in one of
        its versions): the client uploads the others. ``touch`` marks those found as
        in use now, so ``runyard gc`` leaves them while the commit naming them is on
        its way."""

    def record_artifact_blob(self, entity: str, project: str, digest: str, size: int) -> None:
        """Note that the project uploaded the content ``digest`` (its bytes verified)."""
        raise NotImplementedError(f"{type(self).__name__} does not record artifact blobs")

    def artifact_blobs_to_keep(self, digests: Sequence[str], since: float) -> set[str]:
        """Which of ``digests`` are in a version, or were uploaded or touched at or after
        ``since`` (``runyard gc`` deletes the rest)."""
        raise NotImplementedError(f"{type(self).__name__} cannot tell which blobs are in use")

    def journal_run(self, journal: str) -> RunRef | None:
        """The run a journal writes to, if the store knows the journal (the server
        checks access to that run's project before answering about a journal)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def checkpoint(self) -> None:  # noqa: B027  (optional: most backends need nothing)
        """Settle recent writes on disk (a run just finished)."""

    def checkpoint_due(self) -> bool:
        """Whether :meth:`checkpoint` has work to do now (a cheap look)."""
        return False

    def seal(self, ref: RunRef) -> None:  # noqa: B027  (optional, as checkpoint)
        """Compress the series an ended run left uncompressed (its last batch was
        written with ``seal_later``). Data is readable and complete either way; an
        interrupted or skipped seal only leaves the run taking more space."""

    # -- conveniences built on the primitives --------------------------------
    def iter_console(
        self, ref: RunRef, search: str | None = None, regex: bool = False, start: int = 0
    ) -> Iterator[ConsoleLine]:
        """Every console line (matching ``search``) from ``start`` on, a page at a time."""
        while True:
            page = self.read_console(ref, search, regex, start, CONSOLE_PAGE)
            yield from page
            if len(page) < CONSOLE_PAGE:
                return
            start = page[-1].line + 1

    def console_text(self, ref: RunRef) -> str:
        """The console as the text file ``output.log``: one line per terminal line."""
        return "".join(line.text + "\n" for line in self.iter_console(ref))

    def console_size(self, ref: RunRef) -> int:
        """Bytes of :meth:`console_text` in UTF-8 (backends count them without reading)."""
        return len(self.console_text(ref).encode("utf-8"))

    def scan_history(
        self,
        ref: RunRef,
        keys: Sequence[str] | None = None,
        min_step: int = 0,
        max_step: int | None = None,
        page_size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Rows in step order, read a window of rows at a time (bounded memory).

        With ``keys``, only rows that have every one of them are returned (wandb);
        every row carries its ``_step``. The rows are those of an index key — the
        first of ``keys``, else ``_runtime``, which every row the SDK commits has —
        and windows are cut from that key's rollup (one entry per 64 points), so
        neither sparse steps nor long runs make a window large.
        """
        wanted = list(self.history_keys(ref)) if keys is None else list(keys)
        to_read = [k for k in wanted if k != "_step"]
        index_key = to_read[0] if keys is not None and to_read else "_runtime"
        for lo, hi in self._windows(ref, index_key, min_step, max_step, max(page_size, 16384)):
            numeric = {key: self.read_series(ref, key, lo, hi) for key in to_read}
            others = self.read_values(ref, to_read, lo, hi)
            index = [index_key] if index_key in numeric else to_read
            parts = [numeric[k].steps for k in index if k in numeric]
            parts += [
                np.fromiter((s for s, _ in others[k]), np.int64) for k in index if k in others
            ]
            steps = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
            rows: dict[int, dict[str, Any]] = {int(s): {} for s in steps.tolist()}
            for key, series in numeric.items():
                for step, value in zip(series.steps.tolist(), series.values.tolist(), strict=True):
                    row = rows.get(step)
                    if row is not None:
                        row[key] = value
            for key, pairs in others.items():
                for step, value in pairs:
                    row = rows.get(step)
                    if row is not None:
                        row[key] = value
            for step, row in rows.items():
                if keys is not None and len(row) < len(to_read):
                    continue
                row["_step"] = step
                yield row

    def _windows(
        self, ref: RunRef, key: str, min_step: int, max_step: int | None, rows: int
    ) -> Iterator[tuple[int, int]]:
        """Step ranges ``[lo, hi)`` holding about ``rows`` of ``key``'s points each."""
        record = self.get_run(ref)
        if record is None or record.last_step < min_step:
            return
        end = record.last_step + 1 if max_step is None else min(max_step, record.last_step + 1)
        rollup = self.read_rollup(ref, key, min_step, end)
        cuts = rollup.steps[max(1, rows // ROLLUP_POINTS) - 1 :: max(1, rows // ROLLUP_POINTS)]
        lo = min_step
        for cut in cuts.tolist():
            if lo <= cut < end - 1:
                yield lo, cut + 1
                lo = cut + 1
        if lo < end:
            yield lo, end
