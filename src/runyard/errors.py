"""Runyard's exceptions, shaped like wandb's so `except wandb.Error` keeps working.

The tree::

    Error                      wandb.Error / wandb.errors.Error: base of everything we raise
    ├── UsageError             the API was called the wrong way (bad id, finished run, ...)
    ├── ConfigError            changing a config value without allow_val_change
    ├── CommError              a store or server could not be reached or refused a request
    │   ├── AuthError          the server refused the credentials (HTTP 401/403)
    │   └── RunNotFoundError   the public API was asked for a run that does not exist
    └── StoreError             the store is unusable as it is (schema behind, bad URI, ...)
        └── BatchRefusedError  the store refused one batch for its content (also a ValueError);
                               it will refuse it again, other batches are unaffected

Types are plain subclasses so that code written for wandb (`except wandb.Error`) and
for Python (`except ValueError` where wandb raises ValueError) both behave.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BatchRefusedError",
    "CommError",
    "ConfigError",
    "Error",
    "RunNotFoundError",
    "StoreError",
    "UsageError",
]


class Error(Exception):
    """Base class of every Runyard error (wandb's ``wandb.Error``)."""


class UsageError(Error):
    """The API was used in a way it does not support."""


class ConfigError(Error):
    """A config value was changed without ``allow_val_change=True``."""


class CommError(Error):
    """A store or server could not be reached or refused the request."""


class AuthError(CommError):
    """The server refused the API key or session (HTTP 401 or 403)."""


class RunNotFoundError(CommError, ValueError):
    """The requested run does not exist."""


class StoreError(Error):
    """The store cannot be used as it is (bad URI, schema behind the code, ...)."""


class BatchRefusedError(StoreError, ValueError):
    """The store refused a batch for what it holds (a value or key it cannot store).

    Unlike a store that is down, retrying the same batch fails again: the writer keeps
    it in the run's journal, reports it once and goes on with the batches after it.
    Raised by the SQL store on database data errors and by the server client on an
    HTTP 400, 413 or 422 answer to a batch.
    """
