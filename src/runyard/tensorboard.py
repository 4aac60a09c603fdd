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

TensorFlow's own writer (``tf.summary.create_file_writer``, which the Keras
``TensorBoard`` callback uses) writes from C++: its writer-creating op is wrapped to
learn each log directory and a watcher thread tails the event files
(:mod:`runyard.tensorboard_watch`), with the same conversion and the same merge. The
op is wrapped when TensorFlow is imported (now, or later through an import hook:
``patch`` never imports TensorFlow itself).
Nothing here raises into the training loop: a failure is warned about once.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import runyard
from runyard.printer import warn_once

if TYPE_CHECKING:
    from runyard.importers.tensorboard import EventValue
    from runyard.tensorboard_watch import Watcher

__all__ = ["patch", "unpatch"]

#: (module, class) of the writers whose ``add_event`` is wrapped.
WRITERS = (
    ("tensorboard.summary.writer.event_file_writer", "EventFileWriter"),
    ("tensorboardX.event_file_writer", "EventFileWriter"),
)

_patched: list[tuple[Any, str, Any]] = []  # (owner, attribute, original)
_lock = threading.Lock()
#: The TF watcher of the current patch (None when not patched).
_watcher: Watcher | None = None
_finder: _TensorFlowHook | None = None


class _Mirror:
    """Per-process state: tag plugins per log directory, namespaces, the open step."""

    def __init__(self, root_logdir: str) -> None:
        self.root_logdir = root_logdir
        self.plugins: dict[str, dict[str, str]] = {}
        self.namespaces: dict[str, str] = {}
        self.run_id: str | None = None
        self.step = -1
        #: Held while an event is logged: the training thread (torch, tensorboardX) and
        #: the TF watcher thread both log, and the run's journal takes no lock itself.
        self.lock = threading.RLock()

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
        from tensorboard.compat.proto import event_pb2

        if not isinstance(event, event_pb2.Event):  # tensorboardX's own proto classes
            event = event_pb2.Event.FromString(event.SerializeToString())
        logdir = os.path.abspath(str(writer.get_logdir()))
        from runyard.importers.tensorboard import event_values

        with self.lock:
            values = list(event_values(event, self.plugins.setdefault(logdir, {})))
            self.log(run, logdir, int(event.step), float(event.wall_time), values)

    def log(
        self, run: Any, logdir: str, step: int, wall_time: float, values: list[EventValue]
    ) -> None:
        """Log the converted values of one event of ``logdir`` (under :attr:`lock`)."""
        if run.id != self.run_id:  # a new run: its own steps
            self.run_id, self.step = run.id, -1
        namespace = self.namespace(logdir)
        row: dict[str, Any] = {}
        for item in values:
            if item.kind == "hparams":
                run.config.update(item.value, allow_val_change=True)
                continue
            key = f"{namespace}/{item.tag}" if namespace else item.tag
            row[key] = _loggable(item.kind, item.value)
        if not row or step < 0:
            return
        if step != self.step:
            row["_timestamp"] = wall_time
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
    global _watcher, _finder
    with _lock:
        if _patched or _watcher is not None:
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
            _patched.append((cls, "add_event", original))
        from runyard.tensorboard_watch import TF_OPS_MODULE, Watcher

        _watcher = Watcher(mirror)
        ops = sys.modules.get(TF_OPS_MODULE)
        if ops is not None:
            _patch_tensorflow(ops)
        else:
            _finder = _TensorFlowHook(TF_OPS_MODULE)
            sys.meta_path.insert(0, _finder)


def _patch_tensorflow(ops: ModuleType) -> None:
    """Wrap TF's ops that create and close file writers (see
    :mod:`runyard.tensorboard_watch`)."""
    from runyard.tensorboard_watch import wrap_close_op, wrap_create_op

    watcher = _watcher
    if watcher is None:
        return
    for name, wrap in (
        ("create_summary_file_writer", wrap_create_op),
        ("close_summary_writer", wrap_close_op),
    ):
        original = getattr(ops, name, None)
        if original is not None:
            setattr(ops, name, wrap(original, watcher))
            _patched.append((ops, name, original))


class _TensorFlowHook(importlib.abc.MetaPathFinder):
    """Wraps TF's op once TensorFlow imports its module (``patch`` must not import
    TensorFlow: seconds, and a script may never use it)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec: importlib.machinery.ModuleSpec | None = (
                find(fullname, path, target) if find is not None else None
            )
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            with _lock:
                try:
                    _patch_tensorflow(module)
                except Exception as exc:
                    warn_once("tb-watch-patch", f"TensorFlow writers are not mirrored: {exc!r}")

        loader.exec_module = exec_and_patch  # type: ignore[method-assign, union-attr]
        return spec


def run_started(run: Any) -> None:
    """``init`` made ``run``: mirror the TF writers made before it into it."""
    watcher = _watcher
    if watcher is not None and watcher.has_logdirs():
        try:
            watcher.attach(run)
        except Exception as exc:
            warn_once("tb-watch-attach", f"TensorFlow writers are not mirrored: {exc!r}")


def unpatch() -> None:
    """Undo :func:`patch` (a run the TF watcher mirrors into keeps it until it ends)."""
    global _watcher, _finder
    with _lock:
        for owner, name, original in reversed(_patched):
            setattr(owner, name, original)
        _patched.clear()
        if _finder is not None and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
        _finder = None
        _watcher = None


def is_patched() -> bool:
    return bool(_patched) or _watcher is not None
