"""`SqlStore.run_stamps`: the light listing run colours are assigned from (issue 20) is
what the full listing says, oldest first, one project only — SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.entities import RunRef
from runyard.store.base import RunBatch, TrackingStore
from runyard.store.sql.store import SqlStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    uri = (
        f"sqlite:///{tmp_path / 's.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_uri")
    )
    s = SqlStore(uri)
    yield s
    s.close()


def test_run_stamps_equal_the_full_listing(store: SqlStore) -> None:
    for i, created in enumerate([5.0, 1.0, 3.0, 3.0]):
        create: dict[str, object] = {"created_at": created, "display_name": f"n{i}"}
        if i == 2:
            create["color"] = "#123456"
        store.write_batch(RunBatch(RunRef("e", "p", f"r{i}"), create=create))
    store.write_batch(RunBatch(RunRef("e", "other", "x"), create={"created_at": 0.0}))
    stamps = store.run_stamps("e", "p")
    # the base class builds them from the full records: the SQL override must agree
    assert stamps == TrackingStore.run_stamps(store, "e", "p")
    assert [s[0] for s in stamps] == ["r1", "r2", "r3", "r0"]
    assert stamps[1] == ("r2", "n2", 3.0, "#123456")
    assert store.run_stamps("e", "missing") == []


def test_run_display_name_is_the_records(store: SqlStore) -> None:
    """What init adopts once its run is created: the stored name, read without the run's
    document; the base class's answer from the full record agrees."""
    store.write_batch(RunBatch(RunRef("e", "p", "a"), create={"display_name": "first"}))
    store.write_batch(RunBatch(RunRef("e", "other", "a"), create={"display_name": "second"}))
    for ref, name in [(RunRef("e", "p", "a"), "first"), (RunRef("e", "other", "a"), "second")]:
        assert store.run_display_name(ref) == name
        assert TrackingStore.run_display_name(store, ref) == name
    assert store.run_display_name(RunRef("e", "p", "missing")) is None
    assert store.run_display_name(RunRef("e", "nowhere", "a")) is None


def test_stop_requested_at_is_the_records(store: SqlStore) -> None:
    """What a live run polls: the note "Stop run" leaves, read without the document."""
    ref = RunRef("e", "p", "a")
    store.write_batch(RunBatch(ref, create={"display_name": "first"}))
    assert store.stop_requested_at(ref) is None
    store.write_batch(RunBatch(ref, meta={"stop_requested_at": 123.5}))
    assert store.stop_requested_at(ref) == 123.5
    assert TrackingStore.stop_requested_at(store, ref) == 123.5
    assert store.stop_requested_at(RunRef("e", "other", "a")) is None
    assert store.stop_requested_at(RunRef("e", "p", "missing")) is None
