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
    "artifact_aliases",
    "artifact_blobs",
    "artifact_client_ids",
    "artifact_collections",
    "artifact_files",
    "artifact_usage",
    "artifact_versions",
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
    "views",
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
    # When "Stop run" was asked for (schema 0006); cleared when the run ends.
    Column("stop_requested_at", Double),
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

# Artifacts (schema 0005; store/sql/artifacts.py). A collection is a name in a project:
# a "sequence" of versions its runs logged, or a "portfolio" of links to versions of
# other collections (the entity's registry is the project "model-registry").
artifact_collections = Table(
    "artifact_collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("type", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("description", Text),
    Column("created_at", Double, nullable=False),
    UniqueConstraint("project_id", "name", name="uq_artifact_collections_project_name"),
)

# Versions v0…vN of a collection. ``digest`` is the manifest digest (identical content
# is one version); a portfolio's version links ``source_version_id`` (and reads its files).
artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "collection_id",
        Integer,
        ForeignKey("artifact_collections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version_index", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("description", Text),
    Column("metadata", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_count", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("logged_by_run", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("source_version_id", Integer, ForeignKey("artifact_versions.id", ondelete="CASCADE")),
    UniqueConstraint("collection_id", "version_index", name="uq_artifact_versions_index"),
)

# The SDK's id of each log_artifact call → the version it made (idempotent commits;
# two ids map to one version when their content is identical).
artifact_client_ids = Table(
    "artifact_client_ids",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column(
        "version_id",
        Integer,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
)

# A version's manifest: content entries by SHA-256 (the blob artifacts/sha256/<ab>/<digest>),
# references by URI and checksum.
artifact_files = Table(
    "artifact_files",
    metadata,
    Column(
        "version_id",
        Integer,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("path", Text, primary_key=True),
    Column("digest", String(64)),
    Column("size", BigInteger),
    Column("ref", Text),
    Column("checksum", Text),
    Column("extra", Text),
)

# Aliases ("latest", "best", "production" …): unique per collection, moved on re-use.
artifact_aliases = Table(
    "artifact_aliases",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("artifact_collections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("alias", String(128), primary_key=True),
    Column(
        "version_id",
        Integer,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
)

# Lineage: the versions each run used (its outputs are artifact_versions.logged_by_run).
artifact_usage = Table(
    "artifact_usage",
    metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "version_id",
        Integer,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("used_at", Double, nullable=False),
)

# Contents a project holds (uploaded to it with its bytes verified, or in one of its
# versions): a server answers "present" and accepts a manifest entry only for these,
# so a digest alone never reaches another project's content. ``seen_at`` (upload or
# "present" answer) keeps the blob from runyard gc while a commit is on its way.
artifact_blobs = Table(
    "artifact_blobs",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("seen_at", Double, nullable=False),
)

# Web app workspace settings (layout, pinned columns, …) per project.
workspaces = Table(
    "workspaces",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
)

# Saved, named views of a project (revision 0008): one row each, so saving one view is
# one row's write and two saves at the same instant cannot lose one. ``owner`` is the
# user who saved it last (NULL on a server without accounts).
views = Table(
    "views",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("owner", String(128)),
    Column("created_at", Double, nullable=False),
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
Index("ix_artifact_versions_digest", artifact_versions.c.collection_id, artifact_versions.c.digest)
Index("ix_artifact_versions_run", artifact_versions.c.logged_by_run)
Index("ix_artifact_versions_source", artifact_versions.c.source_version_id)
Index("ix_artifact_files_digest", artifact_files.c.digest)
Index("ix_artifact_aliases_version", artifact_aliases.c.version_id)
Index("ix_artifact_usage_version", artifact_usage.c.version_id)
Index("ix_artifact_client_ids_version", artifact_client_ids.c.version_id)
