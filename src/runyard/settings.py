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
``RUNYARD_BASE_URL``        team server URL (online mode, later issue)      unset
``RUNYARD_API_KEY``         API key for the team server                     unset
``RUNYARD_SILENT``          ``true`` silences Runyard's own messages        ``false``
==========================  ==============================================  ==============
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_PROJECT", "Settings"]

DEFAULT_PROJECT = "uncategorized"
_TRUE = {"1", "true", "yes", "on"}


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(f"RUNYARD_{name}")
    if value is None:
        value = environ.get(f"WANDB_{name}")
    return value or None


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
    api_key: str | None = None
    silent: bool = False
    run_color: str | None = None
    # Seconds finish() waits for the writer before leaving the rest to the journal.
    finish_timeout: float = 60.0

    @property
    def store_uri(self) -> str:
        """The tracking store's URI: explicit, else the embedded SQLite file."""
        return self.store or f"sqlite:///{self.root_dir / 'runyard.db'}"

    @property
    def blobs_uri(self) -> str:
        """Where media, tensors and run files go."""
        return f"file://{self.root_dir / 'blobs'}"

    @property
    def journal_dir(self) -> Path:
        """Journals of runs whose rows are not all in the store yet."""
        return self.root_dir / "journals"

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
        return replace(self, **values)
