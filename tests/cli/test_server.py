"""``runyard server`` on PostgreSQL + S3 (moto_server): strict schema check, storage options."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runyard.store.sql.migrate import upgrade
from tests.s3 import s3_client, s3_environ


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in s3_environ().items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env["RUNYARD_DIR"] = str(tmp_path / "runyard")
    return env


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def server(tmp_path: Path, *args: str, **env: str) -> Iterator[str]:
    """A running ``runyard server`` (``env``: extra variables); yields its URL."""
    with subprocess.Popen(
        [sys.executable, "-m", "runyard.cli.main", "server", "--port", "0", *args],
        env={**_env(tmp_path), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        if not line.startswith("Runyard UI: http://127.0.0.1:"):
            proc.kill()
            raise AssertionError(f"server did not start: {line!r} {proc.stderr.read()}")
        try:
            yield line.split()[-1]
        finally:
            proc.terminate()
            proc.communicate(timeout=30)


def request(
    url: str, data: bytes | None = None, method: str = "GET", key: str | None = None
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/octet-stream"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_empty_database_is_refused_naming_the_command(
    tmp_path: Path, postgres_uri: str, s3_blobs_uri: str, s3_endpoint: str
) -> None:
    result = cli(
        tmp_path, "server", "--port", "0", "--store", postgres_uri,
        "--blobs", s3_blobs_uri, "--s3-endpoint-url", s3_endpoint,
    )  # fmt: skip
    assert result.returncode == 1 and result.stdout == ""
    assert "has no Runyard schema yet" in result.stderr
    assert f"runyard db upgrade --store {postgres_uri}" in result.stderr


def test_outdated_database_is_refused_then_upgraded_then_served_with_s3_blobs(
    tmp_path: Path, postgres_uri: str, s3_blobs_uri: str, s3_endpoint: str
) -> None:
    upgrade(postgres_uri, "0002")
    options = ["--store", postgres_uri, "--blobs", s3_blobs_uri, "--s3-endpoint-url", s3_endpoint]
    refused = cli(tmp_path, "server", "--port", "0", *options)
    assert refused.returncode == 1
    assert "schema revision '0002' but this Runyard needs" in refused.stderr
    assert f"run `runyard db upgrade --store {postgres_uri}`" in refused.stderr

    upgraded = cli(tmp_path, "db", "upgrade", "--store", postgres_uri)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "upgraded from 0002 to" in upgraded.stdout
    again = cli(tmp_path, "db", "upgrade", "--store", postgres_uri)
    assert again.returncode == 0 and "already at schema revision" in again.stdout

    boot = cli(tmp_path, "admin", "bootstrap", "--store", postgres_uri, "--username", "root")
    assert boot.returncode == 0, boot.stderr
    key = boot.stdout.strip()

    with server(tmp_path, *options) as url:
        status, body = request(url + "api/v1/projects", key=key)
        assert status == 200 and json.loads(body) == {"projects": []}
        files = url + "api/v1/projects/root/p/runs/r/files/w.bin"
        assert request(files, b"weights", "PUT")[0] == 401
        status, body = request(files, b"weights", "PUT", key=key)
        assert status == 200, body
        bucket, prefix = s3_blobs_uri.removeprefix("s3://").split("/", 1)
        client = s3_client(s3_endpoint)
        stored = client.get_object(Bucket=bucket, Key=f"{prefix}/root/p/r/w.bin")
        assert stored["Body"].read() == b"weights"
        client.close()


def test_missing_bucket_is_refused_naming_it(
    tmp_path: Path, postgres_uri: str, s3_endpoint: str, s3_blobs_uri: str
) -> None:
    upgrade(postgres_uri)
    result = cli(
        tmp_path, "server", "--port", "0", "--store", postgres_uri,
        "--blobs", "s3://runyard-absent-bucket/x", "--s3-endpoint-url", s3_endpoint,
    )  # fmt: skip
    assert result.returncode == 1
    assert "S3 bucket 'runyard-absent-bucket'" in result.stderr
    assert "is not usable" in result.stderr


def test_bad_store_uri_is_refused_naming_it(tmp_path: Path) -> None:
    result = cli(tmp_path, "server", "--port", "0", "--store", "mysql://db/x")
    assert result.returncode == 1 and "unsupported store URI 'mysql://db/x'" in result.stderr


def test_sqlite_team_store_is_checked_too_and_the_upload_limit_applies(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/team.db"
    refused = cli(tmp_path, "server", "--port", "0", "--store", uri)
    assert refused.returncode == 1 and "runyard db upgrade --store" in refused.stderr
    assert cli(tmp_path, "db", "upgrade", "--store", uri).returncode == 0
    options = ["--store", uri, "--blobs", f"file://{tmp_path}/blobs", "--no-auth"]
    with server(tmp_path, *options, RUNYARD_MAX_UPLOAD_BYTES="1000") as url:
        files = url + "api/v1/projects/e/p/runs/r/files/"
        assert request(files + "ok", b"x" * 1000, "PUT")[0] == 200
        status, body = request(files + "big", b"x" * 1001, "PUT")
        assert status == 413 and b"limit of 1000 bytes" in body
    assert (tmp_path / "blobs" / "e" / "p" / "r" / "ok").read_bytes() == b"x" * 1000


def test_raising_the_upload_limit_raises_the_large_body_limit(tmp_path: Path) -> None:
    from runyard.cli.ui import _app
    from runyard.server.limits import Limits
    from runyard.settings import Settings

    default = Limits().large_body_bytes
    for wanted, large in ((1000, default), (default * 2, default * 2)):
        settings = Settings(root_dir=tmp_path, max_upload_bytes=wanted)
        app = _app(settings.store_uri, settings.blobs_uri, settings)
        assert app.state.max_upload_bytes == wanted
        assert app.state.limits.large_body_bytes == large


def test_db_upgrade_failure_is_a_clear_message(tmp_path: Path) -> None:
    result = cli(tmp_path, "db", "upgrade", "--store", "postgresql://u:pw@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "could not upgrade store postgresql://u:***@127.0.0.1:1/none" in result.stderr
    assert "pw@" not in result.stderr


def test_embedded_ui_still_upgrades_its_own_store(tmp_path: Path) -> None:
    from runyard.store.sql.db import open_db
    from runyard.store.sql.ddl import HEAD_REVISION
    from runyard.store.sql.revision import schema_revision

    (tmp_path / "runyard").mkdir()
    uri = f"sqlite:///{tmp_path}/runyard/runyard.db"
    upgrade(uri, "0002")
    with subprocess.Popen(
        [sys.executable, "-m", "runyard.cli.main", "ui", "--port", "0", "--no-browser"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        try:
            status, body = request(url + "api/v1/projects")
            assert status == 200 and json.loads(body) == {"projects": []}
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    db = open_db(uri)
    assert schema_revision(db) == HEAD_REVISION
    db.close()


def test_local_blobs_beside_a_shared_database_are_pointed_out(
    tmp_path: Path, postgres_uri: str
) -> None:
    upgrade(postgres_uri)
    options = ["--store", postgres_uri, "--blobs", f"file://{tmp_path}/blobs", "--no-auth"]
    with subprocess.Popen(
        [sys.executable, "-m", "runyard.cli.main", "server", "--port", "0", *options],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("Runyard UI: ")
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "on this machine only; replicas on other machines need a shared bucket" in err
