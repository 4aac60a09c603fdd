"""The team server's schema check: refuse a database whose schema is not this code's.

The embedded store creates and upgrades its own schema (one user, one process
that owns the file). A team server must not: several replicas start at once
against one PostgreSQL database, an upgrade during a rolling deploy would change
the schema under replicas still running the old code, and a typo in ``--store``
would silently create a fresh empty database. So the server only *checks*, and
an operator runs ``runyard db upgrade --store …`` once, as a deploy step.
"""

from __future__ import annotations

import re

from runyard.errors import StoreError
from runyard.store.sql.db import Db, Tx, open_db
from runyard.store.sql.ddl import HEAD_REVISION

__all__ = ["read_revision", "require_current_schema", "schema_revision", "shown_uri"]

_PASSWORD = re.compile(r"(://[^:/@]+:)[^/]*@")


def shown_uri(uri: str) -> str:
    """``uri`` with any password replaced by ``***`` (for messages and logs)."""
    return _PASSWORD.sub(r"\1***@", uri)


def schema_revision(db: Db) -> str | None:
    """The Alembic revision of ``db``; ``None`` for a database with no tables of ours."""
    with db.read() as tx:
        return read_revision(tx, db.dialect) or None


def read_revision(tx: Tx, dialect: str) -> str | None:
    """The Alembic revision, read in transaction ``tx``; ``None`` when it has no tables,
    ``""`` when the version table is empty (an interrupted first migration).

    A database with Runyard's tables but no ``alembic_version`` was not made by
    Runyard (or was damaged); that is an error, not an empty database.
    """
    if dialect == "sqlite":
        names = {r[0] for r in tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    else:
        names = {
            r[0]
            for r in tx.all(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }
    if "alembic_version" not in names:
        if "runs" in names:
            raise StoreError("the database has Runyard's tables but no schema version")
        return None
    version = tx.scalar("SELECT version_num FROM alembic_version")
    return "" if version is None else str(version)


def require_current_schema(uri: str) -> None:
    """Raise :class:`StoreError` unless the SQL store at ``uri`` is at ``HEAD_REVISION``.

    The message names the command that fixes it: ``runyard db upgrade --store <uri>``
    for an empty or older database, a newer Runyard for a newer one.
    """
    shown = shown_uri(uri)
    fix = f"run `runyard db upgrade --store {shown}`"
    try:
        db = open_db(uri)
    except Exception as exc:
        raise StoreError(f"cannot open store {shown!r}: {exc}") from exc
    try:
        version = schema_revision(db)
    except StoreError as exc:
        raise StoreError(f"store {shown!r}: {exc}; it was not created by Runyard") from None
    except Exception as exc:
        raise StoreError(f"cannot read the schema of store {shown!r}: {exc}") from exc
    finally:
        db.close()
    if version is None:
        raise StoreError(f"store {shown!r} has no Runyard schema yet; {fix} to create it")
    if version == HEAD_REVISION:
        return
    if version.isdigit() and HEAD_REVISION.isdigit() and int(version) > int(HEAD_REVISION):
        raise StoreError(
            f"store {shown!r} has schema revision {version!r}, newer than this Runyard's "
            f"{HEAD_REVISION!r}; run a Runyard version that matches the database"
        )
    raise StoreError(
        f"store {shown!r} has schema revision {version!r} but this Runyard needs "
        f"{HEAD_REVISION!r}; {fix}"
    )
