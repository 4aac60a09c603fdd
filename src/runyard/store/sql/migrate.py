"""Alembic glue: ``runyard db upgrade`` and the embedded store's automatic upgrade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "POSTGRES_CHUNK_STORAGE",
    "POSTGRES_ONLY",
    "POSTGRES_RUN_DOCUMENTS",
    "alembic_config",
    "create_all",
    "upgrade",
]

#: PostgreSQL only (revision 0007): ``runs.config`` and ``runs.summary`` parsed once
#: when written, into generated ``jsonb`` columns the run filters read (parsing 100,000
#: JSON texts per query was most of its time), each with a GIN index (``jsonb_path_ops``)
#: that serves the filters' equality tests (:mod:`.filters` adds ``@>`` for them).
#: ``jsonb`` cannot hold NUL, so the escape ``\u0000`` is read as U+FFFD.
POSTGRES_RUN_DOCUMENTS: tuple[str, ...] = tuple(
    statement
    for column in ("config", "summary")
    for statement in (
        f"ALTER TABLE runs ADD COLUMN {column}_doc jsonb GENERATED ALWAYS AS "
        f"(replace({column}, '\\u0000', '\\ufffd')::jsonb) STORED",
        f"CREATE INDEX ix_runs_{column}_doc ON runs USING gin ({column}_doc jsonb_path_ops)",
    )
)
#: PostgreSQL only (revision 0009): chunk blobs are zlib-compressed already, or plain
#: float words that do not compress, so PostgreSQL's own pglz attempt before moving a
#: blob to TOAST is skipped (``EXTERNAL``: out of line, uncompressed); it was a third of
#: PostgreSQL's CPU ingesting.
POSTGRES_CHUNK_STORAGE: tuple[str, ...] = tuple(
    f"ALTER TABLE series_chunks ALTER COLUMN {column} SET STORAGE EXTERNAL"
    for column in ("steps_blob", "values_blob", "rollup_blob")
)
#: Names of those objects, which the SQLAlchemy metadata (shared with SQLite) leaves out.
POSTGRES_ONLY = frozenset(
    {"config_doc", "summary_doc", "ix_runs_config_doc", "ix_runs_summary_doc"}
)

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(uri: str) -> Any:
    """An Alembic ``Config`` for the store at ``uri`` (imports Alembic lazily)."""
    from alembic.config import Config

    from runyard.store.sql.db import with_driver

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", with_driver(uri).replace("%", "%%"))
    return config


def upgrade(uri: str, revision: str = "head") -> None:
    """Bring the schema of the store at ``uri`` to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(uri), revision)


def create_all(db: Any) -> None:
    """Create every table on a SQLAlchemy-backed database (PostgreSQL).

    ``db`` is a `SqlAlchemyDb` or a write transaction of one (then the tables are
    created inside that transaction).
    """
    from sqlalchemy import text

    from runyard.store.sql.schema import metadata

    bind = getattr(db, "connection", None)
    if bind is None:
        with db.engine.begin() as conn:
            _create_all(conn, metadata, text)
    else:
        _create_all(bind, metadata, text)


def _create_all(conn: Any, metadata: Any, text: Any) -> None:
    metadata.create_all(conn)
    if conn.dialect.name == "postgresql":
        for statement in (*POSTGRES_RUN_DOCUMENTS, *POSTGRES_CHUNK_STORAGE):
            conn.execute(text(statement))
