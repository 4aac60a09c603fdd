"""A WandbEvalCallback subclass as in wandb's documentation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import runyard as wandb
from tests.integration.keras.scenarios import data, error_of, small_model


def run(where: Path) -> dict[str, Any]:
    from runyard.integration.keras import WandbEvalCallback

    x, y = data(32)
    xv, yv = data(5, seed=1)
    predictions: list[Any] = []

    class Predictions(WandbEvalCallback):  # type: ignore[misc]
        def add_ground_truth(self, logs: Any = None) -> None:
            for i, (features, label) in enumerate(zip(xv, yv, strict=True)):
                self.data_table.add_data(i, features.tolist(), int(label[0]))

        def add_model_predictions(self, epoch: int, logs: Any = None) -> None:
            scores = self.model.predict(xv, verbose=0)[:, 0]
            predictions.append(scores)
            for row, score in zip(self.data_table_ref.data, scores, strict=True):
                self.pred_table.add_data(epoch, row[0], row[2], float(score))

    out: dict[str, Any] = {"before_init": error_of(lambda: Predictions(["a"], ["b"]))}
    model = small_model()
    run = wandb.init(project="keras", name="eval-callback")
    callback = Predictions(["idx", "features", "label"], ["epoch", "idx", "label", "score"])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    run.finish()
    out.update(path=run.path, labels=yv[:, 0].astype(int), predictions=np.asarray(predictions))
    return out
