"""FLOPs counted for known models (compared with hand counts in test_flops.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from tests.integration.keras.scenarios import error_of


def models() -> dict[str, Any]:
    layers = keras.layers
    dense = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(8, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(3, activation="softmax"),
        ]
    )
    inp = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same")(inp)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.DepthwiseConv2D(3, use_bias=False)(x)
    x = layers.GlobalAveragePooling2D()(x)
    conv = keras.Model(inp, layers.Dense(2)(x))
    seq = keras.Input((5, 8))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(seq, seq)
    added = layers.Add()([seq, attended])
    attention = keras.Model(seq, layers.LayerNormalization()(added))
    outer_in = keras.Input((4,))
    nested = keras.Model(outer_in, layers.Dense(2, use_bias=False)(dense(outer_in)))
    return {"dense": dense, "conv": conv, "attention": attention, "nested": nested}


class Subclassed(keras.Model):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x: Any) -> Any:
        return self.dense(x)


def run(where: Path) -> dict[str, Any]:
    from runyard.integration.keras.flops import count_flops, get_flops

    built = models()
    out: dict[str, Any] = {name: count_flops(model) for name, model in built.items()}
    out["gflops_dense"] = get_flops(built["dense"])
    subclassed = Subclassed()
    subclassed(keras.ops.zeros((1, 3)))
    out["subclassed"] = error_of(lambda: count_flops(subclassed))
    variable = keras.Sequential([keras.Input((None, 4)), keras.layers.Dense(2)])
    out["variable"] = error_of(lambda: count_flops(variable))
    lstm = keras.Sequential([keras.Input((3, 4)), keras.layers.LSTM(2)])
    out["lstm"] = count_flops(lstm)
    return out
