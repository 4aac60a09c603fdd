# ruff: noqa: E501  (generated DDL, one statement per line)
"""The SQLite schema as DDL text, so creating an embedded store needs no SQLAlchemy.

Generated from :mod:`runyard.store.sql.schema` (a test checks they agree); regenerate
with ``python -m runyard.store.sql.ddl`` after changing the schema.
"""

from __future__ import annotations

__all__ = ["HEAD_REVISION", "SQLITE_DDL", "render_sqlite_ddl"]

#: The Alembic revision this code expects; bumped with every migration.
HEAD_REVISION = "0009"

SQLITE_DDL: tuple[str, ...] = (
    "CREATE TABLE entities (\n\tname VARCHAR(128) NOT NULL, \n\tkind VARCHAR(16) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (name)\n)",
    "CREATE TABLE presets (\n\tentity VARCHAR(128) NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tversion INTEGER NOT NULL, \n\tspec TEXT NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tcreated_by VARCHAR(128), \n\tPRIMARY KEY (entity, name, version)\n)",
    "CREATE TABLE projects (\n\tid INTEGER NOT NULL, \n\tentity VARCHAR(128) NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tvisibility VARCHAR(16) DEFAULT 'private' NOT NULL, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_projects_entity_name UNIQUE (entity, name)\n)",
    "CREATE TABLE users (\n\tid INTEGER NOT NULL, \n\tusername VARCHAR(128) NOT NULL, \n\tpassword_hash TEXT, \n\tis_admin INTEGER DEFAULT '0' NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (username)\n)",
    "CREATE TABLE api_keys (\n\tid INTEGER NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tprefix VARCHAR(32) NOT NULL, \n\tkey_hash TEXT NOT NULL, \n\tname TEXT, \n\tcreated_at DOUBLE NOT NULL, \n\tlast_used_at DOUBLE, \n\trevoked_at DOUBLE, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, \n\tUNIQUE (prefix)\n)",
    "CREATE TABLE artifact_blobs (\n\tdigest VARCHAR(64) NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\tsize BIGINT NOT NULL, \n\tseen_at DOUBLE NOT NULL, \n\tPRIMARY KEY (digest, project_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE TABLE artifact_collections (\n\tid INTEGER NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\ttype VARCHAR(128) NOT NULL, \n\tkind VARCHAR(16) NOT NULL, \n\tdescription TEXT, \n\tcreated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_artifact_collections_project_name UNIQUE (project_id, name), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE TABLE members (\n\tentity VARCHAR(128) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\trole VARCHAR(16) NOT NULL, \n\tPRIMARY KEY (entity, user_id), \n\tFOREIGN KEY(entity) REFERENCES entities (name) ON DELETE CASCADE, \n\tFOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE\n)",
    "CREATE TABLE runs (\n\tid INTEGER NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\trun_id VARCHAR(128) NOT NULL, \n\tdisplay_name TEXT, \n\tstate VARCHAR(16) NOT NULL, \n\tconfig TEXT NOT NULL, \n\tsummary TEXT NOT NULL, \n\tsummary_state TEXT NOT NULL, \n\tmetrics TEXT NOT NULL, \n\ttags TEXT NOT NULL, \n\tnotes TEXT, \n\tgroup_name TEXT, \n\tjob_type TEXT, \n\thost TEXT, \n\tcolor VARCHAR(32), \n\tcreated_at DOUBLE NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\theartbeat_at DOUBLE NOT NULL, \n\truntime DOUBLE NOT NULL, \n\tlast_step BIGINT NOT NULL, \n\texit_code INTEGER, \n\tsessions INTEGER NOT NULL, \n\tforked_from TEXT, \n\tmetadata TEXT, \n\tstop_requested_at DOUBLE, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_runs_project_run UNIQUE (project_id, run_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_runs_project_created ON runs (project_id, created_at)",
    "CREATE TABLE sessions (\n\ttoken_hash VARCHAR(128) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tcsrf_token VARCHAR(128) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\texpires_at DOUBLE NOT NULL, \n\tPRIMARY KEY (token_hash), \n\tFOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE\n)",
    "CREATE TABLE views (\n\tproject_id INTEGER NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tsettings TEXT NOT NULL, \n\towner VARCHAR(128), \n\tcreated_at DOUBLE NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (project_id, name), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE TABLE workspaces (\n\tproject_id INTEGER NOT NULL, \n\tsettings TEXT NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (project_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE TABLE artifact_versions (\n\tid INTEGER NOT NULL, \n\tcollection_id INTEGER NOT NULL, \n\tversion_index INTEGER NOT NULL, \n\tdigest VARCHAR(64) NOT NULL, \n\tdescription TEXT, \n\tmetadata TEXT NOT NULL, \n\tsize BIGINT NOT NULL, \n\tfile_count INTEGER NOT NULL, \n\tstate VARCHAR(16) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tlogged_by_run INTEGER, \n\tsource_version_id INTEGER, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_artifact_versions_index UNIQUE (collection_id, version_index), \n\tFOREIGN KEY(collection_id) REFERENCES artifact_collections (id) ON DELETE CASCADE, \n\tFOREIGN KEY(logged_by_run) REFERENCES runs (id) ON DELETE SET NULL, \n\tFOREIGN KEY(source_version_id) REFERENCES artifact_versions (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_artifact_versions_digest ON artifact_versions (collection_id, digest)",
    "CREATE INDEX ix_artifact_versions_run ON artifact_versions (logged_by_run)",
    "CREATE INDEX ix_artifact_versions_source ON artifact_versions (source_version_id)",
    "CREATE TABLE console_lines (\n\trun INTEGER NOT NULL, \n\tline BIGINT NOT NULL, \n\tstream VARCHAR(8) NOT NULL, \n\tts DOUBLE NOT NULL, \n\ttext TEXT NOT NULL, \n\tPRIMARY KEY (run, line), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)",
    'CREATE TABLE history_values (\n\trun INTEGER NOT NULL, \n\t"key" TEXT NOT NULL, \n\tstep BIGINT NOT NULL, \n\tvalue TEXT NOT NULL, \n\tPRIMARY KEY (run, "key", step), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)',
    "CREATE INDEX ix_history_values_run_step ON history_values (run, step)",
    "CREATE TABLE journals (\n\tpath TEXT NOT NULL, \n\trun INTEGER NOT NULL, \n\tposition BIGINT NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\tconsole_base BIGINT, \n\tsystem_base BIGINT, \n\tPRIMARY KEY (path), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)",
    'CREATE TABLE series_chunks (\n\trun INTEGER NOT NULL, \n\t"key" TEXT NOT NULL, \n\tfirst_step BIGINT NOT NULL, \n\tlast_step BIGINT NOT NULL, \n\tcount INTEGER NOT NULL, \n\tvmin DOUBLE, \n\tvmax DOUBLE, \n\tvlast DOUBLE, \n\tsteps_blob BLOB NOT NULL, \n\tvalues_blob BLOB NOT NULL, \n\trollup_blob BLOB, \n\tPRIMARY KEY (run, "key", first_step), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)',
    'CREATE TABLE system_samples (\n\trun INTEGER NOT NULL, \n\tsample BIGINT NOT NULL, \n\tts DOUBLE NOT NULL, \n\truntime DOUBLE NOT NULL, \n\t"values" TEXT NOT NULL, \n\tPRIMARY KEY (run, sample), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)',
    "CREATE TABLE artifact_aliases (\n\tcollection_id INTEGER NOT NULL, \n\talias VARCHAR(128) NOT NULL, \n\tversion_id INTEGER NOT NULL, \n\tPRIMARY KEY (collection_id, alias), \n\tFOREIGN KEY(collection_id) REFERENCES artifact_collections (id) ON DELETE CASCADE, \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_artifact_aliases_version ON artifact_aliases (version_id)",
    "CREATE TABLE artifact_client_ids (\n\tclient_id VARCHAR(64) NOT NULL, \n\tversion_id INTEGER NOT NULL, \n\tPRIMARY KEY (client_id), \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_artifact_client_ids_version ON artifact_client_ids (version_id)",
    "CREATE TABLE artifact_files (\n\tversion_id INTEGER NOT NULL, \n\tpath TEXT NOT NULL, \n\tdigest VARCHAR(64), \n\tsize BIGINT, \n\tref TEXT, \n\tchecksum TEXT, \n\textra TEXT, \n\tPRIMARY KEY (version_id, path), \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_artifact_files_digest ON artifact_files (digest)",
    "CREATE TABLE artifact_usage (\n\trun INTEGER NOT NULL, \n\tversion_id INTEGER NOT NULL, \n\tused_at DOUBLE NOT NULL, \n\tPRIMARY KEY (run, version_id), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE, \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_artifact_usage_version ON artifact_usage (version_id)",
)


def render_sqlite_ddl() -> tuple[str, ...]:
    """The DDL SQLAlchemy compiles from the schema (what ``SQLITE_DDL`` must equal)."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from runyard.store.sql.schema import metadata

    statements: list[str] = []
    dialect = sqlite.dialect()
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            statements.append(str(CreateIndex(index).compile(dialect=dialect)).strip())
    return tuple(statements)


if __name__ == "__main__":
    for statement in render_sqlite_ddl():
        print(repr(statement) + ",")
