"""artifacts: collections, versions, files, aliases, usage, client ids, blobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _version_fk(name: str = "version_id", nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "artifact_collections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "name", name="uq_artifact_collections_project_name"),
    )
    op.create_table(
        "artifact_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("version_index", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("logged_by_run", sa.Integer(), nullable=True),
        sa.Column("source_version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["collection_id"], ["artifact_collections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["logged_by_run"], ["runs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["source_version_id"], ["artifact_versions.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("collection_id", "version_index", name="uq_artifact_versions_index"),
    )
    op.create_index("ix_artifact_versions_digest", "artifact_versions", ["collection_id", "digest"])
    op.create_index("ix_artifact_versions_run", "artifact_versions", ["logged_by_run"])
    op.create_index("ix_artifact_versions_source", "artifact_versions", ["source_version_id"])
    op.create_table(
        "artifact_client_ids",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        _version_fk(),
        sa.ForeignKeyConstraint(["version_id"], ["artifact_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_index("ix_artifact_client_ids_version", "artifact_client_ids", ["version_id"])
    op.create_table(
        "artifact_files",
        _version_fk(),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("checksum", sa.Text(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["artifact_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "path"),
    )
    op.create_index("ix_artifact_files_digest", "artifact_files", ["digest"])
    op.create_table(
        "artifact_aliases",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        _version_fk(),
        sa.ForeignKeyConstraint(["collection_id"], ["artifact_collections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["artifact_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("collection_id", "alias"),
    )
    op.create_index("ix_artifact_aliases_version", "artifact_aliases", ["version_id"])
    op.create_table(
        "artifact_usage",
        sa.Column("run", sa.Integer(), nullable=False),
        _version_fk(),
        sa.Column("used_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["run"], ["runs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["artifact_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run", "version_id"),
    )
    op.create_index("ix_artifact_usage_version", "artifact_usage", ["version_id"])
    op.create_table(
        "artifact_blobs",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest", "project_id"),
    )


def downgrade() -> None:
    op.drop_table("artifact_blobs")
    op.drop_index("ix_artifact_usage_version", table_name="artifact_usage")
    op.drop_table("artifact_usage")
    op.drop_index("ix_artifact_aliases_version", table_name="artifact_aliases")
    op.drop_table("artifact_aliases")
    op.drop_index("ix_artifact_files_digest", table_name="artifact_files")
    op.drop_table("artifact_files")
    op.drop_index("ix_artifact_client_ids_version", table_name="artifact_client_ids")
    op.drop_table("artifact_client_ids")
    op.drop_index("ix_artifact_versions_source", table_name="artifact_versions")
    op.drop_index("ix_artifact_versions_run", table_name="artifact_versions")
    op.drop_index("ix_artifact_versions_digest", table_name="artifact_versions")
    op.drop_table("artifact_versions")
    op.drop_table("artifact_collections")
