"""Parameter importance: how each config key of a project's runs relates to a metric.

For a summary metric (``loss``, or ``loss.min`` for a nested value) over the runs that
have it as a number, each config leaf becomes one or more features: numbers (and bools)
as they are, strings as one column per value (``optimizer=adam``, 0/1). Per feature:

- ``correlation``: Pearson's r with the metric, over the runs that have the key;
- ``importance``: the feature's share of a random forest's impurity decrease
  (scikit-learn, the ``analysis`` extra, imported lazily; ``None`` without it, and the
  answer's ``note`` names the extra). Missing numbers are filled with the key's mean.

The forest takes a second or two over a thousand runs, so answers are cached per
(project, metric, filters) and the runs' ``(id, updated_at)``: any change to a run
recomputes it.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from runyard.entities import RunRecord
from runyard.metrics.flatten import flatten, get_path, key_of, parse_name

__all__ = ["EXTRA_NOTE", "ImportanceCache", "fingerprint", "importance"]

EXTRA_NOTE = "random-forest importance needs scikit-learn: pip install 'runyard[analysis]'"
#: A string key with more distinct values than this is an id, not a parameter.
MAX_CATEGORIES = 32


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _features(records: Sequence[RunRecord]) -> tuple[list[str], np.ndarray]:
    """Feature names and a (runs x features) matrix, NaN where a run lacks the key."""
    leaves = [
        {key_of(p): v for p, v in flatten(r.config).items() if not p[0].startswith("_")}
        for r in records
    ]
    keys = sorted({k for leaf in leaves for k in leaf})
    names: list[str] = []
    columns: list[np.ndarray] = []
    for key in keys:
        values = [leaf.get(key) for leaf in leaves]
        present = [v for v in values if v is not None]
        numbers = [_number(v) for v in present]
        if present and all(n is not None for n in numbers):
            col = np.array([np.nan if (n := _number(v)) is None else n for v in values])
            names.append(key)
            columns.append(col)
            continue
        texts = sorted({v for v in present if isinstance(v, str)})
        if not texts or len(texts) > MAX_CATEGORIES or len(texts) != len(set(map(str, present))):
            continue  # lists, dicts, mixed types, ids: not a parameter a forest can use
        for text in texts:
            names.append(f"{key}={text}")
            columns.append(np.array([np.nan if v is None else float(v == text) for v in values]))
    # A feature must vary over at least two runs to say anything.
    keep = [i for i, c in enumerate(columns) if (~np.isnan(c)).sum() >= 2 and np.nanstd(c) > 0]
    matrix = np.column_stack([columns[i] for i in keep]) if keep else np.zeros((len(records), 0))
    return [names[i] for i in keep], matrix


def _correlation(column: np.ndarray, target: np.ndarray) -> float | None:
    has = ~np.isnan(column)
    a, b = column[has], target[has]
    if a.size < 2 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _forest(matrix: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        return None
    filled = np.where(np.isnan(matrix), np.nanmean(matrix, axis=0), matrix)
    # 64 trees grown on two threads (the trees release the GIL): a third of the time
    # of 100 trees on one, and importances as steady on a few hundred runs.
    forest = RandomForestRegressor(
        n_estimators=64,
        min_samples_leaf=3,
        random_state=0,
        n_jobs=min(2, os.cpu_count() or 1),
    )
    forest.fit(filled, target)
    result: np.ndarray = np.asarray(forest.feature_importances_, dtype=np.float64)
    return result


def importance(records: Sequence[RunRecord], metric: str) -> dict[str, Any]:
    """The ``/importance`` payload for ``metric`` (a summary key, dotted for nested)."""
    path = parse_name(metric)
    rows = [(r, n) for r in records if (n := _number(get_path(r.summary, path))) is not None]
    runs = [r for r, _ in rows]
    target = np.array([n for _, n in rows])
    answer: dict[str, Any] = {"metric": metric, "runs": len(runs), "parameters": [], "note": None}
    if len(runs) < 2 or target.std() == 0:
        answer["note"] = (
            f"{len(runs)} run(s) have a numeric summary {metric!r}"
            + ("" if len(runs) < 2 else " and it is the same in all")
            + ": nothing to relate the config to"
        )
        return answer
    names, matrix = _features(runs)
    if not names:
        answer["note"] = "no config key varies across these runs"
        return answer
    weights = _forest(matrix, target)
    if weights is None:
        answer["note"] = EXTRA_NOTE
    parameters: list[dict[str, Any]] = [
        {
            "key": name,
            "correlation": _correlation(matrix[:, i], target),
            "importance": None if weights is None else float(weights[i]),
            "runs": int((~np.isnan(matrix[:, i])).sum()),
        }
        for i, name in enumerate(names)
    ]
    parameters.sort(
        key=lambda p: (-(p["importance"] or 0.0), -abs(p["correlation"] or 0.0), p["key"])
    )
    answer["parameters"] = parameters
    return answer


def fingerprint(records: Sequence[RunRecord]) -> str:
    """Changes when any run is added, removed or updated."""
    digest = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.ref.run_id):
        digest.update(f"{r.ref.run_id}\0{r.updated_at!r}\0".encode())
    return digest.hexdigest()


class ImportanceCache:
    """A small LRU of answers; ``computed`` counts the misses (for tests and metrics)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0

    def get(self, key: Hashable, records: Sequence[RunRecord], metric: str) -> dict[str, Any]:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = importance(records, metric)  # outside the lock: other projects go on
        with self._lock:
            self.computed += 1
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer
