"""Two ``runyard server`` processes behind one PostgreSQL database and one bucket.

Writes go through one replica and reads through the other, batch after batch,
alternating; a batch re-sent through the other replica (a load balancer's retry)
changes nothing; and a run started through one replica is resumed through the other.
"""

from __future__ import annotations

from pathlib import Path

from runyard import Api
from runyard.entities import RunRef
from runyard.store.base import RunBatch
from runyard.store.rest.store import HttpStore
from tests.e2e.conftest import ENTITY, Team

REF = RunRef(ENTITY, "p", "alternating")


def test_alternating_batches_read_back_through_the_other_replica(team: Team) -> None:
    first, second = team.servers[0], team.server()
    stores = [
        HttpStore(first.url, api_key=team.api_key),
        HttpStore(second.url, api_key=team.api_key),
    ]
    try:
        offset = 0
        for n in range(8):
            writer, reader = stores[n % 2], stores[(n + 1) % 2]
            steps = list(range(n * 100, (n + 1) * 100))
            batch = RunBatch(
                run=REF,
                create={"display_name": "alternating"} if n == 0 else None,
                meta={"state": "running"},
                summary_set=[(("x",), float(steps[-1]))],
                config={f"c{n}": n},
                columns={"x": (steps, [float(s) for s in steps])},
                journal=("e2e-journal", offset + 100),
                journal_start=offset,
            )
            writer.write_batch(batch)
            reader.write_batch(batch)  # the same batch again, through the other replica
            offset += 100
            record = reader.get_run(REF)
            assert record is not None
            assert record.last_step == steps[-1]
            assert record.summary["x"] == float(steps[-1])
            assert record.config == {f"c{i}": i for i in range(n + 1)}
            series = reader.read_series(REF, "x")
            assert series.steps.tolist() == list(range((n + 1) * 100))
            assert reader.journal_offset("e2e-journal") == offset
        assert team.steps("alternating") == list(range(800))
    finally:
        for store in stores:
            store.close()


SESSION = """
import sys, runyard
run = runyard.init(project="p", id="resumed", resume="allow")
start = run.step
for i in range(start, start + 1000):
    run.log({"x": float(i)})
run.finish()
print(start)
"""


def test_a_run_resumed_through_the_other_replica(team: Team, tmp_path: Path) -> None:
    first, second = team.servers[0], team.server()
    one = team.run(SESSION, tmp_path / "a")
    assert one.returncode == 0 and one.stdout.strip() == "0", one.stderr
    two = team.run(SESSION, tmp_path / "b", RUNYARD_BASE_URL=second.url)
    assert two.returncode == 0 and two.stdout.strip() == "1000", two.stderr
    api = Api(store=first.url, api_key=team.api_key)
    try:
        run = api.run(f"{ENTITY}/p/resumed")
        assert [r["_step"] for r in run.scan_history(keys=["x"])] == list(range(2000))
        assert run.state == "finished" and run.summary["x"] == 1999.0
    finally:
        api.close()
