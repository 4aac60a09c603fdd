"""`S3BlobStore` beyond the contract: URIs, prefixes, pagination, batches, bucket checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from runyard.blobs.registry import open_blobs
from runyard.blobs.s3 import S3BlobStore
from runyard.settings import Settings
from tests.s3 import new_bucket, s3_client


@pytest.mark.parametrize(
    "uri", ["s3://", "s3:///prefix", "file:///x", "s3://b/p?x=1", "s3://b/a/../c"]
)
def test_bad_uris_are_refused_naming_them(uri: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        S3BlobStore(uri, client=object())


def test_uri_is_normalised(s3_blobs_uri: str, s3_endpoint: str) -> None:
    bucket = s3_blobs_uri.split("/")[2]
    store = S3BlobStore(f"s3://{bucket}/a/b/", endpoint_url=s3_endpoint)
    assert (store.bucket, store.prefix, store.uri) == (bucket, "a/b", f"s3://{bucket}/a/b")
    store.put("k/v", b"1")
    client = s3_client(s3_endpoint)
    assert client.get_object(Bucket=bucket, Key="a/b/k/v")["Body"].read() == b"1"
    client.close()
    store.close()


def test_prefixes_isolate_stores_sharing_a_bucket(s3_blobs_uri: str, s3_endpoint: str) -> None:
    bucket = s3_blobs_uri.split("/")[2]
    one = S3BlobStore(f"s3://{bucket}/one", endpoint_url=s3_endpoint)
    two = S3BlobStore(f"s3://{bucket}/two", endpoint_url=s3_endpoint)
    whole = S3BlobStore(f"s3://{bucket}", endpoint_url=s3_endpoint)
    one.put("e/p/r/f", b"1")
    two.put("e/p/r/f", b"22")
    assert one.list("e") == [("e/p/r/f", 1)]
    assert two.list("e") == [("e/p/r/f", 2)]
    assert whole.list("one") == [("one/e/p/r/f", 1)]
    assert one.delete_prefix("e") == 1
    assert two.get("e/p/r/f") == b"22"
    for store in (one, two, whole):
        store.close()


def test_list_and_delete_prefix_go_past_one_page(s3_blobs_uri: str, s3_endpoint: str) -> None:
    """S3 lists 1000 keys per page and deletes 1000 per request: 1001 needs two of each."""
    store = open_blobs(s3_blobs_uri, s3_endpoint_url=s3_endpoint)
    count = 1001
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: store.put(f"e/p/r/many/{i:04d}", b"x"), range(count)))
    listed = store.list("e/p/r/many")
    assert len(listed) == count and listed[0] == ("e/p/r/many/0000", 1)
    assert listed[-1] == (f"e/p/r/many/{count - 1:04d}", 1)
    assert store.delete_prefix("e/p/r/many") == count
    assert store.list("e/p/r/many") == []
    store.close()


def test_check_names_a_missing_bucket(s3_endpoint: str, s3_blobs_uri: str) -> None:
    store = S3BlobStore("s3://runyard-no-such-bucket/x", endpoint_url=s3_endpoint)
    with pytest.raises(OSError, match=r"'runyard-no-such-bucket'.*is not usable"):
        store.check()
    store.close()
    good = open_blobs(s3_blobs_uri, s3_endpoint_url=s3_endpoint)
    good.check()
    good.close()


def test_endpoint_comes_from_settings_when_not_given(
    s3_endpoint: str, s3_blobs_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNYARD_S3_ENDPOINT_URL", s3_endpoint)
    store = open_blobs(s3_blobs_uri)
    assert isinstance(store, S3BlobStore) and store.endpoint_url == s3_endpoint
    store.put("e/k", b"v")
    assert store.get("e/k") == b"v"
    store.close()
    monkeypatch.delenv("RUNYARD_S3_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)  # boto3's own name works too
    assert Settings.from_env().s3_endpoint_url == s3_endpoint


def test_content_addressed_puts_of_a_new_bucket(s3_endpoint: str, s3_blobs_uri: str) -> None:
    bucket = new_bucket(s3_endpoint)
    store = open_blobs(f"s3://{bucket}", s3_endpoint_url=s3_endpoint)
    key = store.put_content_addressed("e/p/r/media", b"abc", ".txt")
    assert store.list("e/p/r/media") == [(key, 3)]
    store.close()


def test_presigning_can_be_turned_off(s3_blobs_uri: str, s3_endpoint: str) -> None:
    store = open_blobs(s3_blobs_uri, s3_endpoint_url=s3_endpoint, s3_presign=False)
    assert store.presigned_put("e/k") is None and store.presigned_get("e/k") is None
    store.put("e/k", b"still stored")
    assert store.get("e/k") == b"still stored"
    store.close()
