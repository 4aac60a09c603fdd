"""Writing what the store takes of a batch it refused for its content.

``log()`` decides every value when it is logged (:mod:`runyard.metrics.values`), so a
batch the store refuses (:class:`~runyard.errors.BatchRefusedError`: a value or key a
database or server cannot hold) is a bug or a limit nobody foresaw. It must not stop
the batches after it, nor the rest of its own content: :func:`write_around` writes the
batch again as parts — the run's fields, its config, its summary, its console, system
metrics and metadata, and its history in a few groups of keys — and leaves out only
the parts refused again.

Each part covers its own span of the batch's journal (``start + i`` to ``start + i +
1``, the last one to the batch's end), as :func:`runyard.store.wire.split_batch` does,
so a part is applied exactly once however often this is retried; a refused part's
span goes to the part after it. At most ``MAX_PARTS`` (8) parts, so an offset inside
the batch is never a journal frame boundary (frames take 9 bytes or more). The parts
depend on the batch only, so a retry after the store went down midway cuts them the
same way and resumes where the store stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from runyard.errors import BatchRefusedError, CommError, StoreError
from runyard.store.base import ForeignJournal, JournalConflict, RunBatch

if TYPE_CHECKING:
    from runyard.store.base import TrackingStore

__all__ = ["MAX_PARTS", "Refusal", "is_refusal", "write_around"]

MAX_PARTS = 8


@dataclass(frozen=True)
class Refusal:
    """One part of a batch the store refused: what it held and the store's reason."""

    what: str
    reason: str


def is_refusal(exc: Exception) -> bool:
    """The store refused a batch for its content and will refuse it again, as opposed
    to being down: :class:`BatchRefusedError`, or the server client's ``ValueError``
    (HTTP 400) and ``StoreError`` (413, 422) — but not a journal conflict, which a
    resend from the stored offset resolves."""
    if isinstance(exc, BatchRefusedError):
        return True
    if isinstance(exc, (JournalConflict, ForeignJournal, CommError)):
        return False
    return isinstance(exc, (ValueError, StoreError))


def _parts(batch: RunBatch) -> list[tuple[str, RunBatch]]:
    """The batch as content parts, in the order they must be applied."""
    run = batch.run
    parts: list[tuple[str, RunBatch]] = []
    fields = RunBatch(
        run,
        create=batch.create,
        meta=batch.meta,
        metrics=batch.metrics,
        truncate_after=batch.truncate_after,
        copy_history=batch.copy_history,
        delete=batch.delete,
    )
    if not fields.is_empty() or batch.delete:
        parts.append(("the run's fields (name, state, tags, metrics, ...)", fields))
    if batch.config or batch.config_delete:
        config = RunBatch(run, config=batch.config, config_delete=batch.config_delete)
        parts.append(("the config", config))
    if batch.summary_set or batch.summary_delete or batch.summary_state is not None:
        summary = RunBatch(
            run,
            summary_set=batch.summary_set,
            summary_delete=batch.summary_delete,
            summary_state=batch.summary_state,
        )
        parts.append(("the summary", summary))
    if batch.console or batch.system or batch.metadata is not None:
        context = RunBatch(run, console=batch.console, system=batch.system, metadata=batch.metadata)
        parts.append(("the console, system metrics and metadata", context))
    keys = list(batch.columns)
    size = -(-len(keys) // max(1, MAX_PARTS - len(parts)))  # ceil: at most MAX_PARTS parts
    for first in range(0, len(keys), size or 1):
        chunk = keys[first : first + size]
        what = "the history of " + ", ".join(repr(k) for k in chunk[:5])
        if len(chunk) > 5:
            what += f" and {len(chunk) - 5} more keys"
        parts.append((what, RunBatch(run, columns={k: batch.columns[k] for k in chunk})))
    return parts


def write_around(store: TrackingStore, batch: RunBatch) -> list[Refusal]:
    """Write ``batch`` as parts, leaving out those the store refuses; return those.

    Raises what ``store.write_batch`` raises other than :class:`BatchRefusedError`
    (a store that is down): call again with the same batch to resume.
    """
    parts = _parts(batch)
    journal, start = batch.journal, batch.journal_start
    refused: list[Refusal] = []
    if journal is not None and (start is None or journal[1] - start < len(parts)):
        # No room for a span per part: leave the whole batch out.
        parts, refused = [], [Refusal("the whole batch", "it is too small to split")]
    cursor = start
    last = len(parts) - 1
    for i, (what, part) in enumerate(parts):
        if journal is not None and start is not None:
            part.journal = (journal[0], journal[1] if i == last else start + i + 1)
            part.journal_start = cursor
            part.journal_done = batch.journal_done and i == last
        try:
            store.write_batch(part)
        except Exception as exc:
            if not is_refusal(exc):
                raise
            refused.append(Refusal(what, str(exc)))
        else:
            if part.journal is not None:
                cursor = part.journal[1]
    if journal is not None and cursor != journal[1]:
        # Move the store's offset past the batch, so that the batches after it apply.
        store.write_batch(
            RunBatch(
                batch.run, journal=journal, journal_start=cursor, journal_done=batch.journal_done
            )
        )
    return refused
