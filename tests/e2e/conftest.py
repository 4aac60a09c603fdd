"""A team deployment per test: ``runyard server`` processes over PostgreSQL and S3.

``team`` gives a fresh PostgreSQL database (schema made by ``runyard db upgrade``),
a fresh bucket on the session's ``moto_server``, the first admin's API key
(``runyard admin bootstrap``) and a factory for server processes over them: one
is started; ``team.server()`` adds replicas behind the same database and bucket.
Training scripts run as subprocesses with ``team.env(root)``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.store.registry import open_store
from tests.e2e.server import RunyardServer, bootstrap_admin, client_env, upgrade_store
from tests.s3 import s3_environ

ENTITY = "root"  # the bootstrapped admin's entity


@dataclass
class Team:
    root: Path
    store_uri: str
    blobs_uri: str
    s3_endpoint: str
    api_key: str
    servers: list[RunyardServer] = field(default_factory=list)

    def server(self, port: int | None = None) -> RunyardServer:
        """Start another ``runyard server`` over the same database and bucket."""
        env = {k: v for k, v in s3_environ().items() if k.startswith("AWS_") and k != "AWS_PROFILE"}
        env["RUNYARD_S3_ENDPOINT_URL"] = self.s3_endpoint
        srv = RunyardServer(
            self.root / f"server{len(self.servers)}",
            self.store_uri,
            self.blobs_uri,
            port=port,
            env=env,
            api_key=self.api_key,
        )
        self.servers.append(srv.start())
        return srv

    def env(self, root: Path, server: RunyardServer | None = None, **extra: str) -> dict[str, str]:
        """A training script's environment: online against ``server`` (the first)."""
        target = server or self.servers[0]
        return client_env(
            root, target.url, RUNYARD_API_KEY=self.api_key, RUNYARD_ENTITY=ENTITY, **extra
        )

    def run(
        self, code: str, root: Path, *args: str, timeout: float = 120, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env=self.env(root, **extra),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def steps(self, run_id: str, key: str = "x", project: str = "p") -> list[int]:
        """The run's steps of ``key`` as PostgreSQL holds them (not through a server)."""
        store = open_store(self.store_uri)
        try:
            series = store.read_series(RunRef(ENTITY, project, run_id), key)
            return [int(s) for s in series.steps.tolist()]
        finally:
            store.close()


@pytest.fixture
def team(tmp_path: Path, postgres_uri: str, s3_endpoint: str, s3_blobs_uri: str) -> Iterator[Team]:
    upgrade_store(postgres_uri)
    deployment = Team(
        tmp_path, postgres_uri, s3_blobs_uri, s3_endpoint, bootstrap_admin(postgres_uri)
    )
    deployment.server()
    try:
        yield deployment
    finally:
        for srv in deployment.servers:
            srv.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunyardServer]:
    """One ``runyard server`` without accounts over a fresh SQLite store."""
    uri = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(uri)
    srv = RunyardServer(tmp_path / "srv", uri, f"file://{tmp_path / 'blobs'}").start()
    yield srv
    srv.stop()
