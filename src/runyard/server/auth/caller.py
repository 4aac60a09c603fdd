"""Who is calling: credentials from the request, checked once per request.

Credentials, in order: ``Authorization: Bearer <key>``, ``Authorization: Basic``
with the key as the password (wandb clients send ``api:<key>``), or the
``runyard_session`` cookie set by ``POST /auth/login``. A request presenting a
bad, unknown or revoked credential is refused with 401 even where anonymous
access would be allowed, so a misconfigured client learns at once rather than
silently seeing less.

CSRF: a request authenticated by the session cookie with an unsafe method
(anything but GET/HEAD/OPTIONS) must carry the session's CSRF token in the
``X-CSRF-Token`` header (a session-bound token, compared in constant time), or it
is refused with 403. API-key requests need no token: browsers never attach them on
their own. The cookie is also ``SameSite=Lax``, so other sites' forms do not send it.

Rate limits (:mod:`runyard.server.limits`) are taken here, per key, per session or
per client address.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fastapi import HTTPException, Request

from runyard.server.auth.accounts import Accounts, Session, User
from runyard.server.auth.tokens import hash_token, same_secret
from runyard.server.limits import Limits, RateLimiter

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "AuthConfig",
    "Caller",
    "authenticate",
    "client_address",
]

SESSION_COOKIE = "runyard_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CALLER = "runyard_caller"


@dataclass
class AuthConfig:
    """The team server's authentication: its accounts and cookie settings.

    ``secure_cookies`` marks the session cookie ``Secure`` even when the request
    arrived over plain HTTP (a TLS-terminating proxy in front); requests that arrive
    over https get ``Secure`` anyway.
    """

    accounts: Accounts
    secure_cookies: bool = False
    session_ttl: float = 14 * 24 * 3600.0


@dataclass(frozen=True)
class Caller:
    """The authenticated user (None: anonymous) and how they proved it."""

    user: User | None
    via: str | None = None  # "key", "session" or None
    key_id: int | None = None
    session: Session | None = None
    session_token: str | None = None

    @property
    def username(self) -> str | None:
        return None if self.user is None else self.user.username


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="runyard"'})


def _bearer_key(request: Request) -> str | None:
    """The API key in the Authorization header; 401 for a header we cannot read."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("the Basic Authorization header is not base64 user:key") from None
        _user, sep, password = decoded.partition(":")
        if sep and password:
            return password
    raise _unauthorized(
        "unsupported Authorization header: send 'Bearer <API key>' (or Basic with the key "
        "as the password)"
    )


def _resolve(request: Request, config: AuthConfig) -> Caller:
    key = _bearer_key(request)
    if key is not None:
        found = config.accounts.authenticate_key(key)
        if found is None:
            raise _unauthorized("invalid or revoked API key")
        return Caller(found[0], "key", key_id=found[1])
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session = config.accounts.session(token)
        if session is None:
            raise _unauthorized("the login session has expired or was ended; log in again")
        return Caller(session.user, "session", session=session, session_token=token)
    return Caller(None)


def authenticate(request: Request) -> Caller:
    """The request's caller (cached on the request); raises 401, 403 (CSRF) or 429."""
    cached = getattr(request.state, _CALLER, None)
    if isinstance(cached, Caller):
        return cached
    config: AuthConfig = request.app.state.auth
    limits: Limits = request.app.state.limits
    limiter: RateLimiter = request.app.state.rate_limiter
    address = client_address(request)
    try:
        caller = _resolve(request, config)
    except HTTPException:
        limiter.check(f"ip:{address}", limits.anonymous_rate, limits.anonymous_burst)
        raise
    if caller.via == "key":
        limiter.check(f"key:{caller.key_id}", limits.rate, limits.burst)
    elif caller.session_token is not None:
        limiter.check(f"session:{hash_token(caller.session_token)}", limits.rate, limits.burst)
    else:
        limiter.check(f"ip:{address}", limits.anonymous_rate, limits.anonymous_burst)
    if caller.session is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if not sent or not same_secret(sent, caller.session.csrf_token):
            raise HTTPException(
                403, f"missing or wrong {CSRF_HEADER} header (required with a session cookie)"
            )
    setattr(request.state, _CALLER, caller)
    return caller
