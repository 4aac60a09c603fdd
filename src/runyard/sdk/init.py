"""`init()`: start a run, and the process-wide bookkeeping of active runs.

The default path costs no database work: ``init`` writes the run's START record to
a fresh journal and starts the writer thread, which opens the store (and imports
SQLAlchemy) in the background. Only when the run may already exist (``id=``,
``resume``, ``resume_from``, ``fork_from``) does ``init`` read the store first.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from runyard.entities import (
    RunRecord,
    RunRef,
    check_entity_name,
    check_project_name,
    check_run_id,
)
from runyard.errors import CommError, UsageError
from runyard.journal.frames import JournalWriter
from runyard.journal.records import Rec, new_journal_id
from runyard.names import random_words
from runyard.printer import set_silent, termlog, warn_once
from runyard.sdk.config import config_items
from runyard.sdk.disabled import DisabledRun
from runyard.sdk.plain import encode_plain
from runyard.sdk.run import Run
from runyard.sdk.signals import start_leaving_signals
from runyard.sdk.writer import SEAL_LATER_POINTS, Writer
from runyard.settings import Settings, display_uri

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore
    from runyard.store.base import TrackingStore

__all__ = [
    "attach",
    "attach_id",
    "current_run",
    "forget_run",
    "init",
    "validate_run_id",
    "validate_tags",
]

_MODES = {
    "online": "online",
    "run": "online",
    "shared": "online",
    "offline": "offline",
    "dryrun": "offline",
    "disabled": "disabled",
}
_RESUME = {"allow", "must", "never", "auto"}
_REINIT = {"default", "return_previous", "finish_previous", "create_new"}
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

_lock = threading.RLock()
_current: Run | None = None
_disabled: DisabledRun | None = None
_active: list[Run] = []
_hooks_installed = False
_exit_state: dict[str, Any] = {"state": None, "code": None}


def current_run() -> Run | DisabledRun | None:
    """The run ``runyard.run`` names: the current run, else a disabled one (as wandb,
    whose ``init(mode="disabled")`` also sets ``wandb.run`` so integrations work)."""
    return _current if _current is not None else _disabled


def _forget_disabled(run: DisabledRun) -> None:
    global _disabled
    with _lock:
        if _disabled is run:
            _disabled = None


def forget_run(run: Run, finished: bool = False) -> None:
    """Called by ``Run.finish``: the run is no longer active."""
    global _current
    with _lock:
        if run in _active:
            _active.remove(run)
        if _current is run:
            _current = None
    if finished and run._auto_resume:
        # resume="auto" continues only a run that did not finish.
        path = _auto_file(run.settings, run.ref)
        try:
            if path.read_text().strip() == run.id:
                path.unlink()
        except OSError:
            pass


def generate_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def validate_run_id(run_id: Any) -> str:
    """``run_id`` if valid (see :func:`runyard.entities.check_run_id`), else ``UsageError``."""
    try:
        return check_run_id(run_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _validate_name(kind: str, value: Any) -> str:
    try:
        return check_entity_name(value) if kind == "entity" else check_project_name(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def validate_tags(tags: Any) -> list[str]:
    """Tags as a list of strings; a single string is one tag (wandb would split it)."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = [tags]
    out: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag or len(tag) > 64:
            raise ValueError(
                f"each tag must be a non-empty string of at most 64 characters, got {tag!r}"
            )
        if tag not in out:
            out.append(tag)
    return out


def _parse_step_ref(arg: str, value: Any, default: RunRef) -> tuple[RunRef, int]:
    """``"run_id?_step=N"`` (optionally ``entity/project/run_id?_step=N``)."""
    if not isinstance(value, str) or "?_step=" not in value:
        raise ValueError(f"{arg} must look like 'run_id?_step=N', got {value!r}")
    path, _, step_text = value.partition("?_step=")
    try:
        step = int(step_text)
    except ValueError:
        raise ValueError(f"{arg}: _step must be an integer, got {value!r}") from None
    if step < 0:
        raise ValueError(f"{arg}: _step must not be negative, got {value!r}")
    parts = path.split("/")
    if len(parts) == 1:
        ref = RunRef(default.entity, default.project, validate_run_id(parts[0]))
    elif len(parts) == 2:
        ref = RunRef(default.entity, parts[0], validate_run_id(parts[1]))
    elif len(parts) == 3:
        ref = RunRef(parts[0], parts[1], validate_run_id(parts[2]))
    else:
        raise ValueError(f"{arg}: invalid run path in {value!r}")
    return ref, step


def _choice(arg: str, value: Any, allowed: set[str]) -> str:
    if value not in allowed:
        options = ", ".join(repr(a) for a in sorted(allowed))
        raise ValueError(f"invalid value for {arg}: {value!r}; input should be one of {options}")
    return str(value)


# -- exit hooks ------------------------------------------------------------------
def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_finish_all_at_exit)
    previous_hook = sys.excepthook

    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            _exit_state.update(state="killed", code=255)
        elif _exit_state["state"] is None:
            _exit_state.update(state="failed", code=1)
        previous_hook(exc_type, exc, tb)

    sys.excepthook = excepthook
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM,):
            if signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, _on_signal)


def _on_signal(signum: int, _frame: Any) -> None:
    # Unwind the program normally (finally blocks, atexit) and finish as killed.
    _exit_state.update(state="killed", code=128 + signum)
    raise SystemExit(128 + signum)


def _finish_all_at_exit() -> None:
    state = _exit_state["state"] or "finished"
    code = _exit_state["code"]
    if state == "finished":
        code = 0
    for run in list(_active):
        try:
            run._finish(state, code)
        except Exception as exc:
            print(f"runyard: could not finish run {run.path}: {exc!r}", file=sys.stderr)


# -- starting a run -----------------------------------------------------------------
def _rebuild_state(
    store: TrackingStore, ref: RunRef, record: RunRecord, last_step: int
) -> dict[str, Any]:
    """Summary reducer state from history up to ``last_step`` (rewinds and forks)."""
    from runyard.metrics.definitions import MetricDefinitions
    from runyard.metrics.flatten import Path as KeyPath
    from runyard.metrics.summary import SummaryState

    definitions = MetricDefinitions.from_list(record.metrics)
    state = SummaryState(definitions)
    step_metrics = {d.step_metric for d in definitions.all() if d.step_metric}
    latest: dict[KeyPath, Any] = {}
    batch: list[dict[KeyPath, Any]] = []
    for row in store.scan_history(ref, max_step=last_step + 1):
        path_row = {tuple(k.split(".")): v for k, v in row.items()}
        path_row[("_step",)] = row["_step"]
        batch.append(path_row)
        for key in step_metrics:
            if key in row:
                latest[(key,)] = row[key]
        if len(batch) >= 5000:
            state.update(batch)
            batch = []
    if batch:
        state.update(batch)
    return {
        "reducers": state.to_state(),
        "step_metric_values": [[list(p), v] for p, v in latest.items()],
    }


def _runtime_at(store: TrackingStore, ref: RunRef, step: int) -> float:
    series = store.read_series(ref, "_runtime", None, step + 1)
    return float(series.values[-1]) if len(series) else 0.0


def init(
    project: str | None = None,
    entity: str | None = None,
    name: str | None = None,
    id: str | None = None,
    config: Any = None,
    tags: Sequence[str] | None = None,
    group: str | None = None,
    job_type: str | None = None,
    notes: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    mode: str | None = None,
    resume: bool | str | None = None,
    resume_from: str | None = None,
    fork_from: str | None = None,
    reinit: bool | str | None = None,
    settings: Mapping[str, Any] | Settings | None = None,
    allow_val_change: bool | None = None,
    config_exclude_keys: Sequence[str] | None = None,
    config_include_keys: Sequence[str] | None = None,
    save_code: bool | None = None,
    sync_tensorboard: bool | None = None,
    tensorboard: bool | None = None,
    monitor_gym: bool | None = None,
    force: bool | None = None,
    anonymous: str | None = None,
) -> Any:
    """Start a run (``wandb.init``-compatible); see SPEC §2 for every argument.

    Takes every argument of ``wandb.init`` (0.31); any other is a ``TypeError``, as in
    wandb. ``settings`` (a dict or :class:`~runyard.Settings`) applies the settings it
    names over the environment's. ``save_code`` is kept as ``run.settings.save_code``;
    ``force`` and ``anonymous`` have no effect (no login step); ``sync_tensorboard`` /
    ``tensorboard`` mirror TensorBoard writers into the run (:mod:`runyard.tensorboard`);
    ``monitor_gym`` warns that it is not supported.

    Example:
        >>> import runyard
        >>> run = runyard.init(project="demo", config={"lr": 0.01}, mode="disabled")
        >>> run.log({"loss": 0.3})
        >>> run.finish()
    """
    global _current
    if isinstance(settings, Settings):
        # Only what the script set: the environment (RUNYARD_DIR, the server…) stays.
        settings = settings.explicit_values()
    elif settings is not None and not isinstance(settings, Mapping):
        raise TypeError(f"settings must be a dict or runyard.Settings, got {settings!r}")
    base = Settings.from_env().with_overrides(settings)
    base = _apply_init_settings(base, save_code, sync_tensorboard, tensorboard, monitor_gym)
    # Run fields given as settings (wandb's run_name, run_id, …), where init's own
    # arguments leave them open.
    name = name if name is not None else base.run_name
    id = id if id is not None else base.run_id
    notes = notes if notes is not None else base.run_notes
    group = group if group is not None else base.run_group
    job_type = job_type if job_type is not None else base.run_job_type
    tags = tags if tags is not None else base.run_tags
    if resume is None and resume_from is None and fork_from is None:
        resume, resume_from, fork_from = base.resume, base.resume_from, base.fork_from
    resolved_mode = _MODES.get(mode or base.mode)
    if resolved_mode is None:
        raise ValueError(
            f"invalid mode {mode or base.mode!r}: input should be 'online', 'offline', "
            "'shared', 'disabled', 'dryrun' or 'run'"
        )
    if resolved_mode == "disabled":
        global _disabled
        disabled = DisabledRun(
            project=project, name=name, id=id, config=config, on_finish=_forget_disabled
        )
        with _lock:
            _disabled = disabled
        return disabled
    set_silent(base.silent)

    if reinit is True:
        reinit = "finish_previous"
    elif reinit is False or reinit is None:
        reinit = "default"
    reinit = _choice("reinit", reinit, _REINIT)
    with _lock:
        if _current is not None and reinit in ("default", "return_previous"):
            termlog(
                "init() called while a run is active and reinit is set to "
                f"{reinit!r}, so returning the previous run."
            )
            return _current
        if reinit == "finish_previous":
            for run in list(_active):
                run.finish()

    if resume is True:
        resume = "allow"
    elif resume is False:
        resume = None
    if resume is not None:
        resume = _choice("resume", resume, _RESUME)
    ref = RunRef(
        _validate_name("entity", entity or base.entity),
        _validate_name("project", project or base.project),
        validate_run_id(id) if id is not None else "",
    )
    tag_list = validate_tags(tags)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    items = {k: encode_plain(v) for k, v in config_items(config).items()}
    if config_include_keys:
        items = {k: v for k, v in items.items() if k in set(config_include_keys)}
    if config_exclude_keys:
        items = {k: v for k, v in items.items() if k not in set(config_exclude_keys)}
    rewind = _parse_step_ref("resume_from", resume_from, ref) if resume_from else None
    fork = _parse_step_ref("fork_from", fork_from, ref) if fork_from else None
    if rewind and fork:
        raise UsageError("resume_from and fork_from cannot be used together")
    if rewind is not None:
        if ref.run_id and ref.run_id != rewind[0].run_id:
            raise UsageError(
                f"resume_from names run {rewind[0].run_id!r} but id={ref.run_id!r}; "
                "a run can only be rewound into itself"
            )
        ref = rewind[0]
    if resume == "auto" and not ref.run_id:
        ref = RunRef(ref.entity, ref.project, _auto_resume_id(base, ref) or "")
    if not ref.run_id:
        ref = RunRef(ref.entity, ref.project, generate_id())

    now = time.time()
    host = socket.gethostname()
    start: dict[str, Any] = {"ref": [ref.entity, ref.project, ref.run_id]}
    # A run without a name gets wandb's kind, "<adjective>-<noun>-<N>": the words are
    # chosen here and the store that creates the run adds N, its number in the
    # project, unique there. Where this process can count the project's runs without
    # waiting (the embedded SQLite file) it announces N too, and the store keeps it
    # if free; elsewhere the name is known once the writer hears back from the store.
    # (docs/compat.md, "Run names")
    words = random_words() if name is None else None
    number = _next_run_number(base, ref) if words and resolved_mode == "online" else None
    step = 0
    runtime_offset = 0.0
    resumed = False
    config_items_final = dict(items)
    proposed = f"{words}-{number}" if number is not None else None
    creating: dict[str, Any] = {
        "display_name": name,
        "tags": tag_list,
        "notes": notes,
        "group": group,
        "job_type": job_type,
        "host": host,
        "created_at": now,
        "color": base.run_color,
    }
    needs_store = resolved_mode == "online" and (
        id is not None or resume is not None or rewind is not None or fork is not None
    )
    if needs_store:
        from runyard.journal.replay import recover_journals
        from runyard.sdk.stores import run_store

        try:
            store = run_store(base)
            recover_journals(base.journal_dir, store)
            record = store.get_run(ref)
        except Exception as exc:
            # Resuming needs the stored run; before training starts, say so plainly.
            raise CommError(
                f"could not read the store {base.store_uri!r} to look up run {ref.path!r}: {exc}"
            ) from exc
        if fork is not None:
            if record is not None:
                raise UsageError(f"cannot fork into {ref.path!r}: that run already exists")
            source = store.get_run(fork[0])
            if source is None:
                raise UsageError(f"fork_from: run {fork[0].path!r} does not exist")
            step = fork[1] + 1
            runtime_offset = _runtime_at(store, fork[0], fork[1])
            config_items_final = {**source.config, **items}
            start.update(
                metrics=source.metrics,
                summary_state=_rebuild_state(store, fork[0], source, fork[1]),
                copy_history=[[fork[0].entity, fork[0].project, fork[0].run_id], fork[1]],
                last_step=fork[1],
                runtime_offset=runtime_offset,
            )
            creating["forked_from"] = f"{fork[0].path}?_step={fork[1]}"
        elif record is not None:
            if resume == "never" or (resume is None and rewind is None):
                raise UsageError(
                    "You provided an invalid value for the `resume` argument. The value "
                    f"{resume!r} is not a valid option for resuming a run ({ref.run_id}) that "
                    "already exists. Please check your inputs and try again with a valid "
                    "value for the `resume` argument (resume='allow' continues it)."
                )
            resumed = True
            runtime_offset = record.runtime
            config_items_final = {**record.config, **items}
            start.update(
                metrics=record.metrics,
                summary=record.summary,
                last_step=record.last_step,
                runtime_offset=runtime_offset,
            )
            if rewind is not None:
                step = min(rewind[1], record.last_step) + 1
                runtime_offset = _runtime_at(store, ref, rewind[1])
                start.update(
                    truncate_after=rewind[1],
                    summary_state=_rebuild_state(store, ref, record, rewind[1]),
                    last_step=step - 1,
                    runtime_offset=runtime_offset,
                )
            else:
                step = record.last_step + 1
                start["summary_state"] = record.summary_state
            meta: dict[str, Any] = {
                "state": "running",
                "exit_code": None,
                "host": host,
                "sessions": record.sessions + 1,
            }
            for key, value in (
                ("display_name", name),
                ("notes", notes),
                ("group", group),
                ("job_type", job_type),
            ):
                if value is not None:
                    meta[key] = value
            if tags is not None:
                meta["tags"] = tag_list
            start["meta"] = meta
            name = name if name is not None else record.display_name
            tag_list = tag_list if tags is not None else list(record.tags)
            notes = notes if notes is not None else record.notes
            group = group if group is not None else record.group
            job_type = job_type if job_type is not None else record.job_type
        elif resume == "must" or rewind is not None:
            raise UsageError(
                "You provided an invalid value for the `resume` argument. The value 'must' is "
                f"not a valid option for resuming the run ({ref.run_id}) that has not been "
                "initialized. Please check your inputs and try again with a valid value for "
                "the `resume` argument."
                if rewind is None
                else f"resume_from: run {ref.path!r} does not exist"
            )
    if not resumed:
        if words is not None:
            creating["name_words"] = words
            if number is not None:
                creating["name_number"] = number
        name = name if name is not None else proposed
        start["create"] = creating
        start.setdefault("meta", {})["sessions"] = 1
    start["config"] = config_items_final

    if resolved_mode == "offline" and base.mode != "offline":
        base = replace(base, mode="offline")  # its files stay local too (sdk/files.py)
    journal_dir = base.journal_dir if resolved_mode == "online" else base.offline_dir
    from runyard.blobs.keys import escape_name, run_prefix  # (runyard.blobs stays lazy)

    # Named with the run id spelled as in blob keys: any id makes a valid, short file name.
    stem = f"{escape_name(ref.run_id)}-{int(now * 1000)}-{os.getpid()}"
    journal = JournalWriter(journal_dir / f"{stem}.journal")
    start["journal_id"] = new_journal_id()  # the journal's name in any store (journal.py)
    journal.append_start(_pack((Rec.START, start)))
    writer: Writer | None = None
    if resolved_mode == "online":
        uri, jdir = base.store_uri, base.journal_dir

        def open_blobs() -> BlobStore:
            from runyard.sdk.files import run_blobs

            return run_blobs(base)

        def open_store() -> TrackingStore:
            from runyard.journal.replay import recover_journals
            from runyard.sdk.stores import run_store

            store = run_store(base)
            recover_journals(jdir, store, open_blobs)
            return store

        named: list[Run] = []  # the run, once built: the writer learns its stored name

        def on_created(store: TrackingStore) -> None:
            stored = store.run_display_name(ref)
            if named and stored:
                named[0]._adopt_stored_name(stored, proposed)

        writer = Writer(
            journal,
            open_store,
            store_name=display_uri(uri),
            remote=base.remote,
            stop_timeout=base.finish_timeout if base.remote else min(base.finish_timeout, 5.0),
            open_blobs=open_blobs,
            on_created=on_created if "create" in start else None,
            stop_check=lambda store: store.stop_requested_at(ref) is not None,
            on_stop=lambda: named[0]._stop_asked() if named else None,
        )
        writer.checkpoint_at_end = False  # the run does it at finish (settle_soon)
        writer.seal_later_from = SEAL_LATER_POINTS  # sealed off finish (settle_soon)
    # The run's directory is spelled like its blob keys: always inside files/, one per run.
    # ``dir`` is its parent's parent, as wandb's (<dir>/wandb/…): frameworks pass their
    # working directory, whose files must not be stored with the run at finish.
    parent = Path(dir) / "runyard" if dir is not None else base.root_dir
    run_dir = parent / "files" / run_prefix(ref)
    run = Run(
        settings=base,
        ref=ref,
        journal=journal,
        writer=writer,
        config=config_items_final,
        step=step,
        runtime_offset=runtime_offset,
        display_name=name,
        tags=tag_list,
        notes=notes,
        group=group,
        job_type=job_type,
        resumed=resumed,
        run_dir=run_dir,
        start_time=now,
    )
    if writer is not None:
        named.append(run)
        if base.remote:
            from runyard.sdk.files import remember_run

            remember_run(base, ref)
        start_leaving_signals(writer)
    if base.show_messages:
        _announce(run, base, journal.path)
    _start_context(
        run,
        base,
        journal.path,
        start,
        now,
        writer,
        open_store if writer is not None else None,
        open_blobs if writer is not None else None,
    )
    if resume == "auto" or resume == "allow":
        _remember_for_auto_resume(base, ref)
        run._auto_resume = True
    with _lock:
        _active.append(run)
        if reinit != "create_new" or _current is None:
            _current = run
    _install_hooks()
    mirror = sys.modules.get("runyard.tensorboard")
    if mirror is not None:  # TF writers made before init: mirrored into this run
        mirror.run_started(run)
    if run._context is not None:
        run._context.begin()  # init returns now: the metadata is collected meanwhile
    return run


def _start_context(
    run: Run,
    settings: Settings,
    journal: Path,
    start: dict[str, Any],
    started_at: float,
    writer: Writer | None,
    open_store: Callable[[], TrackingStore] | None,
    open_blobs: Callable[[], BlobStore] | None,
) -> None:
    """Console capture, system metrics and metadata (after the start-up lines, which
    are Runyard's, not the script's output); a failure only loses them."""
    from runyard.sdk.run_context import RunContext

    t0 = run._t0
    try:
        run._context = RunContext.start(
            settings=settings,
            ref=run.ref,
            journal=journal,
            start=start,
            runtime=lambda: time.time() - t0,
            started_at=started_at,
            main_writer=writer,
            open_store=open_store,
            open_blobs=open_blobs,
        )
    except Exception as exc:
        warn_once(
            f"context-{run.id}",
            f"console output, system metrics and metadata of run {run.path} are not "
            f"recorded: {exc!r}",
        )


def _apply_init_settings(
    base: Settings,
    save_code: bool | None,
    sync_tensorboard: bool | None,
    tensorboard: bool | None,
    monitor_gym: bool | None,
) -> Settings:
    """``init``'s arguments that are settings in wandb, kept on the run's settings."""
    changes: dict[str, Any] = {}
    if save_code is not None:
        changes["save_code"] = bool(save_code)
    if sync_tensorboard or tensorboard:
        changes["sync_tensorboard"] = True
    if changes:
        base = replace(base, **changes)
    if base.sync_tensorboard:
        _sync_tensorboard()
    if monitor_gym:
        warn_once("monitor-gym", "monitor_gym=True is not supported: gym videos are not logged")
    return base


def _sync_tensorboard() -> None:
    """Mirror TensorBoard writers into the run (``runyard.tensorboard``), once."""
    from runyard import tensorboard

    if tensorboard.is_patched():
        return
    try:
        tensorboard.patch()
    except ImportError as exc:
        warn_once("sync-tensorboard", f"sync_tensorboard=True has no effect: {exc}")


def _next_run_number(settings: Settings, ref: RunRef) -> int | None:
    """1 + the runs of ``ref``'s project in the embedded SQLite store, read without
    waiting (read-only, no lock wait, no SQLAlchemy); None when it cannot be counted
    here (a server, PostgreSQL, a store being written or not yet migrated)."""
    global _counter
    uri = settings.store_uri
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri.removeprefix("sqlite:///"))
    try:
        info = path.stat()
    except OSError:
        return 1
    import sqlite3

    file = (str(path), info.st_dev, info.st_ino)
    with _counter_lock:
        try:
            if _counter is None or _counter[0] != file:
                _forget_counter()
                _counter = (file, _open_read_only(path))
            row = (
                _counter[1]
                .execute(
                    "SELECT COUNT(*) FROM runs r JOIN projects p ON p.id = r.project_id "
                    "WHERE p.entity = ? AND p.name = ?",
                    (ref.entity, ref.project),
                )
                .fetchone()
            )
        except sqlite3.Error:
            _forget_counter()
            return None
    return int(row[0]) + 1


#: The store the last run was counted in, and a read-only connection to it: a loop of
#: runs opens it once (opening one reads the store's whole schema).
_counter: tuple[tuple[str, int, int], Any] | None = None
_counter_lock = threading.Lock()


def _open_read_only(path: Path) -> Any:
    import sqlite3
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=0, check_same_thread=False)


def _forget_counter() -> None:
    global _counter
    if _counter is not None:
        with contextlib.suppress(Exception):
            _counter[1].close()
        _counter = None


def _announce(run: Run, settings: Settings, journal: Path) -> None:
    """wandb's start-up lines, for Runyard: what is tracked, where it is kept and
    where to look at it (silenced by ``silent``, ``quiet`` or ``show_info=False``)."""
    from urllib.parse import quote

    from runyard import __version__

    shown = f"{run.name} (id {run.id})" if run.name else run.id
    verb = "Resuming" if run.resumed else "Tracking"
    where = f"project {run.project!r}"
    if run.offline:
        termlog(f"{verb} run {shown} offline in {where} with Runyard {__version__}")
        termlog(f"Run data is saved locally in {journal}")
        termlog(
            f"Send it to a store with `runyard sync {journal}` "
            "(`runyard sync` sends every offline run)"
        )
        return
    if settings.remote:
        termlog(f"{verb} run {shown} in {where} on {settings.store_uri} with Runyard {__version__}")
        termlog(f"View run {run.name or run.id} at {run.url}")
        return
    termlog(f"{verb} run {shown} in {where} with Runyard {__version__}")
    termlog(f"Run data is saved locally in {settings.root_dir} ({display_uri(settings.store_uri)})")
    page = "/".join(quote(p, safe="") for p in (run.entity, run.project, "runs", run.id))
    termlog(f"View it with `{settings.ui_command()}`, then open http://127.0.0.1:8765/{page}")


def _pack(rec: tuple[Any, ...]) -> bytes:
    import msgpack

    packed: bytes = msgpack.packb(rec)
    return packed


def _auto_file(settings: Settings, ref: RunRef) -> Path:
    import hashlib

    where = f"{os.getcwd()}|{sys.argv[0] if sys.argv else ''}|{ref.entity}|{ref.project}"
    return settings.root_dir / "resume" / (hashlib.sha1(where.encode()).hexdigest()[:16] + ".id")


def _auto_resume_id(settings: Settings, ref: RunRef) -> str | None:
    """``resume="auto"`` without an id: the run this script last started here."""
    path = _auto_file(settings, ref)
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _remember_for_auto_resume(settings: Settings, ref: RunRef) -> None:
    path = _auto_file(settings, ref)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ref.run_id)


# -- attaching a child process to a parent's run (wandb._attach) ------------------
#: Settings a child needs to reach the parent's store; the rest comes from its own
#: environment, which a spawned child inherits.
_ATTACH_SETTINGS = ("root_dir", "mode", "store", "base_url", "blobs")


def attach_id(run: Run) -> str:
    """``run._attach_id``: the run's path and where it is stored, as JSON.

    Waits (at most ~30 s: one batch interval when the store is healthy) until what
    the run journalled so far is in the store, so a child resuming it sees the
    parent's steps and continues after them. Read once, when a framework hands the
    run to a child process, never on the logging path.
    """
    writer = run._writer
    if writer is not None:
        target = writer.sync(timeout=30.0) and writer.read_pos
        deadline = time.monotonic() + 30.0
        while (
            target
            and writer._stored < target
            and writer.is_alive()
            and not writer.degraded
            and time.monotonic() < deadline
        ):
            writer._wake.set()
            time.sleep(0.02)
    settings = run.settings
    values = {name: getattr(settings, name) for name in _ATTACH_SETTINGS}
    values["root_dir"] = str(values["root_dir"])
    spec: dict[str, Any] = {"path": [run.entity, run.project, run.id], "settings": values}
    context = run._context
    if context is not None and context.console is not None:
        # A child writing into these pipes is recorded by this process, in order.
        spec["console_pipes"] = context.console.pipes()
    return json.dumps(spec)


def attach(
    attach_id: str | None = None, run_id: str | None = None, run: Run | None = None
) -> Run | DisabledRun:
    """``wandb._attach``: log into the run ``attach_id`` names from another process.

    The child opens its own journal on the same run, as a resumed session would
    (``init(id=…, resume="allow")``), so its rows and files reach the run through
    its own writer. In this process the parent's own run is returned as it is.
    """
    if run is not None:
        return run
    if attach_id is None:
        raise UsageError("_attach needs attach_id (run._attach_id of the parent's run)")
    try:
        spec = json.loads(attach_id)
        entity, project, run_id = spec["path"]
        settings = dict(spec["settings"])
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"invalid attach_id {attach_id!r}: {exc}") from None
    with _lock:
        for active in _active:
            if active.path == f"{entity}/{project}/{run_id}":
                return active
    settings = {k: v for k, v in settings.items() if v is not None}
    pipes = spec.get("console_pipes")
    if isinstance(pipes, dict) and pipes:
        from runyard.sdk.console import on_captured_pipes

        if on_captured_pipes(pipes):
            # The parent's capture reads this process's stdout and stderr: recording
            # them here too would put each line in the run twice.
            settings["console"] = "off"
    settings["x_primary"] = False
    settings["x_disable_meta"] = True  # the parent records the machine and the code
    settings["silent"] = True  # as wandb's _attach: no "Resuming run" lines per child
    attached: Run | DisabledRun = init(
        project=project,
        entity=entity,
        id=run_id,
        resume="allow",
        reinit="create_new",
        settings=settings,
    )
    return attached
