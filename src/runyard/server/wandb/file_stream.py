"""``POST /files/{entity}/{project}/{run}/file_stream``: a wandb run's live data.

The body (see the protocol write-up, §4)::

    {"files": {"wandb-history.jsonl": {"offset": 0, "content": ["{...}", ...]},
               "wandb-events.jsonl":  {"offset": 0, "content": [...]},
               "output.log":          {"offset": 0, "content": ["<ISO time> text", ...]},
               "wandb-summary.json":  {"offset": 0, "content": ["{whole summary}"]}},
     "uploaded": ["wandb-metadata.json", ...], "preempting": true,
     "complete": true, "exitcode": 0}

``offset`` is the index of the first line *in that file*, not a step; a retried request
sends the same offsets again. Each file is stored through ``write_batch``:

- ``wandb-history.jsonl``: one row per line, at the ``_step`` the line holds (the server
  never picks steps). The batch names the run's history journal
  (:func:`~runyard.server.wandb.ids.journal_name`) with the line range as its offsets,
  so the store applies a range exactly once — across retries, a restarted server, a
  second ``wandb sync`` — and a range that overlaps what is stored is cut to the new
  lines. The journal's position is also the ``historyLineCount`` a resuming client
  continues from.
- ``wandb-events.jsonl``: system-metric samples (``RunBatch.system``), numbered by line,
  with a journal of their own in the same way.
- ``output.log``: console lines (``RunBatch.console``) numbered by line; wandb re-sends
  a line at its old offset when a ``\\r`` progress bar redraws it, so these are always
  applied (an upsert by line number: idempotent).
- ``wandb-summary.json``: the whole summary, which replaces the stored one.

Then the run's state: ``complete`` ends it (``exitcode`` 0 ``finished``, else
``failed``, or ``killed`` when it was stopped from the web app), any other request
keeps it ``running`` and beats its heartbeat. The answer is
``{"exitcode": null, "limits": {}}`` plus ``"stopped": true`` once "Stop run" was
asked for, which makes wandb's client interrupt the script.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from runyard.entities import RunRecord, RunRef
from runyard.server.wandb.context import Context
from runyard.server.wandb.files import CONSOLE_FILE, METADATA_FILE, read_metadata
from runyard.server.wandb.ids import journal_name
from runyard.server.wandb.operations import replace_summary, stop_requested
from runyard.server.wandb.translate import history_columns, summary_from_wandb
from runyard.store.base import JournalConflict, RunBatch

__all__ = ["FileStreamError", "apply"]

HISTORY = "wandb-history.jsonl"
EVENTS = "wandb-events.jsonl"
SUMMARY = "wandb-summary.json"
#: Retries of a batch whose journal moved under it (another request of the same run).
_ATTEMPTS = 5


class FileStreamError(ValueError):
    """A body that is not wandb's ``file_stream`` shape (answered 400 naming it)."""


def _chunk(files: dict[str, Any], name: str) -> tuple[int, list[str]] | None:
    chunk = files.get(name)
    if chunk is None:
        return None
    if not isinstance(chunk, dict):
        raise FileStreamError(f"files[{name!r}] must be an object, got {chunk!r:.80}")
    offset = chunk.get("offset", 0)
    content = chunk.get("content", [])
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise FileStreamError(f"files[{name!r}].offset must be a line number, got {offset!r}")
    if not isinstance(content, list) or not all(isinstance(c, str) for c in content):
        raise FileStreamError(f"files[{name!r}].content must be a list of lines")
    return offset, content


def _constant(name: str) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


#: One decoder for every line (``json.loads`` with options builds one per call).
_DECODER = json.JSONDecoder(parse_constant=_constant)


def _objects(name: str, offset: int, lines: list[str]) -> list[dict[str, Any]]:
    out = []
    decode = _DECODER.decode
    for i, line in enumerate(lines):
        try:
            value = decode(line)
        except json.JSONDecodeError as exc:
            raise FileStreamError(f"{name} line {offset + i} is not JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise FileStreamError(f"{name} line {offset + i} is not a JSON object")
        out.append(value)
    return out


def _journalled(
    ctx: Context,
    ref: RunRef,
    stream: str,
    offset: int,
    count: int,
    build: Callable[[int, int], RunBatch],
) -> None:
    """Store lines ``[offset, offset + count)`` of a stream once.

    ``build(skip, start)`` makes the batch of the lines from ``skip`` on (line
    ``start``). The store compares the journal position inside its transaction; a
    position that moved meanwhile is read again.
    """
    name = journal_name(ref, stream)
    end = offset + count
    for _ in range(_ATTEMPTS):
        stored = ctx.store.journal_offset(name)
        if end <= stored:
            return  # a retry: every line is stored already
        skip = max(0, stored - offset)
        batch = build(skip, offset + skip)
        batch.journal = (name, end)
        # A gap (lines the store never got: a database restored from a backup) is
        # filled with what there is rather than refused forever.
        batch.journal_start = stored if offset <= stored else None
        try:
            ctx.store.write_batch(batch)
        except JournalConflict:
            continue
        return
    raise RuntimeError(f"file_stream {stream} of {ref.path}: the journal kept moving")


def _console_line(text: str) -> tuple[float, str, str]:
    """``(ts, stream, text)`` of an ``output.log`` line: ``<ISO time> <text>``, where
    wandb marks standard error with ``ERROR`` after the time."""
    stamp, sep, rest = text.partition(" ")
    try:
        ts = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if sep else None
    except ValueError:
        ts = None
    if ts is None:
        return time.time(), "stdout", text
    if rest.startswith("ERROR "):
        return ts, "stderr", rest[len("ERROR ") :]
    return ts, "stdout", rest


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def apply(ctx: Context, ref: RunRef, body: Any) -> dict[str, Any]:
    """Store one ``file_stream`` request and return the answer."""
    if not isinstance(body, dict):
        raise FileStreamError(f"the body must be a JSON object, got {body!r:.80}")
    files = body.get("files") or {}
    if not isinstance(files, dict):
        raise FileStreamError(f"files must be an object, got {files!r:.80}")
    store = ctx.store
    record = store.get_run(ref)
    if record is None:
        # wandb creates the run first (upsertBucket); keep data that comes without.
        store.write_batch(RunBatch(run=ref, create={"sessions": 1}))
        record = store.get_run(ref)
        assert record is not None

    history = _chunk(files, HISTORY)
    if history is not None and history[1]:
        offset, lines = history
        rows = _objects(HISTORY, offset, lines)

        def history_batch(skip: int, _start: int) -> RunBatch:
            return RunBatch(run=ref, columns=history_columns(rows[skip:]))

        _journalled(ctx, ref, HISTORY, offset, len(rows), history_batch)

    events = _chunk(files, EVENTS)
    if events is not None and events[1]:
        offset, lines = events
        samples = _objects(EVENTS, offset, lines)

        def events_batch(skip: int, start: int) -> RunBatch:
            batch = RunBatch(run=ref)
            for i, sample in enumerate(samples[skip:]):
                values = {
                    k: v
                    for k, v in (
                        (k, _number(v)) for k, v in sample.items() if not k.startswith("_")
                    )
                    if v is not None
                }
                ts = _number(sample.get("_timestamp")) or time.time()
                runtime = _number(sample.get("_runtime")) or 0.0
                batch.system.append((start + i, ts, runtime, values))
            return batch

        _journalled(ctx, ref, EVENTS, offset, len(samples), events_batch)

    console = _chunk(files, CONSOLE_FILE)
    if console is not None and console[1]:
        offset, lines = console
        name = journal_name(ref, CONSOLE_FILE)
        batch = RunBatch(run=ref)
        for i, text in enumerate(lines):
            ts, stream, shown = _console_line(text)
            batch.console.append((offset + i, stream, ts, shown))
        # The journal only numbers the lines (a line redrawn is stored again over its
        # old self): its position just has to move for the store to take the batch.
        batch.journal = (name, max(store.journal_offset(name) + 1, offset + len(lines)))
        store.write_batch(batch)

    return _finish(ctx, record, body, files)


def _finish(
    ctx: Context, record: RunRecord, body: dict[str, Any], files: dict[str, Any]
) -> dict[str, Any]:
    """The summary, metadata and state of one request, in one last batch."""
    ref = record.ref
    batch = RunBatch(run=ref)
    summary = _chunk(files, SUMMARY)
    if summary is not None and summary[1]:
        try:
            whole = summary_from_wandb(summary[1][-1])
        except ValueError as exc:
            raise FileStreamError(str(exc)) from None
        current = ctx.store.get_run(ref)
        replace_summary(batch, (current or record).summary, whole)
    uploaded = body.get("uploaded") or []
    if isinstance(uploaded, list) and METADATA_FILE in uploaded:
        metadata = read_metadata(ctx, ref)
        if metadata is not None:
            batch.metadata = metadata
    stopped = stop_requested(ctx, ref)
    if body.get("complete"):
        code = body.get("exitcode")
        code = code if isinstance(code, int) and not isinstance(code, bool) else None
        # A run stopped from the web app exits with 255 after its KeyboardInterrupt.
        killed = stopped and code != 0
        state = "killed" if killed else ("finished" if code == 0 else "failed")
        batch.meta.update(state=state, exit_code=code, stop_requested_at=None)
    else:
        if record.state != "running":
            batch.meta["state"] = "running"  # a resumed run (or a second sync) goes on
            batch.meta["exit_code"] = None
    batch.meta["heartbeat_at"] = time.time()
    ctx.store.write_batch(batch)
    answer: dict[str, Any] = {"exitcode": None, "limits": {}}
    if stopped and not body.get("complete"):
        answer["stopped"] = True
    return answer
