"""Alembic migrations agree with ``schema.metadata``; outdated stores are refused or upgraded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from runyard.entities import RunRef
from runyard.errors import StoreError
from runyard.store.base import RunBatch
from runyard.store.sql.ddl import SQLITE_DDL, render_sqlite_ddl
from runyard.store.sql.migrate import POSTGRES_ONLY, alembic_config, upgrade
from runyard.store.sql.schema import HEAD_REVISION, metadata
from runyard.store.sql.store import SqlStore

RUN = RunRef("ent", "proj", "r")


@contextmanager
def connect(uri: str) -> Iterator[Connection]:
    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _shared(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    """Leave out PostgreSQL's own objects (revision 0007), which the metadata does not hold."""
    return name not in POSTGRES_ONLY


def schema_diff(uri: str) -> list[Any]:
    with connect(uri) as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _shared})
        return list(compare_metadata(context, metadata))


def version_rows(uri: str) -> list[str]:
    with connect(uri) as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]


def describe(uri: str) -> dict[str, Any]:
    """Tables, columns, keys and indexes as the database reports them."""
    with connect(uri) as conn:
        insp = sa.inspect(conn)
        out: dict[str, Any] = {}
        for table in sorted(insp.get_table_names()):
            out[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)
                ],
                "pk": insp.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted(
                    (
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        f["options"].get("ondelete"),
                    )
                    for f in insp.get_foreign_keys(table)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in insp.get_unique_constraints(table)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                ),
            }
        return out


@pytest.fixture(params=["sqlite", "postgresql"])
def uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store: a SQLite file or a fresh PostgreSQL database (conftest.py)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_uri"))
    return f"sqlite:///{tmp_path}/m.db"


def test_upgrade_on_an_empty_file_matches_the_metadata(uri: str) -> None:
    upgrade(uri)
    assert schema_diff(uri) == []
    assert version_rows(uri) == [HEAD_REVISION]


def test_sqlite_ddl_is_what_the_metadata_compiles_to() -> None:
    """The embedded store creates its tables from `ddl.SQLITE_DDL`, without SQLAlchemy."""
    assert render_sqlite_ddl() == SQLITE_DDL


def test_head_revision_is_the_head_of_the_migrations(uri: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(uri))
    assert script.get_heads() == [HEAD_REVISION]


def test_store_created_schema_equals_the_migrated_one(tmp_path: Path) -> None:
    """A new embedded DB is created from metadata and stamped; it must equal a migrated one."""
    migrated, created = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    upgrade(migrated)
    SqlStore(created).close()
    assert schema_diff(created) == []
    assert version_rows(created) == [HEAD_REVISION]
    assert describe(created) == describe(migrated)


def test_store_created_postgresql_schema_equals_the_migrated_one(postgres_server: Any) -> None:
    """A new PostgreSQL store is created by ``create_all`` and stamped; same check."""
    migrated, created = postgres_server.new_database(), postgres_server.new_database()
    upgrade(migrated)
    SqlStore(created).close()
    assert schema_diff(created) == []
    assert version_rows(created) == [HEAD_REVISION]
    assert describe(created) == describe(migrated)


def _blob_storage(uri: str) -> dict[str, str]:
    """PostgreSQL's storage strategy of the chunk blob columns (``e``: external)."""
    with connect(uri) as conn:
        rows = conn.exec_driver_sql(
            "SELECT attname, attstorage FROM pg_attribute "
            "WHERE attrelid = 'series_chunks'::regclass "
            "AND attname IN ('steps_blob', 'values_blob', 'rollup_blob')"
        )
        return {r[0]: r[1] for r in rows}


def test_chunk_blobs_are_stored_without_postgresqls_compression(postgres_server: Any) -> None:
    """Chunk blobs are compressed already (or plain floats, which do not compress): a
    created and a migrated store both skip PostgreSQL's pglz attempt on them, which
    cost a third of its CPU ingesting (issue 20, revision 0009)."""
    migrated, created = postgres_server.new_database(), postgres_server.new_database()
    upgrade(migrated)
    SqlStore(created).close()
    external = {"steps_blob": "e", "values_blob": "e", "rollup_blob": "e"}
    assert _blob_storage(created) == external
    assert _blob_storage(migrated) == external
    from alembic import command

    command.downgrade(alembic_config(migrated), "0008")
    assert set(_blob_storage(migrated).values()) == {"x"}


def test_upgrade_twice_is_a_no_op(uri: str) -> None:
    upgrade(uri)
    upgrade(uri)
    assert version_rows(uri) == [HEAD_REVISION]
    assert schema_diff(uri) == []


def test_migrated_store_opens_without_upgrading_and_works(uri: str) -> None:
    upgrade(uri)
    store = SqlStore(uri, upgrade=False)
    try:
        store.write_batch(
            RunBatch(RUN, create={"display_name": "x"}, columns={"loss": ([0, 1], [1.0, 2.0])})
        )
        assert store.read_series(RUN, "loss").values.tolist() == [1.0, 2.0]
    finally:
        store.close()


def test_downgrade_to_base_and_back(uri: str) -> None:
    upgrade(uri)
    command.downgrade(alembic_config(uri), "base")
    with connect(uri) as conn:
        assert sa.inspect(conn).get_table_names() == ["alembic_version"]
    upgrade(uri)
    assert schema_diff(uri) == []


def _stamp_old(uri: str, revision: str | None) -> None:
    """A store whose alembic_version says ``revision`` (None: stamped at base, no tables)."""
    command.stamp(alembic_config(uri), "base")
    if revision is not None:
        with connect(uri) as conn:
            conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{revision}')")
            conn.commit()


@pytest.mark.parametrize("revision", [None, "0000"], ids=["base", "older"])
def test_outdated_store_is_refused_without_upgrade(uri: str, revision: str | None) -> None:
    _stamp_old(uri, revision)
    with pytest.raises(StoreError, match="runyard db upgrade") as info:
        SqlStore(uri, upgrade=False)
    assert HEAD_REVISION in str(info.value)
    # Nothing was changed behind the user's back.
    assert version_rows(uri) == ([] if revision is None else [revision])


def test_outdated_store_is_upgraded_by_default(uri: str) -> None:
    _stamp_old(uri, None)
    store = SqlStore(uri)
    try:
        assert version_rows(uri) == [HEAD_REVISION]
        assert schema_diff(uri) == []
        store.write_batch(RunBatch(RUN, create={"display_name": "x"}, config={"a": 1}))
        rec = store.get_run(RUN)
        assert rec is not None
        assert rec.config == {"a": 1}
    finally:
        store.close()


def test_foreign_tables_without_a_version_are_refused(uri: str) -> None:
    with connect(uri) as conn:
        conn.exec_driver_sql("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
        conn.commit()
    with pytest.raises(StoreError, match="not created by Runyard"):
        SqlStore(uri)


def test_saved_views_move_back_into_the_workspace_on_downgrade(uri: str) -> None:
    """Revision 0008 holds views as rows; its downgrade puts them back in the document."""
    store = SqlStore(uri)
    try:
        store.write_batch(RunBatch(RUN, create={}))
        store.put_workspace("ent", "proj", {"x": 1})
        store.put_view("ent", "proj", "v", {"y": 2}, owner="alice")
    finally:
        store.close()
    command.downgrade(alembic_config(uri), "0007")
    with connect(uri) as conn:
        text = conn.exec_driver_sql("SELECT settings FROM workspaces").scalar()
    views = json.loads(text)["__runyard"]["views"]
    assert views["v"]["settings"] == {"y": 2} and views["v"]["owner"] == "alice"
    upgrade(uri)
    store = SqlStore(uri)
    try:
        assert [(v.name, v.settings) for v in store.list_views("ent", "proj")] == [("v", {"y": 2})]
        assert store.get_workspace("ent", "proj") == {"x": 1}
    finally:
        store.close()
