"""wandb's artifact walkthroughs as tests, on every SDK backend (embedded SQLite,
PostgreSQL, a real server)."""

from __future__ import annotations

from pathlib import Path

import pytest

import runyard


def test_dataset_logged_then_downloaded_in_another_run(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x,y\n1,2\n")
    (data / "sub").mkdir()
    (data / "sub" / "b.csv").write_text("x\n3\n")
    run = runyard.init(project="p")
    art = runyard.Artifact("ds", type="dataset", metadata={"rows": 2})
    art.add_dir(str(data))
    with art.new_file("notes.txt") as f:
        f.write("v0")
    logged = run.log_artifact(art)
    logged.wait(30)
    assert logged.version == "v0"
    run.finish()
    run2 = runyard.init(project="p")
    used = run2.use_artifact("ds:latest")
    path = used.download()
    assert sorted(p.relative_to(path).as_posix() for p in Path(path).rglob("*") if p.is_file()) == [
        "a.csv",
        "notes.txt",
        "sub/b.csv",
    ]
    used.verify(path)
    run2.finish()


def _api() -> runyard.Api:
    """The public API on the same backend as the runs (``RUNYARD_BASE_URL`` / ``RUNYARD_STORE``)."""
    return runyard.Api()


def test_dataset_in_three_versions(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wandb's "version a dataset" walkthrough: add_file/add_dir/new_file, v0..v2, latest
    moves, and identical content logs to the existing version."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "img0.txt").write_text("zero")
    (tmp_path / "labels.csv").write_text("id,label\n0,cat\n")
    versions = []
    for i in range(3):
        run = runyard.init(project="ds-walk", job_type="upload")
        art = runyard.Artifact("mnist", type="dataset", description=f"round {i}")
        art.add_file(str(tmp_path / "labels.csv"))
        art.add_dir(str(tmp_path / "raw"), name="images")
        with art.new_file("split.txt") as f:
            f.write(f"train={80 + i}\n")
        logged = run.log_artifact(art)
        run.finish()
        versions.append(logged.wait(60).version)
        (tmp_path / "raw" / f"img{i + 1}.txt").write_text(f"image {i + 1}")
    assert versions == ["v0", "v1", "v2"]

    # The same content as v2 again: wandb returns the existing version.
    (tmp_path / "raw" / "img3.txt").unlink()
    run = runyard.init(project="ds-walk")
    again = runyard.Artifact("mnist", type="dataset")
    again.add_file(str(tmp_path / "labels.csv"))
    again.add_dir(str(tmp_path / "raw"), name="images")
    with again.new_file("split.txt") as f:
        f.write("train=82\n")
    assert run.log_artifact(again, aliases=["again"]).wait(60).version == "v2"
    run.finish()

    api = _api()
    latest = api.artifact("ds-walk/mnist:latest", type="dataset")
    assert latest.version == "v2"
    assert set(latest.aliases) >= {"latest", "again"}
    assert sorted(e.path for e in latest.files()) == [
        "images/img0.txt",
        "images/img1.txt",
        "images/img2.txt",
        "labels.csv",
        "split.txt",
    ]
    v0 = api.artifact("ds-walk/mnist:v0")
    assert v0.description == "round 0"
    assert "latest" not in v0.aliases
    assert sorted(a.version for a in api.artifacts("dataset", "ds-walk/mnist")) == [
        "v0",
        "v1",
        "v2",
    ]
    assert Path(v0.download(str(tmp_path / "v0")), "split.txt").read_text() == "train=80\n"


def test_model_checkpoints_with_latest_and_best(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checkpoints per epoch with ``best`` on the best one so far: a user alias moves
    on re-use, ``latest`` follows the newest."""
    monkeypatch.chdir(tmp_path)
    run = runyard.init(project="ckpt-walk")
    best_loss = float("inf")
    for epoch, loss in enumerate([0.9, 0.5, 0.7]):
        path = tmp_path / f"model-{epoch}.pt"
        path.write_bytes(bytes([epoch]) * 1000)
        aliases = [f"epoch-{epoch}"]
        if loss < best_loss:
            best_loss = loss
            aliases.append("best")
        art = runyard.Artifact("classifier", type="model", metadata={"loss": loss})
        art.add_file(str(path), name="model.pt")
        run.log_artifact(art, aliases=aliases)
    run.finish()

    api = _api()
    assert api.artifact("ckpt-walk/classifier:best").version == "v1"
    assert api.artifact("ckpt-walk/classifier:latest").version == "v2"
    assert api.artifact("ckpt-walk/classifier:best").metadata == {"loss": 0.5}
    assert set(api.artifact("ckpt-walk/classifier:v0").aliases) == {"epoch-0"}

    run2 = runyard.init(project="ckpt-walk", job_type="eval")
    best = run2.use_artifact("classifier:best", type="model")
    assert Path(best.download(), "model.pt").read_bytes() == bytes([1]) * 1000
    run2.finish()

    # log_model / use_model, as Lightning's and Transformers' callbacks do.
    run3 = runyard.init(project="ckpt-walk")
    (tmp_path / "final.pt").write_bytes(b"final weights")
    run3.log_model(str(tmp_path / "final.pt"), name="final-model", aliases=["best"])
    run3.finish()
    run4 = runyard.init(project="ckpt-walk")
    local = run4.use_model("final-model:best")
    assert Path(local).read_bytes() == b"final weights"
    run4.finish()


def test_reference_artifact_to_an_s3_bucket(
    backend: str,
    ry_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3_endpoint: str,
) -> None:
    """``add_reference("s3://bucket/prefix")``: entries per object with the ETag as
    checksum, nothing copied; download fetches from the bucket; a changed object
    fails ``verify``."""
    from tests.s3 import new_bucket, s3_client, s3_environ

    for key, value in s3_environ().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.chdir(tmp_path)
    bucket = new_bucket(s3_endpoint)
    client = s3_client(s3_endpoint)
    client.put_object(Bucket=bucket, Key="images/a.png", Body=b"png-a")
    client.put_object(Bucket=bucket, Key="images/b/c.png", Body=b"png-c")

    run = runyard.init(project="ref-walk")
    art = runyard.Artifact("bucket-images", type="dataset")
    art.add_reference(f"s3://{bucket}/images")
    logged = run.log_artifact(art).wait(60)
    run.finish()
    entries = {e.path: e for e in logged.files()}
    assert sorted(entries) == ["a.png", "b/c.png"]
    assert entries["a.png"].ref == f"s3://{bucket}/images/a.png"
    etag = client.head_object(Bucket=bucket, Key="images/a.png")["ETag"].strip('"')
    assert entries["a.png"].digest == etag

    run2 = runyard.init(project="ref-walk")
    used = run2.use_artifact("bucket-images:latest")
    root = used.download(str(tmp_path / "dl"))
    assert Path(root, "b", "c.png").read_bytes() == b"png-c"
    used.verify(root)
    run2.finish()
    client.put_object(Bucket=bucket, Key="images/a.png", Body=b"changed")
    with pytest.raises(ValueError, match=r"Digest mismatch.*a\.png"):
        _api().artifact("ref-walk/bucket-images:v0").download(str(tmp_path / "dl2"))


def test_table_added_and_read_back_with_get(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = runyard.init(project="table-walk")
    table = runyard.Table(columns=["id", "label", "score"], data=[[0, "cat", 0.9], [1, "dog", 0.4]])
    art = runyard.Artifact("predictions", type="evaluation")
    art.add(table, "preds")
    run.log_artifact(art).wait(60)
    run.finish()

    run2 = runyard.init(project="table-walk")
    got = run2.use_artifact("predictions:latest").get("preds")
    assert isinstance(got, runyard.Table)
    assert got.columns == ["id", "label", "score"]
    assert got.data == [[0, "cat", 0.9], [1, "dog", 0.4]]
    run2.finish()


def test_lineage_through_the_api(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dataset logged by one run and used by another, a model logged by the second:
    logged_by/used_by on the artifacts, logged_artifacts/used_artifacts on the runs."""
    monkeypatch.chdir(tmp_path)
    producer = runyard.init(project="lineage-walk", job_type="prepare")
    ds = runyard.Artifact("corpus", type="dataset")
    with ds.new_file("text.txt") as f:
        f.write("hello")
    producer.log_artifact(ds)
    producer_id = producer.id
    producer.finish()

    trainer = runyard.init(project="lineage-walk", job_type="train")
    trainer.use_artifact("corpus:v0")
    model = runyard.Artifact("lm", type="model")
    with model.new_file("weights.bin", mode="wb") as fb:
        fb.write(b"\x00\x01")
    trainer.log_artifact(model)
    trainer_id = trainer.id
    trainer.finish()

    api = _api()
    corpus = api.artifact("lineage-walk/corpus:v0")
    assert corpus.logged_by().id == producer_id
    assert [r.id for r in corpus.used_by()] == [trainer_id]
    lm = api.artifact("lineage-walk/lm:latest")
    assert lm.logged_by().id == trainer_id
    assert lm.used_by() == []
    train_run = api.run(f"lineage-walk/{trainer_id}")
    assert [a.name for a in train_run.used_artifacts()] == ["corpus:v0"]
    assert [a.name for a in train_run.logged_artifacts()] == ["lm:v0"]
    assert [a.name for a in api.run(f"lineage-walk/{producer_id}").logged_artifacts()] == [
        "corpus:v0"
    ]


def test_collection_in_the_registry(
    backend: str, ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run.link_model`` puts the version into ``entity/model-registry/<name>`` with
    the registry's own aliases; a second link of other content is v1 there."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.bin").write_bytes(b"first")
    run = runyard.init(project="reg-walk")
    run.link_model(str(tmp_path / "m.bin"), "churn-model", name="churn", aliases=["staging"])
    entity = run.entity
    run.finish()
    (tmp_path / "m.bin").write_bytes(b"second")
    run2 = runyard.init(project="reg-walk")
    art = runyard.Artifact("churn", type="model")
    art.add_file(str(tmp_path / "m.bin"))
    run2.log_artifact(art)
    run2.link_artifact(art, f"{entity}/model-registry/churn-model", aliases=["production"])
    run2.finish()

    api = _api()
    v0 = api.artifact(f"{entity}/model-registry/churn-model:v0")
    assert "staging" in v0.aliases
    assert v0.source_project == "reg-walk" and v0.source_name == "churn:v0"
    prod = api.artifact(f"{entity}/model-registry/churn-model:production")
    assert prod.version == "v1"
    assert prod.source_name == "churn:v1"
    assert Path(prod.download(str(tmp_path / "prod")), "m.bin").read_bytes() == b"second"
