"""A team-server app with accounts, for the auth and security tests.

Two entities' data in one real SQLite store: ``alice`` (a user) logs run ``r1``
with a metric, a media image and a saved file into her private project
``secret`` and her public project ``open``; ``bob`` is another user with nothing
shared with alice; ``root`` is the site admin. Each has an API key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

import runyard
from runyard.server.app import create_app
from runyard.server.auth.accounts import Accounts
from runyard.server.auth.caller import AuthConfig
from runyard.server.limits import Limits
from runyard.settings import Settings

#: A string only alice's private data contains: answers leaking it are caught.
CANARY = "canary-7f3e9b"
PRIVATE = "/api/v1/projects/alice/secret"
PUBLIC = "/api/v1/projects/alice/open"


@dataclass
class TeamApp:
    client: TestClient
    accounts: Accounts
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[user]}"}


def log_alice(root: Path) -> None:
    """Alice's runs, logged with the SDK into the embedded store under ``root``."""
    (root / "work").mkdir(parents=True, exist_ok=True)
    (root / "work" / f"{CANARY}.txt").write_text(f"weights {CANARY}\n")
    for project in ("secret", "open"):
        run = runyard.init(
            entity="alice", project=project, id="r1", config={"note": CANARY}, name=CANARY
        )
        for step in range(5):
            run.log({"loss": 1.0 / (step + 1)})
        run.log({"picture": runyard.Image(np.zeros((4, 4, 3), dtype=np.uint8), caption=CANARY)})
        run.save(str(root / "work" / f"{CANARY}.txt"), base_path=str(root / "work"))
        run.finish()


@contextmanager
def team_app(root: Path, limits: Limits | None = None) -> Iterator[TeamApp]:
    """The app with auth over ``root``'s store (``RUNYARD_DIR`` must point there)."""
    log_alice(root)
    settings = Settings.from_env()
    accounts = Accounts.open(settings.store_uri)
    team = TeamApp(client=None, accounts=accounts)  # type: ignore[arg-type]
    for user, admin in (("root", True), ("alice", False), ("bob", False)):
        accounts.create_user(user, f"{user}-password", admin=admin)
        team.keys[user] = accounts.create_key(user, "tests")[1]
    accounts.set_visibility("alice", "open", "public")
    app = create_app(
        settings.store_uri, settings.blobs_uri, auth=AuthConfig(accounts), limits=limits
    )
    with TestClient(app) as client:
        team.client = client
        yield team
    accounts.close()
