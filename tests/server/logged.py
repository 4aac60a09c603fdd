"""Runs with logged media written straight into a real store and blob store.

The media, table and chart routes read what the SDK writes: payloads in history and
summary, files content-addressed under the run's blob prefix, and charts in the
config's ``_wandb.visualize``. Writing those here (instead of through ``log``) lets
tests place values at chosen steps, only in the summary, or broken on purpose.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runyard.blobs.keys import run_prefix
from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.server.app import create_app
from runyard.store.base import RunBatch
from runyard.store.sql.store import SqlStore

ENTITY, PROJECT = "tester", "proj"
#: The stores the server runs on: parameters of the tests' ``logged`` fixtures.
BACKENDS = ["sqlite", "postgresql"]
P = f"/api/v1/projects/{ENTITY}/{PROJECT}"


class Logged:
    """A store and blob store under one directory, and helpers to fill them."""

    def __init__(self, root: Path, store_uri: str | None = None) -> None:
        self.store = SqlStore(store_uri or f"sqlite:///{root}/runyard.db")
        self.blobs = LocalBlobStore(root / "blobs")

    def ref(self, run_id: str) -> RunRef:
        return RunRef(ENTITY, PROJECT, run_id)

    def run(self, run_id: str, name: str | None = None, **config: Any) -> RunRef:
        ref = self.ref(run_id)
        self.store.write_batch(
            RunBatch(ref, create={"display_name": name or run_id}, config=dict(config))
        )
        return ref

    def file(self, ref: RunRef, kind: str, data: bytes, suffix: str) -> dict[str, Any]:
        """Store a media file as the SDK does; return ``sha256``, ``size``, ``path``."""
        prefix = run_prefix(ref)
        key = self.blobs.put_content_addressed(f"{prefix}/media/{kind}", data, suffix)
        return {
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "path": key[len(prefix) + 1 :],
        }

    def table(self, ref: RunRef, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
        data = json.dumps({"columns": columns, "data": rows}).encode()
        stored = self.file(ref, "table", data, ".table.json")
        return {"_type": "table-file", **stored, "ncols": len(columns), "nrows": len(rows)}

    def log(self, ref: RunRef, step: int, **values: Any) -> None:
        columns = {key: ([step], [value]) for key, value in values.items()}
        self.store.write_batch(
            RunBatch(
                ref,
                columns=columns,
                meta={"last_step": step},
                summary_set=[((k,), v) for k, v in values.items()],
            )
        )

    def summary(self, ref: RunRef, **values: Any) -> None:
        self.store.write_batch(RunBatch(ref, summary_set=[((k,), v) for k, v in values.items()]))

    @contextmanager
    def client(self) -> Iterator[TestClient]:
        with TestClient(create_app(self.store, self.blobs)) as test_client:
            yield test_client


def store_uri(request: pytest.FixtureRequest) -> str | None:
    """A fresh PostgreSQL database for the ``postgresql`` parameter, else None (SQLite)."""
    if request.param == "postgresql":
        uri: str = request.getfixturevalue("postgres_uri")
        return uri
    return None


def get(client: TestClient, url: str, status: int = 200, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == status, response.text
    return response.json()


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (PIL is a dependency of the media extra the tests install)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (255, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()
