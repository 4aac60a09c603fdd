"""Live TensorBoard sync: what ``SummaryWriter``\\ s write is also logged into the run.

``runyard.init(sync_tensorboard=True)`` (or ``runyard.tensorboard.patch()`` before
``init``, as wandb's) wraps ``add_event`` of the event-file writers of TensorBoard
(which ``torch.utils.tensorboard`` uses) and tensorboardX: each event is written to
its file as before, then converted as ``runyard import tensorboard`` converts it
(:func:`runyard.importers.tensorboard.event_values`) and logged into the current run,
so a live run holds what importing its log directory afterwards would give:

- the event's step is the run's step (values at one step merge into one row; its
  ``_timestamp`` is the wall time of the step's first event); an event for a step
  the run has passed is dropped with a warning, as ``run.log`` drops it;
- scalars, histograms, images (the encoded files as written), text; hparams update
  the config;
- a second log directory (e.g. ``train`` and ``validation`` writers) namespaces its
  tags with its path relative to ``root_logdir`` (default: the first log directory's
  parent), as wandb does.

TensorFlow's own writer (``tf.summary.create_file_writer``) writes from C++ and is
not mirrored live: import its log directory with ``runyard import tensorboard``.
Nothing here raises into the training loop: a failure is warned about once.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import threading
from typing import Any

import runyard
from runyard.printer import warn_once

__all__ = ["patch", "unpatch"]

#: (module, class) of the writers whose ``add_event`` is wrapped.
WRITERS = (
    ("tensorboard.summary.writer.event_file_writer", "EventFileWriter"),
    ("tensorboardX.event_file_writer", "EventFileWriter"),
)

_patched: list[tuple[type, Any]] = []
_lock = threading.Lock()


class _Mirror:
    """Per-process state: tag plugins per log directory, namespaces, the open step."""

    def __init__(self, root_logdir: str) -> None:
        self.root_logdir = root_logdir
        self.plugins: dict[str, dict[str, str]] = {}
        self.namespaces: dict[str, str] = {}
        self.run_id: str | None = None
        self.step = -1

    def namespace(self, logdir: str) -> str:
        found = self.namespaces.get(logdir)
        if found is None:
            root = self.root_logdir
            if not root and self.namespaces:
                root = os.path.dirname(next(iter(self.namespaces)))
            rel = os.path.relpath(logdir, root) if root else "."
            found = self.namespaces[logdir] = "" if rel == "." else rel.replace(os.sep, "/")
        return found

    def mirror(self, writer: Any, event: Any) -> None:
        run = runyard.run
        if run is None or not event.HasField("summary"):
            return
        if run.id != self.run_id:  # a new run: its own steps
            self.run_id, self.step = run.id, -1
        from tensorboard.compat.proto import event_pb2

        if not isinstance(event, event_pb2.Event):  # tensorboardX's own proto classes
            event = event_pb2.Event.FromString(event.SerializeToString())
        logdir = os.path.abspath(str(writer.get_logdir()))
        namespace = self.namespace(logdir)
        plugins = self.plugins.setdefault(logdir, {})
        from runyard.importers.tensorboard import event_values

        row: dict[str, Any] = {}
        for item in event_values(event, plugins):
            if item.kind == "hparams":
                run.config.update(item.value, allow_val_change=True)
                continue
            key = f"{namespace}/{item.tag}" if namespace else item.tag
            row[key] = _loggable(item.kind, item.value)
        step = int(event.step)
        if not row or step < 0:
            return
        if step != self.step:
            row["_timestamp"] = float(event.wall_time)
            self.step = max(self.step, step)
        run.log(row, step=step, commit=False)


def _loggable(kind: str, value: Any) -> Any:
    """An event value as ``run.log`` takes it. A histogram goes as its logged value (a
    dict with ``_type``), TensorBoard's buckets as they are (``runyard.Histogram``
    refuses more than 512 of them)."""
    if kind == "images":
        images = value[2]
        return [_image(data) for data in images] if len(images) > 1 else _image(images[0])
    return value


def _image(data: bytes) -> Any:
    """A ``runyard.Image`` of the encoded file as written (read from a path, an image
    is stored byte for byte, so it is the file an import stores)."""
    from runyard.importers.tensorboard import image_format

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"image.{image_format(data)}")
        with open(path, "wb") as f:
            f.write(data)
        return runyard.Image(path)


def patch(
    save: bool = True,
    tensorboard_x: bool | None = None,
    pytorch: bool | None = None,
    root_logdir: str = "",
) -> None:
    """Mirror TensorBoard writers into the current run (wandb's
    ``wandb.tensorboard.patch``; ``save``, ``tensorboard_x`` and ``pytorch`` are
    accepted and have no effect: every writer found is mirrored, event files are
    not copied into the run).

    Raises:
        ValueError: already patched (call :func:`unpatch` first).
        ImportError: the ``tensorboard`` package is not installed.
    """
    with _lock:
        if _patched:
            raise ValueError(
                "Tensorboard already patched. Call `runyard.tensorboard.unpatch()` first; "
                "remove `sync_tensorboard=True` from `runyard.init`; or only call "
                "`runyard.tensorboard.patch` once."
            )
        try:
            importlib.import_module("tensorboard")
        except ImportError as exc:
            raise ImportError(
                "sync_tensorboard needs the tensorboard package: pip install 'runyard[import]'"
            ) from exc
        mirror = _Mirror(os.path.abspath(root_logdir) if root_logdir else "")
        for module_name, class_name in WRITERS:
            try:
                cls = getattr(importlib.import_module(module_name), class_name)
            except ImportError:
                continue
            original = cls.add_event

            def add_event(self: Any, event: Any, _original: Any = original) -> Any:
                result = _original(self, event)
                try:
                    mirror.mirror(self, event)
                except Exception as exc:  # never into the training loop
                    warn_once(
                        "tensorboard-mirror",
                        f"a TensorBoard event could not be logged into the run: {exc!r}",
                    )
                return result

            cls.add_event = add_event
            _patched.append((cls, original))


def unpatch() -> None:
    """Undo :func:`patch`."""
    with _lock:
        for cls, original in _patched:
            cls.add_event = original  # type: ignore[attr-defined]
        _patched.clear()


def is_patched() -> bool:
    return bool(_patched)
