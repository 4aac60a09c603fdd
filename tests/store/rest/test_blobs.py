"""`HttpBlobStore` against a real ``runyard server`` (local and S3 blobs), with real faults.

Faults come from a small HTTP proxy in front of the server that answers 503 or 429
for the first requests, or from a port that starts listening only after the
client has failed to connect. Waits go to a fake clock (:class:`FakeClock`).
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from runyard.blobs.keys import run_prefix
from runyard.entities import RunRef
from runyard.server.routes.files import REDIRECT_BYTES
from runyard.store.base import RunBatch
from runyard.store.rest.blobs import HttpBlobStore
from runyard.store.sql.store import SqlStore
from tests.s3 import new_bucket, s3_client, s3_environ
from tests.store.rest.faults import FakeClock


class Server:
    def __init__(
        self, url: str, key: str, store_uri: str, bucket: str | None, endpoint: str | None
    ) -> None:
        self.url, self.key, self.store_uri = url, key, store_uri
        self.bucket, self.endpoint = bucket, endpoint
        self.presigns = False

    def create_run(self, ref: RunRef) -> None:
        store = SqlStore(self.store_uri)
        store.write_batch(RunBatch(run=ref, create={"created_at": time.time()}))
        store.close()


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module", params=["local", "s3", "s3-no-presign"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("http-blobs")
    env = {k: v for k, v in s3_environ().items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env["RUNYARD_DIR"] = str(root / "runyard")
    store_uri = f"sqlite:///{root}/team.db"
    bucket = endpoint = None
    options = ["--store", store_uri, "--blobs", f"file://{root}/blobs"]
    if request.param.startswith("s3"):
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = new_bucket(endpoint)
        options = ["--store", store_uri, "--blobs", f"s3://{bucket}", "--s3-endpoint-url", endpoint]
        if request.param == "s3-no-presign":
            options.append("--no-presign")
    _cli(env, "db", "upgrade", "--store", store_uri)
    key = _cli(env, "admin", "bootstrap", "--store", store_uri, "--username", "root").strip()
    with subprocess.Popen(
        [sys.executable, "-m", "runyard.cli.main", "server", "--port", "0", *options],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        if not line.startswith("Runyard UI: "):
            proc.kill()
            raise AssertionError(f"server did not start: {line!r} {proc.stderr.read()}")
        try:
            started = Server(line.split()[-1], key, store_uri, bucket, endpoint)
            started.presigns = request.param == "s3"
            yield started
        finally:
            proc.terminate()
            proc.communicate(timeout=30)


class FlakyProxy:
    """Forwards to ``target``; the first ``failures`` requests get ``status`` instead."""

    def __init__(self, target: str, failures: int = 0, status: int = 503, **headers: str):
        self.failures, self.status, self.headers = failures, status, headers
        self.seen: list[tuple[str, str]] = []
        parts = urlsplit(target)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.seen.append((self.command, self.path))
                if proxy.failures > 0:
                    proxy.failures -= 1
                    self.send_response(proxy.status)
                    for name, value in proxy.headers.items():
                        self.send_header(name.replace("_", "-"), value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header(
                    "Content-Length", answer.getheader("Content-Length") or str(len(data))
                )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = _handle

        self._handler = Handler
        self.httpd: ThreadingHTTPServer | None = None

    def listen(self, port: int = 0) -> str:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture
def proxy(server: Server) -> Iterator[FlakyProxy]:
    flaky = FlakyProxy(server.url)
    yield flaky
    flaky.close()


_runs = iter(range(10**6))


@pytest.fixture
def ref(server: Server) -> RunRef:
    run = RunRef("root", "my proj", f"run {next(_runs)}")  # names blob keys must spell safely
    server.create_run(run)
    return run


def test_round_trip_through_the_server(server: Server, ref: RunRef) -> None:
    store = HttpBlobStore(server.url, server.key, runs=[ref])
    prefix = run_prefix(ref)
    assert " " not in prefix  # keys spell the names safely (see runyard.blobs.keys)
    store.put(f"{prefix}/media/images/a b.png", b"\x89PNG")
    store.put(f"{prefix}/model.bin", b"w" * 5000)
    assert store.get(f"{prefix}/media/images/a b.png") == b"\x89PNG"
    assert store.exists(f"{prefix}/model.bin") and store.size(f"{prefix}/model.bin") == 5000
    assert not store.exists(f"{prefix}/none")
    with pytest.raises(FileNotFoundError):
        store.get(f"{prefix}/none")
    assert store.list(prefix) == [
        (f"{prefix}/media/images/a b.png", 4),
        (f"{prefix}/model.bin", 5000),
    ]
    assert store.list(f"{prefix}/media") == [(f"{prefix}/media/images/a b.png", 4)]
    store.delete(f"{prefix}/model.bin")
    store.delete(f"{prefix}/none")  # absent keys are ignored, as in every BlobStore
    assert store.list(prefix) == [(f"{prefix}/media/images/a b.png", 4)]
    store.close()


def test_large_uploads_skip_the_server_when_it_can_presign(
    server: Server, ref: RunRef, proxy: FlakyProxy
) -> None:
    store = HttpBlobStore(proxy.listen(), server.key, runs=[ref])
    key = f"{run_prefix(ref)}/ckpt.bin"
    payload = b"c" * REDIRECT_BYTES  # large enough for downloads to redirect to the bucket
    store.put(key, payload)
    puts = [path for method, path in proxy.seen if method == "PUT"]
    if not server.presigns:
        assert len(puts) == 1 and puts[0].endswith("/files/ckpt.bin")
    else:
        assert puts == []  # straight to the bucket
    if server.endpoint is not None:
        assert server.bucket is not None
        client = s3_client(server.endpoint)
        stored = client.get_object(Bucket=server.bucket, Key=key)["Body"].read()
        client.close()
        assert stored == payload
    proxy.seen.clear()
    assert store.get(key) == payload
    assert proxy.seen == [("GET", urlsplit(store._file_url(key)).path)]  # then the bucket
    store.close()


def test_content_addressed_puts_upload_once(server: Server, ref: RunRef, proxy: FlakyProxy) -> None:
    store = HttpBlobStore(proxy.listen(), server.key, runs=[ref])
    first = store.put_content_addressed(f"{run_prefix(ref)}/media/images", b"img", ".png")
    second = store.put_content_addressed(f"{run_prefix(ref)}/media/images", b"img", ".png")
    assert first == second
    assert [m for m, _ in proxy.seen].count("POST") == 1  # one upload; the second was a HEAD
    store.close()


def test_5xx_is_retried_with_backoff(server: Server, ref: RunRef, proxy: FlakyProxy) -> None:
    clock = FakeClock()
    proxy.failures = 3
    store = HttpBlobStore(proxy.listen(), server.key, runs=[ref], policy=clock.policy())
    store.put(f"{run_prefix(ref)}/f", b"data")
    assert clock.sleeps == [0.1, 0.2, 0.4]
    assert store.get(f"{run_prefix(ref)}/f") == b"data"
    store.close()


def test_429_honours_retry_after(server: Server, ref: RunRef) -> None:
    flaky = FlakyProxy(server.url, failures=1, status=429, Retry_After="7")
    clock = FakeClock()
    store = HttpBlobStore(flaky.listen(), server.key, runs=[ref], policy=clock.policy())
    try:
        store.put(f"{run_prefix(ref)}/f", b"data")
    finally:
        store.close()
        flaky.close()
    assert clock.sleeps == [7.0]


def test_giving_up_names_the_url_and_status(server: Server, ref: RunRef, proxy: FlakyProxy) -> None:
    proxy.failures = 100
    url = proxy.listen()
    store = HttpBlobStore(url, server.key, runs=[ref], retries=2)
    with pytest.raises(
        OSError,
        match=r"POST http://127\.0\.0\.1:\d+/api/v1/.*/uploads failed after 3 attempts .*: HTTP 503",
    ):
        store.put(f"{run_prefix(ref)}/f", b"data")
    assert len(proxy.seen) == 3
    store.close()
    once = HttpBlobStore(url, server.key, runs=[ref], retries=0)  # what the writer uses
    with pytest.raises(OSError, match="failed after 1 attempt in"):
        once.put(f"{run_prefix(ref)}/f", b"data")
    assert len(proxy.seen) == 4
    once.close()


def test_a_server_that_comes_up_late_gets_the_upload(server: Server, ref: RunRef) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    late = FlakyProxy(server.url)

    def bring_up(_seconds: float) -> None:  # the first failed connect brings the server up
        if late.httpd is None:
            late.listen(port)

    clock = FakeClock(on_sleep=bring_up)
    store = HttpBlobStore(f"http://127.0.0.1:{port}", server.key, runs=[ref], policy=clock.policy())
    store.put(f"{run_prefix(ref)}/f", b"late")
    assert clock.sleeps == [0.1]
    assert store.get(f"{run_prefix(ref)}/f") == b"late"
    store.close()
    late.close()


def test_bad_credentials_are_a_permission_error(server: Server, ref: RunRef) -> None:
    store = HttpBlobStore(server.url, "ry_wrong_key", runs=[ref])
    with pytest.raises(PermissionError, match="HTTP 401"):
        store.put(f"{run_prefix(ref)}/f", b"x")
    store.close()
    anonymous = HttpBlobStore(server.url, runs=[ref])
    with pytest.raises(PermissionError):
        anonymous.get(f"{run_prefix(ref)}/f")
    anonymous.close()


def test_keys_must_be_under_a_run_and_urls_must_be_http(tmp_path: Path) -> None:
    store = HttpBlobStore("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="'e/p' is not under a run"):
        store.put("e/p", b"x")
    with pytest.raises(ValueError, match="invalid blob key"):
        store.get("e/p/r/../x")
    with pytest.raises(ValueError, match="invalid blob key"):
        store.delete("e/p/r/../x")
    store.close()
    with pytest.raises(ValueError, match="invalid Runyard server URL 'ftp://x'"):
        HttpBlobStore("ftp://x")


def test_literal_keys_without_registered_runs(server: Server) -> None:
    ref = RunRef("root", "plain", "r1")
    server.create_run(ref)
    store = HttpBlobStore(server.url, server.key)
    store.put("root/plain/r1/a.txt", b"a")
    assert store.list("root/plain/r1") == [("root/plain/r1/a.txt", 1)]
    store.close()


def test_keys_of_unregistered_runs_decode_to_their_real_names(server: Server) -> None:
    """The public API's store knows no runs: a key's escaped names are decoded (issue 12,
    point 2), so ``alice.``'s files are never read from or written to ``alice``'s."""
    ref = RunRef("root", "Ünï code.", f"r {next(_runs)}")
    server.create_run(ref)
    store = HttpBlobStore(server.url, server.key)
    key = f"{run_prefix(ref)}/a.txt"
    store.put(key, b"a")
    assert store.list(run_prefix(ref)) == [(key, 1)]
    registered = HttpBlobStore(server.url, server.key, runs=[ref])
    assert registered.get(key) == b"a"
    registered.close()
    with pytest.raises(ValueError, match="blob key part"):
        store.get("root/%61/r1/a.txt")  # not a spelling the keys ever use
    store.close()


def test_import_runyard_does_not_import_httpx() -> None:
    """Nor do the registries: the server client loads when a server URI is opened."""
    code = (
        "import sys, runyard, runyard.blobs.registry, runyard.store.registry\n"
        "assert 'httpx' not in sys.modules, 'httpx imported'\n"
        "assert 'tenacity' not in sys.modules, 'tenacity imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
