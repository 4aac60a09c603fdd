"""stop requested: runs.stop_requested_at ("Stop run" in the web app or wandb's stopRun)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 13:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("stop_requested_at", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("stop_requested_at")
