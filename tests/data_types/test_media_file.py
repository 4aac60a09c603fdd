"""``store_media``: content-addressed media files under the run's prefix, through a sink."""

from __future__ import annotations

import hashlib

from runyard.data_types.media_file import store_media
from tests.data_types.conftest import StoredSink


def test_stores_once_and_returns_a_run_relative_path(sink: StoredSink) -> None:
    first = store_media(sink, "misc", b"abc", ".bin")
    second = store_media(sink, "misc", b"abc", ".bin")
    other = store_media(sink, "misc", b"abd", ".bin")
    sha = hashlib.sha256(b"abc").hexdigest()
    assert first == {"sha256": sha, "size": 3, "path": f"media/misc/{sha[:2]}/{sha}.bin"}
    assert second == first
    assert other["path"] != first["path"]
    assert len(sink.names("media/misc")) == 2
    assert sink.read(first["path"]) == b"abc"
