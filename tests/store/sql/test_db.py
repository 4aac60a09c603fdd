"""The store's connection layer: `SqliteDb` on real SQLite files, `SqlAlchemyDb` on
PostgreSQL (the throwaway server of tests/store/conftest.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.db import SqlAlchemyDb, SqliteDb, open_db
from runyard.store.sql.store import SqlStore

FD_DIR = Path("/proc/self/fd")
needs_proc = pytest.mark.skipif(not FD_DIR.is_dir(), reason="needs /proc/self/fd")


def open_fds() -> int:
    return len(os.listdir(FD_DIR))


def test_write_commits_and_read_sees_it(tmp_path: Path) -> None:
    db = SqliteDb(str(tmp_path / "a.db"))
    try:
        with db.write() as tx:
            tx.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
            tx.many("INSERT INTO t VALUES (:k, :v)", [{"k": "a", "v": 1}, {"k": "b", "v": 2}])
        with db.read() as tx:
            assert tx.scalar("SELECT SUM(v) FROM t") == 3
            assert tx.one("SELECT v FROM t WHERE k = :k", {"k": "b"})["v"] == 2
            assert tx.one("SELECT v FROM t WHERE k = :k", {"k": "zz"}) is None
    finally:
        db.close()


def test_exception_rolls_the_write_back(tmp_path: Path) -> None:
    db = SqliteDb(str(tmp_path / "a.db"))
    try:
        with db.write() as tx:
            tx.run("CREATE TABLE t (v INTEGER)")

        def failing_write() -> None:
            with db.write() as tx:
                tx.run("INSERT INTO t VALUES (1)")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            failing_write()
        with db.read() as tx:
            assert tx.scalar("SELECT COUNT(*) FROM t") == 0
        with db.write() as tx:  # the connection is usable again
            tx.run("INSERT INTO t VALUES (2)")
        with db.read() as tx:
            assert tx.scalar("SELECT COUNT(*) FROM t") == 1
    finally:
        db.close()


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    db = SqliteDb(str(tmp_path / "a.db"))
    try:
        with db.read() as tx:
            assert tx.scalar("PRAGMA journal_mode") == "wal"
            assert tx.scalar("PRAGMA foreign_keys") == 1
    finally:
        db.close()


def test_auto_vacuum_is_chosen_for_new_files_only(tmp_path: Path) -> None:
    """A new (or empty) file is made incremental-vacuum and WAL; an existing database
    keeps its auto-vacuum mode and is switched to WAL; every connection of the pool,
    opened when the file already exists, sees WAL and foreign keys."""
    import sqlite3

    new = SqliteDb(str(tmp_path / "new.db"))
    (tmp_path / "empty.db").touch()
    empty = SqliteDb(str(tmp_path / "empty.db"))
    plain = sqlite3.connect(tmp_path / "old.db")
    plain.execute("CREATE TABLE t (v INTEGER)")
    plain.commit()
    plain.close()
    old = SqliteDb(str(tmp_path / "old.db"))
    try:
        for db, vacuum in ((new, 2), (empty, 2), (old, 0)):
            with db.write() as tx:
                tx.run("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
                tx.run("INSERT INTO t VALUES (1)")
            with db.read() as first, db.read() as second:  # two connections
                for tx in (first, second):
                    assert tx.scalar("PRAGMA auto_vacuum") == vacuum
                    assert tx.scalar("PRAGMA journal_mode") == "wal"
                    assert tx.scalar("PRAGMA foreign_keys") == 1
                    assert tx.scalar("SELECT COUNT(*) FROM t") == 1
    finally:
        for db in (new, empty, old):
            db.close()


def test_reads_map_the_file(tmp_path: Path) -> None:
    """Blobs are read through a memory map (the server's panels read many pages of chunks)."""
    db = SqliteDb(str(tmp_path / "a.db"))
    try:
        with db.read() as tx:
            assert tx.scalar("PRAGMA mmap_size") == 256 * 1024 * 1024
    finally:
        db.close()


@needs_proc
def test_short_lived_threads_do_not_leak_connections(tmp_path: Path) -> None:
    """Each run's writer thread uses the process's shared store once and ends.

    A connection kept per finished thread costs two file descriptors (the database
    and its WAL); a long process starting runs in a loop (sweeps, notebooks) would
    run out of descriptors after a few hundred runs.
    """
    store = SqlStore(f"sqlite:///{tmp_path}/t.db")
    try:
        store.get_run(RunRef("e", "p", "warm-up"))
        before = open_fds()

        def one_run(i: int) -> None:
            ref = RunRef("e", "p", f"r{i}")
            store.write_batch(RunBatch(ref, create={"display_name": ref.run_id}))
            store.write_batch(RunBatch(ref, columns={"loss": ([0], [1.0])}))

        for i in range(100):
            t = threading.Thread(target=one_run, args=(i,))
            t.start()
            t.join()
        assert len(store.list_runs("e", "p")) == 100
        assert open_fds() - before < 20
    finally:
        store.close()


def test_postgresql_rows_support_index_and_name(postgres_uri: str) -> None:
    db = open_db(postgres_uri)
    assert isinstance(db, SqlAlchemyDb) and db.dialect == "postgresql"
    try:
        with db.write() as tx:
            tx.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER, b BYTEA)")
            tx.many(
                "INSERT INTO t VALUES (:k, :v, :b)",
                [{"k": "a", "v": 1, "b": b"\x00\x01"}, {"k": "b", "v": 2, "b": b""}],
            )
        with db.read() as tx:
            row = tx.one("SELECT k, v, b FROM t WHERE k = :k", {"k": "a"})
            assert (row[0], row[1], bytes(row[2])) == ("a", 1, b"\x00\x01")
            assert (row["k"], row["v"], bytes(row["b"])) == ("a", 1, b"\x00\x01")
            assert tx.scalar("SELECT COUNT(*) FROM t") == 2
    finally:
        db.close()


def test_postgresql_uri_without_driver_uses_psycopg(postgres_uri: str) -> None:
    plain = postgres_uri.replace("postgresql+psycopg://", "postgresql://")
    db = open_db(plain)
    try:
        assert isinstance(db, SqlAlchemyDb)
        assert db.engine.dialect.driver == "psycopg"
        with db.read() as tx:
            assert tx.scalar("SELECT 1") == 1
    finally:
        db.close()


def test_postgresql_read_is_one_snapshot(postgres_uri: str) -> None:
    db = open_db(postgres_uri)
    try:
        with db.write() as tx:
            tx.run("CREATE TABLE t (v INTEGER)")
        with db.read() as reader:
            assert reader.scalar("SELECT COUNT(*) FROM t") == 0
            with db.write() as tx:
                tx.run("INSERT INTO t VALUES (1)")
            assert reader.scalar("SELECT COUNT(*) FROM t") == 0
        with db.read() as reader:
            assert reader.scalar("SELECT COUNT(*) FROM t") == 1
    finally:
        db.close()


READ_ONLY_CHECK = """
import json, sys
from runyard.entities import RunRef
from runyard.errors import StoreError
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

store = SqlStore(sys.argv[1])
out = {"run": store.get_run(RunRef("me", "p", "r1")).display_name,
       "loss": store.read_series(RunRef("me", "p", "r1"), "loss").values.tolist(),
       "read_only": store._db.read_only}
try:
    store.write_batch(RunBatch(RunRef("me", "p", "r2"), create={"display_name": "new"}))
except StoreError as exc:
    out["write"] = str(exc)
store.close()
print(json.dumps(out))
"""


@pytest.mark.parametrize("live_writer", [False, True], ids=["closed", "wal-left-open"])
def test_a_read_only_store_opens_and_reads_and_refuses_writes(
    tmp_path: Path, live_writer: bool
) -> None:
    """Issue 12, point 9: a store the process cannot write (chmod -w, a read-only
    mount) raised on open ("unable to open database file"): opening wrote PRAGMAs."""
    import json
    import subprocess
    import sys

    import numpy as np

    from tests.readonly import read_only

    root = tmp_path / "ro"
    uri = f"sqlite:///{root}/runyard.db"
    store = SqlStore(uri)
    ref = RunRef("me", "p", "r1")
    steps = np.arange(3, dtype=np.int64)
    store.write_batch(
        RunBatch(ref, create={"display_name": "one"}, columns={"loss": (steps, steps * 1.0)})
    )
    if not live_writer:
        store.close()  # the -wal and -shm files go with the last connection
    before = sorted(p.name for p in root.iterdir())
    try:
        with read_only(root) as prefix:
            result = subprocess.run(
                [*prefix, sys.executable, "-c", READ_ONLY_CHECK, uri],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
    finally:
        if live_writer:
            store.close()
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["run"] == "one" and out["loss"] == [0.0, 1.0, 2.0] and out["read_only"]
    assert "read-only" in out["write"] and str(root / "runyard.db") in out["write"]
    if not live_writer:
        assert sorted(p.name for p in root.iterdir()) == before
