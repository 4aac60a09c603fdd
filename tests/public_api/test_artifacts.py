"""Artifacts through the public API (wandb 0.31's calls), embedded and through a real
``runyard server`` process: versions, types, collections, lineage, downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import runyard
from runyard.blobs.artifacts import open_artifact_blobs
from runyard.blobs.registry import open_blobs
from runyard.entities import RunRef
from runyard.store.base import (
    ArtifactCommit,
    ArtifactFile,
    ArtifactLink,
    ArtifactUse,
    RunBatch,
    TrackingStore,
)
from runyard.store.registry import open_store
from tests.e2e.server import RunyardServer, upgrade_store

TRAIN = RunRef("tester", "arts", "train")
EVAL = RunRef("tester", "arts", "eval")


@dataclass
class Target:
    store: TrackingStore
    api: runyard.Api
    blobs_uri: str


@pytest.fixture(params=["embedded", "server"])
def target(request: pytest.FixtureRequest, ry_dir: Path, tmp_path: Path) -> Iterator[Target]:
    if request.param == "embedded":
        api = runyard.Api()
        yield Target(api.store, api, api.settings.blobs_uri)
        return
    uri = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(uri)
    blobs = f"file://{tmp_path / 'blobs'}"
    server = RunyardServer(tmp_path / "srv", uri, blobs).start()
    store = open_store(server.url)
    api = runyard.Api(store=server.url)
    try:
        yield Target(store, api, blobs)
    finally:
        api.close()
        store.close()
        server.stop()


def _log(
    target: Target, tmp_path: Path, client_id: str, files: dict[str, bytes], **kw: object
) -> None:
    moves = open_artifact_blobs(open_blobs(target.blobs_uri), target.store)
    entries = []
    for path, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        source = tmp_path / digest
        source.write_bytes(data)
        moves.upload("tester", "arts", digest, source)
        entries.append(ArtifactFile(path, digest, len(data)))
    target.store.write_batch(
        RunBatch(TRAIN, create={}, artifacts=[ArtifactCommit(client_id, entries=entries, **kw)])  # type: ignore[arg-type]
    )


def _dataset(target: Target, tmp_path: Path) -> None:
    _log(target, tmp_path, "c0", {"train.csv": b"a,b\n1,2\n"}, name="data", type="dataset")
    _log(
        target,
        tmp_path,
        "c1",
        {"train.csv": b"a,b\n3,4\n"},
        name="data",
        type="dataset",
        aliases=["best"],
    )
    _log(target, tmp_path, "c2", {"w.bin": b"\x00" * 10}, name="net", type="model")
    target.store.write_batch(
        RunBatch(
            EVAL,
            create={},
            artifact_uses=[ArtifactUse("tester", "arts", "data", "v1")],
            artifact_links=[
                ArtifactLink(
                    "tester/model-registry/prod", ["champion"], source="tester/arts/net:v0"
                )
            ],
        )
    )


def test_artifact_by_name_alias_and_version(target: Target, tmp_path: Path) -> None:
    _dataset(target, tmp_path)
    best = target.api.artifact("tester/arts/data:best")
    assert (best.name, best.version, best.type) == ("data:v1", "v1", "dataset")
    assert "best" in best.aliases
    same = runyard.Api(overrides={"entity": "tester", "project": "arts"}, store=target.store)
    assert same.artifact("data:v0").version == "v0"
    assert same.artifact("data").version == "v1"  # latest
    with pytest.raises(ValueError, match="Unable to fetch artifact"):
        target.api.artifact("tester/arts/data:v7")
    with pytest.raises(ValueError, match="'dataset', not 'model'"):
        target.api.artifact("tester/arts/data:v0", type="model")
    assert target.api.artifact_exists("tester/arts/data:v0")
    assert not target.api.artifact_exists("tester/arts/nothing:v0")
    path = Path(best.download(root=str(tmp_path / "down")))
    assert (path / "train.csv").read_bytes() == b"a,b\n3,4\n"


def test_versions_types_and_collections(target: Target, tmp_path: Path) -> None:
    _dataset(target, tmp_path)
    versions = target.api.artifacts("dataset", "tester/arts/data")
    assert [a.version for a in versions] == ["v1", "v0"]
    with pytest.raises(ValueError, match="of type 'dataset'"):
        target.api.artifacts("model", "tester/arts/data")
    types = target.api.artifact_types("tester/arts")
    assert [t.name for t in types] == ["dataset", "model"]
    assert [c.name for c in types[0].collections()] == ["data"]
    [models] = target.api.artifact_collections("tester/arts", "model")
    assert (models.name, models.type, models.is_sequence()) == ("net", "model", True)
    assert [a.version for a in models.artifacts()] == ["v0"]
    registry = target.api.artifact("tester/model-registry/prod:champion")
    assert registry.version == "v0"
    assert (
        target.api.artifact_collection("model", "tester/model-registry/prod").is_sequence() is False
    )


def test_lineage_through_runs_and_artifacts(target: Target, tmp_path: Path) -> None:
    _dataset(target, tmp_path)
    train = target.api.run("tester/arts/train")
    assert [a.version for a in train.logged_artifacts()] == ["v0", "v1", "v0"]
    assert [a.name for a in train.logged_artifacts()] == ["data:v0", "data:v1", "net:v0"]
    evaluation = target.api.run("tester/arts/eval")
    [used] = evaluation.used_artifacts()
    assert used.name == "data:v1"
    assert used.logged_by().id == "train"
    assert [r.id for r in used.used_by()] == ["eval"]
