"""run filter documents: generated jsonb config_doc/summary_doc with GIN indexes (PostgreSQL)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 15:40:00

``Api().runs(filters)`` over 100,000 runs parsed every run's config and summary text
for each path of the filter; the generated columns hold them parsed, and the GIN
indexes serve equality. SQLite keeps its JSON text (``json_extract`` is fast there).
"""

from __future__ import annotations

from alembic import op

from runyard.store.sql.migrate import POSTGRES_RUN_DOCUMENTS

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_RUN_DOCUMENTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ("config", "summary"):
            op.execute(f"DROP INDEX IF EXISTS ix_runs_{column}_doc")
            op.execute(f"ALTER TABLE runs DROP COLUMN IF EXISTS {column}_doc")
