"""``watch`` / ``unwatch``: wandb's gradient and parameter histograms of torch models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import runyard

torch = pytest.importorskip("torch")


def _model() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))


def _train(model: Any, steps: int) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        runyard.log({"loss": loss.item()})


def _history(run_id: str) -> list[dict[str, Any]]:
    return list(runyard.Api().run(f"watch/{run_id}").scan_history())


NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_watch_all_logs_wandb_keys_every_log_freq(ry_dir: Path) -> None:
    model = _model()
    run = runyard.init(project="watch")
    runyard.watch(model, log="all", log_freq=2)
    _train(model, 5)
    run.finish()
    rows = _history(run.id)
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4]
    for row in rows:
        logged = {k for k in row if k.startswith(("gradients/", "parameters/"))}
        expected = {f"{kind}/{n}" for kind in ("gradients", "parameters") for n in NAMES}
        # wandb's log_track: the log_freq-th call, then every log_freq calls
        assert logged == (expected if row["_step"] in (1, 3) else set()), row["_step"]
    hist = rows[1]["parameters/0.weight"]
    assert hist["_type"] == "histogram"
    assert len(hist["values"]) == 64 and len(hist["bins"]) == 65
    assert sum(hist["values"]) == 12  # 4x3 weights, all finite
    assert hist["bins"][0] == pytest.approx(model[0].weight.min().item(), abs=0.5)


def test_watch_default_logs_gradients_only_and_unwatch_stops(ry_dir: Path) -> None:
    model = _model()
    run = runyard.init(project="watch")
    run.watch(model, log_freq=1)
    _train(model, 2)
    runyard.unwatch(model)
    _train(model, 2)
    run.finish()
    rows = _history(run.id)
    keys = [sorted(k for k in r if "/" in k) for r in rows]
    assert keys[:2] == [[f"gradients/{n}" for n in sorted(NAMES)]] * 2
    assert keys[2:] == [[], []]


def test_second_model_gets_wandb_graph_prefix(ry_dir: Path) -> None:
    first, second = _model(), _model()
    run = runyard.init(project="watch")
    run.watch([first, second], log="parameters", log_freq=1, idx=0)
    first(torch.randn(1, 4))
    second(torch.randn(1, 4))
    runyard.log({"x": 1})
    run.finish()
    row = _history(run.id)[0]
    assert "parameters/0.weight" in row and "parameters/graph_10.weight" in row
    runyard.unwatch()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"log": "weights"}, "invalid value for log 'weights'"),
        ({"log_freq": 0}, "invalid value for log_freq 0"),
    ],
)
def test_bad_arguments_name_the_value(ry_dir: Path, kwargs: dict[str, Any], message: str) -> None:
    run = runyard.init(project="watch")
    with pytest.raises(ValueError, match=message):
        run.watch(_model(), **kwargs)
    with pytest.raises(ValueError, match=r"torch\.nn\.Module models, got str"):
        run.watch("model")
    run.finish()


def test_hooks_of_a_finished_run_do_not_break_training(ry_dir: Path) -> None:
    model = _model()
    run = runyard.init(project="watch")
    run.watch(model, log="all", log_freq=1)
    run.finish()
    model(torch.randn(2, 4)).sum().backward()  # nothing raised, nothing logged
    runyard.unwatch()


def test_nan_and_constant_tensors(ry_dir: Path) -> None:
    from runyard.sdk.watch import _tensor_histogram

    hist = _tensor_histogram(torch.tensor([1.0, float("nan"), 3.0, float("inf")]))
    assert sum(hist.histogram) == 2 and hist.bins[0] == 1.0 and hist.bins[-1] == 3.0
    flat = _tensor_histogram(torch.zeros(5))
    assert sum(flat.histogram) == 5 and flat.bins[0] == -1.0 and flat.bins[-1] == 1.0
    assert _tensor_histogram(torch.tensor([float("nan")])) is None


def _train_in_child(attach_id: str, model: Any) -> None:
    runyard._attach(attach_id)
    _train(model, 2)


def test_a_watched_model_sent_to_a_spawned_child_logs_there(ry_dir: Path) -> None:
    """ddp_spawn pickles the watched model into its workers: the hooks travel with it
    (torch drops the gradient hooks; they are added again there) and log into the run
    the child attached to. wandb's lambdas make this a pickling error (wandb#5573)."""
    import multiprocessing

    model = _model()
    run = runyard.init(project="watch")
    runyard.watch(model, log="all", log_freq=1)
    child = multiprocessing.get_context("spawn").Process(
        target=_train_in_child, args=(run._attach_id, model)
    )
    child.start()
    child.join(120)
    assert child.exitcode == 0
    run.finish()
    rows = _history(run.id)
    assert len(rows) == 2
    expected = {f"{kind}/{n}" for kind in ("gradients", "parameters") for n in NAMES}
    for row in rows:
        assert {k for k in row if k.startswith(("gradients/", "parameters/"))} == expected
