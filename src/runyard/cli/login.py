"""``runyard login``: save a server URL and API key for the SDK, ``runyard sync`` and ``Api()``.

The credentials go to ``<config dir>/credentials`` (``$RUNYARD_CONFIG_DIR``, else
``~/.config/runyard``; see :mod:`runyard.settings` for the format), created with mode
0600 in a 0700 directory and replaced atomically, so a reader never sees half a
file and other users never see the key. One file holds a key per server plus the
default server; ``RUNYARD_BASE_URL``/``RUNYARD_API_KEY`` still win over it.

The key comes from the command line, from standard input (``-``, or whenever stdin
is not a terminal, so ``echo $KEY | runyard login --host …`` works in CI) or from a
hidden prompt. It is checked against the server before it is saved
(:func:`runyard.store.rest.login.verify_key`): a key the server refuses is never saved; a
server that cannot be reached gets the key saved with a warning (logging in on a
login node before the server is up is legitimate).
"""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from runyard.settings import Settings, normalize_base_url, read_credentials, save_credentials

__all__ = ["login"]


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
        from runyard.store.rest.login import verify_key

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
