"""``runyard login`` against a real ``runyard server`` with auth (SQLite behind it).

The key is created with ``runyard admin bootstrap``, checked by the server and saved
in ``$RUNYARD_CONFIG_DIR/credentials``; a script with no ``RUNYARD_*`` server
variables then logs online with it.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.cli.main import main
from runyard.entities import RunRef
from runyard.settings import Settings, api_key_for
from runyard.store.registry import open_store
from tests.e2e.server import RunyardServer, bootstrap_admin, free_port, upgrade_store


@pytest.fixture
def config(ry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("RUNYARD_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunyardServer, str]]:
    root = tmp_path_factory.mktemp("login")
    uri = f"sqlite:///{root / 'server.db'}"
    upgrade_store(uri)
    key = bootstrap_admin(uri)
    server = RunyardServer(root, uri, f"file://{root / 'blobs'}", api_key=key).start()
    yield server, key
    server.stop()


def saved(config: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((config / "credentials").read_text())
    return data


def test_login_checks_and_saves_the_key(
    config: Path, auth_server: tuple[RunyardServer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server, key = auth_server
    assert main(["login", "--host", server.url + "/", key]) == 0
    assert f"logged in to {server.url} as root" in capsys.readouterr().out
    assert saved(config) == {"default": server.url, "servers": {server.url: {"api_key": key}}}
    assert stat.S_IMODE((config / "credentials").stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    settings = Settings.from_env()
    assert (settings.base_url, settings.api_key, settings.store_uri) == (
        server.url,
        key,
        server.url,
    )
    assert key not in repr(settings)
    assert api_key_for(server.url) == key

    # Logged in already: nothing asked, nothing changed; --relogin replaces the key.
    assert main(["login"]) == 0
    assert "already logged in" in capsys.readouterr().out
    assert main(["login", "--relogin", "--no-verify", "ry_other"]) == 0
    assert saved(config)["servers"] == {server.url: {"api_key": "ry_other"}}


def test_a_refused_key_is_not_saved(
    config: Path, auth_server: tuple[RunyardServer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = auth_server
    assert main(["login", "--host", server.url, "ry_000000000000_wrong"]) == 1
    assert "refused this API key" in capsys.readouterr().err
    assert not (config / "credentials").exists()


def test_unreachable_server_saves_with_a_warning(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["login", "--host", url, "ry_key"]) == 0
    assert "could not reach" in capsys.readouterr().err
    assert saved(config)["default"] == url


def test_bad_or_missing_host(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["login", "ry_key"]) == 2
    assert "no server to log in to" in capsys.readouterr().err
    assert main(["login", "--host", "ftp://x", "ry_key"]) == 2
    assert "invalid server URL 'ftp://x'" in capsys.readouterr().err


def test_environment_wins_over_the_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.mkdir()
    (config / "credentials").write_text(
        json.dumps(
            {
                "default": "http://a:1",
                "servers": {"http://a:1": {"api_key": "ka"}, "http://b:2": {"api_key": "kb"}},
            }
        )
    )
    assert (Settings.from_env().base_url, Settings.from_env().api_key) == ("http://a:1", "ka")
    monkeypatch.setenv("RUNYARD_BASE_URL", "http://b:2")
    assert Settings.from_env().api_key == "kb"  # the key saved for that server
    monkeypatch.setenv("RUNYARD_API_KEY", "kenv")
    assert Settings.from_env().api_key == "kenv"
    monkeypatch.delenv("RUNYARD_BASE_URL")
    monkeypatch.delenv("RUNYARD_API_KEY")
    monkeypatch.setenv("RUNYARD_STORE", "sqlite:////tmp/x.db")  # an explicit store wins
    assert Settings.from_env().store_uri == "sqlite:////tmp/x.db"
    (config / "credentials").write_text("{not json")
    assert Settings.from_env().base_url is None  # a damaged file reads as no credentials


def test_key_from_stdin_then_a_script_logs_online(
    tmp_path: Path, auth_server: tuple[RunyardServer, str]
) -> None:
    server, key = auth_server
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RUNYARD_CONFIG_DIR": str(tmp_path / "cfg"),
        "RUNYARD_DIR": str(tmp_path / "ry"),
    }
    login = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "login", "--host", server.url],
        input=key + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    code = (
        "import runyard\n"
        "run = runyard.init(entity='root', project='login', name='via-credentials')\n"
        "run.log({'a': 1.0})\nrun.finish()\nprint(run.id)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    store = open_store(server.store_uri)
    try:
        record = store.get_run(RunRef("root", "login", result.stdout.strip()))
    finally:
        store.close()
    assert record is not None and record.display_name == "via-credentials"
    assert record.summary["a"] == 1.0


def test_local_commands_keep_their_own_store(config: Path, ry_dir: Path) -> None:
    """Logged in, the SDK logs to the server; `runyard ui`/`db`/`admin` still mean the
    embedded store, and the server's journals stay apart from the embedded ones."""
    assert main(["login", "--host", "http://127.0.0.1:9", "--no-verify", "ry_k"]) == 0
    settings = Settings.from_env()
    assert settings.store_uri == "http://127.0.0.1:9"
    assert settings.local_store_uri == f"sqlite:///{ry_dir / 'runyard.db'}"
    assert settings.journal_dir.parent == ry_dir / "journals"
    assert settings.journal_dir != settings.journal_dir_for(settings.local_store_uri)


def test_wandb_login_from_a_script(
    config: Path, auth_server: tuple[RunyardServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wandb.login()` as scripts call it, with `import runyard as wandb`."""
    import runyard as wandb
    from runyard.errors import CommError, UsageError

    assert wandb.login() is True  # embedded: nothing to log in to
    server, key = auth_server
    monkeypatch.setenv("RUNYARD_BASE_URL", server.url)
    with pytest.raises(UsageError, match="api_key not configured"):
        wandb.login()
    with pytest.raises(CommError, match="could not verify"):
        wandb.login(key="ry_000000000000_wrong", verify=True)
    assert not (config / "credentials").exists()
    assert wandb.login(key=key, verify=True) is True
    assert saved(config)["servers"] == {server.url: {"api_key": key}}
    assert wandb.login() is True
    assert Settings.from_env().api_key == key


def test_key_and_server_from_init_settings(
    tmp_path: Path, auth_server: tuple[RunyardServer, str]
) -> None:
    """init(settings={"base_url", "api_key"}) wins over a wrong key in the environment."""
    server, key = auth_server
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RUNYARD_CONFIG_DIR": str(tmp_path / "cfg"),
        "RUNYARD_DIR": str(tmp_path / "ry"),
        "RUNYARD_API_KEY": "ry_000000000000_wrong",
    }
    code = (
        "import sys, numpy as np, runyard\n"
        "run = runyard.init(entity='root', project='login', settings={'base_url': sys.argv[1],"
        " 'api_key': sys.argv[2], 'finish_timeout': 5})\n"
        "run.summary['w'] = np.arange(40.0)\n"  # a tensor file: the blob store's key too
        "run.log({'a': 2.0})\nrun.finish()\nprint(run.id)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, server.url, key],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    store = open_store(server.store_uri)
    try:
        record = store.get_run(RunRef("root", "login", result.stdout.strip()))
    finally:
        store.close()
    assert record is not None and record.summary["a"] == 2.0
    assert record.summary["w"]["_type"] == "numpy.ndarray"


def test_a_refused_key_does_not_hold_the_script_at_exit(
    tmp_path: Path, auth_server: tuple[RunyardServer, str]
) -> None:
    """A wrong key: the run keeps its journal, exits at once (no finish_timeout wait) and
    says how to fix it; `runyard sync` with the right key then uploads everything."""
    server, key = auth_server
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RUNYARD_CONFIG_DIR": str(tmp_path / "cfg"),
        "RUNYARD_DIR": str(tmp_path / "ry"),
        "RUNYARD_BASE_URL": server.url,
        "RUNYARD_API_KEY": "ry_000000000000_wrong",
        # Longer than the script may take: exiting at all shows it did not wait.
        "RUNYARD_FINISH_TIMEOUT": "3600",
    }
    code = (
        "import runyard\nrun = runyard.init(entity='root', project='refused')\n"
        "for i in range(100):\n    run.log({'a': float(i)})\nprint(run.id)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "refused the API key" in result.stderr and "runyard login --relogin" in result.stderr
    run_id = result.stdout.strip()
    synced = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "sync"],
        env={**env, "RUNYARD_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert synced.returncode == 0, synced.stderr
    assert f"done: root/refused/{run_id}, 100 rows, finished" in synced.stdout, synced.stdout
