"""W&B runs into Runyard, read through wandb's own public API (``wandb.Api``).

Any server wandb's client talks to works: W&B's cloud, a W&B server, or a Runyard
server (``--base-url``). ``wandb`` is not a Runyard dependency; it is imported only
here, when an import starts.

What becomes of a W&B run (target project = the source project unless given; the
Runyard run id is the W&B run id, so links and ``resume`` keep working):

- config → config (wandb's ``{"value": …}`` wrappers removed, as ``Run.config`` gives it;
  internal ``_wandb`` left out);
- summary → summary (as stored: a summary edited after the run is what comes in;
  ``_wandb`` left out);
- history → history, every row of ``scan_history`` with its ``_step``, ``_runtime`` and
  ``_timestamp``; media values keep their ``{"_type": …, "path": …}`` payloads, whose
  bytes come in with the files at the same paths;
- name, tags, notes, group, job type, state, created/heartbeat times →
  the same fields; ``wandb-metadata.json`` → the run's metadata (plus ``source`` and
  ``wandb``: where it came from and what was imported);
- files → run files at the same names (``output.log`` becomes the console's text);
- logged artifacts → artifact versions of the target project, logged by the run, in
  version order (name, type, description, metadata, aliases, every file's bytes;
  reference entries recorded, not fetched), each once: keyed on its W&B id.

Resumable and idempotent: a run whose state, last history step, summary, config,
files (names and MD5s; size and update time from a server that sends no MD5) and
logged artifacts are those recorded at its last import is left alone; otherwise only
history rows after the last stored step are read (history is written in batches, each
recording its last step, so an interrupted import goes on where it stopped), only
files that changed are downloaded again, and only artifact versions not imported yet.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from runyard.blobs.artifacts import artifact_key, file_sha256
from runyard.blobs.base import BlobStore
from runyard.entities import RUN_STATES, RunRef
from runyard.importers.report import ImportReport
from runyard.store.base import (
    ArtifactCommit,
    ArtifactFile,
    RunBatch,
    TrackingStore,
    columns_from_rows,
)

__all__ = ["INSTALL_HINT", "import_wandb", "wandb_api"]

INSTALL_HINT = "importing from W&B needs its client: pip install wandb"
#: History rows per ``write_batch`` (and per progress line).
ROWS_PER_BATCH = 5000
#: Files that are not run files of Runyard: the console is stored as console lines, the
#: metadata as the run's metadata (both are still fingerprinted).
_CONSOLE = "output.log"
_METADATA = "wandb-metadata.json"
#: W&B states Runyard has no name for (``preempted``, ``preempting``, ``pending``).
_STATES = {"preempted": "crashed", "preempting": "running", "pending": "running"}


def wandb_api(base_url: str | None = None, api_key: str | None = None) -> Any:
    """A ``wandb.Api`` at ``base_url`` (default: ``WANDB_BASE_URL``, else W&B's cloud)."""
    try:
        wandb = importlib.import_module("wandb")  # not a dependency: no types here
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    overrides = {"base_url": base_url.rstrip("/")} if base_url else {}
    return wandb.Api(overrides=overrides, api_key=api_key, timeout=60)


def _seconds(text: Any) -> float | None:
    """wandb's ISO times (``2026-12-06T15:47:13Z``, naive = UTC) as unix seconds."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _clean(mapping: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(mapping or {}).items() if k != "_wandb"}


def _rows(run: Any, after: int, skip: Callable[[str, int], None]) -> Iterator[dict[str, Any]]:
    """History rows with ``_step`` greater than ``after``, in step order, cleaned."""
    for row in run.scan_history(min_step=after + 1, page_size=1000):
        step = row.get("_step")
        if not isinstance(step, int) or step <= after:
            skip("history rows without a usable _step", 1)
            continue
        kept: dict[str, Any] = {}
        for key, value in row.items():
            if value is None:
                continue  # the key was not logged at this step (wandb fills the gaps)
            if isinstance(value, float) and math.isnan(value) and key.startswith("_"):
                continue
            kept[key] = value
        yield kept


def _files(run: Any) -> dict[str, Any]:
    return {f.name: f for f in run.files()}


def _version(remote: Any) -> str:
    """What tells a file's versions apart: its MD5, or (a server that sends none, such
    as Runyard's) its size and update time."""
    if remote.md5:
        return str(remote.md5)
    return f"size={remote.size} updated={remote._attrs.get('updatedAt')}"


def _import_run(
    run: Any,
    store: TrackingStore,
    blobs: BlobStore,
    entity: str,
    project: str,
    base_url: str | None,
    report: ImportReport,
    progress: Callable[[str], None] | None,
) -> None:
    from runyard.blobs.keys import file_key

    ref = RunRef(entity, project, run.id)
    label = f"{project}/{run.id}"

    def skip(reason: str, count: int = 1) -> None:
        report.skip(label, reason, count)

    files = _files(run)
    config = _clean(run.config)
    summary = _clean(run.summary_metrics)
    md5s = {name: _version(f) for name, f in sorted(files.items())}
    logged = _logged(run, skip)
    fingerprint = _digest(
        {
            "state": run.state,
            "last_step": run.lastHistoryStep,
            "config": config,
            "summary": summary,
            "files": md5s,
            "artifacts": sorted(str(a.id) for a in logged),
            "name": run.name,
            "tags": list(run.tags or []),
            "notes": run.notes,
        }
    )
    existing = store.get_run(ref)
    known = ((existing.metadata or {}).get("wandb") or {}) if existing is not None else {}
    if known.get("fingerprint") == fingerprint:
        report.unchanged.append(label)
        return

    created = _seconds(run.created_at) or 0.0
    heartbeat = _seconds(run._attrs.get("heartbeatAt")) or created
    create = {
        "display_name": run.name,
        "created_at": created,
        "tags": list(run.tags or []),
        "notes": run.notes,
        "group": run.group,
        "job_type": run.job_type,
    }
    after = existing.last_step if existing is not None else -1
    last_step = after
    rows: list[dict[str, Any]] = []
    added = 0

    def flush() -> None:
        nonlocal rows, added
        if not rows:
            return
        batch = RunBatch(run=ref, create=create, meta={"last_step": last_step})
        columns_from_rows(rows, batch.columns)
        store.write_batch(batch)
        added += len(rows)
        report.points += sum(len(r) - sum(k.startswith("_") for k in r) for r in rows)
        rows = []
        if progress is not None:
            progress(f"  {label}: {added} history rows (to step {last_step})")

    for row in _rows(run, after, skip):
        last_step = row["_step"]
        rows.append(row)
        if len(rows) >= ROWS_PER_BATCH:
            flush()
    flush()

    # Files: only those new or changed since the last import.
    had: dict[str, str] = known.get("files") or {}
    with tempfile.TemporaryDirectory() as folder:
        for name, remote in files.items():
            if name == _METADATA or had.get(name) == md5s[name]:
                continue
            try:
                remote.download(root=folder, replace=True, exist_ok=True)
                data = (Path(folder) / name).read_bytes()
            except Exception as exc:  # network, permissions: the run still comes in
                skip(f"file {name!r} could not be downloaded ({type(exc).__name__}: {exc})")
                md5s.pop(name, None)  # tried again next time
                continue
            if name == _CONSOLE:
                # Its own journal, at the file's length: a longer output.log (the run
                # went on) is admitted and its lines, numbered from 0 again, replace
                # the stored ones; the same one again changes nothing.
                text = data.decode("utf-8", "replace").splitlines()
                console = RunBatch(run=ref, create=create)
                console.console = [(i, "stdout", heartbeat, t) for i, t in enumerate(text)]
                console.journal = (f"wandb-import:{'/'.join(run.path)}:{name}", len(data))
                store.write_batch(console)
            else:
                blobs.put(file_key(ref, name), data)

    _import_artifacts(logged, store, blobs, ref, create, report, skip)

    state = run.state if run.state in RUN_STATES else _STATES.get(run.state, "finished")
    metadata = dict(run.metadata or {})
    metadata["source"] = "wandb"
    metadata["wandb"] = {
        "base_url": base_url,
        "path": "/".join(run.path),
        "url": run.url,
        "fingerprint": fingerprint,
        "files": md5s,
    }
    summary_set: list[tuple[tuple[str, ...], Any]] = [((k,), v) for k, v in summary.items()]
    store.write_batch(
        RunBatch(
            run=ref,
            create=create,
            config=config,
            config_delete=[k for k in (existing.config if existing else {}) if k not in config],
            summary_set=summary_set,
            summary_delete=[
                (k,) for k in (existing.summary if existing else {}) if k not in summary
            ],
            meta={
                "state": state,
                "runtime": float(summary.get("_runtime") or max(heartbeat - created, 0.0)),
                "heartbeat_at": heartbeat,
                "last_step": max(last_step, int(run.lastHistoryStep or -1)),
                "display_name": run.name,
                "tags": list(run.tags or []),
                "notes": run.notes,
                "group": run.group,
                "job_type": run.job_type,
            },
            metadata=metadata,
        )
    )
    report.imported.append(label)


def _logged(run: Any, skip: Callable[[str, int], None]) -> list[Any]:
    try:
        return list(run.logged_artifacts())
    except Exception as exc:  # a server without artifacts: the run still comes in
        skip(f"artifacts could not be listed ({type(exc).__name__}: {exc})", 1)
        return []


def _import_artifacts(
    logged: list[Any],
    store: TrackingStore,
    blobs: BlobStore,
    ref: RunRef,
    create: dict[str, Any],
    report: ImportReport,
    skip: Callable[[str, int], None],
) -> None:
    """The versions ``run`` logged, oldest first, each once (keyed on its W&B id)."""
    logged.sort(key=lambda a: int(str(a.version).lstrip("v") or 0))
    for art in logged:
        client_id = hashlib.sha256(f"wandb-import:{art.id}".encode()).hexdigest()[:32]
        if store.get_artifact_by_client_id(ref.entity, ref.project, client_id) is not None:
            continue
        try:
            entries = _artifact_entries(art, store, blobs, ref, skip)
        except Exception as exc:  # one version's download: the others still come in
            skip(f"artifact {art.name!r} ({type(exc).__name__}: {exc})", 1)
            continue
        name = str(art.name).rpartition(":")[0] or str(art.name)
        commit = ArtifactCommit(
            client_id=client_id,
            name=name,
            type=art.type,
            entries=entries,
            description=art.description,
            metadata=dict(art.metadata or {}),
            aliases=[a for a in art.aliases if a != "latest"],
        )
        store.write_batch(RunBatch(run=ref, create=create, artifacts=[commit]))
        report.artifacts += 1


def _artifact_entries(
    art: Any, store: TrackingStore, blobs: BlobStore, ref: RunRef, skip: Callable[[str, int], None]
) -> list[ArtifactFile]:
    """The version's manifest as Runyard entries, contents copied content-addressed;
    references (``s3://``, ``file://`` …) are recorded, not fetched."""
    entries: list[ArtifactFile] = []
    with tempfile.TemporaryDirectory() as folder:
        for path, entry in sorted(art.manifest.entries.items()):
            if entry.ref is not None:
                entries.append(
                    ArtifactFile(path, size=entry.size, ref=entry.ref, checksum=entry.digest)
                )
                continue
            local = Path(art.get_entry(path).download(root=folder))
            sha, size = file_sha256(local)
            key = artifact_key(sha)
            if not blobs.exists(key):
                blobs.put(key, local.read_bytes())
            store.record_artifact_blob(ref.entity, ref.project, sha, size)
            extra = {"wandb_md5": entry.digest}
            entries.append(ArtifactFile(path, digest=sha, size=size, extra=extra))
    return entries


def _chosen(api: Any, path: str, run_ids: Sequence[str]) -> Iterable[Any]:
    errors = importlib.import_module("wandb.errors")
    try:
        if run_ids:
            return [api.run(f"{path}/{run_id}") for run_id in run_ids]
        return list(api.runs(path, per_page=100))
    except (errors.CommError, ValueError) as exc:
        raise ValueError(f"cannot read {path!r} (runs {list(run_ids)!r}): {exc}") from exc


def import_wandb(
    store: TrackingStore,
    blobs: BlobStore,
    path: str,
    entity: str,
    project: str | None = None,
    run_ids: Sequence[str] = (),
    base_url: str | None = None,
    api_key: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the runs of the W&B project ``path`` (``ENTITY/PROJECT``) into ``entity``.

    Example:
        >>> api = runyard.Api()  # doctest: +SKIP
        >>> import_wandb(api.store, api.blobs, "team/vision", "me")  # doctest: +SKIP
    """
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"a W&B project is ENTITY/PROJECT, not {path!r}")
    if any("/" in r or not r for r in run_ids):
        raise ValueError(f"--runs takes W&B run ids, not {list(run_ids)!r}")
    source = wandb_api(base_url, api_key)
    target = project or parts[1]
    report = ImportReport()
    runs = list(_chosen(source, "/".join(parts), run_ids))
    for number, run in enumerate(runs, 1):
        if progress is not None:
            progress(f"[{number}/{len(runs)}] {run.name} ({run.id})")
        _import_run(run, store, blobs, entity, target, base_url, report, progress)
    return report
