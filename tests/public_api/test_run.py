"""`Run` of the public API: the run's context (issue 13) — ``output.log`` and
``logs()``, ``history(stream="system"|"events")``, ``metadata`` — read from the
embedded store and from a real ``runyard server`` process."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import runyard
from runyard.entities import RunRef
from runyard.store.base import RunBatch, TrackingStore
from runyard.store.registry import open_store
from tests.e2e.server import RunyardServer, upgrade_store

REF = RunRef("tester", "ctx", "r1")
PATH = "tester/ctx/r1"
LINES = [
    (0, "stdout", 1.0, "epoch 1 loss=0.5"),
    (1, "stderr", 1.5, "\x1b[33mWARNING\x1b[0m: slow"),
    (2, "stderr", 9.0, "100%|##########| 10/10"),
    (3, "stdout", 9.5, "Done. Error rate 0%"),
]
SAMPLES = [
    (i, 100.0 + 15 * i, 0.5 + 15 * i, {"system.cpu": float(i), "system.memory_percent": 40.0})
    for i in range(10)
] + [(10, 250.0, 150.5, {"system.cpu": 10.0, "system.gpu.0.gpu": 99.0})]
META = {"python": "3.12.1", "program": "train.py", "git": {"commit": "abc123", "branch": "main"}}


@dataclass
class Target:
    store: TrackingStore  # where the test writes the run
    api: runyard.Api  # what it reads it back through


@pytest.fixture(params=["embedded", "server"])
def target(request: pytest.FixtureRequest, ry_dir: Path, tmp_path: Path) -> Iterator[Target]:
    if request.param == "embedded":
        api = runyard.Api()
        yield Target(api.store, api)
        return
    uri = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(uri)
    server = RunyardServer(tmp_path / "srv", uri, f"file://{tmp_path / 'blobs'}").start()
    store = open_store(server.url)  # HttpStore: the batches go over the wire too
    api = runyard.Api(store=server.url)
    try:
        yield Target(store, api)
    finally:
        api.close()
        store.close()
        server.stop()


def write_run(store: TrackingStore) -> None:
    store.write_batch(RunBatch(REF, create={"display_name": "ctx"}, journal=("j1", 10)))
    store.write_batch(
        RunBatch(
            REF,
            console=LINES,
            system=SAMPLES,
            metadata=META,
            columns={"loss": ([0, 1], [0.5, 0.25])},
            journal=("j1", 20),
        )
    )


def test_output_log_is_a_run_file_with_every_line(target: Target) -> None:
    write_run(target.store)
    run = target.api.run(PATH)
    names = [f.name for f in run.files()]
    assert names.count("output.log") == 1
    log = run.file("output.log")
    text = "".join(line[3] + "\n" for line in LINES)
    assert log.read().decode() == text
    assert log.size == len(text.encode())
    assert [f.name for f in run.files(["output.log"])] == ["output.log"]


def test_a_run_that_printed_nothing_has_no_output_log(target: Target) -> None:
    target.store.write_batch(RunBatch(REF, create={}))
    run = target.api.run(PATH)
    assert "output.log" not in [f.name for f in run.files()]
    with pytest.raises(ValueError, match=r"has no file 'output\.log'"):
        run.file("output.log")


def test_logs_iterates_lines_and_searches(target: Target) -> None:
    write_run(target.store)
    run = target.api.run(PATH)
    lines = list(run.logs())
    assert [(x.line, x.stream, x.ts, x.text) for x in lines] == LINES
    assert [x.line for x in run.logs(search="ERROR")] == [3]
    assert [x.line for x in run.logs(search="warning|done", regex=True)] == [1, 3]
    with pytest.raises(ValueError, match=r"invalid regex '\(oops'"):
        run.logs(search="(oops", regex=True)


def test_history_system_stream_as_wandb_events(target: Target) -> None:
    write_run(target.store)
    run = target.api.run(PATH)
    frame = run.history(stream="system")
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(SAMPLES)
    assert frame["system.cpu"].tolist() == [float(i) for i in range(11)]
    assert frame["_runtime"].tolist()[:2] == [0.5, 15.5]
    assert math.isnan(frame["system.gpu.0.gpu"].tolist()[0])
    events = run.history(stream="events", pandas=False)
    assert events[0] == {
        "_wandb": True,
        "_timestamp": 100.0,
        "_runtime": 0.5,
        "system.cpu": 0.0,
        "system.memory_percent": 40.0,
    }
    few = run.history(samples=3, stream="system", pandas=False)
    assert [row["system.cpu"] for row in few] == [0.0, 5.0, 10.0]
    gpu = run.history(keys=["system.gpu.0.gpu"], stream="system", pandas=False)
    assert gpu == [
        {"_wandb": True, "_timestamp": 250.0, "_runtime": 150.5, "system.gpu.0.gpu": 99.0}
    ]
    assert run.history(pandas=False)[0]["loss"] == 0.5  # the default stream is history
    assert len(list(run.scan_history(stream="system"))) == len(SAMPLES)
    assert [r["system.cpu"] for r in run.scan_history(stream="events", min_step=9)] == [9.0, 10.0]
    with pytest.raises(ValueError, match="stream must be 'default', 'system' or 'events'"):
        run.history(stream="gpu")


def test_metadata_is_the_runs_environment(target: Target) -> None:
    write_run(target.store)
    assert target.api.run(PATH).metadata == META


def test_a_run_without_metadata_still_tells_its_host(target: Target) -> None:
    target.store.write_batch(RunBatch(REF, create={"host": "box"}))
    assert target.api.run(PATH).metadata["host"] == "box"
