"""``grouped_series``: how it reads (one bulk read per slice of runs, each run's series and
x-axis read once however many keys or groups ask for them) and that the lines it builds
from those reads equal numpy's over the raw series, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.server.queries import grouping
from runyard.server.queries.grouping import GroupsCache, group_runs, grouped_series
from runyard.store.base import RunBatch, Series
from runyard.store.sql.store import SqlStore

RUNS = 40
STEPS = 50


class CountingStore(SqlStore):
    """The real SQL store, noting every series read it is asked for."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.single: list[tuple[str, str]] = []
        self.bulk: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def read_series(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Series:
        self.single.append((ref.run_id, key))
        return super().read_series(ref, key, min_step, max_step)

    def _chunks_many(
        self,
        columns: str,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        keys: Sequence[str],
        min_step: int | None,
        max_step: int | None,
    ) -> dict[tuple[str, str], list[Any]]:
        # the one query under every bulk read (read_series_many and the float64 reads
        # of runyard.store.sql.float_series alike)
        self.bulk.append((tuple(run_ids), tuple(keys)))
        return super()._chunks_many(columns, entity, project, run_ids, keys, min_step, max_step)

    def pairs_read(self) -> list[tuple[str, str]]:
        return self.single + [(r, k) for ids, keys in self.bulk for r in ids for k in keys]


def _values(i: int, key: str) -> np.ndarray:
    rng = np.random.default_rng([i, len(key)])
    return rng.normal(i % 4, 1.0, STEPS)


def _steps(i: int) -> np.ndarray:
    # every fifth run logs every other step: groups align on the union of steps
    return np.arange(0, STEPS, 2 if i % 5 == 0 else 1, dtype=np.int64)


@pytest.fixture(params=["sqlite", "postgresql"])
def tracking(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CountingStore]:
    uri = (
        f"sqlite:///{tmp_path}/runyard.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_uri")
    )
    store = CountingStore(uri)
    for i in range(RUNS):
        steps = _steps(i)
        store.write_batch(
            RunBatch(
                RunRef("me", "p", f"r{i:02d}"),
                create={"display_name": f"r{i}", "tags": ["all", f"t{i % 3}"]},
                config={"arch": f"a{i % 4}"},
                columns={
                    "loss": (steps, _values(i, "loss")[steps]),
                    "acc": (steps, _values(i, "acc")[steps]),
                    "_runtime": (steps, steps * 0.25 + i % 2),
                },
            )
        )
    yield store
    store.close()


def _records(store: SqlStore) -> list[Any]:
    return store.query_runs("me", "p", None, "+created_at")


def _matrix(ids: list[int], key: str) -> np.ndarray:
    out = np.full((len(ids), STEPS), np.nan)
    for row, i in enumerate(ids):
        steps = _steps(i)
        out[row, steps] = _values(i, key)[steps]
    return out


def test_reads_in_bulk_each_series_once(tracking: CountingStore) -> None:
    groups = group_runs(_records(tracking), ["config.arch"])
    out = grouped_series(tracking, groups, ["loss", "acc"], x="_runtime")
    assert tracking.single == []  # no per-series reads
    pairs = tracking.pairs_read()
    # each run's two keys and its x-axis once: not once per key
    assert sorted(pairs) == sorted(
        (f"r{i:02d}", k) for i in range(RUNS) for k in ("loss", "acc", "_runtime")
    )
    # a few runs per read, every key and the x-axis together: 10 runs a group, 5 a read
    assert all(len(ids) * len(keys) <= grouping._SLICE_SERIES for ids, keys in tracking.bulk)
    assert len(tracking.bulk) == 8
    assert [g["count"] for g in out] == [10, 10, 10, 10]


def test_a_run_in_several_groups_is_read_once(tracking: CountingStore) -> None:
    groups = group_runs(_records(tracking), ["tags"])
    assert [len(g.runs) for g in groups] == [RUNS, 14, 13, 13]
    out = grouped_series(tracking, groups, ["loss"])
    assert sorted(tracking.pairs_read()) == sorted((f"r{i:02d}", "loss") for i in range(RUNS))
    for group, members in zip(
        out,
        [list(range(RUNS))] + [[i for i in range(RUNS) if i % 3 == t] for t in range(3)],
        strict=True,
    ):
        matrix = _matrix(members, "loss")
        line = group["series"][0]
        assert line["x"].tolist() == list(range(STEPS))
        assert np.allclose(line["y"], np.nanmean(matrix, axis=0))
        assert np.allclose(line["hi"], np.nanmean(matrix, axis=0) + np.nanstd(matrix, axis=0))


@pytest.mark.parametrize(
    ("agg", "band"), [("mean", "std"), ("median", "minmax"), ("max", "stderr")]
)
def test_lines_equal_numpy_over_the_raw_series(
    tracking: CountingStore, agg: str, band: str
) -> None:
    groups = group_runs(_records(tracking), ["config.arch"])
    out = grouped_series(tracking, groups, ["loss", "acc"], agg=agg, band=band)
    for group, arch in zip(out, range(4), strict=True):
        members = [i for i in range(RUNS) if i % 4 == arch]
        assert group["values"] == {"config.arch": f"a{arch}"}
        assert group["runs"] == [f"r{i:02d}" for i in members]
        for line, key in zip(group["series"], ("loss", "acc"), strict=True):
            matrix = _matrix(members, key)
            y = {
                "mean": np.nanmean,
                "median": np.nanmedian,
                "max": np.nanmax,
            }[agg](matrix, axis=0)
            n = (~np.isnan(matrix)).sum(axis=0)
            if band == "std":
                lo, hi = y - np.nanstd(matrix, axis=0), y + np.nanstd(matrix, axis=0)
            elif band == "stderr":
                spread = np.nanstd(matrix, axis=0) / np.sqrt(n)
                lo, hi = y - spread, y + spread
            else:
                lo, hi = np.nanmin(matrix, axis=0), np.nanmax(matrix, axis=0)
            assert line["key"] == key and line["raw_points"] == STEPS
            assert np.allclose(line["y"], y) and np.allclose(line["lo"], lo)
            assert np.allclose(line["hi"], hi)


def test_other_x_axis_is_matched_per_run_by_step(tracking: CountingStore) -> None:
    # runs r00 (every other step, runtime offset 0) and r04 (every step, offset 0)
    records = [r for r in _records(tracking) if r.ref.run_id in ("r00", "r04")]
    groups = group_runs(records, ["config.arch"])
    (group,) = grouped_series(tracking, groups, ["loss"], x="_runtime")
    line = group["series"][0]
    dense = _values(4, "loss")
    sparse_steps = _steps(0)
    sparse = np.interp(np.arange(STEPS), sparse_steps, _values(0, "loss")[sparse_steps])
    expected = (dense + sparse) / 2
    expected[-1] = dense[-1]  # the sparse run ends at step 48
    assert line["x"].tolist() == [s * 0.25 for s in range(STEPS)]
    assert np.allclose(line["y"], expected)


def test_runs_without_the_key_or_x_are_left_out(tracking: CountingStore) -> None:
    groups = group_runs(_records(tracking), ["config.arch"])
    out = grouped_series(tracking, groups, ["nothing"], x="acc")
    assert [g["series"][0]["raw_points"] for g in out] == [0, 0, 0, 0]
    out = grouped_series(tracking, groups[:1], ["loss"], x="nothing")
    assert out[0]["series"][0]["x"].tolist() == []


def _wait_for(condition: Callable[[], bool]) -> None:
    """Until ``condition()`` holds (a condition that never does is ended by the suite's
    per-test timeout, not by a clock here)."""
    while not condition():
        time.sleep(0.005)


def test_cache_computes_an_answer_asked_twice_at_once_once() -> None:
    cache = GroupsCache()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> list[dict[str, Any]]:
        calls.append("first")
        started.set()
        assert release.wait(60)
        return [{"answer": 1}]

    def other() -> list[dict[str, Any]]:
        calls.append("second")
        return [{"answer": 2}]

    results: dict[str, list[dict[str, Any]]] = {}
    first = threading.Thread(target=lambda: results.update(a=cache.get("k", slow)))
    first.start()
    assert started.wait(60)
    second = threading.Thread(target=lambda: results.update(b=cache.get("k", other)))
    second.start()
    _wait_for(lambda: cache.joined == 1)  # the second request waits on the first
    release.set()
    first.join(60)
    second.join(60)
    assert calls == ["first"] and cache.computed == 1
    assert results["a"] is results["b"] == [{"answer": 1}]
    assert cache.get("k", other) is results["a"]  # and later ones hit the cache
    assert cache.get("other key", other) == [{"answer": 2}] and cache.computed == 2


def test_cache_passes_a_failure_to_the_waiters_and_keeps_nothing() -> None:
    cache = GroupsCache()
    started, release = threading.Event(), threading.Event()

    def failing() -> list[dict[str, Any]]:
        started.set()
        assert release.wait(60)
        raise RuntimeError("store gone")

    errors: list[BaseException] = []

    def ask() -> None:
        try:
            cache.get("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask)]
    threads[0].start()
    assert started.wait(60)
    threads.append(threading.Thread(target=ask))
    threads[1].start()
    _wait_for(lambda: cache.joined == 1)
    release.set()
    for thread in threads:
        thread.join(60)
    assert [str(e) for e in errors] == ["store gone", "store gone"]
    assert cache.computed == 0
    assert cache.get("k", lambda: [{"ok": True}]) == [{"ok": True}]  # computed anew


@pytest.mark.parametrize(("agg", "band"), [("mean", "std"), ("median", "minmax")])
def test_runs_at_the_same_steps_are_read_into_the_groups_matrix(
    tracking: CountingStore, monkeypatch: pytest.MonkeyPatch, agg: str, band: str
) -> None:
    # the runs that log every step: each group's runs share their steps, so their values
    # are read into the group's matrix and nothing is stacked (align is not needed)
    records = [r for r in _records(tracking) if int(r.ref.run_id[1:]) % 5]
    aligned: list[int] = []
    real_align = grouping.align
    monkeypatch.setattr(grouping, "align", lambda *a, **k: aligned.append(1) or real_align(*a, **k))
    groups = group_runs(records, ["config.arch"])
    out = grouped_series(tracking, groups, ["loss", "acc"], agg=agg, band=band)
    assert aligned == []
    for group, arch in zip(out, range(4), strict=True):
        members = [i for i in range(RUNS) if i % 4 == arch and i % 5]
        assert group["runs"] == [f"r{i:02d}" for i in members]
        for line, key in zip(group["series"], ("loss", "acc"), strict=True):
            matrix = _matrix(members, key)
            if agg == "mean":
                y = matrix.mean(axis=0)
                lo, hi = y - matrix.std(axis=0), y + matrix.std(axis=0)
            else:
                y = np.median(matrix, axis=0)
                lo, hi = matrix.min(axis=0), matrix.max(axis=0)
            assert line["x"].tolist() == list(range(STEPS))
            assert line["y"].tobytes() == y.tobytes()
            assert line["lo"].tobytes() == lo.tobytes()
            assert line["hi"].tobytes() == hi.tobytes()
    # a group with a run at other steps is aligned as before (and equal to numpy)
    aligned.clear()
    mixed = grouped_series(tracking, group_runs(_records(tracking), ["config.arch"]), ["loss"])
    assert len(aligned) == 4
    members = [i for i in range(RUNS) if i % 4 == 0]
    assert np.allclose(mixed[0]["series"][0]["y"], np.nanmean(_matrix(members, "loss"), axis=0))


def test_group_values_are_told_apart_as_their_json() -> None:
    from runyard.entities import RunRecord

    values: list[Any] = [
        1, 1.0, True, "1", None, float("nan"), float("nan"), -0.0, 0.0, 0,
        [1, 2], [1, 2], {"b": 1, "a": 2}, {"a": 2, "b": 1}, 2**70, float("inf"),
    ]  # fmt: skip
    records = [
        RunRecord(ref=RunRef("me", "p", f"r{i:02d}"), config={"k": v}) for i, v in enumerate(values)
    ]
    got = group_runs(records, ["config.k"])
    # one group per distinct JSON text of the value, as before (json.dumps, sort_keys)
    import json

    texts = {json.dumps(v, sort_keys=True, default=str) for v in values}
    assert len(got) == len(texts) == 13
    by_text = {json.dumps(g.values["config.k"], sort_keys=True): g.runs for g in got}
    assert [r.ref.run_id for r in by_text["NaN"]] == ["r05", "r06"]
    assert [r.ref.run_id for r in by_text["[1, 2]"]] == ["r10", "r11"]
    assert [r.ref.run_id for r in by_text['{"a": 2, "b": 1}']] == ["r12", "r13"]
    assert {len(by_text[t]) for t in ("1", "1.0", "true", '"1"', "0", "0.0", "-0.0")} == {1}
    # several fields and several tags: a run is in each of its tags' groups
    tagged = [
        RunRecord(ref=RunRef("me", "p", "a"), config={"k": 1}, tags=["x", "y"]),
        RunRecord(ref=RunRef("me", "p", "b"), config={"k": 1.0}, tags=["x"]),
    ]
    found = sorted(
        (type(g.values["config.k"]).__name__, g.values["tags"], [r.ref.run_id for r in g.runs])
        for g in group_runs(tagged, ["config.k", "tags"])
    )
    assert found == [("float", "x", ["b"]), ("int", "x", ["a"]), ("int", "y", ["a"])]


class FailingStore(CountingStore):
    """The real store whose bulk reads of one run fail (a broken blob, a lost server)."""

    def _chunks_many(
        self,
        columns: str,
        entity: str,
        project: str,
        run_ids: Sequence[str],
        *args: Any,
        **kwargs: Any,
    ) -> dict[tuple[str, str], list[Any]]:
        if "r33" in run_ids:
            raise RuntimeError("chunk unreadable")
        return super()._chunks_many(columns, entity, project, run_ids, *args, **kwargs)


def test_a_failing_read_on_a_reader_thread_fails_the_answer(tracking: CountingStore) -> None:
    failing = FailingStore.__new__(FailingStore)
    failing.__dict__.update(tracking.__dict__)  # the same store and connections
    groups = group_runs(_records(failing), ["config.arch"])
    assert len({r.ref for g in groups for r in g.runs}) > grouping._SLICE_SERIES  # threads
    with pytest.raises(RuntimeError, match="chunk unreadable"):
        grouped_series(failing, groups, ["loss"])
    # the readers go on serving the next request
    assert len(grouped_series(tracking, groups, ["loss"])) == 4


def test_threaded_reads_answer_as_one_thread_does(
    tracking: CountingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every group's lines from the readers' threads, byte for byte those of the reads
    # made one after another on the calling thread
    groups = group_runs(_records(tracking), ["config.arch"])
    threaded = grouped_series(tracking, groups, ["loss", "acc"])
    monkeypatch.setattr(grouping, "_SLICE_SERIES", 10_000)  # one slice: no thread
    tracking.bulk.clear()
    alone = grouped_series(tracking, groups, ["loss", "acc"])
    assert len(tracking.bulk) == 4  # one read per group, on this thread
    for a, b in zip(threaded, alone, strict=True):
        assert a["runs"] == b["runs"]
        for la, lb in zip(a["series"], b["series"], strict=True):
            for field in ("x", "y", "ymin", "ymax", "lo", "hi"):
                assert la[field].tobytes() == lb[field].tobytes()
