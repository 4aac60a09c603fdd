"""The GraphQL operations each supported wandb client version sends, on record.

Supported: 0.31.0 (the pinned client of every conformance test) and 0.18.0, the oldest
release that installs here and speaks the same protocol: from 0.18 on the Go core is
wandb's default sender (0.16 and 0.17 default to the old Python sender; 0.17 also fails
with NumPy 2 here). 0.18 to 0.24 also probe the server's types with a little GraphQL
introspection (``__type(name:) {fields {name}}``), which the server answers.
sender) first introspect the server's schema (``__type(name: "ServerSettingsType")``)
and are not supported.

Each version runs the same script (init, log with an image, a summary edit, finish,
resume ``must``, then ``wandb.Api`` reads) against ``runyard ui``'s app (no accounts:
any key is the local user) served in this process, which records the operation of
every ``/graphql`` request and every field the executor did not know. A new client
version that sends a new operation or field fails here first, by name.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from graphql import parse
from graphql.language import OperationDefinitionNode

from runyard import Api
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.server.wandb import graphql as executor
from runyard.server.wandb import routes
from tests.conformance.conftest import SEED_004_PACKAGES, WANDB_VERSION, wandb_venv
from tests.e2e.server import free_port

SCRIPT = """
import sys, numpy, wandb
run = wandb.init(project="ops", id="opsrun", config={"lr": 0.1})
for i in range(3):
    run.log({"loss": 1.0 / (i + 1), "img": wandb.Image(numpy.zeros((8, 8, 3), "uint8"))})
run.summary["best"] = 1
run.finish()
run = wandb.init(project="ops", id="opsrun", resume="must")
run.log({"loss": 0.1})
run.finish()
api = wandb.Api()
r = api.run("local/ops/opsrun")
rows = list(r.scan_history(keys=["loss"]))
history = r.history(pandas=False)
names = [f.name for f in r.files()]
r.summary["edited"] = 2
r.summary.update()
print(len(rows), len(history), len(list(api.runs("local/ops"))), sorted(names))
"""

#: Operation names each version sent (Python-side queries sent with operationName ""
#: are named by their query text). ``ServerFeaturesQuery`` is left out: the client asks
#: it lazily, the first time a feature matters, so whether it comes depends on timing.
OPERATIONS = {
    "0.31.0": {
        "CreateRunFiles",
        "GetDefaultEntity",
        "OrganizationCoreWeaveOrganizationID",
        "Run",
        "RunFiles",
        "RunFullHistory",
        "RunHistoryKeys",
        "RunParquetHistory",
        "RunResumeStatus",
        "Runs",
        "SampledHistoryPage",
        "UpsertBucket",
        "Viewer",
    },
    "0.18.0": {
        "CreateRunFiles",
        "ProbeServerCapabilities",  # __type introspection of Query, Mutation, ServerInfo
        "Run",
        "RunFiles",
        "RunFullHistory",
        "RunHistoryKeys",
        "RunResumeStatus",
        "RunStoppedStatus",  # polls run.stopped
        "Runs",
        "SampledHistoryPage",
        "ServerInfo",
        "UpsertBucket",
        "Viewer",
    },
}


class Recorder:
    """Operation names of ``/graphql`` requests, and fields nobody resolved."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.unknown: set[str] = set()

    def execute(self, query: str, variables: Any, name: str | None, root: Any) -> Any:
        document = parse(query)
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        self.operations.append(name or (operation.name.value if operation.name else "?"))
        before = set(executor._LOGGED_UNKNOWN)
        answer = executor.execute(query, variables, name, root)
        self.unknown |= executor._LOGGED_UNKNOWN - before
        assert "errors" not in answer, (name, answer)
        return answer


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Recorder]]:
    """``runyard ui``'s app (embedded SQLite, no accounts) on a free port, recording."""
    monkeypatch.setenv("RUNYARD_ENTITY", "local")
    recorder = Recorder()
    monkeypatch.setattr(routes, "execute", recorder.execute)
    executor._LOGGED_UNKNOWN.clear()
    app = create_app(f"sqlite:///{tmp_path / 'store.db'}", f"file://{tmp_path / 'blobs'}")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", recorder
    finally:
        server.should_exit = True
        thread.join(30)
        app.state.store.close()


@pytest.mark.parametrize("version", [WANDB_VERSION, "0.18.0"])
def test_operations_of_each_client_version(
    version: str, served: tuple[str, Recorder], tmp_path: Path
) -> None:
    import subprocess

    url, recorder = served
    python = wandb_venv(
        version, SEED_004_PACKAGES if version == WANDB_VERSION else ("numpy", "pillow")
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "WANDB_BASE_URL": url,
        "WANDB_API_KEY": "any-key-" + "x" * 40,  # runyard ui takes any key
        "WANDB_DIR": str(tmp_path),
        "WANDB_DISABLE_GIT": "true",
        "WANDB_SILENT": "true",
    }
    done = subprocess.run(
        [str(python), "-c", SCRIPT],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows, history, runs, names = done.stdout.split(" ", 3)
    assert (rows, history, runs) == ("4", "4", "1")
    assert "wandb-metadata.json" in names and "media/images/" in names

    sent = set(recorder.operations) - {"ServerFeaturesQuery"}
    print(version, sorted(sent), sorted(recorder.unknown))
    assert sent == OPERATIONS[version]
    assert recorder.unknown == set()

    api = Api(store=url)
    try:
        record = api.store.get_run(RunRef("local", "ops", "opsrun"))
        assert record is not None and record.state == "finished"
        assert record.summary["edited"] == 2 and record.summary["best"] == 1
        assert [s for s, _ in api.store.read_values(record.ref, ["img"], 0, None)["img"]] == [
            0,
            1,
            2,
        ]
    finally:
        api.close()
