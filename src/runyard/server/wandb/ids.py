"""wandb's opaque GraphQL ids, and its timestamps.

A run has three identifiers in wandb's protocol: ``name`` (the run id the client
chose, Runyard's ``run_id``), ``displayName``, and ``id``, an opaque *storage id* the
client sends back on resume and on ``Api`` edits. Runyard's storage id is wandb's own
shape, ``base64("Run:v1:<name>:<project>:<entity>")``, so it names the run without a
lookup table and stays stable across servers and restarts. No run id, project or
entity name may hold ``:`` (:mod:`runyard.entities`), so the text splits unambiguously.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import datetime, timezone

from runyard.entities import RunRef

__all__ = [
    "STREAMS",
    "iso",
    "journal_name",
    "object_id",
    "parse_run_id",
    "project_number",
    "run_id",
]


def object_id(kind: str, *parts: str) -> str:
    """``base64("<kind>:v1:<part>:<part>…")``."""
    return base64.b64encode(":".join([kind, "v1", *parts]).encode()).decode()


def run_id(ref: RunRef) -> str:
    """The storage id of a run."""
    return object_id("Run", ref.run_id, ref.project, ref.entity)


def parse_run_id(value: str) -> RunRef:
    """The run a storage id names; ``ValueError`` naming the value otherwise."""
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(f"invalid run id {value!r}") from None
    parts = text.split(":")
    if len(parts) != 5 or parts[:2] != ["Run", "v1"] or not all(parts[2:]):
        raise ValueError(f"invalid run id {value!r} ({text!r})")
    return RunRef(parts[4], parts[3], parts[2])


def project_number(entity: str, project: str) -> int:
    """A stable integer for a project (wandb's ``internalId``/``projectId``, which the
    client parses with ``int()``)."""
    return zlib.crc32(json.dumps([entity, project]).encode())


def iso(ts: float | None) -> str | None:
    """Unix seconds as the naive UTC ISO text wandb's client parses."""
    if ts is None or ts <= 0:
        return None
    return (
        datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")
    )


#: The ``file_stream`` files kept as journals (see :mod:`runyard.server.wandb.file_stream`).
STREAMS = ("wandb-history.jsonl", "wandb-events.jsonl", "output.log")


def journal_name(ref: RunRef, stream: str) -> str:
    """The store journal of one of a run's ``file_stream`` files: its position is the
    number of the file's lines stored, so a retried line range is applied once."""
    return f"wandb:{ref.entity}/{ref.project}/{ref.run_id}:{stream}"
