"""``runyard login``: save a server URL and API key for the SDK, ``runyard sync`` and ``Api()``.

The credentials go to ``<config dir>/credentials`` (``$RUNYARD_CONFIG_DIR``, else
``~/.config/runyard``; see :mod:`runyard.settings` for the format), created with mode
0600 in a 0700 directory and replaced atomically, so a reader never sees half a
file and other users never see the key. One file holds a key per server plus the
default server; ``RUNYARD_BASE_URL``/``RUNYARD_API_KEY`` still win over it.

The key comes from the command line, from standard input (``-``, or whenever stdin
is not a terminal, so ``echo $KEY | runyard login --host …`` works in CI) or from a
hidden prompt. It is checked against the server before it is saved: a key the
server refuses is never saved; a server that cannot be reached gets the key saved
with a warning (logging in on a login node before the server is up is legitimate).
The standard library's ``urllib`` does the one request, so the command needs no
HTTP client package.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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


def _read_key(key: str | None, stdin: TextIO) -> str:
    if key is not None and key != "-":
        return key.strip()
    if key == "-" or not stdin.isatty():
        return stdin.readline().strip()
    return getpass.getpass("Paste an API key from your Runyard server's settings page: ").strip()


def login(
    key: str | None = None,
    host: str | None = None,
    relogin: bool = False,
    verify: bool = True,
    stdin: TextIO | None = None,
) -> int:
    """The command; returns the exit status (0 saved or already logged in, 1 refused)."""
    stdin = stdin if stdin is not None else sys.stdin
    saved = read_credentials()
    chosen = host or Settings.from_env().base_url
    if not isinstance(chosen, str) or not chosen:
        print(
            "runyard: no server to log in to: pass --host https://runyard.example.com "
            "or set RUNYARD_BASE_URL",
            file=sys.stderr,
        )
        return 2
    try:
        base_url = normalize_base_url(chosen)
    except ValueError as exc:
        print(f"runyard: {exc}", file=sys.stderr)
        return 2
    servers = saved.get("servers")
    known = isinstance(servers, dict) and isinstance(servers.get(base_url), dict)
    if known and key is None and not relogin:
        print(
            f"runyard: already logged in to {base_url} "
            "(use `runyard login --relogin` to change the key)"
        )
        return 0
    api_key = _read_key(key, stdin)
    if not api_key:
        print("runyard: no API key given", file=sys.stderr)
        return 2
    if verify:
        result = verify_key(base_url, api_key)
        if result.status == "refused":
            print(
                f"runyard: {base_url} refused this API key ({result.detail}); nothing was saved",
                file=sys.stderr,
            )
            return 1
        if result.status == "unreachable":
            print(
                f"runyard: could not reach {base_url} to check the key ({result.detail}); "
                "saving it anyway",
                file=sys.stderr,
            )
        elif result.user:
            print(f"runyard: logged in to {base_url} as {result.user}")
        else:
            print(f"runyard: logged in to {base_url}")
    path = save_credentials(base_url, api_key)
    print(f"runyard: saved the API key for {base_url} in {path}")
    return 0
