"""``Object3D``: point clouds as wandb's .pts.json, model files as they are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import runyard
from runyard.data_types.object3d import Object3D
from tests.data_types.conftest import StoredSink


def test_points_become_wandb_scene_json(sink: StoredSink) -> None:
    obj = Object3D(np.array([[0, 0, 0], [1, 2, 3]]), caption="cloud")
    assert json.loads(obj.file_bytes) == {
        "type": "lidar/beta",
        "points": [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]],
        "boxes": [],
        "vectors": [],
    }
    value = obj.to_json(sink)
    assert value["_type"] == "object3D-file" and value["caption"] == "cloud"
    assert value["path"].endswith(".pts.json") and sink.read(value["path"]) == obj.file_bytes


def test_scene_dict_and_torch_points() -> None:
    torch = pytest.importorskip("torch")
    scene = {"points": torch.zeros(2, 6), "boxes": [{"corners": [[0, 0, 0]] * 8}]}
    stored = json.loads(Object3D(scene).file_bytes)
    assert stored["points"] == [[0.0] * 6] * 2 and len(stored["boxes"]) == 1


def test_model_file_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "cube.obj"
    path.write_text("v 0 0 0\n")
    assert Object3D(path).extension == "obj"
    with pytest.raises(ValueError, match=r"got \[2, 5\]"):
        Object3D(np.zeros((2, 5)))
    (tmp_path / "x.ply").write_text("")
    with pytest.raises(ValueError, match=r"x\.ply' is not a supported type"):
        Object3D(tmp_path / "x.ply")


def test_logged_object_is_read_back(ry_dir: Path) -> None:
    run = runyard.init(project="obj3d")
    run.log({"cloud": runyard.Object3D(np.ones((3, 3)))})
    run.finish()
    stored = runyard.Api().run(f"obj3d/{run.id}")
    value = next(iter(stored.scan_history()))["cloud"]
    assert json.loads(stored.file(value["path"]).read())["points"] == [[1.0] * 3] * 3
