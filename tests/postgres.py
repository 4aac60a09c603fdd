"""A throwaway PostgreSQL server for any test (session-scoped; fixtures `postgres_server`, `postgres_uri`).

Started by :func:`runyard.store.sql.local_pg.local_cluster` (Debian's ``postgresql``
binaries on 127.0.0.1 and a free port, ``fsync=off``). Without the binaries the PostgreSQL tests are skipped, or fail when
``RUNYARD_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from runyard.store.sql.local_pg import LocalCluster, local_cluster, pg_bindir


def _unavailable(message: str) -> None:
    if os.environ.get("RUNYARD_REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (RUNYARD_REQUIRE_POSTGRES=1)")
    pytest.skip(message)


class PostgresServer:
    """A running cluster; `new_database` gives each test its own database."""

    def __init__(self, cluster: LocalCluster) -> None:
        self.cluster = cluster
        self.host = cluster.host
        self.port = cluster.port
        self._names = itertools.count()

    def uri(self, database: str) -> str:
        return self.cluster.uri(database)

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URI."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.uri(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if pg_bindir() is None:
        _unavailable("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed; pip install 'psycopg[binary]'")
    with local_cluster() as cluster:
        yield PostgresServer(cluster)


@pytest.fixture
def postgres_uri(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.new_database()
