"""`RunContext`: what finish waits for, and in which order the side journal ends."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.journal.frames import JournalReader
from runyard.journal.records import Rec
from runyard.sdk import metadata


def test_stop_leaves_the_metadata_to_finish_while_the_run_is_written(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop() (first thing in finish) does not wait for the metadata (git runs in
    subprocesses): the main writer's last batch is written meanwhile. The metadata is
    still journalled before the side journal's EXIT, and reaches the run."""
    release = threading.Event()
    collect = metadata.collect

    def slow_collect(**options: Any) -> tuple[dict[str, Any], bytes]:
        release.wait(60)
        return collect(**options)

    monkeypatch.setattr(metadata, "collect", slow_collect)
    run = runyard.init(project="p", settings={"console": "off", "x_disable_stats": True})
    context = run._context
    assert context is not None
    context.ready()
    assert context.metadata is not None
    context.stop("finished", 0, 1.0)  # returns with the metadata still being collected
    thread = context.metadata._thread
    assert thread is not None and thread.is_alive() and not context.side.closed
    release.set()
    run.finish()
    assert not thread.is_alive()
    stored = runyard.Api().run(run.path)
    assert stored.metadata.get("python")  # journalled before the EXIT, then stored


def test_an_offline_run_ends_its_side_journal_with_exit_after_the_metadata(
    ry_dir: Path,
) -> None:
    run = runyard.init(project="p", mode="offline", settings={"console": "off"})
    run.finish()
    (side,) = (ry_dir / "offline").glob("*.side.journal")
    with open(side, "rb") as file:
        codes = [rec[0] for _o, rec in JournalReader(file.fileno()).records()]
    assert codes[-1] == Rec.EXIT and Rec.META in codes


def test_the_metadata_is_collected_once_the_script_logs_not_at_finish(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The script's first rows tell the context that init has returned: the metadata is
    collected while the script logs (a loop shorter than START_DELAY used to leave it,
    imports and git, to finish). The sampler keeps its start delay: none is built."""
    from runyard.sdk import run_context

    monkeypatch.setattr(run_context, "START_DELAY", 3600.0)
    run = runyard.init(project="p", settings={"console": "off"})
    context = run._context
    assert context is not None and context._launcher is not None
    run.log({"a": 1.0})
    context._launcher.join(60)  # (no time asserted: the thread is waited for)
    assert not context._launcher.is_alive()
    assert context.metadata is not None
    context.metadata.join(60)
    assert context.metadata.metadata is not None  # collected before finish
    run.finish()
    assert context.monitor is None or context.monitor.samples == 0
    stored = runyard.Api().run(run.path)
    assert stored.metadata.get("python")
    assert list(stored.history(stream="system", pandas=False)) == []


def test_the_metadata_is_collected_once_init_returns(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only once the main writer reads the script's first rows (a short loop starves
    it of the GIL: it read none, and the metadata was left to finish): init starts the
    collector as it returns. The sampler keeps its start delay."""
    from runyard.sdk import run_context

    monkeypatch.setattr(run_context, "START_DELAY", 3600.0)
    run = runyard.init(project="p", settings={"console": "off"})
    context = run._context
    assert context is not None and context._launcher is not None
    context._launcher.join(60)  # no row logged (no time asserted: the thread is waited for)
    assert not context._launcher.is_alive()
    assert context.metadata is not None
    context.metadata.join(60)
    assert context.metadata.metadata is not None  # collected before finish
    run.finish()
    assert context.monitor is None or context.monitor.samples == 0
    assert runyard.Api().run(run.path).metadata.get("python")


def test_stop_leaves_the_samplers_last_sample_to_finish(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop() tells the sampler to take its last sample and does not wait for it (a
    sample, or psutil's import, while the main writer's last batch is written); the
    sample is journalled before the side journal's EXIT and reaches the run."""
    from runyard.sdk.system_monitor import SystemSampler

    sampling = threading.Event()
    release = threading.Event()
    sample = SystemSampler.sample
    stopped: list[bool] = []

    def slow_sample(self: SystemSampler) -> dict[str, float]:
        if stopped:  # the last sample, at stop
            sampling.set()
            release.wait(60)
        return sample(self)

    monkeypatch.setattr(SystemSampler, "sample", slow_sample)
    run = runyard.init(project="p", settings={"console": "off", "x_stats_sampling_interval": 0.1})
    context = run._context
    assert context is not None
    context.ready()
    while context.monitor is None or context.monitor.samples < 2:  # past its first interval
        threading.Event().wait(0.01)
    monitor = context.monitor
    stopped.append(True)
    context.stop("finished", 0, 1.0)  # returns with the last sample being taken
    assert sampling.wait(60)
    thread = monitor._thread
    assert thread is not None and thread.is_alive() and not context.side.closed
    release.set()
    run.finish()
    assert not thread.is_alive()
    rows = list(runyard.Api().run(run.path).history(stream="system", pandas=False))
    assert len(rows) == monitor.samples >= 3


class _MainWriter:
    """What ``wait_for_run`` reads of the run's main writer."""

    def __init__(self, alive: bool = True) -> None:
        self.stored = threading.Event()
        self.alive = alive

    def is_alive(self) -> bool:
        return self.alive


def test_the_side_writer_goes_on_once_the_main_writer_stored_without_a_stale_look(
    tmp_path: Path,
) -> None:
    """A look begun before the main writer's first batch committed reads "no run"; once
    that batch is stored the side writer must not wait on such a look (it slept 0.2 s,
    and, the writer alive, looked again and again)."""
    from runyard.entities import RunRef
    from runyard.errors import CommError
    from runyard.sdk.run_context import wait_for_run
    from runyard.store.sql.store import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    ref = RunRef("e", "p", "r")  # not in the store: every look answers "no run"
    try:
        main = _MainWriter()
        main.stored.set()
        returned: list[Any] = []
        thread = threading.Thread(target=lambda: returned.append(wait_for_run(store, ref, main)))
        thread.start()
        thread.join()  # (the old loop looked again and again: a hang)
        assert returned == [store]

        # Not stored yet: it waits for the main writer's first batch.
        main = _MainWriter()
        returned.clear()
        thread = threading.Thread(target=lambda: returned.append(wait_for_run(store, ref, main)))
        thread.start()
        assert returned == []
        main.stored.set()
        thread.join()
        assert returned == [store]

        # The main writer ended without storing anything: the side journal is kept.
        with pytest.raises(CommError, match="not in the store yet"):
            wait_for_run(store, ref, _MainWriter(alive=False))
    finally:
        store.close()
