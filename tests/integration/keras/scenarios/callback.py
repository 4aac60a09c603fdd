"""WandbCallback: the seed's example, best epoch, best model, resume, batches, FLOPs, evaluation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import keras

import runyard as wandb
from tests.integration.keras.scenarios import data, error_of, small_model


class Record(keras.callbacks.Callback):
    """Placed after WandbCallback: what the model predicted and what the callback held."""

    def __init__(self, x: Any, watched: Any = None) -> None:
        super().__init__()
        self.x = x
        self.watched = watched
        self.predictions: list[Any] = []
        self.best: list[float] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.predictions.append(self.model.predict(self.x, verbose=0))
        if self.watched is not None:
            self.best.append(self.watched.best)


class Inject(keras.callbacks.Callback):
    """Placed before WandbCallback: adds a metric with chosen values to Keras' logs."""

    def __init__(self, values: list[float]) -> None:
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs["score"] = self.values[epoch]


def download(run_path: str, name: str, where: Path) -> str:
    wandb.Api().run(run_path).file(name).download(where, replace=True).close()
    return str(where / name)


def errors() -> dict[str, Any]:
    from runyard.integration.keras import WandbCallback

    out = {"before_init": error_of(WandbCallback)}
    run = wandb.init(project="keras", name="errors")
    out["gradients"] = error_of(lambda: WandbCallback(log_gradients=True))
    out["mode"] = error_of(lambda: WandbCallback(mode="minimum"))
    out["kwarg"] = error_of(lambda: WandbCallback(colour="red"))
    out["frequency"] = error_of(lambda: WandbCallback(log_batch_frequency=0))
    out["input_type"] = error_of(lambda: WandbCallback(input_type="video"))
    aliased = WandbCallback(data_type="image", output_row_processor=len)
    out["aliases"] = [aliased.input_type, aliased.prediction_row_processor is len]
    run.finish()
    return out


def seed_example(where: Path) -> dict[str, Any]:
    """The seed's example, unchanged apart from the data and the epochs."""
    from runyard.integration.keras import WandbCallback

    X_train, y_train = data(64)
    X_test, y_test = data(32, seed=1)
    model = small_model()
    run = wandb.init(project="keras", name="seed")
    record = Record(X_test)
    history = model.fit(
        X_train,
        y_train,
        validation_data=(X_test, y_test),
        callbacks=[WandbCallback(), record],
        epochs=4,
        batch_size=16,
        verbose=0,
    )
    run.finish()
    reloaded = keras.saving.load_model(download(run.path, "model-best.keras", where))
    return {
        "path": run.path,
        "history": history.history,
        "predictions": record.predictions,
        "reloaded": reloaded.predict(X_test, verbose=0),
    }


def seed_document() -> dict[str, Any]:
    """The seed document's snippet, read from the document and run as it is printed."""
    seeds = Path(__file__).resolve().parents[5] / "shared" / "seeds"
    (document,) = seeds.glob("003_*.txt")
    blocks = re.findall(r"```python\n(.*?)```", document.read_text(encoding="utf-8"), re.S)
    (snippet,) = [block for block in blocks if "model.fit" in block]
    X_train, y_train = data(32)
    X_test, y_test = data(16, seed=1)
    run = wandb.init(project="keras", name="seed-document")
    exec(
        "from runyard.integration.keras import WandbCallback\n" + snippet,
        {"model": small_model(), "X_train": X_train, "y_train": y_train}
        | {"X_test": X_test, "y_test": y_test},
    )
    run.finish()
    return {"path": run.path, "snippet": snippet}


def zero_and_resume() -> dict[str, Any]:
    """A best value of exactly 0, then a resumed run continuing from the stored best."""
    from runyard.integration.keras import WandbCallback

    x, y = data(32)
    model = small_model()
    run = wandb.init(project="keras", id="resumed")
    callback = WandbCallback(monitor="score", mode="min", save_model=False)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[Inject([0.5, 0.0, 0.2]), callback])
    run.finish()
    run = wandb.init(project="keras", id="resumed", resume="must")
    callback = WandbCallback(monitor="score", mode="min", save_model=False)
    initial = callback.best
    record = Record(x, callback)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[Inject([0.1, -0.5]), callback, record])
    run.finish()
    return {"path": run.path, "initial": initial, "best": record.best}


def weights_batches_flops(where: Path) -> dict[str, Any]:
    """save_weights_only, mode max on val_accuracy, log_batch_frequency, compute_flops."""
    from runyard.integration.keras import WandbCallback

    x, y = data(64)
    xv, yv = data(32, seed=1)
    model = small_model()
    run = wandb.init(project="keras", name="weights")
    record = Record(xv)
    callback = WandbCallback(
        monitor="val_accuracy",
        verbose=1,
        save_weights_only=True,
        log_batch_frequency=3,
        compute_flops=True,
        save_graph=False,
    )
    history = model.fit(
        x,
        y,
        validation_data=(xv, yv),
        epochs=3,
        batch_size=16,
        verbose=0,
        callbacks=[callback, record],
    )
    run.finish()
    fresh = small_model()
    fresh.load_weights(download(run.path, "model-best.weights.h5", where))
    return {
        "path": run.path,
        "history": history.history,
        "predictions": record.predictions,
        "reloaded": fresh.predict(xv, verbose=0),
        "goal": callback._monitor.goal,
    }


def evaluation() -> dict[str, Any]:
    """log_evaluation at every epoch and at train end, with labels and processors."""
    from runyard.integration.keras import WandbCallback

    x, y = data(32)
    xv, yv = data(6, seed=1)
    out: dict[str, Any] = {}
    for frequency in (0, 2):
        model = small_model()
        run = wandb.init(project="keras", name=f"evaluation-{frequency}")
        model.fit(
            x,
            y,
            epochs=3,
            verbose=0,
            callbacks=[
                WandbCallback(
                    validation_data=(xv, yv),
                    log_evaluation=True,
                    log_evaluation_frequency=frequency,
                    labels=["negative", "positive"],
                    save_model=False,
                )
            ],
        )
        out[f"path_{frequency}"] = run.path
        out[f"final_{frequency}"] = model.predict(xv, verbose=0)
        run.finish()
    model = small_model()
    run = wandb.init(project="keras", name="evaluation-indexes")
    model.fit(
        x,
        y,
        epochs=1,
        verbose=0,
        callbacks=[
            WandbCallback(
                validation_data=(xv, yv),
                log_evaluation=True,
                validation_indexes=[10, 11, 12, 13, 14, 15],
                prediction_row_processor=lambda ndx, row: {"p": float(row["output"][0])},
                infer_missing_processors=False,
                save_model=False,
            )
        ],
    )
    out["path_indexes"] = run.path
    out["final_indexes"] = model.predict(xv, verbose=0)
    run.finish()

    def batches() -> Any:
        while True:
            yield xv[:4], yv[:4]
            yield xv[4:], yv[4:]

    for steps in (2, None):
        model = small_model()
        run = wandb.init(project="keras", name=f"evaluation-generator-{steps}")
        callback = WandbCallback(
            generator=batches(), validation_steps=steps, log_evaluation=True, save_model=False
        )
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
        out[f"path_generator_{steps}"] = run.path
        out[f"final_generator_{steps}"] = model.predict(xv, verbose=0)
        run.finish()
    return out


def run(where: Path) -> dict[str, Any]:
    return {
        "errors": errors(),
        "seed": seed_example(where),
        "seed_document": seed_document(),
        "resume": zero_and_resume(),
        "weights": weights_batches_flops(where),
        "evaluation": evaluation(),
    }
