"""``runyard import wandb``: runs logged by the real ``wandb==0.31.0`` client into a
Runyard server (server A, speaking wandb's protocol: W&B's cloud is out of reach here)
→ imported through ``wandb.Api`` into a separate embedded store → the same config,
summary, every history row and the file's bytes; a second import adds nothing; a run
that grew gets only its new rows. The run logs config, 300 steps (scalars and images),
prints, saves a file, logs an artifact (files, a folder, a reference) and gets its
summary edited through ``wandb.Api`` after it finished.

The importer runs where wandb is installed: a throwaway venv that sees ``.venv-wandb``'s
site-packages first, then Runyard's sources (:mod:`tests.compat.venv`). Without a
package index to make ``.venv-wandb`` the test skips, and fails under
``RUNYARD_REQUIRE_WANDB=1`` (CI), like the other conformance tests.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

import runyard
from runyard.cli.main import main
from runyard.server.app import create_app
from runyard.store.base import RunBatch
from tests.compat.venv import Venv, make_venv
from tests.conformance.conftest import wandb_python  # noqa: F401  (the fixture)
from tests.e2e.server import free_port

KEY = "any-key-" + "x" * 40  # runyard ui's app takes any key as the local user

LOG = """
import sys, numpy, wandb
steps, resume = int(sys.argv[1]), sys.argv[2] == "resume"
run = wandb.init(project="src", id="run1", name="first", config={"lr": 0.1, "opt": {"name": "adam", "betas": [0.9, 0.99]}},
                 tags=["a", "b"], notes="a note", resume="must" if resume else None)
start = run.step
for i in range(start, start + steps):
    row = {"loss": 1.0 / (i + 1), "epoch": i // 50}
    if i % 10 == 0:
        row["acc"] = i / 1000
    if i % 100 == 0:
        row["img"] = wandb.Image(numpy.full((4, 4, 3), i % 256, "uint8"))
        print(f"at step {i}", flush=True)
    run.log(row)
print("resumed" if resume else "started", flush=True)
if not resume:
    open("weights.bin", "wb").write(bytes(range(256)) * 40)
    run.save("weights.bin", policy="now")
    import os
    os.makedirs("data/sub", exist_ok=True)
    open("data/sub/b.txt", "w").write("beta")
    art = wandb.Artifact("ds", type="dataset", description="the data", metadata={"rows": 2})
    art.add_file("weights.bin")
    art.add_dir("data", name="data")
    art.add_reference("https://example.invalid/key.csv", name="ref.csv", checksum=False)
    run.log_artifact(art, aliases=["best"]).wait()
run.summary["best"] = {"loss": 0.5, "step": 7}
run.finish()
if not resume:
    api = wandb.Api()
    r = api.run("local/src/run1")
    r.summary["edited"] = "after"
    r.summary.update()
"""


@pytest.fixture
def server_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``runyard ui``'s app (embedded SQLite, no accounts), served on a free port."""
    monkeypatch.setenv("RUNYARD_ENTITY", "local")
    app = create_app(f"sqlite:///{tmp_path / 'a.db'}", f"file://{tmp_path / 'a-blobs'}")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        app.state.store.close()


@pytest.fixture
def importer(wandb_python: Path, tmp_path: Path) -> Venv:  # noqa: F811
    """A venv seeing ``.venv-wandb``'s packages, then Runyard's sources and deps."""
    venv = make_venv(tmp_path / "importer-venv")
    wandb_site = subprocess.run(
        [str(wandb_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Processed before runyard-dev.pth (alphabetical), so wandb's site comes first.
    (venv.site / "00-wandb.pth").write_text(f"import site; site.addsitedir({wandb_site!r})\n")
    return venv


def _env(tmp_path: Path, url: str, dest: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        RUNYARD_DIR=str(dest),
        RUNYARD_ENTITY="me",
        RUNYARD_CONFIG_DIR=str(tmp_path / "runyard-config"),
        WANDB_BASE_URL=url,
        WANDB_API_KEY=KEY,
        WANDB_DIR=str(tmp_path),
        WANDB_CACHE_DIR=str(tmp_path / "wandb-cache"),
        WANDB_CONFIG_DIR=str(tmp_path / "wandb-config"),
        WANDB_DATA_DIR=str(tmp_path / "wandb-data"),
        WANDB_DISABLE_GIT="true",
        WANDB_SILENT="true",
        WANDB_ERROR_REPORTING="false",
    )
    return env


def _log(python: Path, env: dict[str, str], tmp_path: Path, steps: int, mode: str) -> None:
    done = subprocess.run(
        [str(python), "-c", LOG, str(steps), mode],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _import(
    venv: Venv, env: dict[str, str], url: str, *more: str, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    # The key and URL are given as flags (the environment's are removed for this call).
    env = {k: v for k, v in env.items() if k not in ("WANDB_BASE_URL", "WANDB_API_KEY")}
    argv = ["import", "wandb", "local/src", "--base-url", url, "--api-key", KEY]
    argv += ["--to-project", "dst", *more]
    code = "import sys; from runyard.cli.main import main; sys.exit(main(sys.argv[1:]))"
    done = venv.cmd(["-c", code, *argv], env=env, check=False)
    assert (done.returncode == 0) == ok, done.stdout + done.stderr[-3000:]
    return done


def _source(url: str) -> runyard.Api:
    return runyard.Api(store=url, api_key=KEY)


def test_wandb_project_round_trip_resumable_and_idempotent(
    server_a: str,
    importer: Venv,
    wandb_python: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dest = tmp_path / "dest"
    env = _env(tmp_path, server_a, dest)
    _log(wandb_python, env, tmp_path, 300, "new")

    done = _import(importer, env, server_a)
    assert "imported 1 runs" in done.stdout, done.stdout
    assert "[1/1] first (run1)" in done.stderr  # progress
    assert "skipped" not in done.stdout  # nothing was left out

    monkeypatch.setenv("RUNYARD_DIR", str(dest))
    monkeypatch.setenv("RUNYARD_ENTITY", "me")
    source = _source(server_a)
    want = source.run("local/src/run1")
    got = runyard.Api().run("me/dst/run1")
    assert got.id == "run1" and got.name == "first"
    assert got.tags == ["a", "b"] and got.notes == "a note" and got.state == "finished"
    assert got.config == {"lr": 0.1, "opt": {"name": "adam", "betas": [0.9, 0.99]}}
    assert got.config == {k: v for k, v in want.config.items() if not k.startswith("_")}
    assert got.summary["edited"] == "after" and got.summary["best"] == {"loss": 0.5, "step": 7}
    assert {k: v for k, v in got.summary.items() if k != "_wandb"} == {
        k: v for k, v in want.summary.items() if k != "_wandb"
    }
    rows = list(got.scan_history())
    assert [r["_step"] for r in rows] == list(range(300))
    assert [r["loss"] for r in rows] == [1.0 / (i + 1) for i in range(300)]
    assert [r.get("acc") for r in rows] == [i / 1000 if i % 10 == 0 else None for i in range(300)]
    assert rows == list(want.scan_history())
    assert got.file("weights.bin").read() == bytes(range(256)) * 40
    images = [r for r in rows if "img" in r]
    assert [r["_step"] for r in images] == [0, 100, 200]
    for row in images:  # the media payloads find their bytes at the same paths
        path = row["img"]["path"]
        assert got.file(path).read() == want.file(path).read()
    console = got.file("output.log").read().decode()
    assert "at step 200" in console and console == want.file("output.log").read().decode()
    assert got.record.metadata["source"] == "wandb"
    (art,) = got.logged_artifacts()
    assert (art.name, art.type, art.description) == ("ds:v0", "dataset", "the data")
    assert art.metadata == {"rows": 2} and "best" in art.aliases
    assert sorted(art.manifest.entries) == ["data/sub/b.txt", "ref.csv", "weights.bin"]
    assert art.get_entry("ref.csv").ref == "https://example.invalid/key.csv"  # not fetched
    folder = tmp_path / "art"
    weights = art.get_entry("weights.bin").download(root=str(folder))
    assert Path(weights).read_bytes() == bytes(range(256)) * 40
    assert Path(art.get_entry("data/sub/b.txt").download(root=str(folder))).read_text() == "beta"
    assert "imported 1 artifact versions" in done.stdout

    # Twice adds nothing (one run chosen by id, then the whole project).
    done = _import(importer, env, server_a, "--runs", "run1")
    assert "imported 0 runs (0 points), 1 already imported and unchanged" in done.stdout
    done = _import(importer, env, server_a, "--runs", "nope", ok=False)
    assert "'nope'" in done.stderr and "Traceback" not in done.stderr
    done = _import(importer, env, server_a)
    assert "imported 0 runs (0 points), 1 already imported and unchanged" in done.stdout
    assert list(runyard.Api().run("me/dst/run1").scan_history()) == rows

    # An import stopped half-way (history up to step 149 written, the run's final batch
    # not) goes on from there.
    store = runyard.Api().store
    store.write_batch(
        RunBatch(run=got.ref, truncate_after=149, meta={"last_step": 149}, metadata={})
    )
    assert len(list(runyard.Api().run("me/dst/run1").scan_history())) == 150
    done = _import(importer, env, server_a)
    assert "150 history rows (to step 299)" in done.stderr, done.stderr
    assert list(runyard.Api().run("me/dst/run1").scan_history()) == rows

    # The run grows in the source: only its new rows come in.
    _log(wandb_python, env, tmp_path, 50, "resume")
    done = _import(importer, env, server_a)
    assert "imported 1 runs (106 points)" in done.stdout, (
        done.stdout
    )  # 50 x loss, epoch; 5 acc; img
    assert "50 history rows (to step 349)" in done.stderr
    assert "artifact" not in done.stdout  # the version came in once
    grown = runyard.Api().run("me/dst/run1")
    rows = list(grown.scan_history())
    assert [r["_step"] for r in rows] == list(range(350))
    want = _source(server_a).run("local/src/run1")
    assert rows == list(want.scan_history())
    assert len(grown.logged_artifacts()) == 1
    console = grown.file("output.log").read()
    assert b"resumed" in console and console == want.file("output.log").read()


def test_without_wandb_the_error_says_how_to_install_it(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runyard's own venv has no wandb (it is not a dependency)."""
    with pytest.raises(ImportError):
        import wandb  # noqa: F401
    assert main(["import", "wandb", "team/proj"]) == 2
    assert "pip install wandb" in capsys.readouterr().err


def test_a_path_that_is_not_entity_project_is_named(
    ry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "wandb", "team/proj/run"]) == 2
    assert "'team/proj/run'" in capsys.readouterr().err
