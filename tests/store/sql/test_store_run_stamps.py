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
