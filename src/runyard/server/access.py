"""Who may read or write what: the one access check every route calls.

``check_access(request, entity, project, write=...)`` returns the caller's username
(``None`` for anonymous callers and for the single-user ``runyard ui``, whose app
has no auth: ``create_app(..., auth=None)``) or raises an ``HTTPException``:

- 401 when credentials are missing (and the project is not public), wrong or
  revoked;
- 404 when the caller is signed in but may not see the entity or project — the
  same answer as for a project that does not exist, so ids and names do not leak;
- 403 for a write to a public project by a non-member, and for a session-cookie
  write without its CSRF token (see :mod:`runyard.server.auth.caller`);
- 429 when the caller is over the rate limit.

Rules: members of an entity (and site admins) read and write its projects; a
project marked ``public`` is readable by anyone, anonymous callers included, and
writable by members only; everything else is private to the entity. Entity-level
resources (``project=None``, e.g. chart presets) follow membership alone.

It reads the accounts tables (key, role, visibility: a few indexed reads, the
caller cached per request), so ``async def`` routes should call it as
``await run_in_threadpool(check_access, request, entity, project)`` rather than
block the event loop on a database round trip.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from runyard.server.auth.caller import AuthConfig, Caller, authenticate

__all__ = [
    "caller_of",
    "check_access",
    "check_entity_admin",
    "check_entity_read",
    "project_filter",
    "require_caller",
]


def _config(request: Request) -> AuthConfig | None:
    config: AuthConfig | None = getattr(request.app.state, "auth", None)
    return config


def caller_of(request: Request) -> Caller | None:
    """The authenticated caller, or None when the app has no auth."""
    return None if _config(request) is None else authenticate(request)


def require_caller(request: Request) -> str | None:
    """Allow any authenticated caller (401 otherwise), for what belongs to no project yet."""
    config = _config(request)
    if config is None:
        return None
    caller = authenticate(request)
    if caller.user is None:
        raise HTTPException(
            401,
            "authentication required: log in or send an API key",
            headers={"WWW-Authenticate": 'Bearer realm="runyard"'},
        )
    return caller.username


def _role(request: Request, config: AuthConfig, caller: Caller, entity: str) -> str | None:
    """The caller's role in ``entity`` (site admins count as admins everywhere)."""
    if caller.user is None:
        return None
    if caller.user.is_admin:
        return "admin"
    cache: dict[str, str | None] = request.state.__dict__.setdefault("runyard_roles", {})
    if entity not in cache:
        cache[entity] = config.accounts.role(caller.user.id, entity)
    return cache[entity]


def check_access(
    request: Request, entity: str, project: str | None = None, *, write: bool = False
) -> str | None:
    """Allow the request to read (or, with ``write``, change) ``entity[/project]``."""
    config = _config(request)
    if config is None:
        return None
    caller = authenticate(request)
    if "\0" in entity or (project is not None and "\0" in project):
        raise HTTPException(404, f"no project {entity!r}/{project!r}")
    if _role(request, config, caller, entity) is not None:
        return caller.username
    public = project is not None and config.accounts.visibility(entity, project) == "public"
    if public and not write:
        return caller.username
    if caller.user is None:
        raise HTTPException(
            401,
            "authentication required: log in or send an API key",
            headers={"WWW-Authenticate": 'Bearer realm="runyard"'},
        )
    if public:
        raise HTTPException(403, f"{caller.username} may not write to {entity}/{project}")
    if project is None:
        raise HTTPException(404, f"no entity {entity}")
    raise HTTPException(404, f"no project {entity}/{project}")


def check_entity_read(request: Request, entity: str) -> str | None:
    """Allow reading what belongs to ``entity`` as a whole (its chart presets).

    Members may; so may anyone once the entity has a public project, because that
    project's custom charts must draw for its readers. Bad credentials are still a 401.
    """
    config = _config(request)
    if config is None:
        return None
    if any(owner == entity for owner, _ in config.accounts.public_projects()):
        return authenticate(request).username
    return check_access(request, entity)


def check_entity_admin(request: Request, entity: str) -> str | None:
    """Allow only admins of ``entity`` (or site admins); others get 404 or 403."""
    config = _config(request)
    if config is None:
        return None
    caller = authenticate(request)
    role = _role(request, config, caller, entity)
    if role == "admin":
        return caller.username
    if caller.user is None:
        raise HTTPException(401, "authentication required: log in or send an API key")
    if role is None:
        raise HTTPException(404, f"no entity {entity}")
    raise HTTPException(403, f"{caller.username} is not an admin of {entity}")


def project_filter(request: Request) -> Callable[[str, str], bool]:
    """Which ``(entity, project)`` pairs the caller may see (for project lists)."""
    config = _config(request)
    if config is None:
        return lambda _entity, _project: True
    caller = authenticate(request)
    if caller.user is not None and caller.user.is_admin:
        return lambda _entity, _project: True
    entities = set() if caller.user is None else set(config.accounts.memberships(caller.user.id))
    public = config.accounts.public_projects()
    return lambda entity, project: entity in entities or (entity, project) in public
