"""Checking an API key with a Runyard server (``runyard login``, ``runyard.login(verify=True)``).

One authenticated ``GET`` through the server client (:mod:`runyard.store.rest.client`),
tried once: a person is waiting at a terminal, and a server that cannot be reached
is reported as such (``runyard login`` then saves the key with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

from runyard.errors import CommError
from runyard.store.rest.client import API, RestClient, RetryPolicy, json_map

__all__ = ["VerifyResult", "verify_key"]

#: Routes tried in order: the auth route names the user; a server without auth
#: answers the second (any authenticated read).
_VERIFY_ROUTES = (f"{API}/auth/me", f"{API}/projects")
TIMEOUT = 10.0


@dataclass(frozen=True)
class VerifyResult:
    """What the server said about a key: ``ok``, ``refused`` or ``unreachable``."""

    status: str
    detail: str = ""
    user: str | None = None


def _user_from(data: dict[str, object]) -> str | None:
    user = data.get("user")
    found = user if isinstance(user, dict) else data
    for field in ("username", "name", "email"):
        value = found.get(field)
        if isinstance(value, str) and value:
            return value
    return None


def verify_key(base_url: str, api_key: str, timeout: float = TIMEOUT) -> VerifyResult:
    """Ask the server at ``base_url`` whether ``api_key`` is valid."""
    policy = RetryPolicy(deadline=timeout, attempts=1)
    with RestClient(
        base_url, api_key, timeout=timeout, policy=policy, headers={"Accept": "application/json"}
    ) as client:
        for route in _VERIFY_ROUTES:
            try:
                response = client.request("GET", route, follow_redirects=True)
            except CommError as exc:
                return VerifyResult("unreachable", str(exc))
            status = response.status_code
            if status in (401, 403):
                return VerifyResult("refused", f"HTTP {status}")
            if status == 404:
                continue  # an older server without this route: try the next
            if not 200 <= status < 300:
                return VerifyResult("unreachable", f"HTTP {status}")
            return VerifyResult("ok", user=_user_from(json_map(response)))
    return VerifyResult("unreachable", "the server has no Runyard API under /api/v1")
