"""A store written with the old, non-injective blob keys still shows its files after the
upgrade; runs that shared an old file area get none of each other's files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.blobs.base import BlobStore
from runyard.blobs.keys import legacy_run_prefix, run_prefix
from runyard.blobs.legacy import MARKER, upgrade_blob_keys
from runyard.blobs.registry import open_blobs
from runyard.data_types.tensor import summary_stats
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.settings import Settings
from runyard.store.base import RunBatch
from runyard.store.registry import open_store


@pytest.fixture(params=["local", "s3"])
def blobs_uri(
    request: pytest.FixtureRequest, ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if request.param == "local":
        yield Settings.from_env().blobs_uri
        return
    uri: str = request.getfixturevalue("s3_blobs_uri")
    monkeypatch.setenv("RUNYARD_BLOBS", uri)
    monkeypatch.setenv("RUNYARD_S3_ENDPOINT_URL", request.getfixturevalue("s3_endpoint"))
    yield uri


def old_run(blobs: BlobStore, ref: RunRef, content: bytes) -> None:
    """A run as the code before injective keys left it: files under the legacy prefix,
    a summary tensor whose ``path`` is its whole (legacy) blob key."""
    runyard.init(entity=ref.entity, project=ref.project, id=ref.run_id).finish()
    old = legacy_run_prefix(ref)
    blobs.put(f"{old}/model.txt", content)
    buffer = io.BytesIO()
    np.save(buffer, np.full(40, float(len(content))))
    blobs.put(f"{old}/summary/w.npy", buffer.getvalue())
    stats = summary_stats(np.full(40, float(len(content))), "numpy.ndarray")
    stats["path"] = f"{old}/summary/w.npy"
    store = open_store(Settings.from_env().store_uri)
    store.write_batch(RunBatch(run=ref, summary_set=[(("w",), stats)]))
    store.close()


def test_files_under_old_keys_move_to_the_new_ones(blobs_uri: str) -> None:
    blobs = open_blobs(blobs_uri)
    ref = RunRef("tester", "My Project", "r1")
    old_run(blobs, ref, b"mine")
    assert legacy_run_prefix(ref) != run_prefix(ref)

    stored = runyard.Api(blobs=blobs_uri).run("tester/My Project/r1")
    assert stored.file("model.txt").read() == b"mine"
    assert stored.summary.load_tensor("w")[0] == 4.0
    assert {f.name for f in stored.files()} == {"model.txt", "summary/w.npy"}
    assert blobs.list(legacy_run_prefix(ref)) == []
    assert blobs.exists(MARKER)

    stored.delete()
    assert blobs.list(run_prefix(ref)) == []


def test_runs_that_shared_an_old_file_area_see_none_of_each_others_files(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blobs = open_blobs(Settings.from_env().blobs_uri)
    owner, twin = RunRef("tester", "a_b", "r1"), RunRef("tester", "a b", "r1")
    old_run(blobs, owner, b"owner")
    old_run(blobs, twin, b"twin!")  # overwrote the owner's files, as the old code did
    lost = RunRef("tester", "тест", "r1"), RunRef("tester", "эксперимент", "r1")
    for ref in lost:
        old_run(blobs, ref, b"mixed")

    api = runyard.Api()
    assert api.run("tester/a_b/r1").file("model.txt").read() == b"twin!"  # as before
    for path in ("tester/a b/r1", "tester/тест/r1", "tester/эксперимент/r1"):
        assert api.run(path).files() == []
    warned = capsys.readouterr().err
    assert "'tester/a_b/r1'" in warned and "stay with run tester/a_b/r1" in warned
    assert "'tester/_/r1'" in warned and "shown to none of them" in warned
    assert blobs.list("tester/_/r1")  # left in place for an operator


def test_the_upgrade_runs_once_per_store(ry_dir: Path) -> None:
    blobs = open_blobs(Settings.from_env().blobs_uri)
    calls: list[int] = []

    def runs() -> list[RunRef]:
        calls.append(1)
        return []

    assert upgrade_blob_keys(blobs, runs) is not None
    assert upgrade_blob_keys(blobs, runs) is None
    assert upgrade_blob_keys(open_blobs(Settings.from_env().blobs_uri), runs) is None
    assert calls == [1]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_server_moves_old_files_before_its_first_answer(
    ry_dir: Path, database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database == "postgresql":
        monkeypatch.setenv("RUNYARD_STORE", request.getfixturevalue("postgres_uri"))
    settings = Settings.from_env()
    blobs = open_blobs(settings.blobs_uri)
    old_run(blobs, RunRef("tester", "Ünïcode", "r1"), b"old")
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as client:
        url = "/api/v1/projects/tester/Ünïcode/runs/r1/files"
        assert client.get(url).json()["files"] == [
            {"name": "model.txt", "size": 3},
            {
                "name": "summary/w.npy",
                "size": blobs.size(
                    f"{run_prefix(RunRef('tester', 'Ünïcode', 'r1'))}/summary/w.npy"
                ),
            },
        ]
        assert client.get(f"{url}/model.txt").content == b"old"
