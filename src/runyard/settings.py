"""One frozen `Settings` object; environment variables are read here and nowhere else.

Variables (wandb's ``WANDB_*`` names are honoured as fallbacks so existing job
scripts keep working):

==========================  ==============================================  ==============
variable                    meaning                                         default
==========================  ==============================================  ==============
``RUNYARD_DIR``             root of the embedded store and run journals     ``~/.runyard``
``RUNYARD_MODE``            ``online``/``offline``/``disabled``             ``online``
``RUNYARD_PROJECT``         default project                                 ``uncategorized``
``RUNYARD_ENTITY``          default entity (user or team)                   the OS user
``RUNYARD_STORE``           tracking store URI (``sqlite:///…``)            the embedded DB
``RUNYARD_BASE_URL``        team server URL (online mode)                   credentials file
``RUNYARD_API_KEY``         API key for the team server                     credentials file
``RUNYARD_SILENT``          ``true`` silences Runyard's own messages        ``false``
``RUNYARD_FINISH_TIMEOUT``  seconds ``finish()`` waits for the store        ``60``
``RUNYARD_CONFIG_DIR``      where ``runyard login`` keeps credentials       ``~/.config/runyard``
``RUNYARD_BLOBS``           blob store URI (``file:///…``, ``s3://…``)      ``<DIR>/blobs``
``RUNYARD_S3_ENDPOINT_URL`` S3-compatible endpoint (MinIO, moto); else      AWS
                            ``AWS_ENDPOINT_URL_S3``
``RUNYARD_MAX_UPLOAD_BYTES`` largest file the server accepts in one PUT     64 MiB
``RUNYARD_ALLOWED_HOSTS``   more host names the UI/server answers for       loopback, the
                            (comma-separated; a proxy's public name)        bound host
``RUNYARD_WANDB_TIMEOUT``   seconds without a heartbeat after which the     ``300``
                            server marks a wandb client's run ``crashed``
==========================  ==============================================  ==============

wandb's ``Settings`` fields (``console``, ``disable_git``, ``x_stats_sampling_interval``,
``x_disable_stats`` …) are read from ``RUNYARD_<NAME>`` or ``WANDB_<NAME>`` too (the
``run_*`` ones from ``WANDB_NAME``, ``WANDB_NOTES``, ``WANDB_TAGS``, ``WANDB_RUN_GROUP``,
``WANDB_JOB_TYPE``); see docs/compat.md, "Settings".

The tracking store is ``RUNYARD_STORE`` when set, else the team server named by
``RUNYARD_BASE_URL`` (online mode), else the embedded SQLite file.

Credentials: ``runyard login`` writes ``<config dir>/credentials`` (JSON, mode 0600):
``{"default": url, "servers": {url: {"api_key": key}}}``. When ``RUNYARD_BASE_URL``
(and ``RUNYARD_STORE``) is unset the default server is used; when ``RUNYARD_API_KEY``
is unset the key saved for the chosen server is (as ``~/.netrc`` works for wandb, but
in a file of our own). Environment variables always win over the file.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_PROJECT",
    "Settings",
    "api_key_for",
    "config_dir",
    "display_uri",
    "normalize_base_url",
    "read_credentials",
    "save_credentials",
    "store_slug",
]

DEFAULT_PROJECT = "uncategorized"
DEFAULT_FINISH_TIMEOUT = 60.0
_TRUE = {"1", "true", "yes", "on"}


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(f"RUNYARD_{name}")
    if value is None:
        value = environ.get(f"WANDB_{name}")
    return value or None


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$RUNYARD_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/runyard``, else ``~/.config/runyard``."""
    env = os.environ if environ is None else environ
    chosen = env.get("RUNYARD_CONFIG_DIR")
    if chosen:
        return Path(chosen).expanduser()
    xdg = env.get("XDG_CONFIG_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".config") / "runyard"


def normalize_base_url(url: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash; others raise ``ValueError``."""
    text = url.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", text):
        raise ValueError(
            f"invalid server URL {url!r}: expected http://host[:port] or https://host[:port]"
        )
    return text


def read_credentials(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The saved credentials (see the module docstring); ``{}`` when absent or unreadable.

    A damaged file must not stop a training script: it reads as no credentials.
    """
    try:
        data = json.loads((config_dir(environ) / "credentials").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_credentials(base_url: str, api_key: str, directory: Path | None = None) -> Path:
    """Save ``api_key`` for ``base_url`` and make it the default server; returns the file.

    The file is written 0600 in a 0700 directory and replaced atomically, so a reader
    never sees half a file and other users never see the key.
    """
    import tempfile

    folder = directory if directory is not None else config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "credentials"
    data = read_credentials({"RUNYARD_CONFIG_DIR": str(folder)})
    servers = data.get("servers")
    if not isinstance(servers, dict):
        servers = {}
    servers[base_url] = {"api_key": api_key}
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=folder)  # created 0600
    try:
        with os.fdopen(fd, "w") as out:
            json.dump({"default": base_url, "servers": servers}, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _saved_api_key(credentials: Mapping[str, Any], base_url: str) -> str | None:
    servers = credentials.get("servers")
    if not isinstance(servers, dict):
        return None
    entry = servers.get(base_url)
    key = entry.get("api_key") if isinstance(entry, dict) else None
    return key if isinstance(key, str) and key else None


def _add_credentials(env: Mapping[str, str], kwargs: dict[str, Any]) -> None:
    """Fill ``base_url``/``api_key`` from the credentials file where the environment did not."""
    if "api_key" in kwargs and ("base_url" in kwargs or "store" in kwargs):
        return
    credentials = read_credentials(env)
    if not credentials:
        return
    if "base_url" not in kwargs and "store" not in kwargs:
        default = credentials.get("default")
        if isinstance(default, str) and default:
            kwargs["base_url"] = default
    if "api_key" not in kwargs:
        server = kwargs.get("base_url") or kwargs.get("store") or ""
        saved = _saved_api_key(credentials, server.rstrip("/"))
        if saved is not None:
            kwargs["api_key"] = saved


def api_key_for(server_url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The API key for ``server_url``: ``RUNYARD_API_KEY`` (or ``WANDB_API_KEY``), else the
    key ``runyard login`` saved for that server."""
    env = os.environ if environ is None else environ
    key = _env(env, "API_KEY")
    if key is not None:
        return key
    return _saved_api_key(read_credentials(env), server_url.rstrip("/"))


def _default_entity() -> str:
    try:
        return getpass.getuser() or "local"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "local"


CONSOLE_MODES = ("auto", "off", "wrap", "redirect", "wrap_raw", "wrap_emu")
RESUME_MODES = ("allow", "must", "never", "auto")

#: wandb ``Settings`` fields Runyard keeps as typed attributes, under wandb's names,
#: with the kind of value each holds (values from the environment are text, converted
#: by kind). Parts of Runyard read them from ``run.settings``: console capture
#: (``console``), the system-metrics sampler (``x_stats_sampling_interval``,
#: ``x_disable_stats``, ``x_stats_*``), run metadata (``disable_git``, ``disable_code``,
#: ``save_code``, ``code_dir``, ``program``, ``x_disable_meta``, ``x_save_requirements``).
_WANDB_TYPED: dict[str, str] = {
    "console": "console",
    "console_multipart": "bool",
    "start_method": "str?",
    "disable_git": "bool",
    "disable_code": "bool",
    "save_code": "bool?",
    "code_dir": "str?",
    "program": "str?",
    "ignore_globs": "strs",
    "quiet": "bool",
    "show_info": "bool",
    "show_warnings": "bool",
    "show_errors": "bool",
    "init_timeout": "float",
    "sync_tensorboard": "bool?",
    "run_id": "str?",
    "run_name": "str?",
    "run_notes": "str?",
    "run_group": "str?",
    "run_job_type": "str?",
    "run_tags": "strs?",
    "resume": "resume",
    "resume_from": "str?",
    "fork_from": "str?",
    "x_stats_sampling_interval": "interval",
    "x_disable_stats": "bool",
    "x_disable_meta": "bool",
    "x_disable_machine_info": "bool",
    "x_save_requirements": "bool",
    "x_stats_gpu_device_ids": "ints?",
    "x_stats_disk_paths": "strs",
    "x_stats_track_process_tree": "bool",
    "x_label": "str?",
    "x_primary": "bool",
    "silent": "bool",
}

#: The other fields of wandb 0.31's ``Settings``: accepted (scripts pass them) and kept
#: in ``Settings.wandb_extras``, with no effect in Runyard.
WANDB_ACCEPTED: frozenset[str] = frozenset(
    [
        "allow_media_symlink",
        "allow_offline_artifacts",
        "allow_val_change",
        "anonymous",
        "app_url_override",
        "azure_account_url_to_access_key",
        "capture_loggers",
        "config_paths",
        "console_chunk_max_bytes",
        "console_chunk_max_seconds",
        "credentials_file",
        "disable_git_fork_point",
        "disable_job_creation",
        "docker",
        "email",
        "finish_timeout_raises",
        "force",
        "git_commit",
        "git_remote",
        "git_remote_url",
        "git_root",
        "heartbeat_seconds",
        "host",
        "http_proxy",
        "https_proxy",
        "identity_token_file",
        "insecure_disable_ssl",
        "job_name",
        "job_source",
        "label_disable",
        "launch",
        "launch_config_path",
        "login_timeout",
        "max_end_of_run_history_metrics",
        "max_end_of_run_summary_metrics",
        "notebook_name",
        "organization",
        "program_abspath",
        "program_relpath",
        "reinit",
        "relogin",
        "resumed",
        "sagemaker_disable",
        "settings_system",
        "show_colors",
        "show_emoji",
        "stop_fn",
        "stop_on_fatal_error",
        "strict",
        "summary_timeout",
        "summary_warnings",
        "sweep_id",
        "sweep_param_path",
        "symlink",
        "table_raise_on_max_row_limit_exceeded",
        "use_dot_wandb",
        "username",
        "x_cli_only_mode",
        "x_disable_viewer",
        "x_executable",
        "x_extra_http_headers",
        "x_file_stream_max_bytes",
        "x_file_stream_max_line_bytes",
        "x_file_stream_retry_max",
        "x_file_stream_retry_wait_max_seconds",
        "x_file_stream_retry_wait_min_seconds",
        "x_file_stream_timeout_seconds",
        "x_file_stream_transmit_interval",
        "x_file_transfer_retry_max",
        "x_file_transfer_retry_wait_max_seconds",
        "x_file_transfer_retry_wait_min_seconds",
        "x_file_transfer_timeout_seconds",
        "x_files_dir",
        "x_flow_control_custom",
        "x_flow_control_disabled",
        "x_graphql_retry_max",
        "x_graphql_retry_wait_max_seconds",
        "x_graphql_retry_wait_min_seconds",
        "x_graphql_timeout_seconds",
        "x_internal_check_process",
        "x_jupyter_name",
        "x_jupyter_path",
        "x_jupyter_root",
        "x_live_policy_rate_limit",
        "x_live_policy_wait_time",
        "x_log_level",
        "x_network_buffer",
        "x_proxies",
        "x_runqueue_item_id",
        "x_server_side_derived_summary",
        "x_server_side_expand_glob_metrics",
        "x_service_transport",
        "x_service_wait",
        "x_skip_transaction_log",
        "x_start_time",
        "x_stats_buffer_size",
        "x_stats_coreweave_metadata_base_url",
        "x_stats_coreweave_metadata_endpoint",
        "x_stats_cpu_count",
        "x_stats_cpu_logical_count",
        "x_stats_dcgm_exporter",
        "x_stats_gpu_count",
        "x_stats_gpu_type",
        "x_stats_neuron_monitor_config_path",
        "x_stats_no_cgroup",
        "x_stats_open_metrics_endpoints",
        "x_stats_open_metrics_filters",
        "x_stats_open_metrics_http_headers",
        "x_stats_pid",
        "x_sync",
        "x_sync_dir_suffix",
        "x_update_finish_state",
    ]
)

#: Environment names of typed fields that differ from ``RUNYARD_<FIELD>``/``WANDB_<FIELD>``.
_ENV_NAMES = {
    "run_name": "NAME",
    "run_notes": "NOTES",
    "run_tags": "TAGS",
    "run_group": "RUN_GROUP",
    "run_job_type": "JOB_TYPE",
}
_FALSE = {"0", "false", "no", "off", ""}


def _wandb_name(name: str) -> str:
    """wandb's spelling of a setting: older private names (``_disable_stats``) are the
    ``x_`` ones (as wandb's ``Settings`` maps them); ``x_primary_node`` is ``x_primary``."""
    if name.startswith("_"):
        name = "x" + name
    return "x_primary" if name == "x_primary_node" else name


def _bad(name: str, value: Any, expected: str) -> ValueError:
    return ValueError(f"invalid value for setting {name!r}: {value!r}; expected {expected}")


def _to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _bad(name, value, "a bool")


def _to_float(name: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _bad(name, value, "a number")


def _to_strs(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _bad(name, value, "a list of strings")


def _convert(name: str, value: Any) -> Any:
    """``value`` as the typed field ``name`` holds it; ``ValueError`` naming both if not."""
    kind = _WANDB_TYPED.get(name)
    if kind is None:
        return Path(value).expanduser() if name == "root_dir" else value
    if value is None and (kind.endswith("?") or kind == "resume"):
        return None
    if kind in ("bool", "bool?"):
        return _to_bool(name, value)
    if kind == "float":
        return _to_float(name, value)
    if kind == "interval":
        seconds = _to_float(name, value)
        if seconds < 0.1:  # wandb's limit
            raise _bad(name, value, "at least 0.1 seconds")
        return seconds
    if kind == "str?":
        if not isinstance(value, (str, os.PathLike)):
            raise _bad(name, value, "a string")
        return os.fspath(value)
    if kind in ("strs", "strs?"):
        return _to_strs(name, value)
    if kind == "ints?":
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in items
        ):
            raise _bad(name, value, "a list of GPU indices")
        return tuple(items)
    if kind == "console":
        if value not in CONSOLE_MODES:
            raise _bad(name, value, "one of " + ", ".join(map(repr, CONSOLE_MODES)))
        return value
    if kind == "resume":
        if value is True or value is False:
            return "auto" if value else None  # as wandb's Settings reads them
        if value not in RESUME_MODES:
            raise _bad(name, value, "one of " + ", ".join(map(repr, RESUME_MODES)))
        return value
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


@dataclass(frozen=True, init=False)
class Settings:
    """Where Runyard keeps data and how a run behaves.

    Takes wandb's ``Settings`` fields too (``console``, ``disable_git``,
    ``x_stats_sampling_interval``, ``_disable_stats`` …: see docs/compat.md): the ones
    Runyard uses are attributes of the same name, the others are kept in
    ``wandb_extras``; any other name is a ``TypeError`` naming it.

    Example:
        >>> s = Settings(root_dir=Path("/tmp/ry"), console="off")
        >>> s.store_uri, s.console
        ('sqlite:////tmp/ry/runyard.db', 'off')
    """

    root_dir: Path = field(default_factory=lambda: Path.home() / ".runyard")
    mode: str = "online"
    project: str = DEFAULT_PROJECT
    entity: str = field(default_factory=_default_entity)
    store: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never printed
    silent: bool = False
    run_color: str | None = None
    # Seconds finish() waits for the writer (retrying a failing store) before it
    # leaves the rest to the journal and says how to upload it (`runyard sync`).
    finish_timeout: float = DEFAULT_FINISH_TIMEOUT
    blobs: str | None = None
    s3_endpoint_url: str | None = None
    max_upload_bytes: int = 64 << 20
    allowed_hosts: tuple[str, ...] = ()
    #: A run logged by the wandb client whose heartbeat is this old is ``crashed``.
    wandb_timeout: float = 300.0
    # -- wandb's settings, under wandb's names (see _WANDB_TYPED) ---------------
    #: Console capture: "auto", "off", "wrap", "redirect" ("wrap_raw", "wrap_emu").
    console: str = "auto"
    console_multipart: bool = False
    start_method: str | None = None  # accepted; Runyard starts no service process
    disable_git: bool = False
    disable_code: bool = False
    save_code: bool | None = None
    code_dir: str | None = None
    program: str | None = None
    ignore_globs: tuple[str, ...] = ()
    #: Fewer messages: ``init`` does not say what it tracks (``silent`` says nothing).
    quiet: bool = False
    show_info: bool = True
    show_warnings: bool = True
    show_errors: bool = True
    init_timeout: float = 90.0  # accepted; ``init`` never waits for a server
    sync_tensorboard: bool | None = None
    run_id: str | None = None
    run_name: str | None = None
    run_notes: str | None = None
    run_group: str | None = None
    run_job_type: str | None = None
    run_tags: tuple[str, ...] | None = None
    resume: str | None = None
    resume_from: str | None = None
    fork_from: str | None = None
    #: Seconds between system-metric samples (wandb's default, 15).
    x_stats_sampling_interval: float = 15.0
    x_disable_stats: bool = False
    x_disable_meta: bool = False
    x_disable_machine_info: bool = False
    x_save_requirements: bool = True
    x_stats_gpu_device_ids: tuple[int, ...] | None = None
    x_stats_disk_paths: tuple[str, ...] = ("/",)
    x_stats_track_process_tree: bool = False
    x_label: str | None = None
    x_primary: bool = True
    #: wandb settings Runyard accepts without acting on them (``WANDB_ACCEPTED``).
    wandb_extras: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: The names given to the constructor (what ``init(settings=Settings(...))`` applies).
    explicit: frozenset[str] = field(
        init=False, default=frozenset(), repr=False, compare=False, hash=False
    )

    def __init__(self, **values: Any) -> None:
        own = {name: f for name, f in self.__dataclass_fields__.items() if f.init}
        given: dict[str, Any] = {}
        extras = dict(values.pop("wandb_extras", None) or {})
        for raw, value in values.items():
            name = raw if raw in own else _wandb_name(raw)
            if name in own:
                given[name] = _convert(name, value)
            elif name in WANDB_ACCEPTED:
                extras[name] = value
            else:
                raise TypeError(_unknown_message(raw, set(own) | WANDB_ACCEPTED))
        for name, spec in own.items():
            if name in given:
                value = given[name]
            elif spec.default_factory is not MISSING:
                value = spec.default_factory()
            else:
                value = spec.default
            object.__setattr__(self, name, value)
        object.__setattr__(self, "wandb_extras", extras)
        object.__setattr__(self, "explicit", frozenset(given) | frozenset(extras))

    @property
    def show_messages(self) -> bool:
        """True when ``init`` may say what it tracks (not ``silent``, ``quiet`` nor
        ``show_info=False``)."""
        return not (self.silent or self.quiet or not self.show_info)

    def explicit_values(self) -> dict[str, Any]:
        """The settings given to the constructor, as ``with_overrides`` takes them."""
        out = {
            name: getattr(self, name) for name in self.explicit if name in self.__dataclass_fields__
        }
        out.update({name: v for name, v in self.wandb_extras.items() if name in self.explicit})
        return out

    @property
    def store_uri(self) -> str:
        """The tracking store's URI: explicit, else the team server, else the embedded file."""
        if self.store:
            return self.store
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"sqlite:///{self.root_dir / 'runyard.db'}"

    @property
    def local_store_uri(self) -> str:
        """The store a local command serves or manages (``runyard ui``, ``server``, ``db``,
        ``admin``): explicit, else the embedded file; never the server the SDK logs to
        (a machine logged in to a server still serves and upgrades its own store)."""
        return self.store or f"sqlite:///{self.root_dir / 'runyard.db'}"

    @property
    def remote(self) -> bool:
        """True when the tracking store is a server reached over HTTP."""
        return self.store_uri.startswith(("http://", "https://"))

    @property
    def blobs_uri(self) -> str:
        """Where media, tensors and run files go: explicit, else ``<root_dir>/blobs``.

        (In online mode, without ``RUNYARD_BLOBS``, runs send their files to the
        server instead: see :mod:`runyard.sdk.files`.)
        """
        return self.blobs or f"file://{self.root_dir / 'blobs'}"

    @property
    def journal_dir(self) -> Path:
        """Journals of online runs whose rows are not all in the store yet."""
        return self.journal_dir_for(self.store_uri)

    def journal_dir_for(self, store_uri: str) -> Path:
        """The journal directory of runs writing to ``store_uri``.

        Each server has its own directory, ``journals/<host>-<hash of its URI>/``, so
        that opening a local store (``runyard ui``) never takes in a run that was
        meant for a team server, and a server's journals go only to that server.
        Local SQL stores share ``journals/`` (the embedded behaviour: whichever
        opens first replays them).
        """
        base = self.root_dir / "journals"
        if not store_uri.startswith(("http://", "https://")):
            return base
        return base / store_slug(store_uri)

    @property
    def offline_dir(self) -> Path:
        """Journals of ``mode="offline"`` runs (kept after ``runyard sync`` unless ``--clean``)."""
        return self.root_dir / "offline"

    def ui_command(self) -> str:
        """The ``runyard ui`` command that serves this store, with the environment it
        needs when that is not the default one (said by ``init`` and ``runyard demo``)."""
        import shlex

        if self.store:
            return f"RUNYARD_STORE={shlex.quote(display_uri(self.store))} runyard ui"
        if self.root_dir != Path.home() / ".runyard":
            return f"RUNYARD_DIR={shlex.quote(str(self.root_dir))} runyard ui"
        return "runyard ui"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``RUNYARD_*`` (or ``WANDB_*``) environment variables."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, Any] = {}
        if (root := _env(env, "DIR")) is not None:
            kwargs["root_dir"] = Path(root).expanduser()
        for name, attr in (
            ("MODE", "mode"),
            ("PROJECT", "project"),
            ("ENTITY", "entity"),
            ("STORE", "store"),
            ("BASE_URL", "base_url"),
            ("API_KEY", "api_key"),
        ):
            if (value := _env(env, name)) is not None:
                kwargs[attr] = value
        if (silent := _env(env, "SILENT")) is not None:
            kwargs["silent"] = silent.lower() in _TRUE
        if (timeout := _env(env, "FINISH_TIMEOUT")) is not None:
            try:
                kwargs["finish_timeout"] = max(0.0, float(timeout))
            except ValueError:
                raise ValueError(
                    f"RUNYARD_FINISH_TIMEOUT must be a number of seconds, got {timeout!r}"
                ) from None
        _add_credentials(env, kwargs)
        if blobs := env.get("RUNYARD_BLOBS"):
            kwargs["blobs"] = blobs
        if endpoint := env.get("RUNYARD_S3_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL_S3"):
            kwargs["s3_endpoint_url"] = endpoint
        if limit := env.get("RUNYARD_MAX_UPLOAD_BYTES"):
            try:
                kwargs["max_upload_bytes"] = int(limit)
            except ValueError:
                raise ValueError(
                    f"RUNYARD_MAX_UPLOAD_BYTES must be a number of bytes, got {limit!r}"
                ) from None
        if hosts := env.get("RUNYARD_ALLOWED_HOSTS"):
            kwargs["allowed_hosts"] = tuple(h.strip() for h in hosts.split(",") if h.strip())
        if timeout := env.get("RUNYARD_WANDB_TIMEOUT"):
            try:
                kwargs["wandb_timeout"] = max(1.0, float(timeout))
            except ValueError:
                raise ValueError(
                    f"RUNYARD_WANDB_TIMEOUT must be a number of seconds, got {timeout!r}"
                ) from None
        for name in _WANDB_TYPED:
            if name == "silent":
                continue  # read above
            text = _env(env, _ENV_NAMES.get(name, name.upper()))
            if text is None and name.startswith("x_"):
                text = env.get("WANDB__" + name[2:].upper()) or None  # wandb's older spelling
            if text is not None:
                try:
                    kwargs[name] = _convert(name, text)
                except ValueError as exc:
                    raise ValueError(f"environment: {exc}") from None
        return cls(**kwargs)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Settings:
        """Apply ``init(settings=…)``; unknown names raise ``TypeError`` naming them."""
        if not overrides:
            return self
        values: dict[str, Any] = {}
        extras = dict(self.wandb_extras)
        own = {name for name, f in self.__dataclass_fields__.items() if f.init}
        for raw, value in overrides.items():
            name = raw if raw in own else _wandb_name(raw)
            if name in own and name != "wandb_extras":
                values[name] = _convert(name, value)
            elif name in WANDB_ACCEPTED:
                extras[name] = value
            else:
                raise TypeError(_unknown_message(raw, own | WANDB_ACCEPTED))
        if values.get("base_url") and "api_key" not in values:
            # Another server than the environment's: its own key (env, else saved).
            values["api_key"] = api_key_for(values["base_url"])
        return replace(self, **values, wandb_extras=extras)


def _unknown_message(name: str, known: set[str] | frozenset[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"unknown setting {name!r}{hint} (see docs/compat.md for the settings Runyard takes)"


def store_slug(uri: str) -> str:
    """A directory name for a store: readable host (or file) name plus a hash of the URI."""
    digest = hashlib.sha1(uri.encode()).hexdigest()[:10]
    tail = uri.split("://", 1)[-1].split("@")[-1]  # no user:password in a directory name
    readable = re.sub(r"[^A-Za-z0-9.]+", "-", tail).strip("-.")[:40] or "store"
    return f"{readable}-{digest}"


def display_uri(uri: str) -> str:
    """``uri`` without its password, for messages (``postgresql://u:secret@h/db``)."""
    head, sep, tail = uri.partition("://")
    netloc, slash, rest = tail.partition("/")
    if sep and "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        return f"{head}://{credentials.split(':', 1)[0]}@{host}{slash}{rest}"
    return uri
