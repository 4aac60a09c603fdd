"""Whole series of a chart panel's many runs as float64, decoded on two threads.

:func:`~runyard.store.sql.float_series.read_float_series_many` decodes every chunk in
the calling thread. A panel of 1,000 runs x 10,000 steps inflates ~70 MB of chunks,
about a third of the request; zlib (and ISA-L) inflate and numpy's copies release the
GIL, so here the chunks are cut in two halves of about equal points and one half is
decoded on a worker thread while the caller decodes the other: the same CPU, about half
the wall time of the decode on a machine with a core to spare. Small reads (under
:data:`PARALLEL_POINTS`) stay on the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from runyard.store.base import Series
from runyard.store.sql.float_series import decode, plan_float_series_many
from runyard.store.sql.store import SqlStore

__all__ = ["PARALLEL_POINTS", "read_panel_series"]

#: Reads of fewer points are decoded on the calling thread (a thread hand-off costs
#: more than it saves).
PARALLEL_POINTS = 1_000_000

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
