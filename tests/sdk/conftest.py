"""Fixtures of the SDK tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import RunyardServer, upgrade_store


@pytest.fixture(params=["sqlite", "postgresql", "server"])
def backend(
    request: pytest.FixtureRequest, ry_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """Where the run goes: the embedded SQLite store, PostgreSQL through
    ``RUNYARD_STORE``, or a real ``runyard server`` (online mode, SQLite behind it)."""
    if request.param == "postgresql":
        monkeypatch.setenv("RUNYARD_STORE", request.getfixturevalue("postgres_uri"))
    if request.param != "server":
        yield request.param
        return
    store = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(store)
    server = RunyardServer(tmp_path / "srv", store, f"file://{tmp_path / 'blobs'}").start()
    monkeypatch.setenv("RUNYARD_BASE_URL", server.url)
    try:
        yield request.param
    finally:
        server.stop()
