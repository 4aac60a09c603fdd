"""MLflow runs into Runyard, read through MLflow's own client (``MlflowClient``).

Any tracking URI MLflow reads works: a file store (``file:///…/mlruns``; MLflow 3
asks for ``MLFLOW_ALLOW_FILE_STORE=true``, which the importer sets for reading), a
database (``sqlite:///…``, ``postgresql://…``) or a tracking server (``http://…``).

What becomes of an MLflow run (project = the experiment's name unless given):

- params → config (MLflow keeps strings: a param that is exactly how Python prints an
  int, a float or a bool comes back as that value, anything else stays a string);
- metrics → history at their steps; each row's ``_timestamp`` is the earliest
  timestamp of the points at its step; a key logged several times at one step keeps
  the latest point (reported); the summary holds every metric's latest value;
- tags: ``mlflow.runName`` → the name, ``mlflow.note.content`` → notes, the others
  (without ``mlflow.`` system tags) → Runyard tags ``key=value``; all tags are kept in
  the run's metadata under ``mlflow.tags``;
- status → state (``FINISHED`` finished, ``FAILED`` failed, ``KILLED`` killed, a run
  still ``RUNNING``/``SCHEDULED`` is imported as running); start time → created,
  end − start → runtime;
- artifacts → run files under their artifact paths.

The Runyard run id is ``mlflow-<MLflow run id>``: a second import finds the run, and
one whose MLflow status, end time and contents are unchanged (kept in the run's
metadata) is left alone. Deleted MLflow runs are skipped and counted.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from runyard.blobs.base import BlobStore
from runyard.entities import RunRef
from runyard.importers.report import ImportReport
from runyard.store.base import RunBatch, TrackingStore

__all__ = ["import_mlflow", "param_value", "run_id_for"]

_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}


def _client(tracking_uri: str) -> Any:
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # reading an old store
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise ImportError(
            "importing from MLflow needs its client: pip install 'runyard[mlflow]'"
        ) from exc
    return MlflowClient(tracking_uri)


def param_value(text: str) -> Any:
    """A param string as the value it was, when that is unambiguous."""
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        if str(value) == text:
            return value
    return text


def run_id_for(mlflow_run_id: str) -> str:
    return f"mlflow-{mlflow_run_id}"


def _pages(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page
        token = page.token
        if not token:
            return


def _artifacts(client: Any, run_id: str, path: str | None = None) -> Iterator[Any]:
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            yield from _artifacts(client, run_id, info.path)
        else:
            yield info


def _history(
    client: Any, run_id: str, keys: Sequence[str], skip: Callable[[str, int], None]
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[int, float], dict[str, Any]]:
    """``key -> (steps, values)``, ``step -> first timestamp (s)``, the last values."""
    columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    stamps: dict[int, float] = {}
    last: dict[str, Any] = {}
    for key in keys:
        points: dict[int, tuple[int, float]] = {}  # step -> (timestamp ms, value)
        repeated = negative = 0
        latest: tuple[int, int, float] | None = None
        for m in client.get_metric_history(run_id, key):
            step, ts, value = int(m.step), int(m.timestamp), float(m.value)
            if latest is None or (ts, step) >= latest[:2]:
                latest = (ts, step, value)
            if step < 0:
                negative += 1
                continue
            seen = points.get(step)
            if seen is not None:
                repeated += 1
                if ts < seen[0]:
                    continue
            points[step] = (ts, value)
            stamps[step] = min(stamps.get(step, ts / 1000), ts / 1000)
        if repeated:
            skip(f"metric {key!r}: points at a step already logged (the latest kept)", repeated)
        if negative:
            skip(f"metric {key!r}: points at negative steps", negative)
        if latest is not None:
            last[key] = latest[2]
        if points:
            steps = np.array(sorted(points), dtype=np.int64)
            values = np.array([points[int(s)][1] for s in steps], dtype=np.float64)
            columns[key] = (steps, values)
    return columns, stamps, last


def _import_run(
    client: Any,
    store: TrackingStore,
    blobs: BlobStore,
    run: Any,
    entity: str,
    project: str,
    report: ImportReport,
) -> None:
    from runyard.blobs.keys import file_key

    info, data = run.info, run.data
    ref = RunRef(entity, project, run_id_for(info.run_id))
    label = f"{project}/{info.run_name or info.run_id}"
    fingerprint = {
        "run_id": info.run_id,
        "status": info.status,
        "end_time": info.end_time,
        "params": len(data.params),
        "metrics": sorted(data.metrics.items()),
        "tags": len(data.tags),
    }
    existing = store.get_run(ref)
    if existing is not None and (existing.metadata or {}).get("mlflow", {}).get(
        "fingerprint"
    ) == _jsonable(fingerprint):
        report.unchanged.append(label)
        return

    def skip(reason: str, count: int = 1) -> None:
        report.skip(label, reason, count)

    columns, stamps, last = _history(client, info.run_id, sorted(data.metrics), skip)
    start = (info.start_time or 0) / 1000
    end = (info.end_time / 1000) if info.end_time else max([start, *stamps.values()])
    if stamps:
        steps = np.array(sorted(stamps), dtype=np.int64)
        times = np.array([stamps[int(s)] for s in steps], dtype=np.float64)
        columns["_timestamp"] = (steps, times)
        columns["_runtime"] = (steps, times - start)
    tags = dict(data.tags)
    user_tags = [
        f"{k}={v}" if v else k for k, v in sorted(tags.items()) if not k.startswith("mlflow.")
    ]
    create = {
        "display_name": info.run_name or tags.get("mlflow.runName"),
        "created_at": start,
        "tags": user_tags,
        "notes": tags.get("mlflow.note.content"),
    }
    for key, (key_steps, values) in columns.items():
        batch = RunBatch(run=ref, create=create)
        batch.columns[key] = (key_steps, values)  # type: ignore[assignment]  # numpy: allowed
        store.write_batch(batch)

    with tempfile.TemporaryDirectory() as folder:
        for artifact in _artifacts(client, info.run_id):
            local = client.download_artifacts(info.run_id, artifact.path, folder)
            blobs.put(file_key(ref, artifact.path), Path(local).read_bytes())

    summary: list[tuple[tuple[str, ...], Any]] = [((k,), v) for k, v in last.items()]
    if stamps:
        last_step = max(stamps)
        summary += [(("_step",), last_step), (("_timestamp",), stamps[last_step])]
    state = _STATES.get(info.status, "running")
    store.write_batch(
        RunBatch(
            run=ref,
            create=create,
            config={k: param_value(v) for k, v in data.params.items()},
            summary_set=summary,
            meta={
                "state": state,
                "runtime": max(end - start, 0.0),
                "heartbeat_at": end,
                "last_step": max(stamps) if stamps else -1,
                "display_name": create["display_name"],
                "tags": user_tags,
                "notes": create["notes"],
            },
            metadata={
                "source": "mlflow",
                "mlflow": {
                    "run_id": info.run_id,
                    "experiment_id": info.experiment_id,
                    "tags": tags,
                    "user": info.user_id,
                    "artifact_uri": info.artifact_uri,
                    "fingerprint": _jsonable(fingerprint),
                },
            },
        )
    )
    report.imported.append(label)
    report.points += sum(len(s) for k, (s, _) in columns.items() if not k.startswith("_"))


def _jsonable(value: Any) -> Any:
    """``value`` as JSON gives it back (tuples → lists), so a stored fingerprint compares."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def import_mlflow(
    store: TrackingStore,
    blobs: BlobStore,
    tracking_uri: str,
    entity: str,
    experiments: Sequence[str] = (),
    project: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the runs of ``experiments`` (names or ids; default: every active one).

    Example:
        >>> api = runyard.Api()  # doctest: +SKIP
        >>> import_mlflow(api.store, api.blobs, "sqlite:///mlflow.db", "me")  # doctest: +SKIP
    """
    # MLflow's own deprecation noise (its SQLAlchemy store uses loaders SQLAlchemy 2.1
    # deprecates) is not the user's to act on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _import_mlflow(store, blobs, tracking_uri, entity, experiments, project, progress)


def _import_mlflow(
    store: TrackingStore,
    blobs: BlobStore,
    tracking_uri: str,
    entity: str,
    experiments: Sequence[str],
    project: str | None,
    progress: Callable[[str], None] | None,
) -> ImportReport:
    from mlflow.entities import ViewType

    client = _client(tracking_uri)
    report = ImportReport()
    found = list(_pages(lambda t: client.search_experiments(page_token=t)))
    if experiments:
        wanted = set(experiments)
        chosen = [e for e in found if e.name in wanted or e.experiment_id in wanted]
        missing = wanted - {e.name for e in chosen} - {e.experiment_id for e in chosen}
        if missing:
            raise ValueError(
                f"no MLflow experiment {sorted(missing)!r} at {tracking_uri!r} "
                f"(there are: {sorted(e.name for e in found)!r})"
            )
    else:
        chosen = found
    for experiment in chosen:
        target = project or experiment.name.strip("/").replace("/", "-")
        ids = [experiment.experiment_id]

        def page(token: str | None, ids: list[str] = ids) -> Any:
            return client.search_runs(
                ids, run_view_type=ViewType.ACTIVE_ONLY, max_results=1000, page_token=token
            )

        runs = list(_pages(page))
        deleted = client.search_runs(ids, run_view_type=ViewType.DELETED_ONLY, max_results=1000)
        if deleted:
            report.skip(target, "deleted MLflow runs", len(deleted))
        for number, run in enumerate(runs, 1):
            if progress is not None:
                progress(f"[{experiment.name} {number}/{len(runs)}] {run.info.run_name}")
            _import_run(client, store, blobs, run, entity, target, report)
    return report
