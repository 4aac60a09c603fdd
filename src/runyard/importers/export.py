"""Runs exported by ``runyard export`` (:mod:`runyard.export.project`), back into a store.

``runyard import export DIR --to ENTITY/PROJECT`` reads ``DIR/export.json`` and the
tables it names (Parquet or CSV; long or wide histories) and rebuilds each run under its
own id: its fields (name, state, group, job type, tags, notes, creation time, runtime),
config and summary from the runs table, every history point from the history table.
Export then import gives the same config, summary and history (``runyard.Api()`` reads
them alike), with two limits the tables set: a config or summary key that itself holds
a dot comes back nested (``{"a.b": 1}`` → ``{"a": {"b": 1}}``), and media in histories
and summaries keep their references but not their files (an export carries no files;
each such value is reported).

Importing twice adds nothing: a run imported before from the same row and history is
left alone (a fingerprint of both is kept in its metadata); a run that exists and was
not imported from this export is refused, never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from runyard.entities import RunRef, check_ref
from runyard.export.project import MANIFEST, MANIFEST_FORMAT
from runyard.importers.report import ImportReport
from runyard.metrics.flatten import nest
from runyard.store.base import RunBatch, TrackingStore

__all__ = ["import_export", "source_project"]

#: Run fields of the runs table; every other column is ``config.*`` or ``summary.*``.
_FIELDS = ("id", "name", "state", "group", "job_type", "tags", "notes", "created_at", "runtime")


def _read(path: Path, kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """The table's rows as dicts, each cell as it was exported (JSON decoded, CSV text
    typed back by the column's recorded kind)."""
    import pyarrow.csv  # type: ignore[import-untyped]
    import pyarrow.parquet  # type: ignore[import-untyped]

    if path.suffix == ".parquet":
        table = pyarrow.parquet.read_table(path)
        text = False
    elif path.suffix == ".csv":
        # Every column as text: CSV's type guessing would turn "007" into 7.
        names = pyarrow.csv.read_csv(path).column_names if path.stat().st_size else []
        options = pyarrow.csv.ConvertOptions(
            column_types=dict.fromkeys(names, pyarrow.string()), strings_can_be_null=True
        )
        table = pyarrow.csv.read_csv(path, convert_options=options)
        text = True
    else:
        raise ValueError(f"{path}: not a .parquet or .csv table")
    rows: list[dict[str, Any]] = table.to_pylist()
    for row in rows:
        for name, value in row.items():
            if value is not None:
                row[name] = _cell(value, kinds.get(name, "string"), text)
    return rows


def _cell(value: Any, kind: str, text: bool) -> Any:
    if kind == "json":
        return json.loads(value)
    if not text or kind == "string":
        return value
    if kind == "bool":
        return value.lower() == "true"
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value


def _leaves(row: Mapping[str, Any], prefix: str) -> dict[tuple[str, ...], Any]:
    """``{"<prefix>.a.b": 1}`` → ``{("a", "b"): 1}`` (missing cells are left out)."""
    return {
        tuple(name[len(prefix) + 1 :].split(".")): value
        for name, value in row.items()
        if name.startswith(prefix + ".") and value is not None
    }


def _is_media(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("_type"), str)
        and ("path" in value or "filenames" in value)
    )


def _history_of(
    rows: Iterable[Mapping[str, Any]], shape: str
) -> dict[str, dict[str, list[tuple[int, Any]]]]:
    """``run id -> key -> [(step, value)]`` from a long or wide history table."""
    out: dict[str, dict[str, list[tuple[int, Any]]]] = defaultdict(lambda: defaultdict(list))
    if shape == "long":
        for row in rows:
            value = row["value_json"] if row.get("value_json") is not None else row["value"]
            if value is None:
                continue
            out[row["run_id"]][row["key"]].append((int(row["step"]), value))
    else:
        for row in rows:
            step = int(row["_step"])
            for key, value in row.items():
                if key not in ("run_id", "_step") and value is not None:
                    out[row["run_id"]][key].append((step, value))
    return out


def _fingerprint(row: Mapping[str, Any], history: Mapping[str, list[tuple[int, Any]]]) -> str:
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode())
    for key in sorted(history):
        digest.update(json.dumps([key, history[key]], default=str).encode())
    return digest.hexdigest()


def _column(points: list[tuple[int, Any]]) -> tuple[list[int], list[Any]]:
    points = sorted(points, key=lambda p: p[0])
    return [s for s, _ in points], [v for _, v in points]


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        raise ValueError(f"{directory} holds no {MANIFEST}: not a directory `runyard export` wrote")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{path}: format {manifest.get('format')!r}, expected {MANIFEST_FORMAT!r}")
    return manifest


def source_project(directory: Path) -> str:
    """The project the export in ``directory`` was made from (its ``source``'s last part)."""
    return str(_manifest(directory).get("source", "")).rsplit("/", 1)[-1] or "imported"


def import_export(
    directory: Path,
    store: TrackingStore,
    entity: str,
    project: str,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the runs of the export in ``directory`` into ``entity/project``.

    Raises:
        ValueError: ``directory`` holds no export (no ``export.json``), one of another
            format, or a run id that exists there already and was not imported from it.
    """
    manifest = _manifest(directory)
    kinds = manifest.get("columns") or {}
    runs = _read(directory / manifest["runs"], kinds.get("runs", {}))
    histories: dict[str, dict[str, list[tuple[int, Any]]]] = {}
    if manifest.get("history"):
        rows = _read(directory / manifest["history"], kinds.get("history", {}))
        histories = _history_of(rows, manifest.get("history_shape", "long"))
    report = ImportReport()
    source = str(manifest.get("source", directory))
    for number, row in enumerate(runs, 1):
        ref = check_ref(RunRef(entity, project, str(row["id"])))
        history = histories.get(ref.run_id, {})
        label = f"{project}/{ref.run_id}"
        fingerprint = _fingerprint(row, history)
        existing = store.get_run(ref)
        if existing is not None:
            mark = (existing.metadata or {}).get("runyard_export") or {}
            if mark.get("fingerprint") == fingerprint:
                report.unchanged.append(label)
                continue
            raise ValueError(
                f"run {ref.path} exists and was not imported from this export: "
                "import into another project, or delete that run first"
            )
        _import_run(store, ref, row, history, source, fingerprint, report, label)
        if progress is not None:
            progress(f"[{number}/{len(runs)}] {ref.run_id}")
    return report


def _import_run(
    store: TrackingStore,
    ref: RunRef,
    row: Mapping[str, Any],
    history: Mapping[str, list[tuple[int, Any]]],
    source: str,
    fingerprint: str,
    report: ImportReport,
    label: str,
) -> None:
    tags = row.get("tags")
    if isinstance(tags, str):  # the runs table holds tags as a JSON list
        tags = json.loads(tags)
    create = {
        "display_name": row.get("name"),
        "created_at": row.get("created_at"),
        "group": row.get("group"),
        "job_type": row.get("job_type"),
        "tags": list(tags) if isinstance(tags, list) else [],
        "notes": row.get("notes"),
    }
    last_step = -1
    for key, points in history.items():
        steps, values = _column(points)
        media = sum(1 for v in values if _is_media(v))
        if media:
            report.skip(label, f"history key {key!r}: media files are not in an export", media)
        batch = RunBatch(run=ref, create=create)
        batch.columns[key] = (steps, values)
        store.write_batch(batch)
        last_step = max(last_step, steps[-1])
        if not key.startswith("_"):
            report.points += len(steps)
    summary = _leaves(row, "summary")
    config = nest(_leaves(row, "config"))
    store.write_batch(
        RunBatch(
            run=ref,
            create=create,
            config=config,
            summary_set=list(summary.items()),
            meta={
                "state": row.get("state") or "finished",
                "runtime": _number(row.get("runtime")),
                "last_step": last_step,
                **{k: v for k, v in create.items() if k != "created_at"},
            },
            metadata={
                "source": "runyard-export",
                "runyard_export": {
                    "source": source,
                    "fingerprint": fingerprint,
                },
            },
        )
    )
    report.imported.append(label)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0
