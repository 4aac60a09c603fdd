"""``runyard db upgrade``: bring a store's schema up to date with Alembic.

The team server never migrates its own database (see
:mod:`runyard.store.sql.revision`); this command is the one deploy step that
does, run once per release before the new servers start. It creates the schema
of an empty database too. Migrations run in a transaction on PostgreSQL, so a
failed upgrade leaves the previous schema in place.
"""

from __future__ import annotations

import sys

from runyard.settings import Settings

__all__ = ["upgrade"]


def upgrade(store: str | None) -> int:
    from runyard.errors import StoreError
    from runyard.store.sql.db import open_db
    from runyard.store.sql.ddl import HEAD_REVISION
    from runyard.store.sql.migrate import upgrade as run_upgrade
    from runyard.store.sql.revision import schema_revision, shown_uri

    uri = store or Settings.from_env().local_store_uri
    shown = shown_uri(uri)
    try:
        db = open_db(uri)
        try:
            before = schema_revision(db)
        finally:
            db.close()
        run_upgrade(uri)
    except StoreError as exc:
        print(f"runyard: store {shown}: {exc}; refusing to migrate it", file=sys.stderr)
        return 1
    except Exception as exc:  # connection refused, bad URI, failed migration
        print(f"runyard: could not upgrade store {shown}: {exc}", file=sys.stderr)
        return 1
    if before == HEAD_REVISION:
        print(f"runyard: store {shown} is already at schema revision {HEAD_REVISION}")
    else:
        print(f"runyard: store {shown} upgraded from {before or 'empty'} to {HEAD_REVISION}")
    return 0
