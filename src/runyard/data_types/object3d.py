"""``Object3D``: a point cloud or a 3D model file, wandb's ``wandb.Object3D``."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from runyard.data_types.tensor import tensor_type_name, to_numpy

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Object3D"]

#: File types wandb accepts for a path (``.pts.json`` is its own point-cloud JSON).
SUPPORTED_TYPES = ("obj", "gltf", "glb", "babylon", "stl", "pts.json")


def _file_type(path: str) -> str | None:
    name = os.path.basename(path).lower()
    for kind in SUPPORTED_TYPES:
        if name.endswith("." + kind):
            return kind
    return None


class Object3D:
    """A 3D object logged as an ``object3D-file`` (as ``wandb.Object3D``).

    ``data_or_path`` is a point cloud — a numpy array or tensor of shape ``(N, 3)``
    (x, y, z), ``(N, 4)`` (x, y, z, category) or ``(N, 6)`` (x, y, z, r, g, b) —
    stored as wandb's ``.pts.json`` (``{"type": "lidar/beta", "points": …}``), or a
    dict in that scene format (``points``, ``boxes``, ``vectors``), or the path of
    an ``obj``, ``gltf``, ``glb``, ``babylon``, ``stl`` or ``pts.json`` file.

    Raises:
        ValueError: a point array of another shape, or a file of another type (the
            message names the shape or path).
    """

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        self.caption = caption
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            kind = _file_type(path)
            if kind is None:
                raise ValueError(
                    f"Object3D file {path!r} is not a supported type: expected one of "
                    f"{', '.join(SUPPORTED_TYPES)}"
                )
            with open(path, "rb") as f:
                self._bytes = f.read()
            self.extension = kind
            return
        if isinstance(data_or_path, dict):
            scene = {"type": "lidar/beta", **data_or_path}
            scene["points"] = self._points(scene.get("points", []))
        else:
            scene = {"type": "lidar/beta", "points": self._points(data_or_path)}
        scene.setdefault("boxes", [])
        scene.setdefault("vectors", [])
        self._bytes = json.dumps(scene).encode()
        self.extension = "pts.json"

    @staticmethod
    def _points(data: Any) -> list[list[float]]:
        import numpy as np

        array = to_numpy(data) if tensor_type_name(data) else np.asarray(data, dtype=float)
        if array.size == 0:
            return []
        if array.ndim != 2 or array.shape[1] not in (3, 4, 6):
            raise ValueError(
                f"Object3D points must have shape (N, 3), (N, 4) or (N, 6), got {list(array.shape)}"
            )
        points: list[list[float]] = array.astype(float).tolist()
        return points

    @property
    def file_bytes(self) -> bytes:
        """The file that is stored when the object is logged."""
        return self._bytes

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the file (content-addressed); return the ``object3D-file`` value."""
        from runyard.data_types.media_file import store_media

        value: dict[str, Any] = {"_type": "object3D-file"}
        if self.caption is not None:
            value["caption"] = self.caption
        value.update(store_media(sink, "object3D", self._bytes, f".{self.extension}"))
        return value

    def __repr__(self) -> str:
        return f"<Object3D {self.extension} {len(self._bytes)} bytes>"
