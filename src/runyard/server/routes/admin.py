"""``/admin``: users, teams and memberships; and project visibility.

Creating users and teams is for site admins (``runyard admin bootstrap`` makes the
first one). Adding members to a team is for site admins and the team's admins;
changing a project's visibility is for the admins of its entity (a user is the
admin of their own entity).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from runyard.server.access import check_entity_admin
from runyard.server.auth.accounts import AccountError
from runyard.server.routes.auth import auth_config, signed_in

router = APIRouter(tags=["admin"])


class UserBody(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str | None = Field(None, min_length=1, max_length=1024)
    admin: bool = False


class TeamBody(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    owner: str | None = Field(None, max_length=128)


class MemberBody(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    role: Literal["admin", "member"] = "member"


class VisibilityBody(BaseModel):
    visibility: Literal["private", "public"]


def _site_admin(request: Request) -> None:
    caller = signed_in(request)
    assert caller.user is not None
    if not caller.user.is_admin:
        raise HTTPException(403, f"{caller.user.username} is not a site admin")


def _fail(exc: AccountError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@router.post("/admin/users", status_code=201)
def create_user(body: UserBody, request: Request) -> dict[str, Any]:
    config = auth_config(request)
    _site_admin(request)
    try:
        user = config.accounts.create_user(body.username, body.password, admin=body.admin)
    except AccountError as exc:
        raise _fail(exc) from exc
    return {"username": user.username, "is_admin": user.is_admin}


@router.post("/admin/teams", status_code=201)
def create_team(body: TeamBody, request: Request) -> dict[str, Any]:
    config = auth_config(request)
    _site_admin(request)
    try:
        config.accounts.create_team(body.name, body.owner)
    except AccountError as exc:
        raise _fail(exc) from exc
    return {"name": body.name, "owner": body.owner}


@router.post("/admin/teams/{team}/members")
def add_member(team: str, body: MemberBody, request: Request) -> dict[str, Any]:
    config = auth_config(request)
    check_entity_admin(request, team)
    try:
        config.accounts.add_member(team, body.username, body.role)
    except AccountError as exc:
        raise _fail(exc) from exc
    return {"team": team, "username": body.username, "role": body.role}


@router.put("/projects/{entity}/{project}/visibility")
def set_visibility(
    entity: str, project: str, body: VisibilityBody, request: Request
) -> dict[str, Any]:
    config = auth_config(request)
    check_entity_admin(request, entity)
    try:
        config.accounts.set_visibility(entity, project, body.visibility)
    except AccountError as exc:
        raise _fail(exc) from exc
    return {"entity": entity, "project": project, "visibility": body.visibility}
