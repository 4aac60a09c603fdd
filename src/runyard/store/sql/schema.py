"""The SQL schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Documented for humans in ``docs/schema.md``; changed only together with an Alembic
migration in ``store/sql/migrations/versions`` (a test checks they agree).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "HEAD_REVISION",
    "api_keys",
    "console_lines",
    "entities",
    "history_values",
    "journals",
    "members",
    "metadata",
    "presets",
    "projects",
    "runs",
    "series_chunks",
    "sessions",
    "system_samples",
    "users",
    "workspaces",
]

from runyard.store.sql.ddl import HEAD_REVISION

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("created_at", Double, nullable=False),
    # "private" (members of the entity only) or "public" (anyone may read).
    Column("visibility", String(16), nullable=False, server_default="private"),
    UniqueConstraint("entity", "name", name="uq_projects_entity_name"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", String(128), nullable=False),
    Column("display_name", Text),
    Column("state", String(16), nullable=False),
    # JSON documents as text (NaN and ±Infinity allowed, as wandb writes them).
    Column("config", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("summary_state", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("tags", Text, nullable=False),
    Column("notes", Text),
    Column("group_name", Text),
    Column("job_type", Text),
    Column("host", Text),
    Column("color", String(32)),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("heartbeat_at", Double, nullable=False),
    Column("runtime", Double, nullable=False),
    Column("last_step", BigInteger, nullable=False),
    Column("exit_code", Integer),
    Column("sessions", Integer, nullable=False),
    Column("forked_from", Text),
    # wandb-metadata.json: Python, OS, host, program, args, git, GPUs … (JSON, schema 0004).
    Column("metadata", Text),
    UniqueConstraint("project_id", "run_id", name="uq_runs_project_run"),
)

# Scalar history, columnar: one row per (run, key, chunk) with the chunk's
# encoded steps and values (see chunks.py) and its stats for fast sampling.
series_chunks = Table(
    "series_chunks",
    metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("first_step", BigInteger, primary_key=True),
    Column("last_step", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    Column("vmin", Double),
    Column("vmax", Double),
    Column("vlast", Double),
    Column("steps_blob", LargeBinary, nullable=False),
    Column("values_blob", LargeBinary, nullable=False),
    # min/max/last per ROLLUP_POINTS points, so zoomed-out charts read no raw points.
    Column("rollup_blob", LargeBinary),
)

# Non-scalar history (lists, histograms, media references, strings, None).
history_values = Table(
    "history_values",
    metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("step", BigInteger, primary_key=True),
    Column("value", Text, nullable=False),
)

# The run's console output (stdout/stderr), one row per terminal line as a terminal
# shows it (carriage returns and cursor moves applied); a line still being drawn (a
# progress bar) is rewritten in place, so the row is keyed by its line number.
console_lines = Table(
    "console_lines",
    metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("line", BigInteger, primary_key=True),
    Column("stream", String(8), nullable=False),
    Column("ts", Double, nullable=False),
    Column("text", Text, nullable=False),
)

# System metrics (wandb's "events" stream): one row per sample of the sampler thread,
# its values a JSON object keyed by wandb's names (``system.cpu``, ``system.gpu.0.gpu``).
system_samples = Table(
    "system_samples",
    metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("sample", BigInteger, primary_key=True),
    Column("ts", Double, nullable=False),
    Column("runtime", Double, nullable=False),
    Column("values", Text, nullable=False),
)

# How far each run journal has been moved into the store (idempotent replay).
journals = Table(
    "journals",
    metadata,
    Column("path", Text, primary_key=True),
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", Double, nullable=False),
    # Where the journal's console lines and system samples start in its run: set by
    # its first batch that has some (store/sql/context.py; schema 0004).
    Column("console_base", BigInteger),
    Column("system_base", BigInteger),
)

# Web app workspace settings (layout, pinned columns, …) per project.
workspaces = Table(
    "workspaces",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
)

# Custom chart presets (Vega / Vega-Lite specs), versioned: saving a name again adds
# a version; readers take the highest version unless they ask for one.
presets = Table(
    "presets",
    metadata,
    Column("entity", String(128), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("spec", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("created_by", String(128)),
)

# Team server accounts. An entity is a user's own namespace or a team.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", Text),
    Column("is_admin", Integer, nullable=False, server_default="0"),
    Column("created_at", Double, nullable=False),
)

entities = Table(
    "entities",
    metadata,
    Column("name", String(128), primary_key=True),
    # "user" or "team"
    Column("kind", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column(
        "entity", String(128), ForeignKey("entities.name", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # "admin" or "member"
    Column("role", String(16), nullable=False),
)

# API keys are shown once; only a hash is kept. ``prefix`` finds the row.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", Text, nullable=False),
    Column("name", Text),
    Column("created_at", Double, nullable=False),
    Column("last_used_at", Double),
    Column("revoked_at", Double),
)

# UI login sessions (cookie holds the token; only its hash is kept).
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(128), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
)

Index("ix_runs_project_created", runs.c.project_id, runs.c.created_at)
Index("ix_history_values_run_step", history_values.c.run, history_values.c.step)
