"""``runyard.login()``: wandb's ``wandb.login()`` for scripts that call it.

With a key it checks and saves it, as the ``runyard login`` command does (see
:mod:`runyard.cli.login`; the check is :func:`runyard.store.rest.login.verify_key`,
the file :func:`runyard.settings.save_credentials`); without one it reports whether a
key is configured. A script in embedded mode has nothing to log in to, and
``login()`` returns True there so that such scripts run unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

from runyard.errors import CommError, UsageError
from runyard.settings import Settings, normalize_base_url, read_credentials, save_credentials

__all__ = ["login"]

_TIMEOUT = 10.0


def login(
    anonymous: str | None = None,
    key: str | None = None,
    relogin: bool | None = None,
    host: str | None = None,
    force: bool | None = None,
    timeout: int | None = None,
    verify: bool = False,
    referrer: str | None = None,
    **_ignored: Any,
) -> bool:
    """Log in to a team server (``wandb.login``-compatible); True when a key is set up.

    Args:
        key: an API key to save for ``host`` (default: ``RUNYARD_BASE_URL`` or the saved
            default server). Without one, the key already configured is used.
        relogin: replace a saved key with ``key``.
        host: the server URL.
        verify: check the key with the server first; a refused key raises
            :class:`~runyard.errors.CommError` and is not saved.

    Example:
        >>> import runyard as wandb
        >>> wandb.login()  # embedded mode: nothing to log in to  # doctest: +SKIP
        True
    """
    settings = Settings.from_env()
    server = host or settings.base_url
    if server is None:
        if key is not None:
            raise UsageError(
                "wandb.login(key=…) needs a server: pass host= or set RUNYARD_BASE_URL"
            )
        return True  # embedded: the store needs no key
    base_url = normalize_base_url(server)
    if key is None:
        if settings.api_key is not None or _saved(base_url):
            return True
        raise UsageError(
            f"api_key not configured for {base_url} (no-tty). Call "
            "wandb.login(key=[your_api_key]), run `runyard login`, or set RUNYARD_API_KEY"
        )
    if _saved(base_url) == key:
        return True  # nothing to change (relogin or not)
    if verify:
        from runyard.store.rest.login import verify_key  # httpx loads only here

        result = verify_key(base_url, key, timeout=float(timeout or _TIMEOUT))
        if result.status != "ok":
            raise CommError(f"could not verify the API key with {base_url}: {result.detail}")
    save_credentials(base_url, key)
    print(f"runyard: saved the API key for {base_url}", file=sys.stderr)
    return True


def _saved(base_url: str) -> str | None:
    servers = read_credentials().get("servers")
    entry = servers.get(base_url) if isinstance(servers, dict) else None
    key = entry.get("api_key") if isinstance(entry, dict) else None
    return key if isinstance(key, str) else None
