"""`SqlStore` names runs created without a name (issue 13, "Names and messages"):
``<words>-<N>``, N the run's number in its project, unique there — on a real SQLite
file and a real PostgreSQL database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.errors import BatchRefusedError
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore


@pytest.fixture(params=["sqlite", "postgresql"])
def uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 's.db'}"
    found: str = request.getfixturevalue("postgres_uri")
    return found


@pytest.fixture
def store(uri: str) -> Iterator[SqlStore]:
    s = SqlStore(uri)
    yield s
    s.close()


def _create(store: SqlStore, run_id: str, **create: object) -> str | None:
    ref = RunRef("e", "p", run_id)
    store.write_batch(RunBatch(ref, create={"created_at": 1.0, **create}))
    record = store.get_run(ref)
    assert record is not None
    return record.display_name


def test_runs_without_a_name_are_numbered_in_their_project(store: SqlStore) -> None:
    assert _create(store, "a", name_words="calm-river") == "calm-river-1"
    assert _create(store, "b", name_words="bold-fox") == "bold-fox-2"
    assert _create(store, "c", display_name="mine", name_words="x-y") == "mine"
    assert _create(store, "d", name_words="calm-river") == "calm-river-4"
    other = RunRef("e", "other", "a")
    store.write_batch(RunBatch(other, create={"name_words": "calm-river"}))
    assert store.get_run(other).display_name == "calm-river-1"  # type: ignore[union-attr]


def test_the_announced_number_is_kept_when_free_else_the_next_free_one(store: SqlStore) -> None:
    assert _create(store, "a", name_words="calm-river", name_number=7) == "calm-river-7"
    # Taken: numbered as the store counts instead (2), past names that are taken.
    assert _create(store, "b", name_words="calm-river", name_number=7) == "calm-river-2"
    assert _create(store, "c", name_words="bold-fox", name_number=2) == "bold-fox-2"
    assert _create(store, "d", name_words="calm-river", name_number=0) == "calm-river-4"


def test_names_stay_unique_after_deletions(store: SqlStore) -> None:
    for run_id in "abc":
        _create(store, run_id, name_words="calm-river")
    store.write_batch(RunBatch(RunRef("e", "p", "a"), delete=True))
    # Two runs are left, so the count says 3 — taken by "c": the next free number.
    assert _create(store, "d", name_words="calm-river") == "calm-river-4"


def test_runs_without_words_keep_no_name(store: SqlStore) -> None:
    assert _create(store, "a") is None  # older journals: shown by id, as before


@pytest.mark.parametrize("words", ["", 3, "x" * 65])
def test_bad_words_refuse_the_batch_naming_them(store: SqlStore, words: object) -> None:
    with pytest.raises(BatchRefusedError, match="generated-name words"):
        _create(store, "a", name_words=words)


def test_concurrent_creations_get_distinct_names(uri: str) -> None:
    """Eight writers (a sweep starting at once), each with its own store, same words."""
    stores = [SqlStore(uri) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            barrier.wait()
            ref = RunRef("e", "p", f"r{index}")
            stores[index].write_batch(RunBatch(ref, create={"name_words": "calm-river"}))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors
        names = sorted(r.display_name or "" for r in stores[0].list_runs("e", "p"))
        assert names == [f"calm-river-{n}" for n in range(1, 9)]
    finally:
        for s in stores:
            s.close()
