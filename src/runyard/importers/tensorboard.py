"""TensorBoard event files into runs: one run per log directory.

Read with TensorBoard's own event reader
(``tensorboard.backend.event_processing.event_file_loader``; legacy ``histo``/``image``
summaries brought to today's tensor form by its ``data_compat``), so files written by
``torch.utils.tensorboard``, tensorboardX and TensorFlow read alike. What becomes of
each summary, by its plugin:

- ``scalars`` → a history key (the tag) at the event's step;
- ``histograms`` → a ``histogram`` value (``bins`` = bucket edges, ``values`` = counts);
- ``images`` → ``image-file`` values (one image) or ``images/separated`` (several),
  the encoded files stored as they are;
- ``text`` → the string (a text tensor of several strings: a list of them); torch
  names the tag ``<tag>/text_summary``, and it is kept so;
- ``hparams`` → the run's config (``session_start_info.hparams``);
- anything else (audio, PR curves, graphs, meshes, …) is skipped and reported.

Each row's ``_timestamp`` is the wall time of the first event at its step, ``_runtime``
the seconds since the run's first event. The run's id is derived from the log
directory's absolute path, so importing a directory twice finds the same run; its
event files' names and sizes are kept in the run's metadata, and a run whose files
have not changed since is left alone. A directory whose files grew is imported again:
history is keyed by ``(run, key, step)``, so this adds only what is new.

The conversion of one event (:func:`event_values`) is shared with the live mirror
(:mod:`runyard.tensorboard`).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from runyard.blobs.base import BlobStore
from runyard.entities import RunRef
from runyard.importers.report import ImportReport
from runyard.store.base import RunBatch, TrackingStore

__all__ = [
    "EventValue",
    "LogDir",
    "TensorBoardRun",
    "event_values",
    "find_logdirs",
    "import_tensorboard",
    "read_logdir",
    "run_id_for",
]

Kind = Literal["scalar", "histogram", "images", "text", "hparams"]
#: Points per history batch written to the store.
BATCH_POINTS = 200_000


@dataclass(frozen=True)
class EventValue:
    """One summary value of an event, converted: ``kind`` says what ``value`` holds
    (a float; a histogram dict; ``(width, height, [encoded images])``; a string or
    list of strings; a config dict)."""

    tag: str
    kind: Kind
    value: Any


def _require_tensorboard() -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "reading TensorBoard event files needs the tensorboard package: "
            "pip install 'runyard[import]'"
        ) from exc


def _ndarray(tensor: Any) -> np.ndarray:
    from tensorboard.util import tensor_util

    return np.asarray(tensor_util.make_ndarray(tensor))


def _scalar(tensor: Any) -> float:
    # The common cases without building an ndarray (a million points add up).
    if len(tensor.float_val) == 1:
        return float(tensor.float_val[0])
    if len(tensor.double_val) == 1:
        return float(tensor.double_val[0])
    return float(_ndarray(tensor).reshape(-1)[0])


def _hparams(content: bytes) -> dict[str, Any] | None:
    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    if not data.HasField("session_start_info"):
        return None
    config: dict[str, Any] = {}
    for name, value in data.session_start_info.hparams.items():
        kind = value.WhichOneof("kind")
        if kind == "number_value":
            number = value.number_value
            config[name] = int(number) if number.is_integer() and abs(number) < 2**53 else number
        elif kind == "string_value":
            config[name] = value.string_value
        elif kind == "bool_value":
            config[name] = value.bool_value
        elif kind is not None:
            config[name] = None
    return config


def event_values(
    event: Any, plugins: dict[str, str], skip: Callable[[str], None] | None = None
) -> Iterator[EventValue]:
    """The summary values of one ``Event`` proto as written, converted (legacy
    ``simple_value`` scalars read as they are, other legacy summaries brought to their
    tensor form by TensorBoard's ``data_compat``).

    ``plugins`` maps each tag to its plugin name; TensorFlow 2 writes a tag's metadata
    with its first value only, so the caller keeps one map per log directory. Values
    of plugins Runyard does not import go to ``skip`` as a reason.
    """
    if not event.HasField("summary"):
        return
    for value in event.summary.value:
        tag = value.tag
        legacy = value.WhichOneof("value")
        if legacy == "simple_value":  # torch's and tensorboardX's add_scalar: as it is
            plugins.setdefault(tag, "scalars")
            yield EventValue(tag, "scalar", float(value.simple_value))
            continue
        if legacy in ("histo", "image", "audio"):  # to today's tensor form
            from tensorboard import data_compat

            value = data_compat.migrate_value(value)
        plugin = value.metadata.plugin_data.plugin_name if value.HasField("metadata") else ""
        if plugin:
            plugins.setdefault(tag, plugin)
        else:
            plugin = plugins.get(tag, "")
        kind = value.WhichOneof("value")
        if plugin == "scalars" and kind == "tensor":
            yield EventValue(tag, "scalar", _scalar(value.tensor))
        elif plugin == "histograms" and kind == "tensor":
            buckets = _ndarray(value.tensor).astype(np.float64).reshape(-1, 3)
            if len(buckets) == 0:
                if skip is not None:
                    skip(f"empty histogram {tag!r}")
                continue
            bins = [*buckets[:, 0].tolist(), float(buckets[-1, 1])]
            counts = buckets[:, 2].tolist()
            yield EventValue(
                tag,
                "histogram",
                {"_type": "histogram", "values": [_int_if_whole(c) for c in counts], "bins": bins},
            )
        elif plugin == "images" and kind == "tensor":
            strings = list(value.tensor.string_val)
            if len(strings) < 3:
                if skip is not None:
                    skip(f"image {tag!r} without pictures")
                continue
            width, height = int(strings[0]), int(strings[1])
            yield EventValue(tag, "images", (width, height, strings[2:]))
        elif plugin == "text" and kind == "tensor":
            texts = _ndarray(value.tensor)
            decoded = [_text(t) for t in texts.reshape(-1).tolist()]
            # One string (TensorFlow's scalar, torch's one-element vector) is a string.
            yield EventValue(tag, "text", decoded[0] if len(decoded) == 1 else decoded)
        elif plugin == "hparams":
            config = _hparams(value.metadata.plugin_data.content)
            if config is not None:
                yield EventValue(tag, "hparams", config)
        elif skip is not None:
            skip(f"tag {tag!r} of plugin {plugin or kind!r}: not imported")


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _int_if_whole(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def image_format(data: bytes) -> str:
    """``png``/``jpg``/``gif``/``bmp`` by the file's magic bytes (TensorBoard stores PNG)."""
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data.startswith(b"GIF8"):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    return "png"


# -- finding and reading log directories -----------------------------------------


@dataclass(frozen=True)
class LogDir:
    """A directory holding event files: ``name`` is its path below the searched root."""

    path: Path
    name: str
    files: tuple[Path, ...]

    def fingerprint(self) -> dict[str, int]:
        return {f.name: f.stat().st_size for f in self.files}


def _is_event_file(name: str) -> bool:
    return "tfevents" in name and not name.endswith((".tmp", ".crc"))


def find_logdirs(paths: Iterable[Path]) -> list[LogDir]:
    """Every directory under ``paths`` holding event files (``*tfevents*``), sorted."""
    found: dict[Path, LogDir] = {}
    for root in paths:
        root = Path(root).resolve()
        if not root.exists():
            raise FileNotFoundError(f"no such log directory: {str(root)!r}")
        if root.is_file():
            walk: Iterable[tuple[str, list[str], list[str]]] = [(str(root.parent), [], [root.name])]
            base = root.parent
        else:
            walk = os.walk(root)
            base = root
        for folder, _dirs, names in walk:
            events = sorted(Path(folder) / n for n in names if _is_event_file(n))
            if not events:
                continue
            path = Path(folder)
            rel = path.relative_to(base).as_posix()
            name = base.name if rel == "." else f"{base.name}/{rel}"
            found.setdefault(path, LogDir(path, name, tuple(events)))
    return [found[p] for p in sorted(found)]


def run_id_for(logdir: Path) -> str:
    """The run id of a log directory: from its absolute path, so a second import of the
    same directory finds the run the first one made."""
    return "tb-" + hashlib.sha256(str(logdir.resolve()).encode()).hexdigest()[:16]


@dataclass
class TensorBoardRun:
    """A log directory read into columns: ``key -> {step: value}``, wall times per step."""

    config: dict[str, Any] = field(default_factory=dict)
    scalars: dict[str, dict[int, float]] = field(default_factory=dict)
    values: dict[str, dict[int, Any]] = field(default_factory=dict)
    wall_times: dict[int, float] = field(default_factory=dict)
    points: int = 0


def read_logdir(
    logdir: LogDir,
    store_image: Callable[[bytes], dict[str, Any]],
    skip: Callable[[str], None],
    progress: Callable[[int], None] | None = None,
) -> TensorBoardRun:
    """Read every event file of ``logdir`` (in name order: the order they were written).

    ``store_image`` stores one encoded image and returns its ``image-file`` value
    (without width/height, which this adds). A value logged twice at a step keeps the
    last one written, as TensorBoard shows.
    """
    _require_tensorboard()
    # The raw events: converting every legacy scalar to a tensor proto (what
    # EventFileLoader does) costs four times the reading; event_values reads them as
    # they are and migrates only the other legacy summaries.
    from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

    out = TensorBoardRun()
    plugins: dict[str, str] = {}
    events = 0
    for path in logdir.files:
        for event in LegacyEventFileLoader(str(path)).Load():
            events += 1
            if progress is not None and events % 100_000 == 0:
                progress(events)
            step = int(event.step)
            for item in event_values(event, plugins, skip):
                if item.kind == "hparams":
                    out.config.update(item.value)
                    continue
                if step < 0:
                    skip(f"points of {item.tag!r} at negative steps")
                    continue
                out.wall_times.setdefault(step, float(event.wall_time))
                out.points += 1
                if item.kind == "scalar":
                    out.scalars.setdefault(item.tag, {})[step] = item.value
                    continue
                value = item.value
                if item.kind == "images":
                    width, height, images = item.value
                    value = images_value(width, height, images, store_image)
                out.values.setdefault(item.tag, {})[step] = value
    return out


def images_value(
    width: int,
    height: int,
    images: Sequence[bytes],
    store_image: Callable[[bytes], dict[str, Any]],
) -> dict[str, Any]:
    """One image as ``image-file``, several as wandb's ``images/separated``."""
    stored = []
    for data in images:
        value: dict[str, Any] = {"_type": "image-file", "format": image_format(data)}
        value.update(width=width, height=height)
        value.update(store_image(data))
        stored.append(value)
    if len(stored) == 1:
        return stored[0]
    return {
        "_type": "images/separated",
        "width": width,
        "height": height,
        "format": stored[0]["format"],
        "count": len(stored),
        "filenames": [v["path"] for v in stored],
    }


# -- writing runs ------------------------------------------------------------------


def _batches(ref: RunRef, data: TensorBoardRun) -> Iterator[RunBatch]:
    """History in batches of about :data:`BATCH_POINTS` points (key by key)."""
    steps = np.array(sorted(data.wall_times), dtype=np.int64)
    stamps = np.array([data.wall_times[int(s)] for s in steps], dtype=np.float64)
    start = float(stamps.min()) if len(stamps) else time.time()
    columns: list[tuple[str, Any, Any]] = [
        ("_timestamp", steps, stamps),
        ("_runtime", steps, stamps - start),
    ]
    for key, points in data.scalars.items():
        key_steps = np.array(sorted(points), dtype=np.int64)
        values = np.array([points[int(s)] for s in key_steps], dtype=np.float64)
        columns.append((key, key_steps, values))
    for key, points in data.values.items():
        ordered = sorted(points)
        columns.append((key, ordered, [points[s] for s in ordered]))
    batch = RunBatch(run=ref)
    size = 0
    for key, key_steps, values in columns:
        for lo in range(0, max(len(key_steps), 1), BATCH_POINTS):
            part_steps, part_values = (
                key_steps[lo : lo + BATCH_POINTS],
                values[lo : lo + BATCH_POINTS],
            )
            if not len(part_steps):
                continue
            if size and size + len(part_steps) > BATCH_POINTS:
                yield batch
                batch, size = RunBatch(run=ref), 0
            if isinstance(part_steps, np.ndarray):
                # numpy columns are allowed for scalars (see RunBatch.columns)
                batch.columns[key] = (part_steps, part_values)  # type: ignore[assignment]
            else:
                batch.columns[key] = (list(part_steps), list(part_values))
            size += len(part_steps)
    yield batch


def _summary(data: TensorBoardRun) -> list[tuple[tuple[str, ...], Any]]:
    """The last value of every key (wandb's default summary), with ``_step`` and times."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, points in [*data.scalars.items(), *data.values.items()]:
        out.append(((key,), points[max(points)]))
    if data.wall_times:
        last = max(data.wall_times)
        first = min(data.wall_times.values())
        out += [
            (("_step",), last),
            (("_timestamp",), data.wall_times[last]),
            (("_runtime",), data.wall_times[last] - first),
        ]
    return out


def import_logdir(
    store: TrackingStore,
    blobs: BlobStore,
    logdir: LogDir,
    entity: str,
    project: str,
    report: ImportReport,
    progress: Callable[[str], None] | None = None,
) -> RunRef:
    """Import one log directory as a run (or leave it when imported and unchanged)."""
    from runyard.data_types.media_file import store_media
    from runyard.data_types.sink import BlobSink

    ref = RunRef(entity, project, run_id_for(logdir.path))
    fingerprint = logdir.fingerprint()
    source = {"source": "tensorboard", "logdir": str(logdir.path), "files": fingerprint}
    existing = store.get_run(ref)
    if existing is not None and (existing.metadata or {}).get("files") == fingerprint:
        report.unchanged.append(logdir.name)
        return ref
    sink = BlobSink(blobs, ref)

    def store_image(data: bytes) -> dict[str, Any]:
        return store_media(sink, "images", data, f".{image_format(data)}")

    def skip(reason: str) -> None:
        report.skip(logdir.name, reason)

    def events_read(count: int) -> None:
        if progress is not None:
            progress(f"{logdir.name}: {count} events read")

    data = read_logdir(logdir, store_image, skip, events_read)
    times = data.wall_times.values()
    first = min(times) if times else time.time()
    last = max(times) if times else first
    create = {"display_name": logdir.name, "created_at": first}
    for number, batch in enumerate(_batches(ref, data)):
        if number == 0:
            batch.create = create
        store.write_batch(batch)
    store.write_batch(
        RunBatch(
            run=ref,
            create=create,
            config=data.config,
            summary_set=_summary(data),
            meta={
                "state": "finished",
                "runtime": last - first,
                "heartbeat_at": last,
                "last_step": max(data.wall_times) if data.wall_times else -1,
            },
            metadata=source,
        )
    )
    report.imported.append(logdir.name)
    report.points += data.points
    return ref


def import_tensorboard(
    store: TrackingStore,
    blobs: BlobStore,
    paths: Sequence[Path],
    entity: str,
    project: str,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import every log directory found under ``paths`` into ``entity/project``.

    Example:
        >>> api = runyard.Api()  # doctest: +SKIP
        >>> import_tensorboard(api.store, api.blobs, [Path("runs")], "me", "tb")  # doctest: +SKIP
    """
    _require_tensorboard()
    report = ImportReport()
    logdirs = find_logdirs(paths)
    if not logdirs:
        report.skip(", ".join(str(p) for p in paths), "no TensorBoard event files found")
    for number, logdir in enumerate(logdirs, 1):
        if progress is not None:
            progress(f"[{number}/{len(logdirs)}] {logdir.name} ({len(logdir.files)} event files)")
        import_logdir(store, blobs, logdir, entity, project, report, progress)
    return report
