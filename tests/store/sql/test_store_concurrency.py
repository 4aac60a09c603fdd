"""PostgreSQL writes lock per run, not the whole store (issue 20).

A batch holds its run (and, when it may create the run, its project) exclusively and
the store-wide lock only shared, so writers of different runs proceed together while
two writers of one run, and whole-store writers, still take turns. Whether a writer
waits is read from PostgreSQL's lock table (``pg_locks``), never from a clock.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore, _write_scope

STEPS_PER_BATCH = 50
BATCHES = 40


def _ref(run_id: str) -> RunRef:
    return RunRef("me", "proj", run_id)


_PROJECT = ("me", "proj")


def _batch(run_id: str, i: int, prefix: str, journal: str | None = None) -> RunBatch:
    steps = list(range(i * STEPS_PER_BATCH, (i + 1) * STEPS_PER_BATCH))
    return RunBatch(
        _ref(run_id),
        create={"display_name": run_id},
        config={f"{prefix}{i}": i},
        summary_set=[((f"{prefix}last",), i)],
        columns={f"{prefix}loss": (steps, [float(s) for s in steps])},
        journal=None if journal is None else (journal, (i + 1) * 10),
    )


def _write_run(uri: str, run_id: str, prefix: str, journal: str | None) -> None:
    """A writer process: every batch of one run, in order."""
    store = SqlStore(uri, upgrade=False)
    try:
        for i in range(BATCHES):
            store.write_batch(_batch(run_id, i, prefix, journal))
    finally:
        store.close()


@pytest.fixture
def pg_uri(postgres_uri: str) -> str:
    SqlStore(postgres_uri).close()  # the schema, once, before any writer
    return postgres_uri


@pytest.fixture(params=["sqlite", "postgresql"])
def uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path}/runyard.db"
        SqlStore(found).close()
        return found
    return str(request.getfixturevalue("pg_uri"))


def _waiting_for_locks(store: SqlStore) -> int:
    with store._db.read() as tx:
        return int(tx.scalar("SELECT COUNT(*) FROM pg_locks WHERE NOT granted"))


class _Held:
    """A write transaction of ``batch``'s scope, held open in a thread until released."""

    def __init__(self, store: SqlStore, scope: tuple[str, ...] | None) -> None:
        self.taken = threading.Event()
        self.release = threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(store, scope))
        self._thread.start()
        assert self.taken.wait(60)

    def _hold(self, store: SqlStore, scope: tuple[str, ...] | None) -> None:
        with store._db.write(scope):
            self.taken.set()
            self.release.wait(60)

    def close(self) -> None:
        self.release.set()
        self._thread.join(60)


def _start(store: SqlStore, batch: RunBatch) -> tuple[threading.Thread, list[Any]]:
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(store.write_batch(batch)))
    thread.start()
    return thread, done


def _wait_until(thread: threading.Thread, store: SqlStore) -> str:
    """Whether ``thread`` finished or blocked on a lock (whichever PostgreSQL shows first)."""
    while True:
        thread.join(0.05)
        if not thread.is_alive():
            return "done"
        if _waiting_for_locks(store):
            return "waiting"


@pytest.fixture
def two_stores(pg_uri: str) -> Iterator[tuple[SqlStore, SqlStore]]:
    first, second = SqlStore(pg_uri), SqlStore(pg_uri)
    for run_id in ("a", "b"):
        first.write_batch(_batch(run_id, 0, "k"))
    yield first, second
    first.close()
    second.close()


def test_a_writer_of_another_run_does_not_wait(two_stores: tuple[SqlStore, SqlStore]) -> None:
    first, second = two_stores
    held = _Held(first, _write_scope(_batch("a", 1, "k")))
    try:
        thread, done = _start(second, _batch("b", 1, "k"))
        assert _wait_until(thread, second) == "done"
        assert done == [None]
    finally:
        held.close()
    assert second.read_series(_ref("b"), "kloss").steps[-1] == 2 * STEPS_PER_BATCH - 1


@pytest.mark.parametrize("holder", ["same run", "whole store"])
def test_a_writer_of_the_same_run_or_a_whole_store_writer_waits(
    two_stores: tuple[SqlStore, SqlStore], holder: str
) -> None:
    first, second = two_stores
    scope = None if holder == "whole store" else _write_scope(_batch("a", 1, "k"))
    held = _Held(first, scope)
    try:
        thread, done = _start(second, _batch("a", 1, "k"))
        assert _wait_until(thread, second) == "waiting"
        assert not done
    finally:
        held.close()
    thread.join(60)
    assert done == [None]
    assert second.read_series(_ref("a"), "kloss").steps[-1] == 2 * STEPS_PER_BATCH - 1


def _run_processes(targets: list[tuple[Any, ...]]) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_run, args=args) for args in targets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(300)
        assert process.exitcode == 0


def _assert_complete(store: SqlStore, run_id: str, prefix: str) -> None:
    series = store.read_series(_ref(run_id), f"{prefix}loss")
    expected = np.arange(BATCHES * STEPS_PER_BATCH)
    np.testing.assert_array_equal(series.steps, expected)  # nothing lost, nothing twice
    np.testing.assert_array_equal(series.values, expected.astype(np.float64))
    record = store.get_run(_ref(run_id))
    assert record is not None
    assert {f"{prefix}{i}" for i in range(BATCHES)} <= set(record.config)
    assert record.summary[f"{prefix}last"] == BATCHES - 1


def test_two_processes_writing_different_runs_lose_nothing(uri: str) -> None:
    _run_processes([(uri, "a", "x", "ja"), (uri, "b", "x", "jb")])
    store = SqlStore(uri)
    try:
        for run_id in ("a", "b"):
            _assert_complete(store, run_id, "x")
        assert sorted(r.display_name or "" for r in store.query_runs("me", "proj")) == ["a", "b"]
    finally:
        store.close()


def test_two_processes_writing_one_run_stay_correct(uri: str) -> None:
    """Two writers of one run, each its own keys and config: both writers' data, each
    point once; two replays of one journal store its batches once."""
    _run_processes([(uri, "a", "x", None), (uri, "a", "y", None)])
    _run_processes([(uri, "c", "z", "jc"), (uri, "c", "z", "jc")])
    store = SqlStore(uri)
    try:
        _assert_complete(store, "a", "x")
        _assert_complete(store, "a", "y")
        _assert_complete(store, "c", "z")
        assert [r.ref.run_id for r in store.query_runs("me", "proj")] in (
            ["a", "c"],
            ["c", "a"],
        )
    finally:
        store.close()


def test_many_runs_created_at_once_in_one_project_get_distinct_names(pg_uri: str) -> None:
    """Run creation holds the project: generated names stay unique under concurrency."""
    store = SqlStore(pg_uri)
    try:
        batches = [
            RunBatch(_ref(f"r{i}"), create={"name_words": "brave-owl", "name_number": 1})
            for i in range(12)
        ]
        threads = [threading.Thread(target=store.write_batch, args=(b,)) for b in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        names = [r.display_name for r in store.query_runs("me", "proj")]
        assert len(names) == 12 and len(set(names)) == 12
    finally:
        store.close()


def test_workspace_changes_at_the_same_instant_both_land(uri: str) -> None:
    """``change_workspace`` reads and writes in one write transaction: a second change
    started while the first is between its read and its write sees the first's result
    (a plain read then write, ``TrackingStore``'s default, would lose one of them)."""
    first, second = SqlStore(uri), SqlStore(uri)
    try:
        first.write_batch(RunBatch(_ref("r"), create={}))
        inside, second_read = threading.Event(), threading.Event()

        def slow(document: dict[str, Any]) -> dict[str, Any]:
            inside.set()
            # The other change cannot read until this one commits: it does not get in.
            assert not second_read.wait(0.5)
            return {**document, "alice": 1}

        def quick(document: dict[str, Any]) -> dict[str, Any]:
            second_read.set()
            return {**document, "root": 2}

        worker = threading.Thread(target=first.change_workspace, args=(*_PROJECT, slow))
        worker.start()
        assert inside.wait(30)
        second.change_workspace(*_PROJECT, quick)
        worker.join()
        assert second.get_workspace(*_PROJECT) == {"alice": 1, "root": 2}
    finally:
        first.close()
        second.close()
