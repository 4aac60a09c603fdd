"""Values that used to poison a run (issue 12, point 1): each is decided when it is
logged — stored as wandb stores it, or refused with an error naming the key path —
and every later step of the run is stored, read back through ``runyard.Api()``."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import Any

import msgpack
import pytest

import runyard
from runyard.journal.records import Rec
from runyard.metrics.values import MAX_DEPTH


def stored(run: Any) -> Any:
    return runyard.Api().run(run.path)


def history(run: Any, keys: list[str] | None = None) -> list[dict[str, Any]]:
    return list(stored(run).scan_history(keys=keys))


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value


def assert_all_steps(run: Any, n: int, key: str = "x") -> None:
    assert [r["_step"] for r in history(run, [key])] == list(range(n))
    assert stored(run).state == "finished"


# -- ints beyond int64 -------------------------------------------------------------


@pytest.mark.parametrize("big", [2**63, 2**64 - 1, 2**64 + 7, 10**30, -(2**63) - 1, -(10**30)])
def test_int_beyond_int64_is_logged_as_a_float_like_wandb(
    ry_dir: Path, big: int, capsys: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="p")
    for i in range(40):
        run.log({"x": i, "seed": big if i % 2 else 1, "nest": {"h": big}})
    run.finish()
    assert_all_steps(run, 40)
    rows = history(run, ["seed"])
    assert [r["seed"] for r in rows[:2]] == [1, float(big)]
    assert stored(run).summary["nest"] == {"h": float(big)}
    err = capsys.readouterr().err
    assert "'seed'" in err and str(big) in err and "float" in err  # warned, naming it
    assert "could not write" not in err


@pytest.mark.parametrize("big", [2**63 + 5, 2**64 + 1, -(2**63) - 1])
def test_int_beyond_int64_in_config_is_a_float(ry_dir: Path, big: int) -> None:
    run = runyard.init(project="p", config={"seed": big, "deep": {"hash": big}})
    run.config.update({"later": big})
    run.log({"x": 1})
    run.finish()
    config = stored(run).config
    assert config["seed"] == float(big) and config["later"] == float(big)
    assert config["deep"] == {"hash": float(big)}
    assert_all_steps(run, 1)


def test_ints_up_to_int64_are_exact_in_history_summary_and_config(ry_dir: Path) -> None:
    exact = [2**53 + 1, 2**63 - 1, -(2**63), -(2**53) - 1]
    run = runyard.init(project="p", config={"ids": exact, "one": 2**53 + 1})
    for i, value in enumerate(exact):
        run.log({"x": i, "big": value, "n": {"big": value}})
    run.finish()
    run_back = stored(run)
    assert [r["big"] for r in history(run, ["big"])] == exact
    assert [r["n.big"] for r in history(run, ["n.big"])] == exact
    assert run_back.summary["big"] == exact[-1] and run_back.summary["n"]["big"] == exact[-1]
    assert run_back.config["ids"] == exact and run_back.config["one"] == 2**53 + 1


def test_an_int_past_2_53_in_a_float_series_is_warned(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="p")
    run.log({"m": 0.5})
    run.log({"m": 2**53 + 1})
    run.finish()
    err = capsys.readouterr().err
    assert "'m'" in err and str(2**53 + 1) in err and "precision" in err


# -- keys --------------------------------------------------------------------------


def test_nested_non_string_keys_are_stored_as_strings(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"x": 0, "acc": {0: 0.9, 1: 0.8}})  # killed the writer thread
    run.log({"x": 1, "acc": {(1, "a"): 0.7, None: 1, 2.5: [{3: 4}]}})
    run.finish()
    assert_all_steps(run, 2)
    rows = history(run)
    assert rows[0]["acc.0"] == 0.9 and rows[0]["acc.1"] == 0.8
    assert rows[1]["acc.(1, 'a')"] == 0.7 and rows[1]["acc.None"] == 1
    assert rows[1]["acc.2.5"] == [{"3": 4}]


def test_top_level_non_string_keys_keep_wandbs_type_error(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    with pytest.raises(TypeError, match=re.escape("Key values passed to `wandb.log` must be")):
        run.log({0: 1})  # type: ignore[dict-item]
    assert run.step == 0
    run.log({"x": 0})
    run.finish()
    assert_all_steps(run, 1)


def test_config_nested_non_string_keys_are_strings_as_in_wandb(ry_dir: Path) -> None:
    run = runyard.init(project="p", config={"grid": {("a", 1): 2}})
    run.config.update({"id2label": {0: "neg", 1: "pos"}})  # every Transformers run
    run.config["label2id"] = {"neg": 0}
    run.log({"x": 0})
    run.finish()
    config = stored(run).config
    assert config["grid"] == {"('a', 1)": 2}
    assert config["id2label"] == {"0": "neg", "1": "pos"}
    assert config["label2id"] == {"neg": 0}
    assert_all_steps(run, 1)


def test_config_top_level_non_string_key_is_refused_at_init(ry_dir: Path) -> None:
    with pytest.raises(TypeError, match=re.escape("config keys must be strings, got ('a', 1)")):
        runyard.init(project="p", config={("a", 1): 2})
    run = runyard.init(project="p")
    with pytest.raises(TypeError, match=re.escape("got 3")):
        run.config.update({3: "x"})
    run.log({"x": 0})
    run.finish()
    assert_all_steps(run, 1)


def test_nul_in_a_key_is_refused_naming_it(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    with pytest.raises(ValueError, match=re.escape("'a\\x00b'")):
        run.log({"a\0b": 1})
    with pytest.raises(ValueError, match=re.escape("'n.a\\x00'")):
        run.log({"n": {"a\0": 1}})
    assert run.step == 0
    run.log({"x": 0})
    run.finish()
    assert_all_steps(run, 1)


def test_a_key_too_long_for_the_store_is_refused(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    with pytest.raises(ValueError, match="longer than"):
        run.log({"k" * 5000: 1})
    run.log({"x": 0})
    run.finish()
    assert_all_steps(run, 1)


def test_reserved_keys_are_dropped_with_a_warning(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="p")
    for i in range(3):
        run.log({"x": i, "_step": 100 + i, "_runtime": -1.0})
    run.finish()
    rows = history(run)
    assert [r["_step"] for r in rows] == [0, 1, 2]
    assert all(r["_runtime"] >= 0 for r in rows)
    err = capsys.readouterr().err
    assert err.count("'_step'") == 1 and err.count("'_runtime'") == 1


def test_a_dotted_key_and_the_same_nested_path_agree(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"a.b": 1, "a": {"b": 2}})
    run.log({"c": {"d": 3}, "c.d": 4})
    run.finish()
    back = stored(run)
    rows = history(run)
    # One rule: of two leaves naming one history key in a row, the later one wins,
    # in history and in the summary alike.
    assert rows[0]["a.b"] == 2 and rows[1]["c.d"] == 4
    assert back.summary["a"] == {"b": 2} and "a.b" not in back.summary.keys()  # noqa: SIM118
    assert back.summary["c.d"] == 4 and "c" not in back.summary.keys()  # noqa: SIM118


# -- nesting -------------------------------------------------------------------------


def test_a_value_nested_too_deep_is_refused_naming_its_path(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"x": 0})
    with pytest.raises(ValueError, match=r"'deep\.k\.k\.k.*' is nested deeper than"):
        run.log({"deep": nested(500)})
    with pytest.raises(ValueError, match="nested deeper than"):
        run.log({"lst": nested(MAX_DEPTH)})
    assert run.step == 1  # refused rows take no step
    run.log({"x": 1, "ok": nested(MAX_DEPTH - 1)})
    with pytest.raises(ValueError, match="nested deeper than"):
        run.config.update({"deep": nested(500)})
    run.finish()
    assert_all_steps(run, 2)
    assert len(runyard.Api().runs("tester/p")) == 1


def test_a_deep_value_in_a_list_or_summary_is_refused(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    deep_list: Any = 1
    for _ in range(500):
        deep_list = [deep_list]
    with pytest.raises(ValueError, match="'l' is nested deeper than"):
        run.log({"l": deep_list})
    with pytest.raises(ValueError, match="nested deeper than"):
        run.summary["s"] = nested(500)
    run.log({"x": 0})
    run.finish()
    assert_all_steps(run, 1)


def test_nan_and_infinities_are_kept(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"x": 0, "v": math.nan, "n": {"v": math.inf}})
    run.log({"x": 1, "v": -math.inf, "n": {"v": 1.0}})
    run.finish()
    rows = history(run)
    assert math.isnan(rows[0]["v"]) and rows[1]["v"] == -math.inf
    assert rows[0]["n.v"] == math.inf


# -- the second line of defence: a batch the store refuses -----------------------------


def test_a_batch_the_store_refuses_does_not_block_the_rest(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = runyard.init(project="p")
    for i in range(5):
        run.log({"x": i})
    # A row log() refuses, journaled as an older SDK (or a check nobody foresaw) would:
    # the store cannot hold its key, so it refuses the batch holding it.
    bad = (Rec.LOG, 5, True, time.time(), 1.0, {"x": 5, "y": 5, "bad\0key": 1})
    run._append(msgpack.packb(bad))
    run._step = 6
    for i in range(6, 20):
        run.log({"x": i})
    journal = run._journal.path
    run.finish()
    assert_all_steps(run, 20)
    assert [r["y"] for r in history(run, ["y"])] == [5]
    assert all("bad\0key" not in row for row in history(run))
    kept = journal.with_name(journal.name + ".refused")
    assert kept.exists() and not journal.exists()
    err = capsys.readouterr().err
    assert err.count(" refused ") == 1 and "'bad\\x00key'" in err and str(kept) in err
    assert "NUL" in err  # the reason: the store's (or server's) own words
    # The next run of this store (journal replay included) is not held up either.
    again = runyard.init(project="p")
    again.log({"x": 0})
    again.finish()
    assert_all_steps(again, 1)


# -- log()'s fast path (a row of plain numbers is packed as it is) ------------------


def test_rows_that_sum_to_something_else_than_a_number_are_checked(ry_dir: Path) -> None:
    """`log()` takes a row whose values sum() to a float or an int for plain numbers;
    arrays, tensors and numpy scalars sum to their own types and must still be
    converted as wandb does, with the same keys logged plain just before (the fast
    test on), and after a row it could not sum (the fast test off)."""
    import numpy as np
    import torch

    run = runyard.init(project="p")
    run.log({"a": 1.0, "b": 2})
    run.log({"a": np.arange(40, dtype=np.float64), "b": 3})  # sums to an array
    run.log({"a": torch.ones(2), "b": 4})  # to a tensor
    run.log({"a": np.float32(0.5), "b": 5})  # to a numpy scalar
    run.log({"a": "text", "b": 6})  # raises in sum(): the fast test is off
    run.log({"a": np.arange(40, dtype=np.float64), "b": 7})
    run.log({"a": 1.5, "b": True})
    run.finish()
    rows = history(run, ["a", "b"])
    assert [r["b"] for r in rows] == [2, 3, 4, 5, 6, 7, True]
    assert rows[0]["a"] == 1.0 and rows[6]["a"] == 1.5
    for i in (1, 5):
        assert rows[i]["a"]["_type"] == "histogram"
        assert sum(rows[i]["a"]["values"]) == 40
    assert rows[2]["a"] == [1.0, 1.0]
    assert rows[3]["a"] == 0.5 and rows[4]["a"] == "text"
