"""Checkpoints as ``model`` artifact versions, with WandbLogger's names, aliases and metadata."""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.integration.lightning.checkpoints import checkpoint_metadata, log_checkpoints

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

from lightning.pytorch.callbacks import ModelCheckpoint  # noqa: E402


def _callback(tmp_path: Path, scores: dict[str, float], best: str) -> Any:
    """A real ModelCheckpoint in the state training leaves it: files and best-k scores."""
    callback = ModelCheckpoint(dirpath=tmp_path, monitor="val/loss", save_top_k=2)
    for name, score in scores.items():
        (tmp_path / name).write_bytes(name.encode())
        callback.best_k_models[str(tmp_path / name)] = torch.tensor(score)
    callback.best_model_path = str(tmp_path / best)
    callback.best_model_score = torch.tensor(scores[best])
    return callback


def test_metadata_names_the_callback_class_through_lightnings_proxy(tmp_path: Path) -> None:
    callback = _callback(tmp_path, {"a.ckpt": 0.5}, "a.ckpt")
    meta = checkpoint_metadata(
        weakref.proxy(callback), "/x/epoch=1-step=8.ckpt", torch.tensor(0.25)
    )
    assert meta == {
        "score": 0.25,
        "original_filename": "epoch=1-step=8.ckpt",
        "ModelCheckpoint": {
            "monitor": "val/loss",
            "mode": "min",
            "save_last": None,
            "save_top_k": 2,
            "save_weights_only": False,
            "_every_n_train_steps": 0,
        },
    }
    assert isinstance(meta["score"], float)


def _logged(run_id: str) -> list[Any]:
    artifacts = runyard.Api().run(f"ckpt/{run_id}").logged_artifacts()
    return sorted(artifacts, key=lambda a: int(a.version[1:]))


def _content(artifact: Any, root: Path) -> bytes:
    return (Path(artifact.download(root=str(root / artifact.version))) / "model.ckpt").read_bytes()


def test_new_checkpoints_become_versions_once_best_gets_the_alias(
    ry_dir: Path, tmp_path: Path
) -> None:
    callback = _callback(tmp_path, {"a.ckpt": 0.5, "b.ckpt": 0.25}, "b.ckpt")
    os.utime(tmp_path / "a.ckpt", (1_000, 1_000))  # a is older: logged first
    run = runyard.init(project="ckpt")
    logged: dict[str, float] = {}
    log_checkpoints(run, weakref.proxy(callback), logged, "model-x", "mutable")
    log_checkpoints(run, weakref.proxy(callback), logged, "model-x", "mutable")  # nothing new
    # Lightning rewrites last.ckpt in place: same name, newer, logged again
    (tmp_path / "a.ckpt").write_bytes(b"rewritten")
    log_checkpoints(run, weakref.proxy(callback), logged, "model-x", "mutable")
    run.finish()
    versions = _logged(run.id)
    got = [
        (a.version, a.metadata["original_filename"], a.metadata["score"], set(a.aliases))
        for a in versions
    ]
    assert got == [
        ("v0", "a.ckpt", 0.5, set()),
        ("v1", "b.ckpt", 0.25, {"best"}),
        ("v2", "a.ckpt", 0.5, {"latest"}),
    ]
    assert all(a.type == "model" and a.name.startswith("model-x:") for a in versions)
    # each version holds the content of its moment, not the rewritten file
    assert [_content(a, tmp_path / "read") for a in versions] == [
        b"a.ckpt",
        b"b.ckpt",
        b"rewritten",
    ]


def test_immutable_policy_reads_the_file_where_it_is(ry_dir: Path, tmp_path: Path) -> None:
    callback = _callback(tmp_path, {"a.ckpt": 0.5}, "a.ckpt")
    run = runyard.init(project="ckpt")
    log_checkpoints(run, callback, {}, "model-y", "immutable")
    run.finish()
    (artifact,) = _logged(run.id)
    assert set(artifact.aliases) == {"latest", "best"}
    assert _content(artifact, tmp_path / "read") == b"a.ckpt"
