"""`local_cluster`: a throwaway PostgreSQL that starts, answers, and leaves nothing behind."""

from __future__ import annotations

import os
import socket

import pytest

from runyard.store.sql.local_pg import local_cluster, pg_bindir


def test_cluster_answers_and_is_removed_after(postgres_server: object) -> None:
    # `postgres_server` makes this fail (not skip) in CI when PostgreSQL is missing.
    import psycopg

    with local_cluster(prefix="runyard-pg-test-") as cluster:
        with psycopg.connect(
            host=cluster.host, port=cluster.port, user="postgres", dbname="postgres"
        ) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert cluster.uri("x").endswith(f"@127.0.0.1:{cluster.port}/x")
        assert cluster.pid > 0 and cluster.data.exists()
    assert not cluster.data.exists()
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect((cluster.host, cluster.port))


def test_missing_binaries_name_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("RUNYARD_PG_BINDIR", os.fspath(str(tmp_path)))
    assert pg_bindir() is None
    with pytest.raises(RuntimeError, match="apt-get install postgresql"), local_cluster():
        pass
