"""Alembic glue: ``runyard db upgrade`` and the embedded store's automatic upgrade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["alembic_config", "upgrade"]

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
    from runyard.store.sql.schema import metadata

    bind = getattr(db, "connection", None)
    metadata.create_all(bind if bind is not None else db.engine)
