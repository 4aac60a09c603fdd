"""saved views: one row per view in ``views`` (out of the workspace document)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:05:00

Saved views lived in the project's ``workspaces`` row under the reserved key
``__runyard`` (``{"views": {name: {"settings", "owner", "updated_at"}}}``), so saving a
view rewrote the whole document and two saves at the same instant could lose one. The
upgrade moves each view to its own row and drops them from the document; the downgrade
puts them back.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from alembic import op

from runyard.store.sql import jsonutil

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The workspace document's reserved key (``server/routes/workspace.py``), spelled out
#: here so the migration keeps working if the route module changes.
RESERVED = "__runyard"


def upgrade() -> None:
    op.create_table(
        "views",
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT project_id, settings FROM workspaces")).all()
    for project_id, text in rows:
        document = jsonutil.loads(text)
        extra = document.get(RESERVED) if isinstance(document, dict) else None
        if not isinstance(extra, dict) or not isinstance(extra.get("views"), dict):
            continue
        views: dict[str, Any] = extra["views"]
        for name, view in views.items():
            if not isinstance(view, dict) or not isinstance(view.get("settings"), dict):
                continue
            updated = view.get("updated_at")
            stamp = float(updated) if isinstance(updated, (int, float)) else time.time()
            owner = view.get("owner")
            conn.execute(
                sa.text(
                    "INSERT INTO views (project_id, name, settings, owner, created_at, "
                    "updated_at) VALUES (:p, :n, :s, :o, :t, :t)"
                ),
                {
                    "p": project_id,
                    "n": str(name)[:128],
                    "s": jsonutil.dumps(view["settings"]),
                    "o": owner if isinstance(owner, str) else None,
                    "t": stamp,
                },
            )
        rest = {k: v for k, v in extra.items() if k != "views"}
        _write(conn, project_id, _with_extra(document, rest))


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT project_id, name, settings, owner, updated_at FROM views")
    ).all()
    by_project: dict[int, dict[str, Any]] = {}
    for project_id, name, settings, owner, updated_at in rows:
        by_project.setdefault(project_id, {})[name] = {
            "settings": jsonutil.loads(settings),
            "owner": owner,
            "updated_at": updated_at,
        }
    for project_id, views in by_project.items():
        text = conn.execute(
            sa.text("SELECT settings FROM workspaces WHERE project_id = :p"), {"p": project_id}
        ).scalar()
        document = jsonutil.loads(text) if text is not None else {}
        if not isinstance(document, dict):
            document = {}
        extra = document.get(RESERVED)
        extra = dict(extra) if isinstance(extra, dict) else {}
        document = _with_extra(document, {**extra, "views": views})
        if text is None:
            conn.execute(
                sa.text(
                    "INSERT INTO workspaces (project_id, settings, updated_at) VALUES (:p, :s, :t)"
                ),
                {"p": project_id, "s": jsonutil.dumps(document), "t": time.time()},
            )
        else:
            _write(conn, project_id, document)
    op.drop_table("views")


def _with_extra(document: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    shared = {k: v for k, v in document.items() if k != RESERVED}
    return {**shared, RESERVED: extra} if extra else shared


def _write(conn: Any, project_id: int, document: dict[str, Any]) -> None:
    conn.execute(
        sa.text("UPDATE workspaces SET settings = :s WHERE project_id = :p"),
        {"p": project_id, "s": jsonutil.dumps(document)},
    )
