"""A project's runs as tables: the runs table and their histories, to Parquet or CSV.

The runs table has one row per run: ``id``, ``name``, ``state``, ``group``,
``job_type``, ``tags``, ``notes``, ``created_at`` (unix seconds), ``runtime``, then
``config.<path>`` and ``summary.<path>`` columns (nested dicts flattened with dots).

Histories come in two shapes:

- ``long``: ``(run_id, step, key, value, value_json)``, one row per logged point;
  ``value`` holds numbers (float64), ``value_json`` everything else (strings, media
  references, histograms) as JSON.
- ``wide``: one row per ``(run_id, step)`` with a column per key.

A column whose values are not all numbers, all booleans or all strings holds their
JSON text (so a Parquet column has one type, and CSV cells stay readable): mixed or
nested config values and media summaries come out as JSON. In long histories an int
also carries its exact JSON in ``value_json`` (``value`` is float64).

``export.json`` beside the tables says what they hold (``runyard-export/1``: the
source project, the files, the history shape and what each column holds), so
``runyard import export DIR`` (:mod:`runyard.importers.export`) can rebuild the runs
exactly: export, then import, gives the same config, summary and history.

Needs pyarrow (``pip install 'runyard[tables]'``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from runyard.public_api.run import Run, flatten_for_frame

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]  # no stubs

    from runyard.public_api.api import Api

__all__ = [
    "FORMATS",
    "HISTORY_SHAPES",
    "MANIFEST",
    "MANIFEST_FORMAT",
    "ExportResult",
    "export_project",
    "history_long",
    "history_wide",
    "runs_table",
]

FORMATS = ("parquet", "csv")
HISTORY_SHAPES = ("long", "wide", "none")
Format = Literal["parquet", "csv"]
Shape = Literal["long", "wide", "none"]


@dataclass
class ExportResult:
    """What an export wrote: the files, and how many runs and history points."""

    files: list[Path] = field(default_factory=list)
    runs: int = 0
    points: int = 0


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.csv  # type: ignore[import-untyped]
        import pyarrow.parquet  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - pyarrow is a dev dependency
        raise ImportError("export needs pyarrow: pip install 'runyard[tables]'") from exc
    return pyarrow


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, allow_nan=True)


def column_values(values: Sequence[Any]) -> list[Any]:
    """``values`` as one typed column: numbers (ints stay ints when all are), booleans or
    strings as they are, anything else (or a mix) as JSON text; ``None`` stays missing."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return list(values)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            return list(values)
        return [None if v is None else float(v) for v in values]
    if all(isinstance(v, str) for v in present):
        return list(values)
    return [None if v is None else _json(v) for v in values]


def _table(columns: Mapping[str, Sequence[Any]], kinds: dict[str, str] | None = None) -> pa.Table:
    """The columns as one typed table; what each column holds goes into ``kinds``
    (see :func:`column_kind`)."""
    pa = _pyarrow()
    arrays = {}
    for name, values in columns.items():
        cleaned = column_values(values)
        if kinds is not None:
            kinds[name] = column_kind(values)
        present = [v for v in cleaned if v is not None]
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in present)
        if present and ints and any(abs(v) >= 2**63 for v in present):
            cleaned = [None if v is None else str(v) for v in cleaned]
        arrays[name] = pa.array(cleaned) if present else pa.nulls(len(cleaned), pa.float64())
    return pa.table(arrays)


def column_kind(values: Sequence[Any]) -> str:
    """What :func:`column_values` makes of ``values``: ``"bool"``, ``"int"``, ``"float"``,
    ``"string"`` or ``"json"`` (JSON text), ``"null"`` when nothing is there. Export
    records it, so an import reads CSV cells back as what they were."""
    present = [v for v in values if v is not None]
    if not present:
        return "null"
    if all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "int" if all(isinstance(v, int) for v in present) else "float"
    if all(isinstance(v, str) for v in present):
        return "string"
    return "json"


def _run_row(run: Run) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": run.id,
        "name": run.name,
        "state": run.state,
        "group": run.group,
        "job_type": run.job_type,
        "tags": _json(list(run.tags)),
        "notes": run.notes,
        "created_at": run.record.created_at,
        "runtime": run.record.runtime,
    }
    row.update(flatten_for_frame(run.config, "config"))
    row.update(flatten_for_frame(run.summary.as_dict(), "summary"))
    return row


def runs_table(runs: Iterable[Run], kinds: dict[str, str] | None = None) -> pa.Table:
    """One row per run (see the module docstring); ``tags`` is a JSON list."""
    rows = [_run_row(run) for run in runs]
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return _table({name: [row.get(name) for row in rows] for name in names}, kinds)


def _history_columns(run: Run) -> dict[str, tuple[np.ndarray, list[Any]]]:
    """Every history key of ``run`` as ``key -> (steps, values)``, in step order, read
    column by column from the store (numeric series as numpy, the rest as values)."""
    store = run._api.store
    keys = [k for k in store.history_keys(run.ref) if k != "_step"]
    out: dict[str, tuple[np.ndarray, list[Any]]] = {}
    others = store.read_values(run.ref, keys, 0, None)
    for key in keys:
        series = store.read_series(run.ref, key)
        steps: list[np.ndarray] = []
        values: list[Any] = []
        if len(series):
            steps.append(np.asarray(series.steps, dtype=np.int64))
            values.extend(series.values.tolist())
        pairs = others.get(key, [])
        if pairs:
            steps.append(np.fromiter((s for s, _ in pairs), np.int64, len(pairs)))
            values.extend(v for _, v in pairs)
        if not steps:
            continue
        all_steps = np.concatenate(steps)
        order = np.argsort(all_steps, kind="stable")
        out[key] = (all_steps[order], [values[i] for i in order.tolist()])
    return out


def history_long(run: Run) -> pa.Table:
    """``(run_id, step, key, value, value_json)`` rows of one run, by key then step."""
    pa = _pyarrow()
    run_ids: list[str] = []
    steps: list[np.ndarray] = []
    keys: list[str] = []
    numbers: list[float | None] = []
    texts: list[str | None] = []
    for key, (key_steps, values) in _history_columns(run).items():
        steps.append(key_steps)
        run_ids.extend([run.id] * len(values))
        keys.extend([key] * len(values))
        for value in values:
            if isinstance(value, float):
                numbers.append(value)
                texts.append(None)
            elif isinstance(value, int) and not isinstance(value, bool):
                numbers.append(float(value))
                texts.append(str(value))  # the exact int
            else:
                numbers.append(None)
                texts.append(_json(value))
    return pa.table(
        {
            "run_id": pa.array(run_ids, pa.string()),
            "step": pa.array(np.concatenate(steps) if steps else [], pa.int64()),
            "key": pa.array(keys, pa.string()),
            "value": pa.array(numbers, pa.float64()),
            "value_json": pa.array(texts, pa.string()),
        }
    )


def wide_rows(run: Run) -> list[dict[str, Any]]:
    """One dict per step of ``run``: ``run_id``, ``_step`` and every key logged there."""
    rows: dict[int, dict[str, Any]] = {}
    for key, (steps, values) in _history_columns(run).items():
        for step, value in zip(steps.tolist(), values, strict=True):
            row = rows.get(step)
            if row is None:
                row = rows[step] = {"run_id": run.id, "_step": step}
            row[key] = value
    return [rows[s] for s in sorted(rows)]


def history_wide(runs: Iterable[Run], kinds: dict[str, str] | None = None) -> pa.Table:
    """One row per ``(run_id, _step)`` of every run, a column per key (sorted)."""
    rows = [row for run in runs for row in wide_rows(run)]
    keys = sorted({k for row in rows for k in row} - {"run_id", "_step"})
    names = ["run_id", "_step", *keys]
    return _table({name: [row.get(name) for row in rows] for name in names}, kinds)


def _write(table: pa.Table, path: Path, fmt: Format) -> None:
    pa = _pyarrow()
    if fmt == "parquet":
        pa.parquet.write_table(table, path)
    else:
        pa.csv.write_csv(table, path)


def _runs(api: Api, path: str, filters: Mapping[str, Any] | None) -> Iterator[Run]:
    yield from api.runs(path, filters=filters)


def export_project(
    api: Api,
    path: str,
    out_dir: Path,
    fmt: Format = "parquet",
    filters: Mapping[str, Any] | None = None,
    history: Shape = "long",
    progress: Callable[[str], None] | None = None,
) -> ExportResult:
    """Write ``runs.<fmt>`` and (unless ``history="none"``) ``history.<fmt>`` of the
    runs of ``path`` (``entity/project``) matching ``filters`` into ``out_dir``.

    Example:
        >>> export_project(runyard.Api(), "me/mnist", Path("out"), "csv")  # doctest: +SKIP
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected one of {FORMATS}")
    if history not in HISTORY_SHAPES:
        raise ValueError(f"unknown history shape {history!r}: expected one of {HISTORY_SHAPES}")
    pa = _pyarrow()
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = list(_runs(api, path, filters))
    result = ExportResult(runs=len(runs))
    runs_path = out_dir / f"runs.{fmt}"
    kinds: dict[str, dict[str, str]] = {"runs": {}, "history": {}}
    _write(runs_table(runs, kinds["runs"]), runs_path, fmt)
    result.files.append(runs_path)
    manifest = {
        "format": MANIFEST_FORMAT,
        "source": path,
        "runs": runs_path.name,
        "history": None,
        "history_shape": history,
        "columns": kinds,
    }
    if history == "none":
        _write_manifest(out_dir, manifest, result)
        return result
    history_path = out_dir / f"history.{fmt}"
    manifest["history"] = history_path.name
    if history == "wide":
        table = history_wide(runs, kinds["history"])
        result.points = sum(
            len(table) - table.column(name).null_count
            for name in table.column_names
            if name not in ("run_id", "_step")
        )
        _write(table, history_path, fmt)
    else:
        kinds["history"] = {
            "run_id": "string",
            "step": "int",
            "key": "string",
            "value": "float",
            "value_json": "json",
        }
        # Streamed run by run: the long table's schema is fixed, so a project's history
        # never has to fit in memory at once.
        writer: Any = None
        try:
            for number, run in enumerate(runs, 1):
                table = history_long(run)
                result.points += len(table)
                if writer is None:
                    writer = (
                        pa.parquet.ParquetWriter(history_path, table.schema)
                        if fmt == "parquet"
                        else pa.csv.CSVWriter(history_path, table.schema)
                    )
                writer.write_table(table)
                if progress is not None:
                    progress(f"[{number}/{len(runs)}] {run.id}: {len(table)} points")
            if writer is None:
                _write(history_long_empty(), history_path, fmt)
        finally:
            if writer is not None:
                writer.close()
    result.files.append(history_path)
    _write_manifest(out_dir, manifest, result)
    return result


#: What ``export.json`` says it describes (see the module docstring).
MANIFEST_FORMAT = "runyard-export/1"
MANIFEST = "export.json"


def _write_manifest(out_dir: Path, manifest: dict[str, Any], result: ExportResult) -> None:
    path = out_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    result.files.append(path)


def history_long_empty() -> pa.Table:
    pa = _pyarrow()
    return pa.table(
        {
            "run_id": pa.array([], pa.string()),
            "step": pa.array([], pa.int64()),
            "key": pa.array([], pa.string()),
            "value": pa.array([], pa.float64()),
            "value_json": pa.array([], pa.string()),
        }
    )
