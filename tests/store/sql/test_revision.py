"""The team server's schema check: only a database at this code's revision passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runyard.errors import StoreError
from runyard.store.sql.ddl import HEAD_REVISION
from runyard.store.sql.migrate import upgrade
from runyard.store.sql.revision import require_current_schema, shown_uri


@pytest.fixture(params=["sqlite", "postgresql"])
def uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/runyard.db"
    server: Any = request.getfixturevalue("postgres_server")
    return str(server.new_database())


def test_empty_database_is_refused_naming_the_command(uri: str) -> None:
    with pytest.raises(StoreError, match="no Runyard schema yet") as caught:
        require_current_schema(uri)
    assert f"runyard db upgrade --store {uri}" in str(caught.value)


def test_older_revision_is_refused_then_passes_after_upgrade(uri: str) -> None:
    upgrade(uri, "0002")
    with pytest.raises(
        StoreError, match=f"revision '0002' but this Runyard needs '{HEAD_REVISION}'"
    ):
        require_current_schema(uri)
    upgrade(uri)
    require_current_schema(uri)


def test_newer_revision_asks_for_a_newer_runyard(uri: str) -> None:
    upgrade(uri)
    from runyard.store.sql.db import open_db

    db = open_db(uri)
    with db.write() as tx:
        tx.run("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    with pytest.raises(StoreError, match="'9999', newer than this Runyard's"):
        require_current_schema(uri)


def test_foreign_tables_are_refused(uri: str) -> None:
    from runyard.store.sql.db import open_db

    db = open_db(uri)
    with db.write() as tx:
        tx.run("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
    db.close()
    with pytest.raises(StoreError, match="no schema version; it was not created by Runyard"):
        require_current_schema(uri)


def test_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot read the schema of store"):
        require_current_schema("postgresql://nobody:secret@127.0.0.1:1/none")


def test_passwords_never_appear_in_messages() -> None:
    assert shown_uri("postgresql://me:s3cr@t@db:5432/x") == "postgresql://me:***@db:5432/x"
    assert shown_uri("postgresql://me@db/x") == "postgresql://me@db/x"
    assert shown_uri("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
    with pytest.raises(StoreError) as caught:
        require_current_schema("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(caught.value)
