"""A throwaway S3-compatible server for any test (fixtures `s3_endpoint`, `s3_blobs_uri`).

One ``moto_server`` process per test session on 127.0.0.1 and a free port, spoken
to over real HTTP by boto3 (no in-process mocking). Each test gets its own bucket.
Without moto the S3 tests are skipped, or fail when ``RUNYARD_REQUIRE_S3=1`` (CI).
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Credentials moto accepts; real ones are never needed or read.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "runyard-test",
    "AWS_SECRET_ACCESS_KEY": "runyard-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
_AWS_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
_buckets = itertools.count()


def _unavailable(message: str) -> None:
    if os.environ.get("RUNYARD_REQUIRE_S3") == "1":
        pytest.fail(message + " (RUNYARD_REQUIRE_S3=1)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_environ(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) with test credentials and no AWS profile files."""
    env = dict(os.environ if base is None else base)
    for name in _AWS_CLEARED:
        env.pop(name, None)
    env.update(S3_ENV)
    missing = str(Path(tempfile.gettempdir()) / "runyard-no-aws-config")
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = missing
    return env


def s3_client(endpoint: str) -> Any:
    """A boto3 client on the test server (for arranging buckets and checking objects)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_ENV["AWS_DEFAULT_REGION"],
    )
    return session.client(
        "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"})
    )


def new_bucket(endpoint: str) -> str:
    """Create an empty bucket with a name no other test uses and return the name."""
    name = f"runyard-{os.getpid()}-{next(_buckets)}"
    client = s3_client(endpoint)
    try:
        client.create_bucket(Bucket=name)
    finally:
        client.close()
    return name


def _wait_ready(proc: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"moto_server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(endpoint + "/moto-api/", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"moto_server did not answer on {endpoint} within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """URL of a running ``moto_server`` (S3 API) for the whole session."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as exc:
        _unavailable(f"S3 tests need boto3 and moto[server] ({exc}); pip install 'moto[server]'")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="runyard-moto-")) / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=s3_environ(),
        )
    try:
        _wait_ready(proc, endpoint, log)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.unlink(missing_ok=True)
        log.parent.rmdir()


@pytest.fixture
def s3_blobs_uri(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``s3://<fresh bucket>/blobs``, with test credentials set in the environment."""
    for name, value in s3_environ().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    for name in _AWS_CLEARED:
        monkeypatch.delenv(name, raising=False)
    return f"s3://{new_bucket(s3_endpoint)}/blobs"
