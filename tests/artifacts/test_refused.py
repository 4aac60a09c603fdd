"""An artifact whose content the server refuses for good (HTTP 4xx other than
401/403/408/429: over its upload limit) is dropped with one warning naming it; the
run's other artifacts and rows are stored and the writer stops retrying (issue 14;
the same rule as a refused run file, see journal/spool.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import runyard
from tests.e2e.server import RunyardServer, client_env, upgrade_store

REFUSED = """
import sys, runyard
run = runyard.init(project="p", id="refused")
big = runyard.Artifact("big", type="dataset")
big.add_file(sys.argv[1])
run.log_artifact(big)
run.log({"x": 1.0})
try:
    big.wait(120)
except Exception as exc:
    print(type(exc).__name__, exc, flush=True)
small = runyard.Artifact("small", type="dataset")
with small.new_file("a.txt") as f:
    f.write("small")
run.log_artifact(small)
run.log({"x": 2.0})
run.finish()
print("finished", flush=True)
"""


def test_an_artifact_the_server_refuses_is_dropped_not_retried_forever(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_store(store)
    srv = RunyardServer(
        tmp_path / "srv",
        store,
        f"file://{tmp_path / 'blobs'}",
        env={"RUNYARD_MAX_UPLOAD_BYTES": "1000"},
    ).start()
    (tmp_path / "big.bin").write_bytes(b"x" * 5000)
    root = tmp_path / "client"
    try:
        result = subprocess.run(
            [sys.executable, "-c", REFUSED, str(tmp_path / "big.bin")],
            env=client_env(root, srv.url, RUNYARD_FINISH_TIMEOUT="120"),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        waited, finished = result.stdout.strip().splitlines()
        assert finished == "finished"
        # wait() ends with the reason instead of a timeout
        assert waited.startswith("UsageError artifact 'big' could not be stored: the blob")
        assert "413" in waited
        assert result.stderr.count("refused the content of artifact 'big'") == 1, result.stderr
        assert "413" in result.stderr
        api = runyard.Api(store=srv.url)
        assert not api.artifact_exists("tester/p/big:v0")
        assert api.artifact("tester/p/small:v0").get_entry("a.txt").size == 5
        run = api.run("tester/p/refused")
        assert [row["x"] for row in run.scan_history()] == [1.0, 2.0]
        assert [a.name for a in run.logged_artifacts()] == ["small:v0"]
        assert not list(root.rglob("*.journal*"))
    finally:
        srv.stop()
