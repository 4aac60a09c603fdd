"""Artifacts logged, used and downloaded by the unchanged ``wandb==0.31.0`` client
against ``runyard server`` (PostgreSQL + S3), checked through ``runyard.Api``."""

from __future__ import annotations

import json
from pathlib import Path

from runyard import Api
from tests.conformance.conftest import ENTITY, WandbClient
from tests.e2e.conftest import Team

PRODUCE = """
import os, sys, wandb
run = wandb.init(project="arts", id=sys.argv[1], job_type="producer")
os.makedirs("data/sub", exist_ok=True)
with open("data/a.txt", "w") as f:
    f.write("alpha\\n")
with open("data/sub/b.bin", "wb") as f:
    f.write(bytes(range(256)) * int(sys.argv[2]))
with open("solo.txt", "w") as f:
    f.write("solo\\n")
art = wandb.Artifact("ds", type="dataset", description="the data", metadata={"rows": 2})
art.add_file("solo.txt")
art.add_dir("data", name="data")
logged = run.log_artifact(art, aliases=["best"])
logged.wait()
print(logged.version, flush=True)
run.finish()
"""

USE = """
import json, os, wandb
run = wandb.init(project="arts", id="consumer", job_type="trainer")
art = run.use_artifact("ds:latest")
root = art.download(root="dl")
files = {}
for folder, _, names in os.walk(root):
    for name in names:
        path = os.path.join(folder, name)
        files[os.path.relpath(path, root)] = open(path, "rb").read().hex()
run.finish()
print(json.dumps({"version": art.version, "files": files}))
"""

LINK = """
import wandb
run = wandb.init(project="arts", id="linker")
art = run.use_artifact("ds:v0")
linked = run.link_artifact(art, "model-registry/reg", aliases=["prod"])
run.finish()
print(linked.version, flush=True)
"""

EXPECTED = {
    "solo.txt": b"solo\n",
    "data/a.txt": b"alpha\n",
    "data/sub/b.bin": bytes(range(256)),
}


def test_log_use_and_download_an_artifact(
    client: WandbClient, team: Team, api: Api, tmp_path: Path
) -> None:
    server = team.servers[0]
    assert client.check(PRODUCE, server, "producer1", "1").split()[-1] == "v0"
    # The same content again: one version (the store's rule), logged by its first run.
    assert client.check(PRODUCE, server, "producer2", "1").split()[-1] == "v0"

    art = api.artifact(f"{ENTITY}/arts/ds:latest")
    assert art.version == "v0" and art.type == "dataset"
    assert sorted(art.aliases) == ["best", "latest"]
    assert art.description == "the data" and art.metadata == {"rows": 2}
    assert [a.version for a in api.artifacts("dataset", f"{ENTITY}/arts/ds")] == ["v0"]
    root = Path(art.download(root=str(tmp_path / "runyard")))
    assert {
        str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()
    } == EXPECTED
    assert art.logged_by().id == "producer1"

    out = json.loads(client.check(USE, server).strip().splitlines()[-1])
    assert out["version"] == "v0"
    assert {k: bytes.fromhex(v) for k, v in out["files"].items()} == EXPECTED
    assert [r.id for r in api.artifact(f"{ENTITY}/arts/ds:v0").used_by()] == ["consumer"]
    assert [a.version for a in api.run(f"{ENTITY}/arts/consumer").used_artifacts()] == ["v0"]
    assert [a.name for a in api.run(f"{ENTITY}/arts/producer1").logged_artifacts()] == ["ds:v0"]

    # New content: v1 takes latest, best moves with it (wandb's aliases are unique).
    assert client.check(PRODUCE, server, "producer3", "2").split()[-1] == "v1"
    newest = api.artifact(f"{ENTITY}/arts/ds:latest")
    assert newest.version == "v1" and sorted(newest.aliases) == ["best", "latest"]
    assert api.artifact(f"{ENTITY}/arts/ds:v0").aliases == []
    assert newest.logged_by().id == "producer3"

    # Linked into the entity's registry (a portfolio of links), with an alias.
    assert client.check(LINK, server).split()[-1] == "v0"
    linked = api.artifact(f"{ENTITY}/model-registry/reg:prod")
    assert linked.version == "v0" and sorted(linked.aliases) == ["latest", "prod"]
    assert linked.source_qualified_name == f"{ENTITY}/arts/ds:v0"
    assert {p.name for p in Path(linked.download(root=str(tmp_path / "reg"))).rglob("*.txt")} == {
        "solo.txt",
        "a.txt",
    }
