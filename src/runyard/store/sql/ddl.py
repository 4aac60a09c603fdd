# ruff: noqa: E501  (generated DDL, one statement per line)
"""The SQLite schema as DDL text, so creating an embedded store needs no SQLAlchemy.

Generated from :mod:`runyard.store.sql.schema` (a test checks they agree); regenerate
with ``python -m runyard.store.sql.ddl`` after changing the schema.
"""

from __future__ import annotations

__all__ = ["HEAD_REVISION", "SQLITE_DDL", "render_sqlite_ddl"]

#: The Alembic revision this code expects; bumped with every migration.
HEAD_REVISION = "0004"

SQLITE_DDL: tuple[str, ...] = (
    "CREATE TABLE entities (\n\tname VARCHAR(128) NOT NULL, \n\tkind VARCHAR(16) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (name)\n)",
    "CREATE TABLE presets (\n\tentity VARCHAR(128) NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tversion INTEGER NOT NULL, \n\tspec TEXT NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tcreated_by VARCHAR(128), \n\tPRIMARY KEY (entity, name, version)\n)",
    "CREATE TABLE projects (\n\tid INTEGER NOT NULL, \n\tentity VARCHAR(128) NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tvisibility VARCHAR(16) DEFAULT 'private' NOT NULL, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_projects_entity_name UNIQUE (entity, name)\n)",
    "CREATE TABLE users (\n\tid INTEGER NOT NULL, \n\tusername VARCHAR(128) NOT NULL, \n\tpassword_hash TEXT, \n\tis_admin INTEGER DEFAULT '0' NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (username)\n)",
    "CREATE TABLE api_keys (\n\tid INTEGER NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tprefix VARCHAR(32) NOT NULL, \n\tkey_hash TEXT NOT NULL, \n\tname TEXT, \n\tcreated_at DOUBLE NOT NULL, \n\tlast_used_at DOUBLE, \n\trevoked_at DOUBLE, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, \n\tUNIQUE (prefix)\n)",
    "CREATE TABLE members (\n\tentity VARCHAR(128) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\trole VARCHAR(16) NOT NULL, \n\tPRIMARY KEY (entity, user_id), \n\tFOREIGN KEY(entity) REFERENCES entities (name) ON DELETE CASCADE, \n\tFOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE\n)",
    "CREATE TABLE runs (\n\tid INTEGER NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\trun_id VARCHAR(128) NOT NULL, \n\tdisplay_name TEXT, \n\tstate VARCHAR(16) NOT NULL, \n\tconfig TEXT NOT NULL, \n\tsummary TEXT NOT NULL, \n\tsummary_state TEXT NOT NULL, \n\tmetrics TEXT NOT NULL, \n\ttags TEXT NOT NULL, \n\tnotes TEXT, \n\tgroup_name TEXT, \n\tjob_type TEXT, \n\thost TEXT, \n\tcolor VARCHAR(32), \n\tcreated_at DOUBLE NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\theartbeat_at DOUBLE NOT NULL, \n\truntime DOUBLE NOT NULL, \n\tlast_step BIGINT NOT NULL, \n\texit_code INTEGER, \n\tsessions INTEGER NOT NULL, \n\tforked_from TEXT, \n\tmetadata TEXT, \n\tPRIMARY KEY (id), \n\tCONSTRAINT uq_runs_project_run UNIQUE (project_id, run_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_runs_project_created ON runs (project_id, created_at)",
    "CREATE TABLE sessions (\n\ttoken_hash VARCHAR(128) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tcsrf_token VARCHAR(128) NOT NULL, \n\tcreated_at DOUBLE NOT NULL, \n\texpires_at DOUBLE NOT NULL, \n\tPRIMARY KEY (token_hash), \n\tFOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE\n)",
    "CREATE TABLE workspaces (\n\tproject_id INTEGER NOT NULL, \n\tsettings TEXT NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\tPRIMARY KEY (project_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE\n)",
    "CREATE TABLE console_lines (\n\trun INTEGER NOT NULL, \n\tline BIGINT NOT NULL, \n\tstream VARCHAR(8) NOT NULL, \n\tts DOUBLE NOT NULL, \n\ttext TEXT NOT NULL, \n\tPRIMARY KEY (run, line), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)",
    'CREATE TABLE history_values (\n\trun INTEGER NOT NULL, \n\t"key" TEXT NOT NULL, \n\tstep BIGINT NOT NULL, \n\tvalue TEXT NOT NULL, \n\tPRIMARY KEY (run, "key", step), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)',
    "CREATE INDEX ix_history_values_run_step ON history_values (run, step)",
    "CREATE TABLE journals (\n\tpath TEXT NOT NULL, \n\trun INTEGER NOT NULL, \n\tposition BIGINT NOT NULL, \n\tupdated_at DOUBLE NOT NULL, \n\tconsole_base BIGINT, \n\tsystem_base BIGINT, \n\tPRIMARY KEY (path), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)",
    'CREATE TABLE series_chunks (\n\trun INTEGER NOT NULL, \n\t"key" TEXT NOT NULL, \n\tfirst_step BIGINT NOT NULL, \n\tlast_step BIGINT NOT NULL, \n\tcount INTEGER NOT NULL, \n\tvmin DOUBLE, \n\tvmax DOUBLE, \n\tvlast DOUBLE, \n\tsteps_blob BLOB NOT NULL, \n\tvalues_blob BLOB NOT NULL, \n\trollup_blob BLOB, \n\tPRIMARY KEY (run, "key", first_step), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)',
    'CREATE TABLE system_samples (\n\trun INTEGER NOT NULL, \n\tsample BIGINT NOT NULL, \n\tts DOUBLE NOT NULL, \n\truntime DOUBLE NOT NULL, \n\t"values" TEXT NOT NULL, \n\tPRIMARY KEY (run, sample), \n\tFOREIGN KEY(run) REFERENCES runs (id) ON DELETE CASCADE\n)',
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
