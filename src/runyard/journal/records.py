"""What a journal holds: the record codes, and a journal's identity."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["Rec", "journal_name", "new_journal_id"]


class Rec:
    """Record codes: the first item of every journal record."""

    START = 0  # (START, dict): run identity, creation fields, state to resume from
    LOG = 1  # (LOG, step, commit, timestamp, runtime, data)
    CONFIG = 2  # (CONFIG, {key: value})
    SUMMARY_SET = 3  # (SUMMARY_SET, [path...], value)
    SUMMARY_DEL = 4  # (SUMMARY_DEL, [path...])
    DEFINE = 5  # (DEFINE, definition dict, overwrite)
    META = 6  # (META, {field: value})
    EXIT = 7  # (EXIT, state, exit_code, runtime)
    #: (FILE, name, spool, size, sha256): the run's file ``name`` waits in the spool
    #: file ``spool`` (see :mod:`runyard.journal.spool`); uploaded before the batch.
    FILE = 8
    #: (CONSOLE, stream, ts, text): a raw chunk written to "stdout" or "stderr" (with
    #: its \r, \n and ANSI escapes), folded into lines by journal/terminal.py.
    CONSOLE = 9
    #: (STATS, ts, runtime, {key: float}): one system-metrics sample (wandb's names).
    STATS = 10
    #: (ARTIFACT, {client_id, name, type, description, metadata, aliases, tags,
    #: entries: [{path, digest, size, ref, extra, local, stat, staged}]}): a logged
    #: artifact whose files wait staged in the spool (journal/artifact_upload.py).
    ARTIFACT = 11
    #: (USE_ARTIFACT, {entity, project, name, version, type} | {client_id}): lineage.
    USE_ARTIFACT = 12
    #: (LINK_ARTIFACT, {target: {entity, project, name}, aliases, client_id | source}).
    LINK_ARTIFACT = 13


def new_journal_id() -> str:
    """A journal's global identity (128 random bits, hex), written in its START record."""
    return os.urandom(16).hex()


def journal_name(start: Any, path: str | os.PathLike[str]) -> str:
    """The name a store records a journal's offset under: the ``journal_id`` of its
    START record, else (journals written before ids existed) its path.

    The id travels with the file, so a journal's batches are recognised by any
    store, from any machine, wherever the file was copied for ``runyard sync``;
    a path would collide across machines sharing one server.
    """
    name = start.get("journal_id") if isinstance(start, dict) else None
    return name if isinstance(name, str) and name else str(path)
