"""Credentials for a team server: checking an API key and saving it, and ``runyard.login()``.

``runyard.login()`` is wandb's ``wandb.login()`` for scripts that call it: with a key
it checks and saves it, as the ``runyard login`` command does (see
:mod:`runyard.cli.login` for the file and the checks); without one it reports
whether a key is configured. A script in embedded mode has nothing to log in to,
and ``login()`` returns True there so that such scripts run unchanged.

The standard library's ``urllib`` makes the one request, so logging in needs no
HTTP client package.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runyard.errors import CommError, UsageError
from runyard.settings import Settings, config_dir, normalize_base_url, read_credentials

__all__ = ["VerifyResult", "login", "save_credentials", "verify_key"]

#: Routes tried in order: the auth route names the user; a server without auth
#: answers the second (any authenticated read).
_VERIFY_ROUTES = ("/api/v1/auth/me", "/api/v1/projects")
_TIMEOUT = 10.0


@dataclass(frozen=True)
class VerifyResult:
    """What the server said about a key: ``ok``, ``refused`` or ``unreachable``."""

    status: str
    detail: str = ""
    user: str | None = None


def _user_from(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        if isinstance(data.get("user"), dict):
            data = data["user"]
        for field in ("username", "name", "email"):
            value = data.get(field)
            if isinstance(value, str) and value:
                return value
    return None


def verify_key(base_url: str, api_key: str, timeout: float = _TIMEOUT) -> VerifyResult:
    """Ask the server whether ``api_key`` is valid (one authenticated GET)."""
    for route in _VERIFY_ROUTES:
        request = urllib.request.Request(
            base_url + route,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return VerifyResult("ok", user=_user_from(response.read()))
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                return VerifyResult("refused", f"HTTP {exc.code}")
            if exc.code == 404:
                continue  # an older server without this route: try the next
            return VerifyResult("unreachable", f"HTTP {exc.code}")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return VerifyResult("unreachable", str(reason))
    return VerifyResult("unreachable", "the server has no Runyard API under /api/v1")


def save_credentials(base_url: str, api_key: str, directory: Path | None = None) -> Path:
    """Store ``api_key`` for ``base_url`` and make it the default server; returns the file."""
    folder = directory if directory is not None else config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "credentials"
    data: dict[str, Any] = read_credentials({"RUNYARD_CONFIG_DIR": str(folder)})
    servers = data.get("servers")
    if not isinstance(servers, dict):
        servers = {}
    servers[base_url] = {"api_key": api_key}
    data = {"default": base_url, "servers": servers}
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=folder)  # created 0600
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
