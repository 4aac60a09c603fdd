"""Wire auth and limits into an app: ``create_app(..., auth=..., limits=...)`` calls this.

``auth``: ``None``/``False`` for the single-user ``runyard ui`` (no accounts, every
request may read and write), ``True`` for accounts in the tracking store's own
database, an :class:`AuthConfig` (tests), or a function of the store returning
one (:func:`secure_auth` for ``--secure-cookies``). Body size limits
apply either way; rate limits are per caller and so need auth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

from fastapi import FastAPI

from runyard.server.auth.accounts import Accounts
from runyard.server.auth.caller import AuthConfig
from runyard.server.limits import BodyLimit, Limits, RateLimiter

__all__ = ["AuthOption", "install", "secure_auth"]

#: What ``create_app(auth=...)`` takes: off, on, a config, or a function of the store.
AuthOption = Union["AuthConfig", bool, None, Callable[[Any], "AuthConfig"]]


def secure_auth(store: Any) -> AuthConfig:
    """Accounts in the store, with the session cookie always ``Secure``
    (``runyard server --secure-cookies``, behind a TLS-terminating proxy)."""
    return AuthConfig(Accounts.for_store(store), secure_cookies=True)


def install(
    app: FastAPI,
    store: Any,
    auth: AuthOption,
    limits: Limits | None,
    prefix: str,
) -> None:
    from runyard.server.routes import admin
    from runyard.server.routes import auth as auth_routes

    if auth is True:
        auth = AuthConfig(Accounts.for_store(store))
    elif callable(auth):
        auth = auth(store)
    app.state.auth = auth or None
    app.state.limits = limits or Limits()
    app.state.rate_limiter = RateLimiter()
    app.add_middleware(BodyLimit, limits=app.state.limits, routes=lambda: app.router.routes)
    for module in (auth_routes, admin):
        app.include_router(module.router, prefix=prefix)
