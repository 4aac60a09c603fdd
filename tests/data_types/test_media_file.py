"""``store_media``: content-addressed media files under the run's blob prefix."""

from __future__ import annotations

import hashlib
from pathlib import Path

import runyard
from runyard.blobs.keys import run_prefix
from runyard.data_types.media_file import store_media
from runyard.sdk.files import run_blobs


def test_stores_once_and_returns_a_run_relative_path(ry_dir: Path) -> None:
    run = runyard.init(project="media")
    try:
        first = store_media(run, "misc", b"abc", ".bin")
        second = store_media(run, "misc", b"abc", ".bin")
        other = store_media(run, "misc", b"abd", ".bin")
        blobs = run_blobs(run.settings)
        prefix = run_prefix(run.ref)
        listed = blobs.list(f"{prefix}/media/misc")
        data = blobs.get(f"{prefix}/{first['path']}")
    finally:
        run.finish()
    sha = hashlib.sha256(b"abc").hexdigest()
    assert first == {"sha256": sha, "size": 3, "path": f"media/misc/{sha[:2]}/{sha}.bin"}
    assert second == first
    assert other["path"] != first["path"]
    assert len(listed) == 2
    assert data == b"abc"
