"""The `BlobStore` contract, run against every backend: local files and S3 (moto_server)."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from runyard.blobs.base import BlobStore
from runyard.blobs.registry import open_blobs


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        store = open_blobs(f"file://{tmp_path / 'blobs'}")
    else:
        uri = request.getfixturevalue("s3_blobs_uri")
        store = open_blobs(uri, s3_endpoint_url=request.getfixturevalue("s3_endpoint"))
    try:
        yield store
    finally:
        store.close()


def test_put_get_round_trip_and_replace(blobs: BlobStore) -> None:
    blobs.put("e/p/r/a.bin", b"\x00\x01binary\xff")
    assert blobs.get("e/p/r/a.bin") == b"\x00\x01binary\xff"
    blobs.put("e/p/r/a.bin", b"second")
    assert blobs.get("e/p/r/a.bin") == b"second"
    blobs.put("e/p/r/empty", b"")
    assert blobs.get("e/p/r/empty") == b""


def test_missing_keys(blobs: BlobStore) -> None:
    with pytest.raises(FileNotFoundError):
        blobs.get("e/p/r/nothing")
    assert not blobs.exists("e/p/r/nothing")
    blobs.delete("e/p/r/nothing")  # absent keys are ignored
    assert blobs.list("e/p/r") == []


def test_exists_and_delete(blobs: BlobStore) -> None:
    blobs.put("e/p/r/x", b"x")
    assert blobs.exists("e/p/r/x")
    blobs.delete("e/p/r/x")
    assert not blobs.exists("e/p/r/x")
    with pytest.raises(FileNotFoundError):
        blobs.get("e/p/r/x")


def test_list_is_sorted_with_sizes_and_stays_under_the_prefix(blobs: BlobStore) -> None:
    blobs.put("e/p/r/b.txt", b"bb")
    blobs.put("e/p/r/a/deep/c.txt", b"ccc")
    blobs.put("e/p/r/a.txt", b"a")
    blobs.put("e/p/rr/other.txt", b"not under e/p/r/")
    assert blobs.list("e/p/r") == [
        ("e/p/r/a.txt", 1),
        ("e/p/r/a/deep/c.txt", 3),
        ("e/p/r/b.txt", 2),
    ]
    assert blobs.list("e/p/r/a") == [("e/p/r/a/deep/c.txt", 3)]


def test_delete_prefix_removes_only_that_prefix(blobs: BlobStore) -> None:
    for name in ("one", "two", "sub/three"):
        blobs.put(f"e/p/r/{name}", name.encode())
    blobs.put("e/p/r2/keep", b"keep")
    assert blobs.delete_prefix("e/p/r") == 3
    assert blobs.list("e/p/r") == []
    assert blobs.get("e/p/r2/keep") == b"keep"
    assert blobs.delete_prefix("e/p/r") == 0


def test_content_addressed_put_skips_existing_objects(blobs: BlobStore) -> None:
    data = b"an image"
    digest = hashlib.sha256(data).hexdigest()
    key = blobs.put_content_addressed("e/p/r/media/images", data, ".png")
    assert key == f"e/p/r/media/images/{digest[:2]}/{digest}.png"
    assert blobs.get(key) == data
    # Were the second call to write, it would undo this change: it must not.
    blobs.put(key, b"marker")
    assert blobs.put_content_addressed("e/p/r/media/images", data, ".png") == key
    assert blobs.get(key) == b"marker"


@pytest.mark.parametrize("key", ["", "/abs", "a//b", "a/../b", "./a", "a/.", "a/"])
def test_keys_that_could_escape_are_refused(blobs: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="invalid blob key"):
        blobs.put(key, b"x")
    with pytest.raises(ValueError, match="invalid blob key"):
        blobs.get(key)


def test_concurrent_writers_share_one_store(blobs: BlobStore) -> None:
    def write(i: int) -> None:
        blobs.put(f"e/p/r/t/{i:03d}", str(i).encode())
        assert blobs.get(f"e/p/r/t/{i:03d}") == str(i).encode()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(40)))
    assert [k for k, _ in blobs.list("e/p/r/t")] == [f"e/p/r/t/{i:03d}" for i in range(40)]


def test_presigned_urls_work_over_plain_http_or_are_not_offered(blobs: BlobStore) -> None:
    put_url = blobs.presigned_put("e/p/r/big.bin", expires=300)
    get_url = blobs.presigned_get("e/p/r/big.bin", expires=300)
    if blobs.uri.startswith("file://"):
        assert put_url is None and get_url is None
        return
    assert put_url is not None and get_url is not None
    payload = bytes(range(256)) * 64
    # An explicit binary type: urllib's default (form-urlencoded) makes moto parse a form.
    request = urllib.request.Request(
        put_url, data=payload, method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert blobs.get("e/p/r/big.bin") == payload
    with urllib.request.urlopen(get_url, timeout=30) as response:
        assert response.read() == payload


def test_size(blobs: BlobStore) -> None:
    blobs.put("e/p/r/s", b"12345")
    assert blobs.size("e/p/r/s") == 5
    with pytest.raises(FileNotFoundError):
        blobs.size("e/p/r/none")
