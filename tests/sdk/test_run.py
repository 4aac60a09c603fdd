"""The live run: log rules, summary, config, metadata and errors, read back from the store."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runyard
from runyard.errors import ConfigError, Error, UsageError


def stored(run: Any) -> Any:
    return runyard.Api().run(run.path)


def history(run: Any, keys: list[str] | None = None) -> list[dict[str, Any]]:
    return list(stored(run).scan_history(keys=keys))


def test_log_rows_get_step_timestamp_runtime(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    before = __import__("time").time()
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1), "epoch": i})
    run.finish()
    rows = history(run)
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["epoch"] for r in rows] == [0, 1, 2, 3, 4]
    assert all(before <= r["_timestamp"] <= before + 60 for r in rows)
    runtimes = [r["_runtime"] for r in rows]
    assert runtimes == sorted(runtimes) and runtimes[0] >= 0
    assert isinstance(rows[0]["epoch"], int)


def test_step_and_commit_merging_follows_wandb(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"x": 1}, step=10)
    run.log({"y": 2}, step=10)
    run.log({"w": 3}, commit=False)
    run.log({"w2": 4})
    assert run.step == 11
    run.log({"after": 5})
    run.log({"gap": 6}, step=20)
    run.log({"next": 7}, step=21)  # moving on commits step 20
    run.finish()  # finish commits the open row 21
    rows = history(run)
    assert rows[0] == {"x": 1, "y": 2, "w": 3, "w2": 4, "_step": 10, **_meta(rows[0])}
    assert [r["_step"] for r in rows] == [10, 11, 20, 21]
    assert rows[1]["after"] == 5 and rows[2]["gap"] == 6 and rows[3]["next"] == 7


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    return {"_timestamp": row["_timestamp"], "_runtime": row["_runtime"]}


def test_lower_step_is_warned_and_dropped(ry_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = runyard.init(project="p")
    run.log({"a": 1}, step=10, commit=True)
    run.log({"a": 2}, step=5)
    run.finish()
    assert "Tried to log to step 5 that is less than the current step 11" in capsys.readouterr().err
    assert [r["a"] for r in history(run)] == [1]


def test_summary_is_last_value_nested_and_dict_like(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"loss": 0.5, "n": {"p": 1}})
    run.log({"loss": 0.25, "n": {"q": 2}, "none": None})
    assert run.summary["loss"] == 0.25
    assert run.summary["n"] == {"p": 1, "q": 2}
    assert "loss" in run.summary and "none" not in run.summary
    assert {"loss", "n", "_step", "_runtime", "_timestamp"} <= set(run.summary)
    run.summary["best"] = 0.1
    run.summary["n"]["r"] = 3
    assert run.summary.get("missing", 7) == 7
    assert dict(run.summary.items())["best"] == 0.1
    del run.summary["best"]
    assert "best" not in run.summary
    with pytest.raises(KeyError):
        run.summary["nope"]
    run.finish()
    summary = stored(run).summary
    assert summary["loss"] == 0.25 and summary["n"] == {"p": 1, "q": 2, "r": 3}
    assert "best" not in summary


def test_explicit_summary_wins_until_logged_again(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"acc": 0.5})
    run.summary["acc"] = 0.9
    assert run.summary["acc"] == 0.9
    run.log({"acc": 0.6})
    assert run.summary["acc"] == 0.6
    run.finish()


def test_nan_and_inf_round_trip(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"v": float("nan")})
    run.log({"v": float("inf")})
    run.log({"v": float("-inf")})
    run.summary["s"] = float("nan")
    run.finish()
    values = [r["v"] for r in history(run)]
    assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf]
    summary = stored(run).summary
    assert summary["v"] == -math.inf and math.isnan(summary["s"])


def test_values_of_every_kind(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log(
        {
            "f32": np.float32(0.5),
            "i64": np.int64(3),
            "small": np.arange(4.0),
            "big": np.arange(100.0),
            "text": "hello",
            "flag": True,
            "lst": [1, 2, 3],
            "huge": 2**70,
            "raw": b"bytes",
            "hist": runyard.Histogram([1, 2, 3], num_bins=4),
        }
    )
    run.finish()
    (row,) = history(run)
    assert row["f32"] == 0.5 and row["i64"] == 3 and isinstance(row["i64"], int)
    assert row["small"] == [0.0, 1.0, 2.0, 3.0]
    assert row["big"]["_type"] == "histogram" and len(row["big"]["values"]) == 32
    assert len(row["big"]["bins"]) == 33 and sum(row["big"]["values"]) == 100
    assert row["text"] == "hello" and row["flag"] is True and row["lst"] == [1, 2, 3]
    assert row["huge"] == float(2**70)
    assert row["raw"] == "bytes"
    assert row["hist"]["_type"] == "histogram" and len(row["hist"]["values"]) == 4


def test_torch_tensors_are_logged_like_numpy(ry_dir: Path) -> None:
    torch = pytest.importorskip("torch")
    run = runyard.init(project="p")
    run.log({"t_small": torch.arange(3.0), "t_big": torch.ones(50), "t0": torch.tensor(2.5)})
    run.summary["weights"] = torch.arange(64.0)
    run.finish()
    (row,) = history(run)
    assert row["t_small"] == [0.0, 1.0, 2.0] and row["t0"] == 2.5
    assert row["t_big"]["_type"] == "histogram"
    stats = stored(run).summary["weights"]
    assert stats["_type"] == "torch.Tensor" and stats["size"] == 64


def test_summary_tensor_is_stored_whole_with_stats(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    array = np.arange(100.0).reshape(10, 10)
    run.summary["tensor"] = array
    run.summary["short"] = np.arange(3)
    run.finish()
    summary = stored(run).summary
    stats = summary["tensor"]
    assert stats["_type"] == "numpy.ndarray" and stats["shape"] == [10, 10]
    assert stats["size"] == 100 and stats["min"] == 0.0 and stats["max"] == 99.0
    assert stats["25%"] == 24.75 and stats["95%"] == pytest.approx(94.05)
    assert {"mean", "var", "std", "5%", "10%", "50%", "75%", "90%", "dtype"} <= set(stats)
    loaded = np.load(ry_dir / "blobs" / stats["path"])
    np.testing.assert_array_equal(loaded, array)
    assert summary["short"] == [0, 1, 2]


def test_config_rules(ry_dir: Path) -> None:
    run = runyard.init(project="p", config={"lr": 0.1, "layers": [1, 2], "opt": {"name": "adam"}})
    assert run.config.lr == 0.1 and run.config["layers"] == [1, 2]
    run.config.batch = 32
    run.config["epochs"] = 3
    run.config.update({"lr": 0.1})  # same value: fine
    with pytest.raises(
        ConfigError, match=re.escape('Attempted to change value of key "lr" from 0.1 to 0.2')
    ):
        run.config.update({"lr": 0.2})
    with pytest.raises(ConfigError, match="allow_val_change=True"):
        run.config.lr = 0.3
    run.config.update({"lr": 0.2}, allow_val_change=True)
    assert "batch" in run.config and sorted(run.config.keys())[0] == "batch"
    run.finish()
    assert stored(run).config == {
        "lr": 0.2,
        "layers": [1, 2],
        "opt": {"name": "adam"},
        "batch": 32,
        "epochs": 3,
    }


def test_config_include_exclude_and_namespace(ry_dir: Path) -> None:
    import argparse

    ns = argparse.Namespace(a=1, b=2, c=3)
    run = runyard.init(project="p", config=ns, config_exclude_keys=["b"])
    run.finish()
    assert stored(run).config == {"a": 1, "c": 3}
    run = runyard.init(project="p", config={"a": 1, "b": 2}, config_include_keys=["b"])
    run.finish()
    assert stored(run).config == {"b": 2}


def test_metadata_is_stored(ry_dir: Path) -> None:
    run = runyard.init(
        project="p", name="first", tags=["a", "b"], notes="n", group="g", job_type="train"
    )
    run.name = "renamed"
    run.tags = (*run.tags, "c")
    run.finish()
    api_run = stored(run)
    record = api_run.record
    assert api_run.name == "renamed" and api_run.tags == ["a", "b", "c"]
    assert (record.notes, record.group, record.job_type) == ("n", "g", "train")
    assert record.host and record.state == "finished" and record.exit_code == 0
    assert run.path == f"tester/p/{run.id}" and len(run.id) == 8


def test_states_on_finish_and_context_manager(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.finish(exit_code=3)
    assert stored(run).state == "failed" and stored(run).record.exit_code == 3
    run2 = runyard.init(project="p", reinit="create_new")

    def fail_inside() -> None:
        with run2:
            run2.log({"a": 1})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert stored(run2).state == "failed" and stored(run2).record.exit_code == 1
    with runyard.init(project="p") as run3:
        run3.log({"a": 1})
    assert stored(run3).state == "finished"


def test_finished_run_rejects_calls(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.finish()
    with pytest.raises(
        UsageError, match=r"Run \(.*\) is finished. The call to `log` will be ignored"
    ):
        run.log({"a": 1})
    with pytest.raises(UsageError, match="is finished"):
        run.summary["x"] = 1
    run.finish()  # a second finish is a no-op


def test_log_argument_errors(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    with pytest.raises(TypeError, match=re.escape("wandb.log must be passed a dictionary")):
        run.log([1, 2])  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match=re.escape("Key values passed to `wandb.log` must be strings.")
    ):
        run.log({1: 2})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=re.escape("step must be an int, got 1.5")):
        run.log({"a": 1}, step=1.5)  # type: ignore[arg-type]
    run.log({"a": 1})
    run.finish()
    assert len(history(run)) == 1


def test_module_level_functions(ry_dir: Path) -> None:
    assert runyard.run is None
    with pytest.raises(Error, match=r"You must call wandb.init\(\) before wandb.log\(\)"):
        runyard.log({"a": 1})
    with pytest.raises(Error, match=r"You must call wandb.init\(\) before wandb.config"):
        runyard.config.update({"a": 1})
    with pytest.raises(Error, match=r"before wandb.summary"):
        runyard.summary["a"] = 1
    run = runyard.init(project="p")
    assert runyard.run is run
    runyard.log({"a": 1})
    runyard.config.update({"lr": 1})
    runyard.summary["s"] = 2
    runyard.define_metric("a", summary="max")
    runyard.finish()
    assert runyard.run is None
    assert stored(run).summary["a"] == {"max": 1} and stored(run).config == {"lr": 1}


def test_reinit(ry_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = runyard.init(project="p")
    assert runyard.init(project="p") is first
    assert "returning the previous run" in capsys.readouterr().err
    other = runyard.init(project="p", reinit="create_new")
    assert other is not first and runyard.run is first
    second = runyard.init(project="p", reinit="finish_previous")
    assert runyard.run is second and stored(first).state == "finished"
    assert stored(other).state == "finished"
    second.finish()
    with pytest.raises(ValueError, match="invalid value for reinit: 'sometimes'"):
        runyard.init(project="p", reinit="sometimes")


def test_init_argument_errors(ry_dir: Path) -> None:
    for bad in ["a:b", "a/b", "a#b", "a?b", "a;b", "a,b", "a'b"]:
        with pytest.raises(UsageError, match="Run ID cannot contain the characters"):
            runyard.init(project="p", id=bad)
    for bad in ["", "  ", " x"]:
        with pytest.raises(UsageError, match="Run ID"):
            runyard.init(project="p", id=bad)
    with pytest.raises(ValueError, match="invalid mode 'fast'"):
        runyard.init(project="p", mode="fast")
    with pytest.raises(ValueError, match="invalid value for resume: 'maybe'"):
        runyard.init(project="p", resume="maybe")
    with pytest.raises(UsageError, match="Invalid project name 'a/b'"):
        runyard.init(project="a/b")
    with pytest.raises(ValueError, match="tag"):
        runyard.init(project="p", tags=["x" * 65])
    with pytest.raises(TypeError, match="unknown setting"):
        runyard.init(project="p", settings={"bogus": 1})


def test_disabled_mode_is_a_cheap_no_op(ry_dir: Path) -> None:
    run = runyard.init(project="p", mode="disabled", config={"a": 1})
    run.log({"loss": 1})
    run.define_metric("loss", summary="min")
    run.summary["x"] = 1
    run.config.update({"b": 2})
    run.finish()
    assert run.config.a == 1 and run.disabled
    assert not (ry_dir / "runyard.db").exists()
    with runyard.init(mode="disabled") as other:
        other.log({"a": 1})
        other.anything_else(1, 2)


def test_define_metric_errors_use_wandb_messages(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    with pytest.raises(Error, match="define_metric\\(\\) requires non-empty name argument"):
        run.define_metric("")
    with pytest.raises(Error, match="Unhandled define_metric\\(\\) arg: step_metric type: int"):
        run.define_metric("a", step_metric=3)  # type: ignore[arg-type]
    with pytest.raises(Error, match="summary op: median"):
        run.define_metric("a", summary="median")
    with pytest.raises(Error, match="best"):
        run.define_metric("a", summary="best")
    run.finish()


def test_define_metric_summaries_and_globs(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.log({"loss": 5.0})  # before define: still counted by mean
    run.define_metric("loss", summary="min,max,mean,first,last")
    run.define_metric("train/*", summary="max")
    run.define_metric("*/acc", summary="min")
    run.define_metric("hidden_one", hidden=True, summary="none")
    for value in [1.0, 3.0]:
        run.log({"loss": value, "train/x": value, "val/acc": value, "hidden_one": value})
    run.finish()
    summary = stored(run).summary
    assert summary["loss"] == {"min": 1.0, "max": 5.0, "mean": 3.0, "first": 5.0, "last": 3.0}
    assert summary["train/x"] == {"max": 3.0}
    assert summary["val/acc"] == {"min": 1.0}
    assert "hidden_one" not in summary
    metrics = stored(run).record.metrics
    assert any(m["name"] == "hidden_one" and m["hidden"] for m in metrics)


def test_best_with_goal_snapshots_the_best_step(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.define_metric("val_loss", summary="best,last", objective="minimize")
    losses = [0.9, 0.4, 0.2, 0.6]
    for i, value in enumerate(losses):
        run.log({"val_loss": value, "acc": i / 10, "epoch": i})
    run.finish()
    summary = stored(run).summary
    assert summary["val_loss"] == {"best": 0.2, "last": 0.6}
    best = summary["_best"]["val_loss"]
    assert best["_step"] == 2 and best["value"] == 0.2
    assert best["metrics"]["acc"] == 0.2 and best["metrics"]["epoch"] == 2


def test_step_metric_sync_inserts_latest_value(ry_dir: Path) -> None:
    run = runyard.init(project="p")
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    run.log({"val/loss": 1.0})  # before any epoch: wandb fills 0
    run.log({"epoch": 3})
    run.log({"val/loss": 0.5})
    run.finish()
    rows = history(run, keys=["val/loss", "epoch"])
    assert [(r["epoch"], r["val/loss"]) for r in rows] == [(0, 1.0), (3, 0.5)]
    metrics = {m["name"]: m for m in stored(run).record.metrics}
    assert metrics["val/*"]["step_metric"] == "epoch"


def test_disabled_mode_sets_runyard_run_until_finish(ry_dir: Path) -> None:
    # wandb sets wandb.run in disabled mode too, so integrations (Keras callbacks)
    # created afterwards find a run instead of raising "call wandb.init() first".
    run = runyard.init(project="p", mode="disabled")
    assert runyard.run is run
    runyard.log({"loss": 1.0})
    runyard.finish()
    assert runyard.run is None
    with runyard.init(mode="disabled") as other:
        assert runyard.run is other
    assert runyard.run is None
