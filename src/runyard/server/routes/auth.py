"""``/auth``: log in and out (session cookie + CSRF token), who am I, API keys.

Keys are shown once, in the answer to ``POST /auth/keys``; listing shows prefixes
only. On the single-user app (no auth) these routes answer 404, except
``GET /auth/me``, which says that auth is off so the web app skips its login page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from runyard.server.auth.accounts import AccountError
from runyard.server.auth.caller import (
    SESSION_COOKIE,
    AuthConfig,
    Caller,
    authenticate,
    client_address,
)
from runyard.server.limits import Limits, RateLimiter

router = APIRouter(tags=["auth"])


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class KeyBody(BaseModel):
    name: str | None = Field(None, max_length=200)


def auth_config(request: Request) -> AuthConfig:
    """The app's auth, or 404 on the single-user app (it has no accounts)."""
    config: AuthConfig | None = getattr(request.app.state, "auth", None)
    if config is None:
        raise HTTPException(404, "this server has no accounts (auth is off)")
    return config


def signed_in(request: Request) -> Caller:
    """The caller, who must be signed in (401 otherwise)."""
    auth_config(request)
    caller = authenticate(request)
    if caller.user is None:
        raise HTTPException(
            401, "not logged in", headers={"WWW-Authenticate": 'Bearer realm="runyard"'}
        )
    return caller


def _me(config: AuthConfig, caller: Caller, csrf: str | None) -> dict[str, Any]:
    assert caller.user is not None
    return {
        "auth": True,
        "user": {"username": caller.user.username, "is_admin": caller.user.is_admin},
        "entities": config.accounts.memberships(caller.user.id),
        "via": caller.via,
        "csrf_token": csrf,
    }


@router.post("/auth/login")
def login(body: LoginBody, request: Request, response: Response) -> dict[str, Any]:
    config = auth_config(request)
    limits: Limits = request.app.state.limits
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(f"login-ip:{client_address(request)}", limits.login_rate, limits.login_burst)
    limiter.check(f"login-user:{body.username}", limits.login_rate, limits.login_burst)
    user = config.accounts.login(body.username, body.password)
    if user is None:
        raise HTTPException(401, "wrong username or password")
    token, csrf = config.accounts.create_session(user, config.session_ttl)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(config.session_ttl),
        httponly=True,
        samesite="lax",
        secure=config.secure_cookies or request.url.scheme == "https",
        path="/",
    )
    caller = Caller(user, "session")
    return _me(config, caller, csrf)


@router.post("/auth/logout")
def logout(request: Request, response: Response) -> dict[str, Any]:
    config = auth_config(request)
    caller = authenticate(request)  # CSRF-checked when it is a session
    if caller.session_token is not None:
        config.accounts.end_session(caller.session_token)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return {"ok": True}


@router.get("/auth/me")
def me(request: Request) -> dict[str, Any]:
    config: AuthConfig | None = getattr(request.app.state, "auth", None)
    if config is None:
        return {"auth": False, "user": None, "entities": {}, "via": None, "csrf_token": None}
    caller = signed_in(request)
    csrf = caller.session.csrf_token if caller.session is not None else None
    return _me(config, caller, csrf)


@router.post("/auth/keys", status_code=201)
def create_key(request: Request, body: KeyBody | None = None) -> dict[str, Any]:
    config = auth_config(request)
    caller = signed_in(request)
    assert caller.username is not None
    try:
        record, key = config.accounts.create_key(caller.username, body.name if body else None)
    except AccountError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return {**record.to_json(), "key": key}


@router.get("/auth/keys")
def list_keys(request: Request) -> dict[str, Any]:
    config = auth_config(request)
    caller = signed_in(request)
    assert caller.username is not None
    return {"keys": [k.to_json() for k in config.accounts.list_keys(caller.username)]}


@router.delete("/auth/keys/{key_id}")
def revoke_key(request: Request, key_id: int = PathParam(ge=1, le=2**31 - 1)) -> dict[str, Any]:
    config = auth_config(request)
    caller = signed_in(request)
    if not config.accounts.revoke_key(key_id, caller.username):
        raise HTTPException(404, f"you have no API key {key_id}")
    return {"id": key_id, "revoked": True}
