"""chunk blobs stored without PostgreSQL's compression (STORAGE EXTERNAL; PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:50:00

``series_chunks`` blobs are zlib-compressed by Runyard, or plain float words of open
chunks that do not compress: PostgreSQL's pglz attempt on each before TOASTing it was
a third of its CPU ingesting (issue 20). Rows written before keep their storage;
nothing is rewritten. SQLite has no such setting.
"""

from __future__ import annotations

from alembic import op

from runyard.store.sql.migrate import POSTGRES_CHUNK_STORAGE

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_CHUNK_STORAGE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_CHUNK_STORAGE:
            op.execute(statement.replace("EXTERNAL", "EXTENDED"))
