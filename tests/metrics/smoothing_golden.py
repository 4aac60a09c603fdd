"""Golden smoothing cases shared with the web app (web/src/lib/smoothing.golden.json).

The TypeScript port (web/src/lib/smoothing.ts) is checked against these numbers by vitest,
and tests/metrics/test_smoothing.py checks that the file still holds what
:mod:`runyard.metrics.smoothing` computes. Regenerate after changing the module with
``.venv/bin/python -m tests.metrics.smoothing_golden``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from runyard.metrics.smoothing import smooth

GOLDEN = Path(__file__).resolve().parents[2] / "web" / "src" / "lib" / "smoothing.golden.json"


def _lines() -> dict[str, tuple[list[float], list[float]]]:
    rng = np.random.default_rng(17)
    steps = np.arange(200, dtype=np.float64)
    noisy = np.round(np.exp(-steps / 60) + rng.normal(0, 0.05, steps.size), 6)
    uneven_x = np.round(np.cumsum(rng.uniform(0.1, 5.0, 60)), 6)
    uneven_y = np.round(np.sin(uneven_x / 10) + rng.normal(0, 0.1, 60), 6)
    gappy = noisy[:50].copy()
    gappy[[3, 4, 20, 49]] = np.nan
    return {
        "noisy": (steps.tolist(), noisy.tolist()),
        "uneven": (uneven_x.tolist(), uneven_y.tolist()),
        "gaps": (steps[:50].tolist(), gappy.tolist()),
        "one": ([5.0], [2.5]),
        "same_x": ([3.0, 3.0, 3.0], [1.0, 2.0, 6.0]),
    }


PARAMS = {
    "twema": (0.0, 0.3, 0.6, 0.9, 0.99),
    "ema": (0.0, 0.5, 0.9, 0.99),
    "gaussian": (0.0, 1.0, 7.5),
    "running_average": (1, 2, 5, 20),
}


def _json(values: list[float]) -> list[float | None]:
    return [None if not math.isfinite(v) else v for v in values]


def cases() -> list[dict[str, Any]]:
    """Every kind and parameter over every line, with what Python computes."""
    out = []
    for name, (x, y) in _lines().items():
        for kind, params in PARAMS.items():
            for param in params:
                want = smooth(kind, x, y, param).tolist()
                out.append(
                    {
                        "line": name,
                        "kind": kind,
                        "param": param,
                        "x": x,
                        "y": _json(y),
                        "want": _json(want),
                    }
                )
    return out


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps({"cases": cases()}, separators=(",", ":")) + "\n")
    print(f"wrote {GOLDEN}")
