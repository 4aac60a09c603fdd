"""Smoothing against straightforward reference loops written from the published definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runyard.metrics.smoothing import ema, gaussian, running_average, smooth, twema

X = np.array([0.0, 1.0, 2.0, 5.0, 6.0, 10.0, 11.0, 12.0, 20.0, 21.0])
Y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0])


def reference_twema(
    x: list[float], y: list[float], param: float, scale: float = 1000.0
) -> list[float]:
    w = min(math.sqrt(param), 0.999)
    rng = x[-1] - x[0]
    last, debias, out = 0.0, 0.0, []
    for i, v in enumerate(y):
        prev = i - 1 if i > 0 else 0
        adj = w ** ((x[i] - x[prev]) / rng * scale)
        last = last * adj + v
        debias = debias * adj + 1
        out.append(last / debias)
    return out


def test_twema_matches_the_reference_loop() -> None:
    for param in (0.0, 0.3, 0.6, 0.9, 0.99, 1.0):
        for scale in (1000.0, 10.0):
            got = twema(X, Y, param, viewport_scale=scale)
            assert got == pytest.approx(
                reference_twema(X.tolist(), Y.tolist(), param, scale), rel=1e-12
            )


def test_twema_fixed_values() -> None:
    # Hand-checkable: scale 20 over range 20 makes each unit of x one decay step of sqrt(.25) = .5.
    got = twema([0.0, 1.0, 3.0, 20.0], [4.0, 0.0, 8.0, 1.0], 0.25, viewport_scale=20.0)
    # s1 = 4/1; s2 = (4*.5 + 0)/(1*.5 + 1); s3 = (2*.25 + 8)/(1.5*.25 + 1); s4 ≈ 1 (decay .5**17)
    assert got[:3].tolist() == pytest.approx([4.0, 2.0 / 1.5, 8.5 / 1.375])
    assert got[3] == pytest.approx(1.0, abs=1e-4)


def test_twema_is_density_independent() -> None:
    # The same curve sampled 10x denser is smoothed to (nearly) the same values at shared x.
    coarse_x = np.linspace(0, 100, 101)
    fine_x = np.linspace(0, 100, 1001)
    coarse = twema(coarse_x, np.sin(coarse_x / 7), 0.6, viewport_scale=50)
    fine = twema(fine_x, np.sin(fine_x / 7), 0.6, viewport_scale=50)
    assert np.abs(fine[::10][20:] - coarse[20:]).max() < 0.05


def test_ema_matches_tensorboard_reference() -> None:
    w = 0.6
    last, out = 0.0, []
    for n, v in enumerate(Y.tolist(), start=1):
        last = last * w + (1 - w) * v
        out.append(last / (1 - w**n))
    assert ema(Y, w) == pytest.approx(out, rel=1e-12)
    assert ema(Y, 0.0).tolist() == Y.tolist()


def test_gaussian_matches_full_kernel_reference() -> None:
    sigma = 1.5
    ref = []
    for xi in X:
        k = [math.exp(-0.5 * ((xj - xi) / sigma) ** 2) for xj in X]
        ref.append(sum(kj * yj for kj, yj in zip(k, Y, strict=True)) / sum(k))
    # Truncating the kernel at 4 sigma changes values by well under 1e-3 here.
    assert gaussian(X, Y, sigma) == pytest.approx(ref, abs=1e-3)
    assert gaussian(X, Y, 0).tolist() == Y.tolist()


def test_running_average_reference() -> None:
    window = 3
    ref = [float(np.mean(Y[max(i - 1, 0) : i + 2])) for i in range(Y.size)]
    assert running_average(Y, window) == pytest.approx(ref)
    # Even window: one more point after than before.
    ref4 = [float(np.mean(Y[max(i - 1, 0) : i + 3])) for i in range(Y.size)]
    assert running_average(Y, 4) == pytest.approx(ref4)


def test_non_finite_points_pass_through_and_do_not_spread() -> None:
    y = Y.copy()
    y[4] = np.nan
    y[7] = np.inf
    keep = np.isfinite(y)
    for kind, param in (("twema", 0.6), ("ema", 0.6), ("gaussian", 2.0), ("running_average", 3)):
        got = smooth(kind, X, y, param)
        assert np.isnan(got[4]) and got[7] == np.inf
        assert np.isfinite(got[keep]).all()
        assert got[keep] == pytest.approx(smooth(kind, X[keep], y[keep], param))


def test_bad_parameters_name_the_value() -> None:
    with pytest.raises(ValueError, match=r"1\.5"):
        twema(X, Y, 1.5)
    with pytest.raises(ValueError, match="-1"):
        gaussian(X, Y, -1)
    with pytest.raises(ValueError, match="0"):
        running_average(Y, 0)
    with pytest.raises(ValueError, match="'box'"):
        smooth("box", X, Y, 1)
    with pytest.raises(ValueError, match="differ in length"):
        twema(X, Y[:3], 0.5)


def test_golden_cases_shared_with_the_web_app_are_current() -> None:
    """web/src/lib/smoothing.golden.json (read by smoothing.test.ts) is what this module
    computes; regenerate with ``python -m tests.metrics.smoothing_golden``."""
    import json

    from tests.metrics.smoothing_golden import GOLDEN, cases

    if not GOLDEN.is_file():
        pytest.skip(f"no {GOLDEN} (the web app's sources are not here)")
    stored = json.loads(GOLDEN.read_text())["cases"]
    fresh = cases()
    assert len(stored) == len(fresh) >= 60
    for old, new in zip(stored, fresh, strict=True):
        case = (old["line"], old["kind"], old["param"])
        assert {k: v for k, v in old.items() if k != "want"} == {
            k: v for k, v in new.items() if k != "want"
        }, case
        # The smoothed values to the last bits or so: numpy's sums take another order on
        # another CPU (its SIMD paths), the last bit of a Gaussian's weights with them.
        want_old = np.array(old["want"], dtype=float)
        want_new = np.array(new["want"], dtype=float)
        np.testing.assert_allclose(want_new, want_old, rtol=1e-13, atol=0, err_msg=str(case))
