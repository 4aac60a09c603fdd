"""``runyard db upgrade``: bring a store's schema up to date with Alembic."""

from __future__ import annotations

from runyard.settings import Settings

__all__ = ["upgrade"]


def upgrade(store: str | None) -> int:
    from runyard.store.sql.migrate import upgrade as run_upgrade

    uri = store or Settings.from_env().store_uri
    run_upgrade(uri)
    print(f"runyard: store {uri} is at the current schema")
    return 0
