"""The artifact part of the store contract, on SQLite, PostgreSQL and a real server.

Uses the backends of ``test_contract.py``. Contents are uploaded before a commit names
them, as the SDK's writer does: through the server's ``artifact-blobs`` routes for the
HTTP store (which refuses a commit naming content its project does not hold), into a
local blob directory for the SQL stores.
"""

# ruff: noqa: F811  (the contract's fixtures, imported, are parameters of the tests)
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from runyard.blobs.artifacts import ArtifactBlobs, open_artifact_blobs
from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.store.base import (
    ArtifactCommit,
    ArtifactFile,
    ArtifactLink,
    ArtifactUse,
    RunBatch,
    TrackingStore,
)
from tests.store.test_contract import (  # noqa: F401  (fixtures)
    BACKENDS,
    StoreFactory,
    http_server,
    store,
    store_factory,
)

RUN = RunRef("ent", "proj", "run1")
OTHER = RunRef("ent", "proj", "run2")


def _blobs(store: TrackingStore, tmp_path: Path) -> ArtifactBlobs:
    return open_artifact_blobs(LocalBlobStore(tmp_path / "blobs"), store)


def entry(
    store: TrackingStore, tmp_path: Path, path: str, data: bytes, project: str = "proj"
) -> ArtifactFile:
    """An entry whose content is uploaded to ``ent/<project>``."""
    digest = hashlib.sha256(data).hexdigest()
    source = tmp_path / f"src-{digest}"
    source.write_bytes(data)
    _blobs(store, tmp_path).upload("ent", project, digest, source)
    return ArtifactFile(path, digest, len(data))


def commit(
    store: TrackingStore,
    client_id: str,
    entries: list[ArtifactFile],
    name: str = "data",
    type: str = "dataset",
    aliases: list[str] | None = None,
    ref: RunRef = RUN,
) -> None:
    store.write_batch(
        RunBatch(
            ref,
            create={"display_name": ref.run_id},
            artifacts=[ArtifactCommit(client_id, name, type, entries, aliases=aliases or [])],
        )
    )


def test_versions_count_up_latest_moves_and_identical_content_is_one_version(
    store: TrackingStore, tmp_path: Path
) -> None:
    a = entry(store, tmp_path, "a.txt", b"one")
    b = entry(store, tmp_path, "a.txt", b"two")
    commit(store, "c0", [a], aliases=["best"])
    commit(store, "c1", [b])
    commit(store, "c2", [a])  # identical to v0: v0 again, and latest moves there
    versions = store.list_artifact_versions("ent", "proj", "data")
    assert [(v.version, v.aliases) for v in versions] == [("v0", ["latest", "best"]), ("v1", [])]
    latest = store.get_artifact("ent", "proj", "data", "latest")
    assert latest is not None and latest.version == "v0"
    found = store.get_artifact_by_client_id("ent", "proj", "c2")
    assert found is not None and found.version == "v0"
    commit(store, "c3", [entry(store, tmp_path, "a.txt", b"three")], aliases=["best"])
    v2 = store.get_artifact("ent", "proj", "data", "best")
    assert v2 is not None and (v2.version, v2.aliases) == ("v2", ["latest", "best"])
    v0 = store.get_artifact("ent", "proj", "data", "v0")
    assert v0 is not None and v0.aliases == []  # the user alias moved on
    assert store.get_artifact("ent", "proj", "data", "v9") is None
    assert store.get_artifact("ent", "proj", "nothing", "latest") is None


def test_a_commit_sent_twice_is_stored_once(store: TrackingStore, tmp_path: Path) -> None:
    a = entry(store, tmp_path, "a.txt", b"one")
    batch = RunBatch(
        RUN, create={}, artifacts=[ArtifactCommit("same", "data", "dataset", [a], aliases=["x"])]
    )
    store.write_batch(batch)
    store.write_batch(batch)
    assert [v.version for v in store.list_artifact_versions("ent", "proj", "data")] == ["v0"]


def test_a_name_keeps_its_type(store: TrackingStore, tmp_path: Path) -> None:
    commit(store, "c0", [entry(store, tmp_path, "a", b"1")], type="dataset")
    with pytest.raises(ValueError, match=r"'data' is of type 'dataset'.*'model'"):
        commit(store, "c1", [entry(store, tmp_path, "a", b"2")], type="model")
    assert len(store.list_artifact_versions("ent", "proj", "data")) == 1
    with pytest.raises(ValueError, match="'dataset', not 'model'"):
        store.get_artifact("ent", "proj", "data", "latest", type="model")


def test_manifest_round_trips_with_references_and_extra(
    store: TrackingStore, tmp_path: Path
) -> None:
    entries = [
        entry(store, tmp_path, "z/last.bin", b"\x00\x01"),
        ArtifactFile("ref.csv", None, 10, ref="s3://bucket/ref.csv", checksum="etag-1"),
        ArtifactFile(
            "table.json",
            entry(store, tmp_path, "t", b"{}").digest,
            2,
            extra={"type": "table", "n": [1, 2]},
        ),
    ]
    commit(store, "c0", entries, name="mixed")
    record = store.get_artifact("ent", "proj", "mixed", "v0")
    assert record is not None
    assert (record.size, record.file_count, record.logged_by) == (14, 3, RUN)
    assert store.artifact_files(record) == sorted(entries, key=lambda e: e.path)
    assert store.artifact_types("ent", "proj") == ["dataset"]


def test_collections_and_types_of_a_project(store: TrackingStore, tmp_path: Path) -> None:
    commit(store, "c0", [entry(store, tmp_path, "a", b"1")], name="data", type="dataset")
    commit(store, "c1", [entry(store, tmp_path, "m", b"2")], name="net", type="model")
    commit(store, "c2", [entry(store, tmp_path, "m", b"3")], name="net", type="model")
    assert store.artifact_types("ent", "proj") == ["dataset", "model"]
    models = store.list_artifact_collections("ent", "proj", type="model")
    assert [(c.name, c.version_count, c.kind) for c in models] == [("net", 2, "sequence")]
    assert [c.name for c in store.list_artifact_collections("ent", "proj")] == ["data", "net"]
    assert store.list_artifact_collections("ent", "elsewhere") == []


def test_lineage_logged_by_and_used_by(store: TrackingStore, tmp_path: Path) -> None:
    commit(store, "c0", [entry(store, tmp_path, "a", b"1")])
    store.write_batch(
        RunBatch(
            OTHER,
            create={},
            artifact_uses=[
                ArtifactUse("ent", "proj", "data", "latest"),
                ArtifactUse("ent", "proj", "data", "v0"),  # the same version: one use
                ArtifactUse("ent", "proj", "missing", "v0"),  # gone: skipped, not refused
            ],
        )
    )
    used = store.artifacts_used_by(OTHER)
    assert [a.qualified_name for a in used] == ["ent/proj/data:v0"]
    assert store.runs_using(used[0]) == [OTHER]
    assert [a.version for a in store.artifacts_logged_by(RUN)] == ["v0"]
    assert store.artifacts_logged_by(OTHER) == []
    assert store.artifacts_used_by(RunRef("ent", "proj", "nope")) == []


def test_links_into_the_registry(store: TrackingStore, tmp_path: Path) -> None:
    commit(store, "c0", [entry(store, tmp_path, "w.bin", b"weights")], name="net", type="model")
    link = ArtifactLink("ent/model-registry/classifier", ["production"], client_id="c0")
    store.write_batch(RunBatch(RUN, artifact_links=[link]))
    store.write_batch(RunBatch(RUN, artifact_links=[link]))  # again: no second link
    store.write_batch(
        RunBatch(
            RUN,
            artifact_links=[
                ArtifactLink("ent/model-registry/classifier", ["staging"], source="net:v0")
            ],
        )
    )
    [collection] = store.list_artifact_collections("ent", "model-registry")
    assert (collection.name, collection.type, collection.kind) == (
        "classifier",
        "model",
        "portfolio",
    )
    linked = store.get_artifact("ent", "model-registry", "classifier", "production")
    assert linked is not None
    assert linked.version == "v0" and linked.source == ("ent", "proj", "net", "v0")
    assert linked.aliases == ["latest", "production", "staging"]
    source = store.get_artifact("ent", "proj", "net", "v0")
    assert source is not None
    assert store.artifact_files(linked) == store.artifact_files(source)
    with pytest.raises(ValueError, match="own entity"):
        store.write_batch(
            RunBatch(RUN, artifact_links=[ArtifactLink("other/model-registry/x", client_id="c0")])
        )


def test_edit_and_delete_versions(store: TrackingStore, tmp_path: Path) -> None:
    commit(store, "c0", [entry(store, tmp_path, "a", b"1")])
    commit(store, "c1", [entry(store, tmp_path, "a", b"2")], aliases=["best"])
    v1 = store.get_artifact("ent", "proj", "data", "v1")
    assert v1 is not None
    edited = store.update_artifact(
        v1, description="the good one", metadata={"acc": 0.9}, aliases=["prod"]
    )
    assert (edited.description, edited.metadata, edited.aliases) == (
        "the good one",
        {"acc": 0.9},
        ["latest", "prod"],
    )
    with pytest.raises(ValueError, match=r"aliases \['prod'\]"):
        store.delete_artifact(edited)
    store.delete_artifact(edited, delete_aliases=True)
    versions = store.list_artifact_versions("ent", "proj", "data")
    assert [(v.version, v.aliases) for v in versions] == [("v0", ["latest"])]
    with pytest.raises(ValueError, match="reads as a version"):
        store.update_artifact(versions[0], aliases=["v3"])


def test_deleting_a_run_keeps_its_artifacts(store: TrackingStore, tmp_path: Path) -> None:
    commit(store, "c0", [entry(store, tmp_path, "a", b"1")])
    store.write_batch(
        RunBatch(OTHER, create={}, artifact_uses=[ArtifactUse("ent", "proj", "data")])
    )
    store.write_batch(RunBatch(RUN, delete=True))
    store.write_batch(RunBatch(OTHER, delete=True))
    record = store.get_artifact("ent", "proj", "data", "v0")
    assert record is not None and record.logged_by is None
    assert store.runs_using(record) == []


def test_contents_held_per_project(store: TrackingStore, tmp_path: Path) -> None:
    a = entry(store, tmp_path, "a", b"in proj")
    commit(store, "c0", [a])
    assert store.artifact_blobs_held("ent", "proj", [a.digest or "", "0" * 64]) == {a.digest}
    # Another project never learns that this content exists (it must upload it itself).
    assert store.artifact_blobs_held("ent", "elsewhere", [a.digest or ""]) == set()


def test_two_writers_logging_the_same_content_make_one_version(
    store_factory: StoreFactory, tmp_path: Path
) -> None:
    first = store_factory()
    a = entry(first, tmp_path, "model.bin", b"same bytes")
    first.write_batch(RunBatch(RUN, create={}))
    first.write_batch(RunBatch(OTHER, create={}))
    stores = [first, store_factory()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def log(i: int) -> None:
        try:
            barrier.wait()
            for n in range(5):
                commit(stores[i], f"w{i}-{n}", [a], ref=(RUN, OTHER)[i])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=log, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [v.version for v in first.list_artifact_versions("ent", "proj", "data")] == ["v0"]
    for i in range(2):
        found = first.get_artifact_by_client_id("ent", "proj", f"w{i}-4")
        assert found is not None and found.version == "v0"


def test_backends_are_the_contract_suites() -> None:
    assert sorted(BACKENDS) == ["http", "postgresql", "sqlite"]
