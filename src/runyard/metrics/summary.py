"""The run summary: committed history rows folded into latest values and aggregates.

Example:
    >>> from runyard.metrics.definitions import MetricDefinitions, validate_define_metric
    >>> defs = MetricDefinitions()
    >>> _ = defs.define(validate_define_metric("loss", summary="min,mean"))
    >>> s = SummaryState(defs)
    >>> s.update([{("loss",): 0.5, ("_step",): 0}, {("loss",): 0.25, ("_step",): 1}])
    >>> s.summary()
    {'loss': {'min': 0.25, 'mean': 0.375}, '_step': 1}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from runyard.metrics.definitions import Goal, MetricDefinition, MetricDefinitions
from runyard.metrics.flatten import Path, flatten, key_of, nest

__all__ = ["SummaryState"]

_STEP: Path = ("_step",)
_STATE_VERSION = 1
# Columns up to this length are folded in plain Python: numpy's per-call overhead (a few
# microseconds) only pays off on longer columns, and the writer often folds tiny batches.
_SMALL = 32
_OP_ORDER = ("min", "max", "mean", "first", "last", "best")
_AGGREGATE_OPS = frozenset(_OP_ORDER)

_NONE_TYPE = type(None)
_numeric_types: dict[type, bool] = {float: True, int: True, bool: False}


def _is_numeric(t: type) -> bool:
    # Bools are ints to Python but not numbers to the summary (wandb: min/max 0, mean NaN).
    known = _numeric_types.get(t)
    if known is None:
        known = issubclass(t, (int, float, np.integer, np.floating)) and not issubclass(
            t, (bool, np.bool_)
        )
        _numeric_types[t] = known
    return known


class _Stats:
    """What is known about one leaf key. Aggregates cover numeric values only."""

    __slots__ = ("first", "has_first", "hi", "last", "lo", "n", "total")

    def __init__(self, last: Any) -> None:
        self.last: Any = last
        self.first: Any = None
        self.has_first = False  # False until a value is logged (an explicit set is not)
        self.n = 0  # numeric values, NaN included
        self.total = 0.0  # their sum (NaN-propagating)
        self.lo: Any = None  # min / max of the non-NaN numeric values, None if none
        self.hi: Any = None

    def fold(self, col: Sequence[Any] | np.ndarray) -> tuple[int, int]:
        """Fold one key's values from a batch, in row order (``None`` entries are skipped).

        Returns:
            Positions in ``col`` of the batch's first non-NaN numeric minimum and maximum,
            -1 when there is none.
        """
        if isinstance(col, np.ndarray):
            return self._fold_array(col)
        if len(col) <= _SMALL:
            return self._fold_small(col)
        types = set(map(type, col))
        if _NONE_TYPE in types:
            present = [v for v in col if v is not None]
            if not present:
                return -1, -1
            first, last = present[0], present[-1]
        else:
            first, last = col[0], col[-1]
        if not self.has_first:
            self.first = first
            self.has_first = True
        self.last = last
        positions: list[int] | None = None
        nums = col
        if not all(_is_numeric(t) for t in types):
            positions = [i for i, v in enumerate(col) if _is_numeric(type(v))]
            if not positions:
                return -1, -1
            nums = [col[i] for i in positions]
        # Keep the logged objects (ints stay ints), not their float64 copies.
        imin, imax = self._fold_numbers(np.asarray(nums, dtype=np.float64), lambda i: nums[i])
        if positions is not None and imin >= 0:
            return positions[imin], positions[imax]
        return imin, imax

    def _fold_numbers(self, arr: np.ndarray, value: Callable[[int], Any]) -> tuple[int, int]:
        """Add ``arr`` (float64) to the sum and count and its extremes to ``lo``/``hi``,
        taking them as ``value(position)``; the positions of the first non-NaN minimum
        and maximum, -1 when every value is NaN."""
        with np.errstate(invalid="ignore", over="ignore"):
            self.total += float(arr.sum())
        self.n += len(arr)
        nan = np.isnan(arr)
        if nan.any():
            if nan.all():
                return -1, -1
            imin, imax = int(np.nanargmin(arr)), int(np.nanargmax(arr))
        else:
            imin, imax = int(arr.argmin()), int(arr.argmax())
        vmin, vmax = value(imin), value(imax)
        if self.lo is None or vmin < self.lo:
            self.lo = vmin
        if self.hi is None or vmax > self.hi:
            self.hi = vmax
        return imin, imax

    def _fold_array(self, col: np.ndarray) -> tuple[int, int]:
        """:meth:`fold` of a typed column (float64 or int64: the journal's blocks of
        alike rows), without a Python object a value; what it keeps are Python numbers,
        as folding ``col.tolist()`` would."""
        if len(col) <= _SMALL:
            return self._fold_small(col.tolist())  # (summed in the same order)
        if not self.has_first:
            self.first = col[0].item()
            self.has_first = True
        self.last = col[-1].item()
        return self._fold_numbers(col.astype(np.float64, copy=False), lambda i: col[i].item())

    def _fold_small(self, col: Sequence[Any]) -> tuple[int, int]:
        n, total = self.n, self.total
        bmin: Any = None
        bmax: Any = None
        imin = imax = -1
        for i, v in enumerate(col):
            if v is None:
                continue
            if not self.has_first:
                self.first = v
                self.has_first = True
            self.last = v
            t = type(v)
            if not (t is float or t is int or _is_numeric(t)):
                continue
            n += 1
            total += v
            if v != v:  # NaN: counts in the mean, skipped by min/max
                continue
            if imin < 0 or v < bmin:
                bmin, imin = v, i
            if imax < 0 or v > bmax:
                bmax, imax = v, i
        self.n, self.total = n, total
        if imin >= 0:
            if self.lo is None or bmin < self.lo:
                self.lo = bmin
            if self.hi is None or bmax > self.hi:
                self.hi = bmax
        return imin, imax

    def aggregate(self, op: str) -> Any:
        if op == "min":
            return self._extreme(self.lo)
        if op == "max":
            return self._extreme(self.hi)
        if op == "mean":
            return self.total / self.n if self.n else math.nan
        if op == "first":
            return self.first
        return self.last

    def _extreme(self, value: Any) -> Any:
        if value is not None:
            return value
        # wandb: a key that never had a number has min/max 0; all-NaN keys give NaN.
        return math.nan if self.n else 0


class _Best:
    """The best value of one key and the run as of its row (flat, nested when read)."""

    __slots__ = ("goal", "metrics", "step", "value")

    def __init__(self, goal: Goal, value: Any, step: Any, metrics: dict[Path, Any]) -> None:
        self.goal = goal
        self.value = value
        self.step = step
        self.metrics = metrics


class SummaryState:
    """The fold of committed history rows into the run summary.

    For every leaf key the state keeps the latest value and, for numeric values (bools
    excluded), count, sum, min and max, plus the first value, whether or not a definition
    asks for them, so that aggregates include values logged before ``define_metric``.
    ``None`` values are skipped. NaN counts in the mean but not in min/max/best (an all-NaN
    key gives NaN). A key that never had a number has min/max 0 and mean NaN (wandb).

    ``summary()`` shows, per key, the plain latest value, or, when the key's definition has
    ops among min/max/mean/first/last/best, a dict of just those ops
    (``{"loss": {"min": 0.1, "best": 0.1}}``); ``none`` removes the key.

    ``best`` (with the definition's goal) is tracked only while the definition applies,
    because the snapshot below can only be taken as rows are folded: unlike min/max it
    ignores earlier values, and it is absent until a number arrives (a key whose requested
    ops are all absent is left out). For each such key the summary also holds a snapshot
    of the run at its best row::

        "_best": {
            "<key_of(path)>": {
                "_step": 12,          # _step of the best row (first one if tied)
                "value": 0.031,       # the best value, as logged
                "metrics": {...},     # nested latest value of every other key as of
            },                        #   that row, the row itself included
        }

    An explicit :meth:`set` shows the value as given and resets ``define_metric``
    tracking for the key: its aggregates restart, and later logs show the plain latest
    value until a definition matching the key is defined again.
    """

    def __init__(
        self, definitions: MetricDefinitions, state: Mapping[str, Any] | None = None
    ) -> None:
        """Create an empty summary, or restore one.

        Args:
            definitions: The run's metric definitions (read live). When restoring, rebuild
                them with :meth:`MetricDefinitions.from_list` so that revisions match.
            state: Output of :meth:`to_state` from an earlier process (resume).
        """
        self._defs = definitions
        self._stats: dict[Path, _Stats] = {}
        # prefix -> leaves below it, to keep the key set a valid tree (see _claim)
        self._under: dict[Path, set[Path]] = {}
        self._best: dict[Path, _Best] = {}
        # key -> definitions revision when it was explicitly set (tracking reset)
        self._plain: dict[Path, int] = {}
        self._goals: dict[Path, Goal | None] = {}
        self._goals_revision = -1
        if state is not None:
            self._restore(state)

    # -- folding ---------------------------------------------------------------------

    def update(self, rows: Sequence[Mapping[Path, Any]]) -> None:
        """Fold committed history rows, in order, into the summary.

        Args:
            rows: Flat rows (``{leaf path: value}``), as emitted by ``RowAssembler``.
        """
        if not rows:
            return
        if len(rows) == 1:
            self._update_row(rows[0])
            return
        columns, dense = _columns(rows)
        self._fold_columns(columns, dense, lambda: rows)

    def update_columns(
        self,
        columns: Mapping[Path, Sequence[Any]],
        rows: Callable[[], Sequence[Mapping[Path, Any]]],
    ) -> None:
        """Fold rows given as dense columns: every column has one value per row.

        Equivalent to ``update(rows())`` but skips building per-row dicts; ``rows``
        is called only when a ``best`` goal needs the row of a new best value.
        """
        if columns:
            self._fold_columns(dict(columns), True, rows)

    def _fold_columns(
        self,
        columns: dict[Path, Sequence[Any]],
        dense: bool,
        rows_of: Callable[[], Sequence[Mapping[Path, Any]]],
    ) -> None:
        goals: dict[Path, Goal] = {}
        for path in columns:
            goal = self._goal(path)
            if goal is not None:
                goals[path] = goal
        stats = self._stats
        before = {p: stats[p].last for p in columns if p in stats} if goals else {}

        extremes: dict[Path, tuple[int, int]] = {}
        for path, col in columns.items():
            st = stats.get(path)
            if st is not None:
                extremes[path] = st.fold(col)
                continue
            st = _Stats(None)
            extremes[path] = st.fold(col)
            if st.has_first:  # not an all-None column
                self._claim(path)
                stats[path] = st
        if goals:
            self._update_best(rows_of(), columns, dense, goals, extremes, before)

    def _update_best(
        self,
        rows: Sequence[Mapping[Path, Any]],
        columns: dict[Path, Sequence[Any]],
        dense: bool,
        goals: dict[Path, Goal],
        extremes: dict[Path, tuple[int, int]],
        before: dict[Path, Any],
    ) -> None:
        events: list[tuple[int, Path, Any, Goal]] = []
        for path, goal in goals.items():
            if path not in self._stats:
                continue  # replaced by a conflicting key in this same batch
            imin, imax = extremes[path]
            pos = imin if goal == "minimize" else imax
            if pos < 0:
                continue
            value = columns[path][pos]
            if isinstance(value, np.generic):  # a typed column's (see _Stats._fold_array)
                value = value.item()
            old = self._best.get(path)
            if old is not None and old.goal == goal:
                better = value < old.value if goal == "minimize" else value > old.value
                if not better:
                    continue
            index = pos if dense else _row_of(rows, path, pos)
            events.append((index, path, value, goal))
        if not events:
            return
        latest = {p: st.last for p, st in self._stats.items()}
        for index, path, value, goal in events:
            # The value of each key in this batch as of the best row: walk back from it
            # (one row when every row holds every key).
            found: dict[Path, Any] = {}
            for j in range(index, -1, -1):
                for p, v in rows[j].items():
                    if v is not None and p not in found:
                        found[p] = v
                if len(found) == len(columns):
                    break
            snapshot: dict[Path, Any] = {}
            for p, v in latest.items():
                if p == path:
                    continue
                if p not in columns:
                    snapshot[p] = v
                elif p in found:
                    snapshot[p] = found[p]
                elif p in before:
                    snapshot[p] = before[p]
            self._best[path] = _Best(goal, value, rows[index].get(_STEP), snapshot)

    def _update_row(self, row: Mapping[Path, Any]) -> None:
        # One row (the writer folding as it goes): the batch path's numpy and column
        # set-up would cost more than the row, so fold it inline.
        stats = self._stats
        goals = self._goal_table()
        improved: list[tuple[Path, Any, Goal]] = []
        for path, v in row.items():
            if v is None:
                continue
            st = stats.get(path)
            if st is None:
                self._claim(path)
                st = stats[path] = _Stats(v)
            if not st.has_first:
                st.first = v
                st.has_first = True
            st.last = v
            t = type(v)
            if not (t is float or t is int or _is_numeric(t)):
                continue
            st.n += 1
            st.total += v
            if v != v:  # NaN
                continue
            if st.lo is None or v < st.lo:
                st.lo = v
            if st.hi is None or v > st.hi:
                st.hi = v
            goal = goals.get(path)
            if goal is None and path not in goals:
                goal = self._goal(path)
            if goal is not None:
                old = self._best.get(path)
                if (
                    old is None
                    or old.goal != goal
                    or (v < old.value if goal == "minimize" else v > old.value)
                ):
                    improved.append((path, v, goal))
        for path, v, goal in improved:
            snapshot = {p: st.last for p, st in stats.items() if p != path}
            self._best[path] = _Best(goal, v, row.get(_STEP), snapshot)

    # -- explicit edits --------------------------------------------------------------

    def set(self, path: Path, value: Any) -> None:
        """Set a summary value explicitly (``run.summary[k] = v``).

        A dict value (not a ``_type`` payload) replaces the whole subtree at ``path``.
        ``None`` deletes the key. The key's aggregates restart and it shows plain values
        until a definition matching it is defined again.
        """
        if value is None:
            self.delete(path)
            return
        if isinstance(value, dict) and value and "_type" not in value:
            self.delete(path)
            for sub, leaf in flatten(value).items():
                if leaf is not None:
                    self._set_leaf((*path, *sub), leaf)
            return
        self._set_leaf(path, value)

    def _set_leaf(self, path: Path, value: Any) -> None:
        if path in self._stats:
            self._forget(path)
        else:
            self._claim(path)
        self._stats[path] = _Stats(value)
        self._plain[path] = self._defs.revision

    def delete(self, path: Path) -> bool:
        """Delete the key at ``path``, or every key below it (``del run.summary[k]``).

        Returns:
            True when something was deleted.
        """
        doomed = list(self._under.get(path, ()))
        if path in self._stats:
            doomed.append(path)
        for p in doomed:
            self._drop(p)
        return bool(doomed)

    # -- reading ---------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The nested summary dict (see the class docstring for its shape)."""
        items: dict[Path, Any] = {}
        for path, st in self._stats.items():
            d = self._effective(path)
            if d is None or not d.summary or not st.has_first:
                items[path] = st.last
                continue
            ops = d.summary
            if "none" in ops:
                continue
            if ops.isdisjoint(_AGGREGATE_OPS):
                items[path] = st.last
                continue
            agg: dict[str, Any] = {}
            for op in _OP_ORDER:
                if op not in ops:
                    continue
                if op == "best":
                    best = self._best.get(path)
                    if best is not None and best.goal == d.goal:
                        agg["best"] = best.value
                else:
                    agg[op] = st.aggregate(op)
            if agg:
                items[path] = agg
        result = nest(items)
        bests = {
            key_of(path): {"_step": b.step, "value": b.value, "metrics": nest(b.metrics)}
            for path, b in self._best.items()
            if self._goal(path) == b.goal
        }
        if bests:
            result["_best"] = bests
        return result

    def last_values(self) -> dict[Path, Any]:
        """The latest value (logged or set) of every leaf key."""
        return {path: st.last for path, st in self._stats.items()}

    # -- persistence -----------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """A JSON-able snapshot (NaN/inf may appear: dump with ``allow_nan=True``)."""
        keys = []
        for path, st in self._stats.items():
            item: dict[str, Any] = {
                "path": list(path),
                "last": _builtin(st.last),
                "n": st.n,
                "sum": float(st.total),
                "min": _builtin(st.lo),
                "max": _builtin(st.hi),
            }
            if st.has_first:
                item["first"] = _builtin(st.first)
            keys.append(item)
        return {
            "version": _STATE_VERSION,
            "keys": keys,
            "plain": [{"path": list(p), "revision": r} for p, r in self._plain.items()],
            "best": [
                {
                    "path": list(p),
                    "goal": b.goal,
                    "value": _builtin(b.value),
                    "step": _builtin(b.step),
                    "metrics": [[list(p), _builtin(v)] for p, v in b.metrics.items()],
                }
                for p, b in self._best.items()
            ],
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        version = state.get("version")
        if version != _STATE_VERSION:
            raise ValueError(f"unsupported summary state version {version!r}")
        for item in state["keys"]:
            path = tuple(item["path"])
            self._claim(path)
            st = self._stats[path] = _Stats(item["last"])
            st.n, st.total = int(item["n"]), float(item["sum"])
            st.lo, st.hi = item["min"], item["max"]
            if "first" in item:
                st.first, st.has_first = item["first"], True
        for item in state["plain"]:
            self._plain[tuple(item["path"])] = int(item["revision"])
        for item in state["best"]:
            self._best[tuple(item["path"])] = _Best(
                item["goal"],
                item["value"],
                item["step"],
                {tuple(p): v for p, v in item["metrics"]},
            )

    # -- internals -------------------------------------------------------------------

    def _effective(self, path: Path) -> MetricDefinition | None:
        """The definition in force for ``path``: None while an explicit set holds."""
        d = self._defs.match(path)
        set_at = self._plain.get(path)
        if set_at is not None:
            if d is None or self._defs.revision_of(d.name) <= set_at:
                return None
            del self._plain[path]  # defined again since the set: tracked again
        return d

    def _goal_table(self) -> dict[Path, Goal | None]:
        """The cache behind :meth:`_goal`, emptied when definitions change."""
        if self._goals_revision != self._defs.revision:
            self._goals.clear()
            self._goals_revision = self._defs.revision
        return self._goals

    def _goal(self, path: Path) -> Goal | None:
        """The goal when ``best`` is tracked for ``path``, else None (cached)."""
        goals = self._goal_table()
        if path in goals:
            return goals[path]
        d = self._effective(path)
        goal = None
        if d is not None and "best" in d.summary and "none" not in d.summary:
            goal = d.goal
        self._goals[path] = goal
        return goal

    def _claim(self, path: Path) -> None:
        """Make room for new leaf ``path``: drop leaves that are its prefix or below it.

        A key logged as a scalar and later as a dict (or the reverse) is replaced, as the
        nested summary can hold only one of them.
        """
        stats = self._stats
        for i in range(1, len(path)):
            if path[:i] in stats:
                self._drop(path[:i])
        below = self._under.get(path)
        if below:
            for p in list(below):
                self._drop(p)
        for i in range(1, len(path)):
            self._under.setdefault(path[:i], set()).add(path)

    def _forget(self, path: Path) -> None:
        self._best.pop(path, None)
        self._plain.pop(path, None)
        self._goals.pop(path, None)

    def _drop(self, path: Path) -> None:
        del self._stats[path]
        for i in range(1, len(path)):
            below = self._under.get(path[:i])
            if below is not None:
                below.discard(path)
                if not below:
                    del self._under[path[:i]]
        self._forget(path)


def _builtin(value: Any) -> Any:
    # numpy scalars that slipped through the SDK's normalisation are not JSON-able.
    return value.item() if isinstance(value, np.generic) else value


def _columns(rows: Sequence[Mapping[Path, Any]]) -> tuple[dict[Path, Sequence[Any]], bool]:
    """Split rows into per-key columns.

    Returns:
        The columns, and whether they are dense: every row has every key, so a column
        position is a row index (columns may then hold None). Sparse columns hold only the
        non-None values.
    """
    if len(rows) == 1:
        return {p: [v] for p, v in rows[0].items()}, True
    first = rows[0]
    if sum(map(len, rows)) == len(first) * len(rows):
        # The usual batch has the same keys in every row: gather per key in C. Every row
        # holding the first row's keys, with these sizes, means the key sets are equal.
        keys = tuple(first)
        try:
            if len(keys) > 1:
                transposed = zip(*map(itemgetter(*keys), rows), strict=True)
                return dict(zip(keys, transposed, strict=True)), True
            if keys:
                return {keys[0]: list(map(itemgetter(keys[0]), rows))}, True
            return {}, True
        except KeyError:
            pass
    lists: dict[Path, list[Any]] = {}
    for row in rows:
        for path, value in row.items():
            if value is not None:
                col = lists.get(path)
                if col is None:
                    lists[path] = [value]
                else:
                    col.append(value)
    return dict(lists), False


def _row_of(rows: Sequence[Mapping[Path, Any]], path: Path, pos: int) -> int:
    """Index of the row holding the ``pos``-th non-None value of ``path`` (sparse batches)."""
    seen = -1
    for i, row in enumerate(rows):
        if row.get(path) is not None:
            seen += 1
            if seen == pos:
                return i
    raise AssertionError("position beyond the column")  # pragma: no cover
