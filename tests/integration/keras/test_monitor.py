"""`Monitor`: best-epoch rules (pure)."""

from __future__ import annotations

import math

import pytest

from runyard.integration.keras.monitor import Monitor, resolve_mode


@pytest.mark.parametrize(
    ("monitor", "goal"),
    [
        ("val_loss", "min"),
        ("val_accuracy", "max"),
        ("acc", "max"),
        ("sparse_categorical_accuracy", "max"),
        ("fmeasure_macro", "max"),
        ("f1_fmeasure", "min"),  # only a prefix counts
        ("mae", "min"),
    ],
)
def test_auto_mode(monitor: str, goal: str) -> None:
    assert resolve_mode(monitor, "auto") == goal


def test_explicit_and_bad_modes() -> None:
    assert resolve_mode("val_accuracy", "min") == "min"
    with pytest.raises(ValueError, match="'minimum'"):
        resolve_mode("val_loss", "minimum")


def test_min_and_max_start_from_infinity() -> None:
    assert Monitor("loss", "min").best == math.inf
    assert Monitor("loss", "max").best == -math.inf


def test_zero_can_be_the_best_value() -> None:
    m = Monitor("val_loss", "auto")
    assert m.update(0.3) and m.update(0.0) and not m.update(0.0) and not m.update(0.1)
    assert m.best == 0.0


def test_ties_nan_and_non_numbers_are_not_improvements() -> None:
    m = Monitor("acc", "auto")
    assert m.update(0.5) and not m.update(0.5)
    assert not m.update(float("nan")) and not m.update(None) and not m.update("0.9")
    assert m.best == 0.5


def test_resume_starts_from_the_stored_best() -> None:
    m = Monitor("val_loss", "min", best=0.2)
    assert not m.update(0.25) and m.update(0.1)
    assert Monitor("val_loss", "min", best=None).best == math.inf
    assert Monitor("val_loss", "min", best="oops").best == math.inf
