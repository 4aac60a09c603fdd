"""WandbModelCheckpoint: every epoch, best only, every N batches, weights only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import runyard as wandb
from tests.integration.keras.scenarios import data, error_of, small_model


def run(where: Path) -> dict[str, Any]:
    from runyard.integration.keras import WandbModelCheckpoint

    out: dict[str, Any] = {"before_init": error_of(lambda: WandbModelCheckpoint("m.keras"))}
    x, y = data(40)
    xv, yv = data(20, seed=1)
    model = small_model()
    run = wandb.init(project="keras", name="checkpoints")
    callbacks = [
        WandbModelCheckpoint(where / "every-{epoch:02d}.keras"),
        WandbModelCheckpoint(
            where / "best.weights.h5", save_best_only=True, save_weights_only=True
        ),
        WandbModelCheckpoint(where / "batch-{epoch}-{batch}.keras", save_freq=3),
    ]
    history = model.fit(
        x, y, validation_data=(xv, yv), epochs=2, batch_size=10, verbose=0, callbacks=callbacks
    )
    run.finish()
    out["path"] = run.path
    out["history"] = history.history
    out["on_disk"] = {p.name: p.read_bytes().hex() for p in where.iterdir() if p.is_file()}
    return out
