"""Line smoothing as pure functions: what a chart draws over the faint raw line.

The four kinds wandb's line panels offer, implemented from their published definitions:

- ``twema``: time-weighted EMA (wandb's default). The decay per point is
  ``sqrt(param)`` (capped at 0.999) raised to the x gap between the point and the one
  before it, measured in ``viewport_scale``-ths of the line's x range, so lines with
  different point densities are smoothed alike. The running sum starts at 0 and is divided
  by the running sum of weights (the de-bias term), so the start is not pulled to 0.
- ``ema``: TensorBoard's EMA, ``last = w*last + (1-w)*y`` divided by ``1 - w**n``.
- ``gaussian``: a kernel-weighted mean over all points, weights ``exp(-dx²/2σ²)`` with
  ``dx`` the x distance, so unevenly spaced points are handled.
- ``running_average``: the mean of the ``window`` points centred on each point (fewer at
  the ends).

Non-finite y (NaN, ±inf) are passed through unchanged and not mixed into their neighbours,
as a chart shows a gap there rather than poisoning the rest of the line.

Example:
    >>> import numpy as np
    >>> ema(np.array([1.0, 1.0, 1.0]), 0.9).tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["SMOOTHERS", "ema", "gaussian", "running_average", "smooth", "twema"]

FloatArray = npt.NDArray[np.float64]

# wandb's frontend scales an x gap by the line's x range times this constant (its
# VIEWPORT_SCALE): a gap of 1/1000 of the range decays by one factor of the weight.
VIEWPORT_SCALE = 1000.0
_MAX_WEIGHT = 0.999


def _as_float(name: str, values: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape!r}")
    return arr


def _check_weight(weight: float) -> float:
    if not 0.0 <= weight <= 1.0 or math.isnan(weight):
        raise ValueError(f"smoothing weight must be between 0 and 1, got {weight!r}")
    return float(weight)


def twema(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    weight: float,
    *,
    viewport_scale: float = VIEWPORT_SCALE,
) -> FloatArray:
    """wandb's time-weighted EMA of ``y`` over non-decreasing ``x``; ``weight`` in [0, 1]."""
    xs, ys = _as_float("x", x), _as_float("y", y)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y differ in length: {xs.size} != {ys.size}")
    base = min(math.sqrt(_check_weight(weight)), _MAX_WEIGHT)
    out: FloatArray = np.array(ys, dtype=np.float64)
    finite = np.isfinite(ys)
    if not finite.any():
        return out
    fx, fy = xs[finite], ys[finite]
    span = float(fx[-1] - fx[0])
    # One point, or all at the same x: every gap is 0 and each point just averages in.
    gaps = np.diff(fx, prepend=fx[0]) / span * viewport_scale if span > 0 else np.zeros_like(fx)
    decay = np.power(base, gaps)
    # The recurrence is inherently sequential; a Python loop over floats is fine at the
    # sizes a chart draws (it runs on drawn points, after downsampling).
    total = 0.0
    weights = 0.0
    smoothed = np.empty_like(fy)
    for i, (d, v) in enumerate(zip(decay.tolist(), fy.tolist(), strict=True)):
        total = total * d + v
        weights = weights * d + 1.0
        smoothed[i] = total / weights
    out[finite] = smoothed
    return out


def ema(y: npt.ArrayLike, weight: float) -> FloatArray:
    """TensorBoard's de-biased EMA of ``y``; ``weight`` in [0, 1] (0 is no smoothing)."""
    ys = _as_float("y", y)
    w = _check_weight(weight)
    out: FloatArray = np.array(ys, dtype=np.float64)
    finite = np.isfinite(ys)
    last = 0.0
    for n, i in enumerate(np.flatnonzero(finite).tolist(), start=1):
        last = last * w + (1.0 - w) * float(ys[i])
        debias = 1.0 - w**n
        out[i] = last / debias if debias > 0 else float(ys[i])
    return out


def gaussian(x: npt.ArrayLike, y: npt.ArrayLike, sigma: float) -> FloatArray:
    """Gaussian kernel smoothing of ``y``, ``sigma`` in x units (0 is no smoothing)."""
    xs, ys = _as_float("x", x), _as_float("y", y)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y differ in length: {xs.size} != {ys.size}")
    if not sigma >= 0:
        raise ValueError(f"gaussian sigma must be >= 0, got {sigma!r}")
    out: FloatArray = np.array(ys, dtype=np.float64)
    finite = np.isfinite(ys)
    if sigma == 0 or not finite.any():
        return out
    fx, fy = xs[finite], ys[finite]
    # Points beyond 4σ weigh < 4e-4 of the centre: a sliding window over sorted x keeps
    # the work O(n·window) instead of O(n²).
    reach = 4.0 * sigma
    lo = np.searchsorted(fx, fx - reach, side="left")
    hi = np.searchsorted(fx, fx + reach, side="right")
    smoothed = np.empty_like(fy)
    for i in range(fx.size):
        dx = fx[lo[i] : hi[i]] - fx[i]
        k = np.exp(-0.5 * (dx / sigma) ** 2)
        smoothed[i] = float(np.dot(k, fy[lo[i] : hi[i]]) / k.sum())
    out[finite] = smoothed
    return out


def running_average(y: npt.ArrayLike, window: int) -> FloatArray:
    """The mean of the ``window`` points centred on each point (truncated at the ends)."""
    ys = _as_float("y", y)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"running average window must be a positive int, got {window!r}")
    out: FloatArray = np.array(ys, dtype=np.float64)
    finite = np.isfinite(ys)
    fy = ys[finite]
    if window == 1 or fy.size == 0:
        return out
    before = (window - 1) // 2
    after = window - 1 - before
    cum = np.concatenate([[0.0], np.cumsum(fy)])
    idx = np.arange(fy.size)
    start = np.maximum(idx - before, 0)
    stop = np.minimum(idx + after + 1, fy.size)
    out[finite] = (cum[stop] - cum[start]) / (stop - start)
    return out


SMOOTHERS = ("twema", "ema", "gaussian", "running_average")


def smooth(kind: str, x: npt.ArrayLike, y: npt.ArrayLike, param: float) -> FloatArray:
    """Dispatch by name (the panel setting): ``param`` is the weight, sigma or window."""
    if kind == "twema":
        return twema(x, y, param)
    if kind == "ema":
        return ema(y, param)
    if kind == "gaussian":
        return gaussian(x, y, param)
    if kind == "running_average":
        if float(param) != int(param):
            raise ValueError(f"running average window must be a whole number, got {param!r}")
        return running_average(y, int(param))
    raise ValueError(f"unknown smoothing {kind!r}; expected one of {', '.join(SMOOTHERS)}")
