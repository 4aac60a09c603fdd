"""Property: whatever is logged, ``log()`` either refuses it at once with a clear error
or it is stored — and every later step of the run is stored (issue 12, "Done when").

Generated rows mix huge and negative ints, NaN and infinities, deep and wide nesting,
keys of every kind (not strings, empty, dotted, unicode, NUL) and numpy/torch scalars
and arrays. Each row is followed by a sentinel row; the run is read back through
``runyard.Api()`` from the embedded SQLite store, PostgreSQL (``RUNYARD_STORE``) and a
real ``runyard server`` (online mode).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runyard
from runyard.metrics.values import INT64_MAX, INT64_MIN, MAX_DEPTH

EDGE_INTS = [0, -1, 2**31, 2**53 + 1, -(2**53) - 1, INT64_MAX, INT64_MIN, 2**63, 2**64 - 1]
EDGE_INTS += [2**64, -(2**63) - 1, 10**30, -(10**40), 10**400]

keys = st.one_of(
    st.text(max_size=8),  # empty, unicode, NUL included
    st.sampled_from(["a.b", "a", "b", ".", "..", "_step", "_runtime", "_timestamp", "x.y.z"]),
    st.integers(-3, 3),
    st.tuples(st.integers(0, 2), st.text(max_size=2)),
    st.none(),
    st.floats(allow_nan=True),
    st.booleans(),
)
scalars = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from(EDGE_INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.booleans(),
    st.none(),
    st.builds(np.float32, st.floats(width=32, allow_nan=True)),
    st.builds(np.int64, st.integers(INT64_MIN, INT64_MAX)),
    st.builds(np.uint64, st.integers(0, 2**64 - 1)),
    st.builds(np.bool_, st.booleans()),
    st.builds(lambda v: torch.tensor(v), st.floats(allow_nan=False, width=32)),
)
arrays = st.one_of(
    st.builds(np.array, st.lists(st.floats(allow_nan=True), max_size=40)),
    st.builds(lambda n: np.arange(n, dtype=np.int64) * 2**40, st.integers(0, 40)),
    st.builds(lambda n: torch.arange(n, dtype=torch.float32), st.integers(0, 40)),
)


def deep(depth: int) -> Any:
    value: Any = 1.0
    for _ in range(depth):
        value = {"k": value}
    return value


values = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=12,
) | st.builds(deep, st.sampled_from([1, MAX_DEPTH - 2, MAX_DEPTH, 300]))
rows = st.dictionaries(
    st.one_of(st.text(max_size=6), st.sampled_from(["a.b", "a", "_step", "s"]), keys),
    values,
    max_size=5,
)


def plain_equal(logged: Any, stored: Any) -> bool:
    if type(logged) is float and math.isnan(logged):
        return isinstance(stored, float) and math.isnan(stored)
    return bool(stored == logged)


def check(logged: list[dict[Any, Any]]) -> None:
    run = runyard.init(project="prop")
    accepted: dict[int, dict[Any, Any]] = {}
    for i, row in enumerate(logged):
        step = run.step
        try:
            run.log(row)
        except (TypeError, ValueError) as exc:
            assert str(exc), f"an error without a message for {row!r}"  # noqa: PT017
            assert run.step == step, "a refused row took a step"
        else:
            accepted[step] = row
        run.log({"sentinel": i})
    run.finish()
    back = runyard.Api().run(run.path)
    assert back.state == "finished"
    history = {r["_step"]: r for r in back.scan_history()}
    sentinels = [r["sentinel"] for _, r in sorted(history.items()) if "sentinel" in r]
    assert sentinels == list(range(len(logged))), "a later step was lost"
    for step, row in accepted.items():
        stored = history[step]
        for key, value in row.items():
            # Plain scalars under a key nothing else in the row shares come back as logged.
            if key.startswith("_") or "." in key or type(value) not in (float, str, bool):
                continue
            if any(k != key and (k.startswith(key + ".") or "." in k) for k in row):
                continue
            assert plain_equal(value, stored.get(key)), (key, value, stored.get(key))


@settings(
    max_examples=int(os.environ.get("RUNYARD_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(logged=st.lists(rows, min_size=1, max_size=4))
def test_every_logged_value_is_refused_at_once_or_stored(
    backend: str, logged: list[dict[Any, Any]]
) -> None:
    check(logged)
