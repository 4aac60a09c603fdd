"""Whole series of a chart panel's many runs as float64, decoded on two threads.

:func:`~runyard.store.sql.float_series.read_float_series_many` decodes every chunk in
the calling thread. A panel of 1,000 runs x 10,000 steps inflates ~70 MB of chunks,
about a third of the request; zlib (and ISA-L) inflate and numpy's copies release the
GIL, so here the chunks are cut in two halves of about equal points and one half is
decoded on a worker thread while the caller decodes the other: the same CPU, about half
the wall time of the decode on a machine with a core to spare. Small reads (under
:data:`PARALLEL_POINTS`) stay on the calling thread.

A caller that only wants each series reduced (a chart's M4 columns) asks
:func:`reduce_panel_series` instead: series are decoded a batch at a time into a buffer
of ~1 MB (within a core's L2 cache) that the reduction reads right after, and the buffer
is reused for the next batch, so the panel's 80 MB of values are never held at once (nor
their ~20,000 pages faulted in, a request); the caller and the worker each take the next
batch when done with one, so a busy core slows neither down for long.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

import numpy as np

from runyard.store.base import Series
from runyard.store.sql.float_series import (
    SeriesChunks,
    SharedSteps,
    decode,
    decode_series_into,
    plan_float_series_many,
    series_chunks_many,
)
from runyard.store.sql.store import SqlStore

__all__ = ["BATCH_POINTS", "PARALLEL_POINTS", "Reduce", "read_panel_series", "reduce_panel_series"]

#: Reads of fewer points are decoded on the calling thread (a thread hand-off costs
#: more than it saves).
PARALLEL_POINTS = 1_000_000

#: Points decoded and reduced at a time by :func:`reduce_panel_series`: 1 MB of float64,
#: within a core's L2 cache.
BATCH_POINTS = 1 << 17

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _worker() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(1, thread_name_prefix="runyard-panel-decode")
        return _pool


def read_panel_series(
    store: SqlStore,
    entity: str,
    project: str,
    run_ids: Sequence[str],
    keys: Sequence[str],
    parallel_points: int = PARALLEL_POINTS,
) -> dict[tuple[str, str], Series]:
    """``read_float_series_many`` (whole series, float64 values, read-only steps shared
    between series of equal step blobs), decoded on two threads past
    ``parallel_points`` points."""
    out, tasks = plan_float_series_many(store, entity, project, run_ids, keys)
    total = sum(len(t[1]) for t in tasks)
    if total < parallel_points or len(tasks) < 2:
        decode(tasks)
        return out
    sizes = np.cumsum([len(t[1]) for t in tasks])
    cut = min(max(int(np.searchsorted(sizes, total / 2)) + 1, 1), len(tasks) - 1)
    try:
        other = _worker().submit(decode, tasks[cut:])
    except RuntimeError:  # the interpreter is shutting down
        decode(tasks)
        return out
    decode(tasks[:cut])
    other.result()
    return out


T = TypeVar("T")
Pair = tuple[str, str]

#: ``reduce(pairs, series, values)``: one result for each series of a batch, in order.
#: The series' values are views of ``values`` (the batch's values end to end), a buffer
#: that the next batch overwrites once ``reduce`` returns: results keep copies, never
#: views. ``reduce`` may run on the worker thread, with another batch on the caller's.
Reduce = Callable[[Sequence[Pair], Sequence[Series], np.ndarray], Sequence[T]]

#: Idle batch buffers (of BATCH_POINTS float64), a few kept between requests.
_buffers: list[np.ndarray] = []
_buffers_lock = threading.Lock()
_KEPT_BUFFERS = 4


def _take_buffer(points: int) -> np.ndarray:
    with _buffers_lock:
        for i, buffer in enumerate(_buffers):
            if len(buffer) >= points:
                return _buffers.pop(i)
    return np.empty(points, np.float64)


def _give_back(buffer: np.ndarray) -> None:
    with _buffers_lock:
        if len(buffer) <= 2 * BATCH_POINTS and len(_buffers) < _KEPT_BUFFERS:
            _buffers.append(buffer)


def _batches(found: Sequence[SeriesChunks], batch_points: int) -> list[list[SeriesChunks]]:
    """Consecutive series in groups of about ``batch_points`` points (a longer series
    is a group of its own)."""
    out: list[list[SeriesChunks]] = []
    batch: list[SeriesChunks] = []
    held = 0
    for series in found:
        if batch and held + series.points > batch_points:
            out.append(batch)
            batch, held = [], 0
        batch.append(series)
        held += series.points
    return [*out, batch] if batch else out


class _Part:
    """A share of a read: its pairs, read by the thread that claims it first, then its
    batches (of ``batch_points``) decoded and reduced by whichever thread takes each."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self.pairs = pairs
        self.batches: list[list[SeriesChunks]] = []
        self.results: list[Sequence[Any]] = []
        # (next() of a count is atomic: the part is claimed, each batch taken, once)
        self.claimed = itertools.count()
        self.taken = itertools.count()
        self.ready = threading.Event()


def reduce_panel_series(
    store: SqlStore,
    entity: str,
    project: str,
    pairs: Sequence[Pair],
    reduce: Reduce[T],
    batch_points: int | None = None,
    parallel_points: int | None = None,
    points: int | None = None,
) -> list[T]:
    """``reduce`` of every ``(run id, key)`` pair's whole series (float64 values, steps
    as :func:`read_panel_series` gives them), in the order of ``pairs``: the series are
    read, then decoded and reduced in batches of about ``batch_points`` points (see
    :data:`Reduce`), on two threads past ``parallel_points`` points (defaults:
    :data:`BATCH_POINTS`, :data:`PARALLEL_POINTS`). A caller that knows about how many
    points the pairs hold (``points``, say from ``count_points_many``) has the read
    itself made in two halves at once past ``parallel_points``, on two connections
    (SQLite reads without the GIL), the halves' equal steps still one array; the
    caller reads the worker's half too if the worker has not begun it (busy with
    another request's) by the time the caller is done with its own."""
    batch_points = BATCH_POINTS if batch_points is None else batch_points
    parallel_points = PARALLEL_POINTS if parallel_points is None else parallel_points
    shared = SharedSteps()
    failed = threading.Event()

    def read(part: _Part) -> None:
        try:
            run_ids = list(dict.fromkeys(run_id for run_id, _ in part.pairs))
            keys = list(dict.fromkeys(key for _, key in part.pairs))
            found = series_chunks_many(store, entity, project, run_ids, keys, part.pairs, shared)
            part.batches = _batches(found, batch_points)
            part.results = [()] * len(part.batches)
        finally:
            part.ready.set()  # (failed, it has no batches: the failure is raised)

    def work(parts: Sequence[_Part]) -> None:
        buffer = _take_buffer(batch_points)
        try:
            for part in parts:
                if next(part.claimed) == 0:
                    read(part)
                part.ready.wait()
                while not failed.is_set() and (i := next(part.taken)) < len(part.batches):
                    part.results[i] = _reduce_batch(part.batches[i], buffer, reduce)
        except BaseException:
            failed.set()
            raise
        finally:
            _give_back(buffer)

    if points is not None and points >= parallel_points and len(pairs) > 1:
        parts = [_Part(pairs[: len(pairs) // 2]), _Part(pairs[len(pairs) // 2 :])]
        other = _submit(work, parts[::-1])
    else:
        parts = [_Part(pairs)]
        next(parts[0].claimed)
        read(parts[0])
        other = None
        if len(parts[0].batches) > 1:
            held = sum(s.points for batch in parts[0].batches for s in batch)
            other = _submit(work, parts) if held >= parallel_points else None
    try:
        work(parts)
    except BaseException:
        if other is not None and not other.cancel():
            wait([other])  # (done with its buffer and batches before this returns)
        raise
    # Not begun (the worker busy with another request's): the batches are all done.
    if other is not None and not other.cancel():
        other.result()
    return [result for part in parts for batch in part.results for result in batch]


def _submit(fn: Callable[..., None], *args: Any) -> Future[None] | None:
    """``fn(*args)`` on the worker, or None when the interpreter is shutting down."""
    try:
        return _worker().submit(fn, *args)
    except RuntimeError:
        return None


def _reduce_batch(
    batch: Sequence[SeriesChunks], buffer: np.ndarray, reduce: Reduce[T]
) -> Sequence[T]:
    """``reduce`` of a batch's series decoded into ``buffer`` (or, for a series longer
    than it, into an array of their own)."""
    size = sum(s.points for s in batch)
    values = buffer[:size] if size <= len(buffer) else np.empty(size)
    series, at = [], 0
    for one in batch:
        view = values[at : at + one.points]
        decode_series_into(one, view)
        series.append(Series(one.key, one.steps, view))
        at += one.points
    return reduce([(s.run_id, s.key) for s in batch], series, values)
