"""`Run`: one tracked run of a training script (``wandb.Run``-compatible).

``log()`` is the hot path. It checks its arguments, decides the row's step (wandb's
step/commit rules), encodes the call with msgpack and appends it to the run's
journal; that is all. Everything else — flattening, summaries, ``define_metric``,
columnar storage — happens in the writer thread, off the training loop.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Mapping
from glob import escape as glob_escape
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import msgpack

from runyard.entities import RunRef
from runyard.errors import UsageError
from runyard.journal.frames import JournalWriter
from runyard.journal.records import Rec
from runyard.metrics.values import (
    check_keys,
    check_row,
    check_value,
    row_as_is,
    wide_int_note,
)
from runyard.printer import termlog, termwarn, warn_once
from runyard.sdk.config import Config
from runyard.sdk.summary import Summary
from runyard.sdk.writer import MAX_BACKLOG, Writer
from runyard.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from runyard.artifacts.artifact import Artifact
    from runyard.artifacts.session import RunArtifacts
    from runyard.metrics.definitions import MetricDefinition
    from runyard.plot.custom_chart import CustomChart
    from runyard.sdk.run_context import RunContext

__all__ = ["Run"]

_LOG_TYPE_ERROR = "wandb.log must be passed a dictionary"
#: What sum() of a row's values gives when they are all plain numbers (see `log()`).
_NUMBER_SUMS = (float, int)
_KEY_TYPE_ERROR = "Key values passed to `wandb.log` must be strings."


class Run:
    """A live run. Create it with :func:`runyard.init`.

    Example:
        >>> import runyard
        >>> with runyard.init(project="demo", mode="disabled") as run:
        ...     run.log({"loss": 0.5})
    """

    def __init__(
        self,
        *,
        settings: Settings,
        ref: RunRef,
        journal: JournalWriter,
        writer: Writer | None,
        config: Mapping[str, Any],
        step: int,
        runtime_offset: float,
        display_name: str | None,
        tags: list[str],
        notes: str | None,
        group: str | None,
        job_type: str | None,
        resumed: bool,
        run_dir: Path,
        start_time: float,
    ) -> None:
        self._settings = settings
        self._ref = ref
        self._journal = journal
        self._writer = writer
        self._step = step
        #: ``_runtime`` counts from here, on the wall clock as wandb's does (one clock
        #: read per `log()` gives both the timestamp and the runtime).
        self._t0 = time.time() - runtime_offset
        self._packb = msgpack.Packer(autoreset=True).pack
        #: The last two key tuples `log()` checked (see metrics.values.check_keys): a
        #: training loop logs the same keys again and again, and comparing a tuple of
        #: keys costs less than checking each key.
        self._keys: tuple[str, ...] = ()
        self._keys_before: tuple[str, ...] = ()
        #: Value types `log()` packs without looking inside: msgpack stores them as
        #: they are (float subclasses such as numpy.float64 are added once seen). An
        #: int beyond int64 makes msgpack raise, except in [2**63, 2**64), which the
        #: fold stores as a float (journal/fold.py) as the checked path would.
        self._plain_types: set[type] = {float, int, str, bool, type(None)}
        self._sum_gate = True
        self._append = journal.append
        self._finished = False
        self._journal_failed = False
        #: Records dropped since the journal failed (a full disk).
        self._dropped = 0
        self._name = display_name
        self._tags = list(tags)
        self._notes = notes
        self._group = group
        self._job_type = job_type
        self.resumed = resumed
        self.start_time = start_time
        self._dir = run_dir
        self.config = Config(self._on_config_change, config)
        self.summary = Summary(self._read_summary, self._set_summary, self._delete_summary)
        self._hooks: list[Any] = []
        #: run.save globs stored again at finish, and (mtime, size) of each stored name.
        self._saved_globs: list[tuple[str, str | os.PathLike[str] | None]] = []
        self._stored_files: dict[str, tuple[int, int]] = {}
        from runyard.journal.spool import SpoolWriter

        #: Where media, tables, tensors and saved files go before the writer uploads them.
        self._spool = SpoolWriter(journal.path, ref, self._record)
        #: init(resume="auto"/"allow") remembered this run for the next auto resume.
        self._auto_resume = False
        #: Console capture, system metrics and metadata (set by init; see run_context.py).
        self._context: RunContext | None = None

    # -- identity -----------------------------------------------------------
    @property
    def id(self) -> str:
        return self._ref.run_id

    @property
    def entity(self) -> str:
        return self._ref.entity

    @property
    def project(self) -> str:
        return self._ref.project

    @property
    def path(self) -> str:
        """``entity/project/run_id``, as :meth:`runyard.Api.run` accepts it."""
        return self._ref.path

    @property
    def ref(self) -> RunRef:
        return self._ref

    @property
    def dir(self) -> str:
        """A local directory for files belonging to this run."""
        self._dir.mkdir(parents=True, exist_ok=True)
        return str(self._dir)

    @property
    def step(self) -> int:
        """The step the next committed row gets."""
        return self._step

    @property
    def url(self) -> str | None:
        """The run's page on the team server (online); None for a local store, as wandb
        offline."""
        if not self._settings.remote or self._writer is None:
            return None
        from urllib.parse import quote

        parts = (self._ref.entity, self._ref.project, "runs", self._ref.run_id)
        return self._settings.store_uri + "/" + "/".join(quote(p, safe="") for p in parts)

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def disabled(self) -> bool:
        return False

    @property
    def offline(self) -> bool:
        return self._writer is None

    @property
    def name(self) -> str | None:
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        self._record((Rec.META, {"display_name": value}))

    def _adopt_stored_name(self, name: str, proposed: str | None) -> None:
        """The writer thread, once the store created the run: take the name the store
        gave it (a generated name's number is the store's, see sdk/init.py), unless
        the script renamed the run meanwhile."""
        if self._name == proposed:
            self._name = name

    def _stop_asked(self) -> None:
        """The writer thread, once the store says a stop was asked for ("Stop run" in the
        web app, or wandb's ``stopRun``): interrupt the script's main thread, as wandb
        does; the KeyboardInterrupt ends the run as killed, exit code 255, everything
        logged before it kept."""
        if self._finished:
            return
        import _thread

        termlog(f"run {self._ref.run_id} was asked to stop: interrupting the script")
        _thread.interrupt_main()

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._tags)

    @tags.setter
    def tags(self, value: Any) -> None:
        from runyard.sdk.init import validate_tags

        self._tags = validate_tags(value)
        self._record((Rec.META, {"tags": self._tags}))

    @property
    def notes(self) -> str | None:
        return self._notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        self._notes = value
        self._record((Rec.META, {"notes": value}))

    @property
    def group(self) -> str | None:
        return self._group

    @group.setter
    def group(self, value: str | None) -> None:
        self._group = value
        self._record((Rec.META, {"group": value}))

    @property
    def job_type(self) -> str | None:
        return self._job_type

    @job_type.setter
    def job_type(self, value: str | None) -> None:
        self._job_type = value
        self._record((Rec.META, {"job_type": value}))

    # -- logging --------------------------------------------------------------
    def log(
        self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        """Log a row of metrics (wandb's rules for ``step`` and ``commit``).

        Args:
            data: ``{key: value}``; nested dicts become nested keys. Values may be
                numbers, strings, bools, None, lists, dicts, numpy/torch/tf/jax
                arrays (≤ 32 elements → list, more → a 32-bin histogram) and media.
            step: the row's step. Lower than the current step: warned and dropped.
            commit: False keeps the row open for more keys; default True without
                ``step`` and False with it.
        """
        if self._finished:
            raise UsageError(
                f"Run ({self._ref.run_id}) is finished. The call to `log` will be ignored. "
                "Please make sure that you are using an active run."
            )
        if type(data) is not dict:
            if not isinstance(data, Mapping):
                raise TypeError(_LOG_TYPE_ERROR)
            data = dict(data)
        keys = tuple(data)
        if keys != self._keys and keys != self._keys_before:
            self._check_keys(keys)
        prev_step = self._step
        if step is None:
            step = self._step
            if commit is None or commit:
                commit = True
                self._step = step + 1
            else:
                commit = False
        else:
            step = self._check_step(step)
            if step < self._step:
                warn_once(
                    f"step-{step}-{self._step}",
                    f"Tried to log to step {step} that is less than the current step "
                    f"{self._step}. Steps must be monotonically increasing, so this data "
                    "will be ignored. See https://wandb.me/define-metric to log data out of "
                    "order.",
                )
                return
            commit = bool(commit)
            self._step = step + 1 if commit else step
        now = time.time()
        runtime = now - self._t0
        values = data.values()
        try:
            # Plain scalars are packed as they are; anything else (ints, which may not
            # fit in 64 bits, containers, arrays, media) is checked and encoded first.
            # Rows of numbers pass the first test: sum() adds floats and ints in C
            # and gives a float or an int only when every value is a plain number
            # (arrays, tensors and Fractions sum to their own types; strings, None,
            # containers and media raise). It costs half of the type test after it;
            # once it raised, rows go straight to the type test until new keys come.
            plain = False
            if self._sum_gate:
                try:
                    plain = type(sum(values)) in _NUMBER_SUMS
                except Exception:
                    self._sum_gate = False
            if plain or self._plain_types.issuperset(map(type, values)):
                try:
                    payload = self._packb((Rec.LOG, step, commit, now, runtime, data))
                except OverflowError:  # an int beyond 64 bits
                    row = self._checked_row(data)
                    payload = self._packb((Rec.LOG, step, commit, now, runtime, row))
            else:
                row = self._checked_row(data)
                payload = self._packb((Rec.LOG, step, commit, now, runtime, row))
        except BaseException:
            self._step = prev_step  # a row that could not be logged takes no step
            raise
        try:
            end = self._append(payload)
        except OSError as exc:
            self._journal_error(exc)
            return
        writer = self._writer
        # The size test first: a method call per log() costs as much as the checks above.
        if writer is not None and end - writer.read_pos > MAX_BACKLOG and writer.behind():
            writer.wait_until_caught_up()

    def _check_keys(self, data: tuple[Any, ...]) -> None:
        """Check a key set `log()` has not seen lately (wandb's TypeError for a key
        that is not a string; NUL and overlong keys refused), then remember it."""
        for key in check_keys(data):
            what = "dropped" if key == "_step" else "replaced by the run's own"
            warn_once(
                f"reserved-key-{self.id}-{key}",
                f"the logged key {key!r} is set by the run itself: its value is {what} "
                "(as in wandb); log it under another name",
            )
        self._keys_before, self._keys = self._keys, data
        self._sum_gate = True

    def _checked_row(self, data: dict[str, Any]) -> dict[str, Any]:
        """A row with values other than plain scalars, as it is journaled: checked and
        converted by :func:`runyard.metrics.values.check_row` (wandb's rules, or an
        error naming the key path), then encoded if it holds arrays, media or charts."""
        if row_as_is(data):
            return data
        wide: list[tuple[str, int]] = []
        row, plain = check_row(data, wide)
        if not plain:
            row, plain = check_row(self._encode_row(row), wide)
            if not plain:
                raise TypeError(f"could not encode the row for JSON: {row!r:.200}")
        for key, value in wide:
            warn_once(f"wide-int-{self.id}-{key}", wide_int_note(key, value))
        for kind in set(map(type, data.values())):
            if issubclass(kind, float) and not hasattr(kind, "to_json"):
                self._plain_types.add(kind)  # numpy.float64: msgpack packs it as a float
        return row

    @staticmethod
    def _check_step(step: Any) -> int:
        if type(step) is int:
            return step
        if not isinstance(step, bool):
            try:
                return operator.index(step)  # numpy and torch integers too
            except TypeError:
                pass
        raise TypeError(f"step must be an int, got {step!r}")

    def _encode_row(self, data: dict[str, Any]) -> dict[str, Any]:
        """The slow path of ``log``: charts become tables plus config, the rest is encoded.

        A chart logged under ``K`` (``"a.b"`` when nested) is logged as its table
        under ``K_table`` and described in config ``_wandb.visualize.K``, as wandb
        does (see :func:`runyard.plot.custom_chart.pop_charts`). Everything else is
        :func:`runyard.data_types.encode.encode`'s, whose media files go to the
        run's spool (journalled, uploaded by the writer thread).
        """
        from runyard.data_types.encode import encode
        from runyard.plot.custom_chart import pop_charts

        row, charts = pop_charts(data)
        for key, chart in charts.items():
            row[self._record_chart(key, chart)] = chart.table
        encoded: dict[str, Any] = encode(row, self._spool)
        return encoded

    def _record_chart(self, key: str, chart: CustomChart) -> str:
        """Write the chart's ``_wandb.visualize`` config entry; return its table's key."""
        value = chart.visualize_config(key)
        self.config.set_nested(chart.spec.config_key, value)
        return chart.spec.table_key

    def _record(self, rec: tuple[Any, ...]) -> None:
        if self._finished:
            raise UsageError(
                f"Run ({self._ref.run_id}) is finished. The call will be ignored. "
                "Please make sure that you are using an active run."
            )
        try:
            payload = self._packb(rec)
        except (TypeError, ValueError, OverflowError):
            from runyard.data_types.encode import encode

            payload = self._packb(tuple(encode(list(rec), self._spool)))
        try:
            self._append(payload)
        except OSError as exc:
            self._journal_error(exc)

    def _journal_error(self, exc: OSError) -> None:
        """The journal cannot take records (a full disk): drop the rest, said once.

        From now on records go to :meth:`_drop` instead of the journal: no exception
        and no system call per ``log()``, however long the run goes on.
        """
        self._journal_failed = True
        self._dropped += 1
        self._append = self._drop
        warn_once(
            "journal-write",
            f"could not write to the run journal {self._journal.path}: {exc}; "
            "new data is being dropped, what was logged before is kept",
        )

    def _drop(self, payload: bytes) -> int:
        self._dropped += 1
        return self._journal.size

    # -- config and summary ---------------------------------------------------------
    def _on_config_change(self, changed: dict[str, Any]) -> None:
        self._record((Rec.CONFIG, changed))

    def _read_summary(self) -> dict[str, Any]:
        if self._writer is None:
            return {}
        return self._writer.summary()

    def _set_summary(self, path: tuple[str, ...], value: Any) -> None:
        if self._finished:
            raise UsageError(
                f"Run ({self._ref.run_id}) is finished. The call to "
                "`_summary_update_callback` will be ignored. Please make sure that you are "
                "using an active run."
            )
        if value is None:
            self._record((Rec.SUMMARY_DEL, list(path)))
            return
        value = check_value(value, path, [])[0]  # metrics.values: wandb's rules, or an error
        if isinstance(value, dict) or type(value).__name__ == "CustomChart":
            value = self._summary_charts(path, value)
            if value is None:
                return
        from runyard.data_types.encode import encode_summary

        self._record((Rec.SUMMARY_SET, list(path), encode_summary(path, value, self._spool)))

    def _summary_charts(self, path: tuple[str, ...], value: Any) -> Any:
        """Set the charts in a summary value as ``log`` would; return what is left.

        ``run.summary["K"] = chart`` puts the chart's table at ``K_table`` and its
        config entry at ``_wandb.visualize.K``, so the panel appears as for a
        logged chart (wandb 0.31 has no case for charts here; see docs/compat.md).
        """
        from runyard.data_types.encode import encode
        from runyard.plot.custom_chart import CustomChart, pop_charts

        charts: dict[str, CustomChart]
        if isinstance(value, CustomChart):
            charts, value = {".".join(path): value}, None
        else:
            value, charts = pop_charts(value, ".".join(path))
            if charts and not value:
                value = None
        for key, chart in charts.items():
            table_key = self._record_chart(key, chart)
            self._record((Rec.SUMMARY_SET, [table_key], encode(chart.table, self._spool)))
        return value

    def _delete_summary(self, path: tuple[str, ...]) -> None:
        self._record((Rec.SUMMARY_DEL, list(path)))

    # -- define_metric ----------------------------------------------------------
    def define_metric(
        self,
        name: str,
        step_metric: Any = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        overwrite: bool | None = None,
        objective: str | None = None,
    ) -> MetricDefinition:
        """Customise a metric's summary and default x-axis (see SPEC §3).

        ``summary`` is a comma-separated subset of ``min, max, mean, first, last,
        best, none``; ``best`` needs ``goal`` (or its alias ``objective``)
        ``"minimize"``/``"maximize"`` and also snapshots every metric at the best
        step under ``summary["_best"]``. ``*`` in ``name`` matches any characters.
        """
        from runyard.metrics.definitions import validate_define_metric

        if goal is None:
            goal = objective
        definition = validate_define_metric(
            name,
            step_metric=step_metric,
            step_sync=step_sync,
            hidden=hidden,
            summary=summary,
            goal=goal,
            overwrite=overwrite,
        )
        self._record((Rec.DEFINE, definition.to_dict(), bool(overwrite)))
        return definition

    # -- files ------------------------------------------------------------------
    def save(
        self,
        glob_str: str | os.PathLike[str],
        base_path: str | os.PathLike[str] | None = None,
        policy: str = "live",
    ) -> list[str]:
        """Store files with the run (``wandb.save``); read them with ``Api().run(…).file(name)``.

        Every file matching ``glob_str`` is stored now, named by its path relative
        to ``base_path``: by default ``.`` for a relative glob and the file's own
        directory for an absolute one (as wandb). With ``policy`` ``"live"`` or
        ``"end"`` the glob is matched again at ``finish()`` and new or changed
        files are stored then too; ``"now"`` stores once.

        Returns:
            The stored names, such as ``["model-best.keras"]``.

        Raises:
            ValueError: an unknown ``policy``, or a match outside ``base_path``.
        """
        if policy not in ("live", "end", "now"):
            raise ValueError(
                f'Only "live", "end" and "now" policies are currently supported, got {policy!r}.'
            )
        names = self._store_files(os.fspath(glob_str), base_path)
        if policy != "now":
            self._saved_globs.append((os.fspath(glob_str), base_path))
        return names

    def _store_files(self, pattern: str, base_path: str | os.PathLike[str] | None) -> list[str]:
        import glob

        if base_path is None:
            base = None if os.path.isabs(pattern) else Path.cwd()
        else:
            base = Path(base_path).resolve()
        names = []
        for match in sorted(glob.glob(pattern, recursive=True)):
            path = Path(match).resolve()
            if not path.is_file():
                continue
            if base is None:
                name = path.name
            elif path.is_relative_to(base):
                name = path.relative_to(base).as_posix()
            else:
                raise ValueError(f"file {match!r} is not inside base_path {os.fspath(base)!r}")
            stamp = (path.stat().st_mtime_ns, path.stat().st_size)
            if self._stored_files.get(name) != stamp:
                # A copy in the spool: the writer thread uploads it (and a replay, if
                # the process is killed first).
                self._spool.put_file(name, path)
                self._stored_files[name] = stamp
            names.append(name)
        return names

    # -- artifacts ----------------------------------------------------------------
    def _run_artifacts(self) -> RunArtifacts:
        artifacts: RunArtifacts | None = self.__dict__.get("_artifacts")
        if artifacts is None:
            from runyard.artifacts.session import RunArtifacts

            artifacts = self.__dict__["_artifacts"] = RunArtifacts(self)
        return artifacts

    def _check_active(self, call: str) -> None:
        if self._finished:
            raise UsageError(
                f"Run ({self._ref.run_id}) is finished. The call to `{call}` will be ignored. "
                "Please make sure that you are using an active run."
            )

    def log_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Artifact:
        """Log an artifact as an output of this run (``wandb.Run.log_artifact``).

        Returns at once: the files are staged (see :class:`runyard.Artifact`) and
        hashed, uploaded and stored by the writer thread; ``artifact.wait()`` waits
        for the stored version, ``finish()`` for every one.

        Args:
            artifact_or_path: an :class:`~runyard.Artifact`, or a file, directory or
                ``s3://``/``file://``/``http(s)://`` reference to log as one.
            name: for a path: the artifact's name (default ``run-<run id>-<file name>``).
            type: for a path: the artifact's type (default ``"unspecified"``).
            aliases: aliases for the new version (``latest`` is always given).
            tags: tags of the version.

        Raises:
            ValueError: a bad name, alias, tag or path (the message names it).
        """
        self._check_active("log_artifact")
        return self._run_artifacts().log(artifact_or_path, name, type, aliases, tags)

    def use_artifact(
        self,
        artifact_or_name: Artifact | str,
        type: str | None = None,
        aliases: list[str] | None = None,
        use_as: str | None = None,
    ) -> Artifact:
        """Declare an artifact as an input of this run and return it
        (``wandb.Run.use_artifact``): ``"name"``, ``"name:alias"``, ``"name:vN"``,
        ``"project/name:v"``, ``"entity/project/name:v"`` or an ``Artifact``.

        Reads the version from the store (as wandb, this waits for it).

        Raises:
            runyard.CommError: no such artifact or version.
            ValueError: ``type`` differs from the artifact's.
        """
        self._check_active("use_artifact")
        return self._run_artifacts().use(artifact_or_name, type, aliases, use_as)

    def log_model(
        self,
        path: str | os.PathLike[str],
        name: str | None = None,
        aliases: list[str] | None = None,
    ) -> None:
        """Log a model file or directory as an artifact of type ``model``
        (default name ``run-<run id>-<file name>``)."""
        self._check_active("log_model")
        self._run_artifacts().log_model(path, name, aliases)

    def use_model(self, name: str) -> str:
        """Use a ``model`` artifact and download it; returns the path (the file
        itself when the artifact holds one file)."""
        self._check_active("use_model")
        return self._run_artifacts().use_model(name)

    def link_artifact(
        self, artifact: Artifact, target_path: str, aliases: list[str] | None = None
    ) -> None:
        """Link a logged artifact into the collection ``[entity/][project/]name``
        (a registry collection: project ``model-registry``), with ``aliases``."""
        self._check_active("link_artifact")
        self._run_artifacts().link(artifact, target_path, aliases)

    def link_model(
        self,
        path: str | os.PathLike[str],
        registered_model_name: str,
        name: str | None = None,
        aliases: list[str] | None = None,
    ) -> None:
        """Log a model (as :meth:`log_model`) and link it into the entity's model
        registry collection ``registered_model_name``."""
        self._check_active("link_model")
        self._run_artifacts().link_model(path, registered_model_name, name, aliases)

    def _store_run_dir(self) -> None:
        """Files written into ``run.dir`` are stored at finish, named relative to it
        (wandb's ``files/`` directory)."""
        if not self._dir.is_dir():
            return
        try:
            self._store_files(os.path.join(glob_escape(str(self._dir)), "**", "*"), self._dir)
        except (OSError, ValueError) as exc:
            termwarn(f"could not store the files in the run's directory {self._dir}: {exc}")

    def log_code(
        self,
        root: str | os.PathLike[str] | None = ".",
        name: str | None = None,
        include_fn: Callable[..., bool] | None = None,
        exclude_fn: Callable[..., bool] | None = None,
    ) -> list[str] | None:
        """Store source files with the run, as ``code/<path relative to root>``
        (``wandb.Run.log_code``).

        Args:
            root: the directory searched, recursively (default: the working directory).
            name: accepted for wandb compatibility (wandb names the code artifact so);
                the files are run files under ``code/`` here.
            include_fn: ``fn(path, root)`` or ``fn(path)``; default: ``*.py`` files,
                ``requirements.txt`` and ``Dockerfile*``.
            exclude_fn: ``fn(path, root)`` or ``fn(path)``; default: virtual
                environments, ``site-packages``, ``.git``, ``__pycache__``,
                ``node_modules``, ``wandb`` and ``.runyard`` directories.

        Returns:
            The stored names (``["code/train.py", …]``), or None when no file matched
            (wandb returns its code artifact, or None).
        """
        from runyard.sdk.metadata import code_files

        if self._finished:
            raise UsageError(
                f"Run ({self._ref.run_id}) is finished. The call to `log_code` will be ignored."
            )
        found = code_files(root if root is not None else ".", include_fn, exclude_fn)
        names = []
        for relative, path in found:
            stored = f"code/{relative}"
            self._spool.put_file(stored, path)
            names.append(stored)
        return names or None

    # -- lifecycle --------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Flush everything to the store and mark the run finished (or failed)."""
        state = "finished" if not exit_code else "failed"
        self._finish(state, exit_code or 0)

    def _finish(self, state: str, exit_code: int | None) -> None:
        if self._finished:
            return
        context = self._context
        if context is not None:
            # First: the last console chunk and a last system sample, before anything
            # else is printed or waited for.
            context.stop(state, exit_code, time.time() - self._t0)
        self._store_run_dir()
        for pattern, base_path in self._saved_globs:
            try:
                self._store_files(pattern, base_path)
            except (OSError, ValueError) as exc:
                termwarn(f"could not store the files matching {pattern!r}: {exc}")
        runtime = time.time() - self._t0
        try:
            # Into the space the journal keeps for it, even when the disk is full.
            self._journal.append_last(self._packb((Rec.EXIT, state, exit_code, runtime)))
        except OSError as exc:
            self._journal_error(exc)
        self._finished = True
        if self._dropped:
            termwarn(
                f"{self._dropped:,} records were not journalled (the journal "
                f"{self._journal.path} could not grow) and are lost; everything logged "
                "before is kept"
            )
        self.config.lock()
        from runyard.sdk.init import forget_run

        forget_run(self, finished=state == "finished")
        writer = self._writer
        if writer is None and "_artifacts" in self.__dict__:
            self.__dict__["_artifacts"].finished()  # stored by `runyard sync`
        if writer is None:  # offline: the journal is the run
            self._journal.close()
            if context is not None:
                context.finish_writer(0.0)
            # (`runyard sync <journal>` takes its side journal too.)
            termlog(
                f"You can sync this run to a server by running:\nrunyard sync {self._journal.path}"
            )
            return
        writer.request_stop()
        if context is not None:
            context.stop_writer()  # the side journal's rest goes in meanwhile
        if writer.degraded:
            termlog(
                f"waiting up to {writer.stop_timeout:.0f} s for {writer.store_name} to take the "
                "rest of this run (RUNYARD_FINISH_TIMEOUT)"
            )
        # A failing store: the writer gives up after stop_timeout, before this does.
        writer.join(max(self._settings.finish_timeout, writer.stop_timeout) + 5.0)
        if context is not None:
            # When the main journal did not get through (a refused key, a store that is
            # down), neither will the side journal: keep it for `runyard sync` without
            # waiting.
            context.finish_writer(writer.stop_timeout + 5.0 if writer.drained else 0.0)
        artifacts = self.__dict__.get("_artifacts")
        if artifacts is not None:  # what the writer did not store stays in the journal
            artifacts.finished()
        if writer.drained:
            # The last batch also dropped the store's record of this journal.
            self._journal.close(trim=False)
            os.unlink(self._journal.path)
        else:
            self._journal.close()
            termwarn(self._unwritten_message(writer))
        if writer.drained and writer.store is not None:
            from runyard.sdk.writer import settle_soon

            # Once for both writers, not waited for (housekeeping: all is committed),
            # and last: its thread would hold the GIL from what finish has left to do.
            settle_soon(writer.store, self._ref if writer.sealed_later else None)

    def _unwritten_message(self, writer: Writer) -> str:
        """What to do with a journal the store did not take: `runyard sync` it, unless
        the store is an SQLite file that is damaged (syncing into it cannot succeed)."""
        from runyard.journal.replay import corrupt_sqlite_file, corrupt_store_advice

        head = (
            f"run {self.path} could not be fully written to the store {writer.store_name}"
            + (" (it refused the API key)" if writer.refused else "")
            + f"; its data is kept in {self._journal.path}"
        )
        db = corrupt_sqlite_file(self._settings.store_uri, writer.last_error)
        if db is not None:
            advice = corrupt_store_advice(db, str(self._journal.path))
            return f"{head}. {writer.last_error}: {advice}"
        login = "runyard login --relogin && " if writer.refused else ""
        return f"{head}. Upload it with:\n{login}runyard sync {self._journal.path}"

    # -- calls frameworks make (Lightning, Transformers: docs/integrations.md) ----
    def watch(
        self,
        models: Any,
        criterion: Any = None,
        log: str | None = "gradients",
        log_freq: int = 1000,
        idx: int | None = None,
        log_graph: bool = False,
    ) -> None:
        """Log gradient and/or parameter histograms of torch ``models`` every
        ``log_freq`` steps, under wandb's keys (see :mod:`runyard.sdk.watch`)."""
        self._check_active("watch")
        from runyard.sdk.watch import watch

        watch(self, models, criterion, log=log, log_freq=log_freq, idx=idx, log_graph=log_graph)

    def unwatch(self, models: Any = None) -> None:
        """Remove the hooks ``watch`` added (of ``models``, else of every model)."""
        from runyard.sdk.watch import unwatch

        unwatch(models)

    def _label(self, code: str | None = None, repo: str | None = None, **kwargs: Any) -> None:
        """wandb's telemetry label for the integration in use; Runyard keeps none."""

    def get_url(self) -> str | None:
        """wandb's ``run.get_url()``: :attr:`url`."""
        return self.url

    def mark_preempting(self) -> None:
        """wandb marks the run as preempted so its agent requeues it; Runyard has no
        agent yet, so this only says so in the run's log."""
        termlog(f"run {self._ref.run_id} marked as preempting")

    @property
    def _attach_id(self) -> str:
        """What a child process passes to ``runyard._attach`` to log into this run
        (Lightning pickles it with its logger for ``ddp_spawn``)."""
        from runyard.sdk.init import attach_id

        return attach_id(self)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc_type is None:
            self.finish()
        elif issubclass(exc_type, KeyboardInterrupt):
            self._finish("killed", 255)
        else:
            self._finish("failed", 1)
        return False

    def __repr__(self) -> str:
        return f"<Run {self.path} step={self._step}{' finished' if self._finished else ''}>"
