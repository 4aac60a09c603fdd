"""`write_around`: what the store takes of a batch it refused keeps the run's console,
system samples and metadata (issue 13), not only its fields, config, summary, history."""

from __future__ import annotations

from pathlib import Path

from runyard.entities import RunRef
from runyard.journal.refusal import write_around
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

REF = RunRef("ent", "proj", "r1")


def test_a_refused_history_key_leaves_the_console_stored(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    try:
        batch = RunBatch(
            REF,
            create={"display_name": "r1"},
            columns={"bad\0key": ([0], [1.0]), "loss": ([0], [0.5])},
            console=[(0, "stdout", 1.0, "printed")],
            system=[(0, 1.0, 0.0, {"system.cpu": 2.0})],
            metadata={"python": "3.12"},
            journal=("j", 100),
            journal_start=0,
        )
        refused = write_around(store, batch)
        assert [r.what for r in refused] == ["the history of 'bad\\x00key'"]
        assert store.console_text(REF) == "printed\n"
        assert store.read_system(REF).values == {"system.cpu": [2.0]}
        record = store.get_run(REF)
        assert record is not None and record.metadata == {"python": "3.12"}
        assert store.read_series(REF, "loss").values.tolist() == [0.5]
        assert store.journal_offset("j") == 100
    finally:
        store.close()
