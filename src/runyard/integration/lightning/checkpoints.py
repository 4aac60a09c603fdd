"""Lightning checkpoints logged as ``model`` artifacts, as Lightning's ``WandbLogger`` does.

Each checkpoint file the ``ModelCheckpoint`` callback keeps (last, best, best-k) that was
not logged yet (or changed since: same file name, newer mtime) becomes a new version of
the artifact ``checkpoint_name`` (``model-<run id>``), holding one file ``model.ckpt``,
aliased ``latest`` and, for the callback's best model, ``best``; its metadata holds the
monitored ``score``, the ``original_filename`` and the callback's settings. With the
``mutable`` policy ``add_file`` captures the file as it is when added, so each version
keeps its own content even when Lightning rewrites the file in place (``last.ckpt``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import runyard

__all__ = ["CALLBACK_SETTINGS", "checkpoint_metadata", "log_checkpoints"]

#: The callback attributes copied into each version's metadata (WandbLogger's list).
CALLBACK_SETTINGS = (
    "monitor",
    "mode",
    "save_last",
    "save_top_k",
    "save_weights_only",
    "_every_n_train_steps",
)


def _plain(score: Any) -> Any:
    """A score as JSON: tensors become Python numbers."""
    item = getattr(score, "item", None)
    return item() if callable(item) else score


def checkpoint_metadata(callback: Any, path: str, score: Any) -> dict[str, Any]:
    """The metadata of the version that holds the checkpoint ``path``."""
    settings = {k: getattr(callback, k) for k in CALLBACK_SETTINGS if hasattr(callback, k)}
    return {
        "score": _plain(score),
        "original_filename": Path(path).name,
        # __class__, not type(): Lightning hands loggers a weakref.proxy of the callback
        callback.__class__.__name__: settings,
    }


def log_checkpoints(
    run: Any,
    callback: Any,
    logged: dict[str, float],
    name: str,
    policy: Literal["mutable", "immutable"],
) -> None:
    """Log every new checkpoint of ``callback`` into ``run`` as a version of ``name``.

    ``logged`` maps the checkpoint paths already logged to their mtime then; it is
    updated, so a later call logs only what is new.
    """
    from lightning.pytorch.loggers.utilities import _scan_checkpoints

    for mtime, path, score, _tag in _scan_checkpoints(callback, logged):
        artifact = runyard.Artifact(
            name=name, type="model", metadata=checkpoint_metadata(callback, path, score)
        )
        artifact.add_file(path, name="model.ckpt", policy=policy)
        aliases = ["latest", "best"] if path == callback.best_model_path else ["latest"]
        run.log_artifact(artifact, aliases=aliases)
        logged[path] = mtime
