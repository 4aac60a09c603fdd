"""Logged media as the web app reads it: payload URLs, file paths and content types.

Media files live content-addressed under the run's blob prefix (see
:func:`runyard.blobs.keys.run_prefix`); a logged payload (``image-file``,
``table-file``, ``images/separated``, …) names them by ``path`` relative to that
prefix, as wandb's payloads name files relative to the run's ``files/``. The server
adds URLs of the media route to those payloads, so the web app never builds paths.

Files are served inline, so the headers are the safety: ``nosniff`` everywhere, and
a CSP ``sandbox`` that gives the document an opaque origin — logged scripts run, but
cannot reach the app, its storage or its cookies. The sandbox is the default: it is
left off only for types known to be inert (raster images, audio, video, JSON, plain
text, CSV), because browsers run scripts in more XML types than any
list keeps up with (``.rss``, ``.atom``, ``.xsl``, ``.xht``, ``.mml``,
``application/*+xml`` …).
"""

from __future__ import annotations

import math
import mimetypes
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from runyard.entities import RunRecord
from runyard.store.base import TrackingStore

__all__ = [
    "SANDBOX_CSP",
    "content_type",
    "json_safe",
    "logged_values",
    "media_headers",
    "media_path",
    "media_type_of",
    "media_url",
    "present",
    "present_summary",
    "step_value",
    "summary_value",
    "with_urls",
]

#: Longest media path (S3 keys stop at 1024 bytes) and path segment (file names: 255).
_PATH_MAX = 1024
_PART_MAX = 255
#: Content-Security-Policy for every type not known to be inert (logged HTML, SVG, XML…).
SANDBOX_CSP = "sandbox allow-scripts allow-popups"

# Longest suffixes first: wandb's compound extensions are JSON documents.
_SUFFIX_TYPES = {
    ".table.json": "application/json",
    ".plotly.json": "application/json",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".parquet": "application/vnd.apache.parquet",
    ".npy": "application/octet-stream",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
# Types a browser shows without running anything in them (with ``nosniff``): served
# without the sandbox. Everything else gets it.
_INERT_FAMILIES = ("image/", "audio/", "video/")
_INERT = frozenset(
    {
        "application/json",
        "text/plain",
        "text/csv",
    }
)


def _inert(kind: str) -> bool:
    essence = kind.split(";", 1)[0].strip().lower()
    if "xml" in essence or "script" in essence:  # image/svg+xml, …
        return False
    return essence in _INERT or essence.startswith(_INERT_FAMILIES)


def media_path(path: str) -> str:
    """``path`` itself when it stays inside the run's prefix, else ``ValueError``.

    Refuses what could leave the prefix or confuse a blob backend: empty,
    absolute, ``.``/``..`` or empty segments, backslashes, NUL, and names longer
    than file systems and object stores take.
    """
    parts = path.split("/")
    if (
        not path
        or len(path) > _PATH_MAX
        or any(len(p) > _PART_MAX for p in parts)
        or path.startswith("/")
        or "\\" in path
        or "\0" in path
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(f"invalid media path {path!r}")
    return path


def content_type(path: str) -> str:
    """The ``Content-Type`` to serve ``path`` with, from its extension."""
    lower = path.lower()
    for suffix, kind in _SUFFIX_TYPES.items():
        if lower.endswith(suffix):
            return kind
    guessed, _ = mimetypes.guess_type(lower)
    return guessed or "application/octet-stream"


def media_headers(kind: str) -> dict[str, str]:
    """Headers for serving a file of type ``kind`` inline.

    Content-addressed paths never change content, so browsers may keep them
    (``private``: a team server's media need not be public in shared caches).
    """
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
        "Cache-Control": "private, max-age=86400",
    }
    if not _inert(kind):
        headers["Content-Security-Policy"] = SANDBOX_CSP
    return headers


def media_url(entity: str, project: str, run_id: str, path: str) -> str:
    """The media route's URL (under ``/api/v1``) of a file of a run."""
    names = "/".join(quote(part, safe="") for part in (entity, project))
    return f"/api/v1/projects/{names}/runs/{quote(run_id, safe='')}/media/{quote(path, safe='/')}"


def with_urls(value: Any, entity: str, project: str, run_id: str) -> Any:
    """A copy of a logged value with URLs beside the files it names.

    Every payload dict (one with ``_type``) that names a file by ``path`` gets
    ``url``; ``images/separated`` gets ``urls`` parallel to ``filenames``. Nested
    payloads (masks, a chart's table) get theirs too; other values are returned
    as they are.
    """
    if isinstance(value, list):
        return [with_urls(v, entity, project, run_id) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: with_urls(v, entity, project, run_id) for k, v in value.items()}
    if "_type" in value:
        path = value.get("path")
        if isinstance(path, str) and _valid(path):
            out["url"] = media_url(entity, project, run_id, path)
        names = value.get("filenames")
        if isinstance(names, list) and all(isinstance(n, str) and _valid(n) for n in names):
            out["urls"] = [media_url(entity, project, run_id, n) for n in names]
    return out


def _valid(path: str) -> bool:
    try:
        media_path(path)
    except ValueError:
        return False
    return True


def media_type_of(value: Any) -> str | None:
    """The ``_type`` of a logged payload, or ``None`` for plain values."""
    if isinstance(value, Mapping):
        kind = value.get("_type")
        if isinstance(kind, str):
            return kind
    return None


def summary_value(summary: Mapping[str, Any], key: str) -> Any:
    """The summary value of a history key, or ``None``.

    A history key joins nested names with ``.``, and dots inside names are kept
    (``("a.b",)`` and ``("a", "b")`` share the key ``"a.b"``), so every split of
    the key along its dots is tried, whole names first.
    """
    if key in summary:
        return summary[key]
    head = key.split(".")
    for i in range(len(head) - 1, 0, -1):
        first = ".".join(head[:i])
        node = summary.get(first)
        if isinstance(node, Mapping) and "_type" not in node:
            found = summary_value(node, ".".join(head[i:]))
            if found is not None:
                return found
    return None


def json_safe(value: Any) -> Any:
    """NaN and infinities as the store's ``{"$float": ...}`` markers (JSON has none)."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {
            "$float": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        }
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value


_PLAIN = frozenset({int, str, bool, type(None)})


def present(value: Any, entity: str, project: str, run_id: str) -> Any:
    """A logged value as the API returns it: with its files' URLs (:func:`with_urls`)
    and non-finite floats marked (:func:`json_safe`).

    Plain scalars, most of a table's cells, are returned at once: a whole
    100,000-row table goes through here cell by cell.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else json_safe(value)
    if _as_is(value, 0):
        return value
    return json_safe(with_urls(value, entity, project, run_id))


def _as_is(value: Any, depth: int) -> bool:
    """True when ``value`` holds no payload dict (``_type``) and no non-finite float,
    so that it is returned as it is: most summaries and configs are plain, and a runs
    listing presents 10,000 of them (copying each twice cost more than reading them)."""
    if depth > 32:
        return False  # let the copying walk decide
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is dict:
        if "_type" in value:
            return False
        items: Any = value.values()
    elif kind is list:
        items = value
    else:
        return False
    for item in items:
        plain = type(item)
        if plain in _PLAIN:
            continue
        if plain is float:
            if math.isfinite(item):
                continue
            return False
        if not _as_is(item, depth + 1):
            return False
    return True


def present_summary(record: RunRecord) -> Any:
    """A run's summary as the API returns it: media payloads in it (an image, HTML,
    a table set as the summary or last logged) get their files' URLs, so the run page
    and the runs table can show them; tensor statistics pass as stored (their
    ``path`` names the array file, reachable through the run's files)."""
    ref = record.ref
    return present(record.summary, ref.entity, ref.project, ref.run_id)


def logged_values(
    tracking: TrackingStore, record: RunRecord, key: str
) -> list[tuple[int | None, Any]]:
    """Every logged ``(step, value)`` of a non-numeric key, in step order, without
    the steps that logged ``None`` (nothing to show).

    A key with no history at all (set only through ``run.summary``) gives its
    summary value once, with step ``None``; a numeric key (its history is a
    series, not values) gives nothing.
    """
    pairs: list[tuple[int | None, Any]] = [
        (step, value)
        for step, value in tracking.read_values(record.ref, [key], 0, None).get(key, [])
        if value is not None
    ]
    if not pairs and key not in tracking.history_keys(record.ref):
        value = summary_value(record.summary, key)
        if value is not None:
            pairs.append((None, value))
    return pairs


#: Steps read at first when looking for a key's latest value; doubled until found.
_LATEST_WINDOW = 64


def step_value(
    tracking: TrackingStore, record: RunRecord, key: str, step: int | None
) -> tuple[int | None, Any] | None:
    """The value of ``key`` at ``step``, or at its latest step when ``step`` is None.

    The latest value is searched from the run's last step backwards in doubling
    windows, so a key logged at every step of a long run costs one small read,
    not the whole history. Falls back to the summary value (step ``None``) when
    the key has no history.
    """
    if step is not None:
        found = tracking.read_values(record.ref, [key], step, step + 1).get(key)
        return (step, found[0][1]) if found else None
    hi = record.last_step + 1
    window = _LATEST_WINDOW
    while hi > 0:
        lo = max(0, hi - window)
        found = tracking.read_values(record.ref, [key], lo, hi).get(key)
        if found:
            last_step, value = found[-1]
            return last_step, value
        hi, window = lo, window * 2
    value = summary_value(record.summary, key)
    return None if value is None else (None, value)
