"""wandb's shapes → Runyard's: history lines as columns (flat lines take a fast path;
nested ones become dotted keys, media payloads stay one value)."""

from __future__ import annotations

from runyard.server.wandb.translate import history_columns


def test_history_lines_become_columns_at_their_own_steps() -> None:
    image = {"_type": "image-file", "path": "media/images/a.png"}
    lines = [
        {"_step": 0, "loss": 1.0, "_runtime": 0.1},
        {"_step": 5.0, "train": {"acc": 0.5, "deep": {"x": 1}}, "img": image},
        {"_step": "7", "loss": 9.0},  # no integer step: skipped
        {"_step": 9, "loss": 0.5, "empty": {}},
    ]
    assert history_columns(lines) == {
        "loss": ([0, 9], [1.0, 0.5]),
        "_runtime": ([0], [0.1]),
        "train.acc": ([5], [0.5]),
        "train.deep.x": ([5], [1]),
        "img": ([5], [image]),
        "empty": ([9], [{}]),
    }
