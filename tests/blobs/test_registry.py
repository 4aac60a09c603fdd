"""`open_blobs`: backends by URI scheme, options passed through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runyard.blobs.local import LocalBlobStore
from runyard.blobs.registry import open_blobs


def test_file_uris_open_the_local_store_and_ignore_s3_options(tmp_path: Path) -> None:
    store = open_blobs(f"file://{tmp_path}", s3_endpoint_url="http://unused")
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path


def test_unknown_schemes_name_the_uri() -> None:
    with pytest.raises(
        ValueError, match=r"'gs://bucket'.*known schemes: \['file', 'http', 'https', 's3'\]"
    ):
        open_blobs("gs://bucket")


def test_server_urls_open_the_server_client_with_the_saved_or_given_key(
    ry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's files through a Runyard server, with the key the environment (or
    `runyard login`) gives for it, or the one passed."""
    from runyard.store.rest.blobs import HttpBlobStore

    monkeypatch.setenv("RUNYARD_API_KEY", "ry_env")
    for uri in ("http://127.0.0.1:9", "https://runyard.example.org/prefix"):
        store = open_blobs(uri)
        try:
            assert isinstance(store, HttpBlobStore) and store.base_url == uri + "/"
            assert store.client._http.headers["authorization"] == "Bearer ry_env"
        finally:
            store.close()
    store = open_blobs("http://127.0.0.1:9", api_key="ry_given")
    assert store.client._http.headers["authorization"] == "Bearer ry_given"  # type: ignore[attr-defined]
    store.close()


def test_opening_an_s3_store_is_what_imports_boto3() -> None:
    code = (
        "import sys, runyard, runyard.blobs.registry\n"
        "assert 'boto3' not in sys.modules\n"
        "from runyard.blobs.s3 import S3BlobStore\n"
        "assert 'boto3' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
