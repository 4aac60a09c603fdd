"""What every wandb-protocol handler needs: the stores, the caller, and access checks.

The caller is Runyard's (:mod:`runyard.server.auth`): wandb sends
``Authorization: Basic base64("api:<key>")`` and the key is a Runyard API key, which
the auth layer already reads from Basic credentials. The *default entity* — what
wandb's ``viewer.entity`` answers and what a missing (``null``) or empty (``""``)
entity in any request means — is the caller's own entity (named like them); without
accounts (``runyard ui``), it is the local user's (``RUNYARD_ENTITY``, else the OS
user), whatever key the client sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from runyard.blobs.base import BlobStore
from runyard.entities import RunRecord, RunRef
from runyard.server.access import caller_of, check_access
from runyard.server.auth.caller import AuthConfig
from runyard.store.base import TrackingStore

__all__ = ["Context", "NotVisible", "default_entity"]


class NotVisible(Exception):
    """The project or run does not exist or the caller may not see it (one answer for
    both, as on every other route): queries answer ``null``."""


def default_entity(request: Request) -> str:
    """The caller's entity (accounts), else the app's local entity."""
    caller = caller_of(request)
    if caller is not None and caller.username is not None:
        return caller.username
    local: str = request.app.state.wandb_local_entity
    return local


@dataclass
class Context:
    request: Request
    store: TrackingStore
    blobs: BlobStore
    entity: str
    #: The server's base URL as the client reached it (``http://host:port``).
    base_url: str

    @property
    def auth(self) -> AuthConfig | None:
        config: AuthConfig | None = getattr(self.request.app.state, "auth", None)
        return config

    @property
    def username(self) -> str:
        caller = caller_of(self.request)
        return caller.username if caller is not None and caller.username else self.entity

    @property
    def key_id(self) -> int:
        """The caller's API key id (0 without accounts or a key)."""
        caller = caller_of(self.request)
        return caller.key_id if caller is not None and caller.key_id is not None else 0

    def entity_of(self, value: Any) -> str:
        """A request's entity: ``null`` or ``""`` is the default entity."""
        return value if isinstance(value, str) and value else self.entity

    def check(self, entity: str, project: str, *, write: bool = False) -> None:
        """Runyard's access rules; a 404 becomes :class:`NotVisible`, other refusals
        (401, 403, 429) stay HTTP errors the client sees as such."""
        try:
            check_access(self.request, entity, project, write=write)
        except HTTPException as exc:
            if exc.status_code == 404:
                raise NotVisible(f"no project {entity}/{project}") from None
            raise

    def run(self, ref: RunRef) -> RunRecord | None:
        """The run, when the caller may read its project."""
        self.check(ref.entity, ref.project)
        return self.store.get_run(ref)
