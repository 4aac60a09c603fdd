"""Who may read or write what: the one access check every route calls.

``check_access(request, entity, project, write=...)`` raises an ``HTTPException``
(401 without valid credentials, 404 for projects the caller may not see, 403 for
writes the caller may not make) and returns the caller's username (``None`` for the
single-user ``runyard ui``, whose app has no auth).

The team server's implementation lands with issue 8; until then the app has no
auth and every request may read and write.
"""

from __future__ import annotations

from fastapi import Request

__all__ = ["check_access"]


def check_access(
    request: Request, entity: str, project: str | None = None, *, write: bool = False
) -> str | None:
    """Allow the request to read (or, with ``write``, change) ``entity[/project]``."""
    auth = getattr(request.app.state, "auth", None)
    if auth is None:
        return None
    raise NotImplementedError("team-server auth is not wired yet")  # replaced by issue 8
