"""run context: metadata, console lines, system samples

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("metadata", sa.Text(), nullable=True))
    with op.batch_alter_table("journals") as batch:
        batch.add_column(sa.Column("console_base", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("system_base", sa.BigInteger(), nullable=True))
    op.create_table(
        "console_lines",
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run", "line"),
    )
    op.create_table(
        "system_samples",
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("sample", sa.BigInteger(), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("runtime", sa.Double(), nullable=False),
        sa.Column("values", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run", "sample"),
    )


def downgrade() -> None:
    op.drop_table("system_samples")
    op.drop_table("console_lines")
    with op.batch_alter_table("journals") as batch:
        batch.drop_column("system_base")
        batch.drop_column("console_base")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("metadata")
