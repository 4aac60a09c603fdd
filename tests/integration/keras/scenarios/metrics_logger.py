"""WandbMetricsLogger per epoch and per N batches, with a learning-rate schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

import runyard as wandb
from tests.integration.keras.scenarios import data, error_of


def run(where: Path) -> dict[str, Any]:
    from runyard.integration.keras import WandbMetricsLogger

    out: dict[str, Any] = {"before_init": error_of(WandbMetricsLogger)}
    x, y = data(40)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss="mse")
    run = wandb.init(project="keras", name="metrics-batch")
    out["bad_freq"] = error_of(lambda: WandbMetricsLogger(log_freq="sometimes"))
    history = model.fit(
        x, y, epochs=2, batch_size=10, verbose=0, callbacks=[WandbMetricsLogger(log_freq=2)]
    )
    run.finish()
    out["batch"] = {"path": run.path, "history": history.history}
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    run = wandb.init(project="keras", name="metrics-epoch")
    history = model.fit(x, y, epochs=3, batch_size=20, verbose=0, callbacks=[WandbMetricsLogger()])
    run.finish()
    out["epoch"] = {"path": run.path, "history": history.history}
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss="mse")
    run = wandb.init(project="keras", name="metrics-resumed")
    callback = WandbMetricsLogger(log_freq=2, initial_global_step=10)
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[callback])
    run.finish()
    out["resumed"] = {"path": run.path}
    return out
