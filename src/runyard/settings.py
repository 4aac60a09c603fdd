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
==========================  ==============================================  ==============

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
from dataclasses import dataclass, field, replace
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


@dataclass(frozen=True)
class Settings:
    """Where Runyard keeps data and how a run behaves.

    Example:
        >>> s = Settings(root_dir=Path("/tmp/ry"))
        >>> s.store_uri
        'sqlite:////tmp/ry/runyard.db'
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
        return cls(**kwargs)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Settings:
        """Apply ``init(settings=…)``; unknown names raise ``TypeError`` naming them."""
        if not overrides:
            return self
        known = set(self.__dataclass_fields__)
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown!r}; known settings: {sorted(known)}")
        values = dict(overrides)
        if "root_dir" in values:
            values["root_dir"] = Path(values["root_dir"]).expanduser()
        if values.get("base_url") and "api_key" not in values:
            # Another server than the environment's: its own key (env, else saved).
            values["api_key"] = api_key_for(values["base_url"])
        return replace(self, **values)


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
