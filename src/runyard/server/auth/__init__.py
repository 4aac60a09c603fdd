"""Team-server accounts and authentication: users, teams, API keys, sessions.

See ``docs/auth.md`` for the model and the threat model; :mod:`runyard.server.access`
for the rules every route applies.
"""

from __future__ import annotations

from runyard.server.auth.accounts import AccountError, Accounts, ApiKey, Session, User
from runyard.server.auth.caller import (
    CSRF_HEADER,
    SESSION_COOKIE,
    AuthConfig,
    Caller,
    authenticate,
)

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "AccountError",
    "Accounts",
    "ApiKey",
    "AuthConfig",
    "Caller",
    "Session",
    "User",
    "authenticate",
]
