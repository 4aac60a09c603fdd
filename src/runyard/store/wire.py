"""The store's wire format: `RunBatch`es and read results as compact msgpack.

Shared by :class:`~runyard.store.rest.store.HttpStore` (the client) and the server's
store routes, so both ends agree by construction.

Format (version 1). A body is one msgpack map, usually zlib-compressed
(``Content-Encoding: deflate``; ``gzip`` and ``identity`` are accepted too):

- Documents (config, summary, create/meta fields, non-scalar history values) are
  plain msgpack: floats stay floats (NaN and infinities included), ints stay ints,
  tuples become lists (as they would in the store's JSON). Two differences from
  the embedded store: objects msgpack does not know travel as their ``str()``, numpy
  values as ``tolist()``. Ints beyond 64 bits (which msgpack cannot hold) travel as
  floats, which is how every store keeps them (wandb's rule); ints in [2**63, 2**64)
  travel as they are and the store makes them floats too.
- Arrays (history steps, scalar columns, series, rollups) are typed binary:
  ``{"t": "<f8" | "<i8", "b": <little-endian bytes>}``. A scalar column costs 8
  bytes a point instead of a decimal string, and is decoded with one
  ``np.frombuffer``: no Python object per point on either end until the store
  needs one.
- A batch is the map ``{"v": 1, "run": [entity, project, run_id], …fields of
  RunBatch}`` (``console`` as ``[[line, stream, ts, text], …]``, ``system`` as
  ``[[sample, ts, runtime, {key: value}], …]``, ``metadata`` a map, ``artifacts``,
  ``artifact_uses`` and ``artifact_links`` lists of maps named like the fields of
  their dataclasses, a manifest entry as ``[path, digest, size, ref, checksum,
  extra]``) with ``columns``
  as ``[[key, steps, values], …]``: ``steps`` an ``<i8`` array or, for consecutive
  steps, ``{"r": [first, count]}``; ``values`` an ``<f8`` array when every value is
  a Python float (or an int/float mix, which the store keeps as floats), an ``<i8``
  array when every value is an int, else a list of documents.

Decoding never trusts the peer: a malformed body raises :class:`WireError`
naming the field, which the server answers with a 400.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import msgpack
import numpy as np

from runyard.entities import RunRecord, RunRef
from runyard.metrics.values import wide_int_float
from runyard.store.base import (
    ArtifactCollection,
    ArtifactCommit,
    ArtifactFile,
    ArtifactLink,
    ArtifactRecord,
    ArtifactUse,
    ProjectStats,
    Rollup,
    RunBatch,
    Series,
)

__all__ = [
    "MAX_PARTS",
    "MAX_PART_BYTES",
    "MEDIA_TYPE",
    "WIRE_VERSION",
    "BodyTooLarge",
    "UnsupportedEncoding",
    "WireError",
    "compress_body",
    "decode_array",
    "decode_artifact",
    "decode_artifact_file",
    "decode_batch",
    "decode_body",
    "decode_collection",
    "decode_record",
    "decode_rollup",
    "decode_series",
    "decode_stats",
    "encode_array",
    "encode_artifact",
    "encode_artifact_file",
    "encode_batch",
    "encode_body",
    "encode_collection",
    "encode_record",
    "encode_rollup",
    "encode_series",
    "encode_stats",
    "pack",
    "split_batch",
    "unpack",
]

WIRE_VERSION = 1
MEDIA_TYPE = "application/vnd.runyard.v1+msgpack"
_DTYPES = {"<f8": np.dtype("<f8"), "<i8": np.dtype("<i8")}
_INT64 = (-(1 << 63), (1 << 63) - 1)


class WireError(ValueError):
    """A body that is not a well-formed Runyard message (the message names what)."""


class BodyTooLarge(WireError):
    """The body (or what it inflates to) exceeds the limit."""


class UnsupportedEncoding(WireError):
    """A ``Content-Encoding`` other than deflate, gzip or identity."""


# -- msgpack ----------------------------------------------------------------------


def _default(value: Any) -> Any:
    """Values msgpack does not know, as the store's JSON would write them."""
    if isinstance(value, int):  # beyond 64 bits: a float, as the store (and wandb) keep it
        return wide_int_float(value)
    to_list = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(to_list):
        return to_list()
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, default=_default, use_bin_type=True, datetime=False)  # type: ignore[no-any-return]


def unpack(data: bytes) -> Any:
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as exc:
        raise WireError(f"body is not valid msgpack: {exc}") from exc


def encode_body(obj: Any, level: int = 1) -> tuple[bytes, str]:
    """``pack`` then zlib (what ``Content-Encoding: deflate`` means in HTTP), unless
    that saves under a fifth (noisy float columns barely compress, and inflating
    would cost the server more than the bytes): ``(body, content encoding)``."""
    return compress_body(pack(obj), level)


#: Bytes of a large body compressed first to judge whether compressing it pays.
_SAMPLE_BYTES = 16 << 10


def compress_body(raw: bytes, level: int = 1) -> tuple[bytes, str]:
    """:func:`encode_body` for an already packed body. A large body is judged on a
    slice of its middle first: noisy float columns barely compress, and deflating
    20,000 of them only to send them as they are cost the client ~190 ns a point."""
    if len(raw) < 256:
        return raw, "identity"
    if len(raw) > 4 * _SAMPLE_BYTES:
        middle = len(raw) // 2
        sample = raw[middle - _SAMPLE_BYTES // 2 : middle + _SAMPLE_BYTES // 2]
        if len(zlib.compress(sample, level)) > 0.85 * len(sample):
            return raw, "identity"
    packed = zlib.compress(raw, level)
    if len(packed) > 0.8 * len(raw):
        return raw, "identity"
    return packed, "deflate"


def decode_body(data: bytes, encoding: str | None, limit: int) -> Any:
    """Undo ``Content-Encoding`` (at most ``limit`` bytes decoded) and unpack."""
    name = (encoding or "identity").strip().lower()
    if name in ("deflate", "gzip", "x-gzip"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32 if name != "deflate" else zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(data, limit)
        except zlib.error as exc:
            raise WireError(f"body is not valid {name} data: {exc}") from exc
        if inflater.unconsumed_tail:
            raise BodyTooLarge(f"body inflates to more than {limit} bytes")
        if not inflater.eof:
            raise WireError(f"body is truncated {name} data")
        data = raw
    elif name != "identity":
        raise UnsupportedEncoding(
            f"unsupported Content-Encoding {encoding!r}; use deflate, gzip or identity"
        )
    return unpack(data)


# -- arrays ---------------------------------------------------------------------------


def encode_array(array: np.ndarray) -> dict[str, Any]:
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    if dtype.kind == "f":
        array, tag = array.astype("<f8", copy=False), "<f8"
    elif dtype.kind in "iub":
        array, tag = array.astype("<i8", copy=False), "<i8"
    else:
        raise WireError(f"cannot send an array of dtype {array.dtype}")
    return {"t": tag, "b": np.ascontiguousarray(array).tobytes()}


def decode_array(obj: Any, what: str) -> np.ndarray:
    if not isinstance(obj, dict) or not isinstance(obj.get("b"), bytes):
        raise WireError(f"{what} must be a typed array {{'t': dtype, 'b': bytes}}, got {obj!r:.80}")
    dtype = _DTYPES.get(obj.get("t"))  # type: ignore[arg-type]
    if dtype is None:
        raise WireError(f"{what} has unsupported dtype {obj.get('t')!r}; use '<f8' or '<i8'")
    data: bytes = obj["b"]
    if len(data) % 8:
        raise WireError(f"{what} has {len(data)} bytes, not a multiple of 8")
    # A private writable copy in native order (callers may sort or edit in place).
    return np.frombuffer(data, dtype).astype(dtype.newbyteorder("="))


def _column_values(values: Any) -> Any:
    """A column's values as the most compact faithful form (see the module doc)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return encode_array(values)
    kinds = set(map(type, values))
    if kinds == {float} or kinds == {int, float}:
        return encode_array(np.asarray(values, dtype=np.float64))
    if kinds <= {int}:
        try:
            return encode_array(np.asarray(values, dtype=np.int64))
        except OverflowError:  # ints beyond 64 bits travel as documents
            return list(values)
    return list(values)


# -- batches -------------------------------------------------------------------------

_LISTS = ("config_delete",)
_BATCH_FIELDS = {f.name for f in fields(RunBatch)}


def encode_batch(batch: RunBatch) -> dict[str, Any]:
    """A batch as a msgpack-ready map (arrays typed, empty fields left out)."""
    out: dict[str, Any] = {"v": WIRE_VERSION, "run": _ref_list(batch.run)}
    if batch.create is not None:
        out["create"] = batch.create
    for name in ("meta", "config"):
        value = getattr(batch, name)
        if value:
            out[name] = value
    if batch.config_delete:
        out["config_delete"] = list(batch.config_delete)
    if batch.summary_set:
        out["summary_set"] = [[list(path), value] for path, value in batch.summary_set]
    if batch.summary_delete:
        out["summary_delete"] = [list(path) for path in batch.summary_delete]
    for name in ("summary_state", "metrics", "truncate_after", "journal_start"):
        value = getattr(batch, name)
        if value is not None:
            out[name] = value
    if batch.copy_history is not None:
        ref, step = batch.copy_history
        out["copy_history"] = [_ref_list(ref), int(step)]
    if batch.columns:
        out["columns"] = [
            [key, _encode_steps(steps), _column_values(values)]
            for key, (steps, values) in batch.columns.items()
        ]
    if batch.console:
        out["console"] = [[int(n), s, float(ts), t] for n, s, ts, t in batch.console]
    if batch.system:
        out["system"] = [[int(n), float(ts), float(rt), v] for n, ts, rt, v in batch.system]
    if batch.metadata is not None:
        out["metadata"] = batch.metadata
    if batch.artifacts:
        out["artifacts"] = [_encode_commit(c) for c in batch.artifacts]
    if batch.artifact_uses:
        out["artifact_uses"] = [dict(vars(u)) for u in batch.artifact_uses]
    if batch.artifact_links:
        out["artifact_links"] = [dict(vars(link)) for link in batch.artifact_links]
    if batch.journal is not None:
        out["journal"] = [batch.journal[0], int(batch.journal[1])]
    if batch.journal_done:
        out["journal_done"] = True
    if batch.delete:
        out["delete"] = True
    return out


def decode_batch(obj: Any, ref: RunRef | None = None) -> RunBatch:
    """Rebuild a batch; with ``ref`` (the run named by the URL) the body must agree."""
    if not isinstance(obj, dict):
        raise WireError(f"a batch must be a map, got {type(obj).__name__}")
    if obj.get("v") != WIRE_VERSION:
        raise WireError(f"unsupported batch version {obj.get('v')!r}; this server reads 1")
    unknown = set(obj) - _BATCH_FIELDS - {"v"}
    if unknown:
        raise WireError(f"unknown batch fields {sorted(unknown)}")
    run = _ref(obj.get("run"), "run")
    if ref is not None and run != ref:
        raise WireError(f"batch is for run {run.path!r} but was sent to {ref.path!r}")
    batch = RunBatch(run)
    create = obj.get("create")
    if create is not None:
        batch.create = _map(create, "create")
    batch.meta = _map(obj.get("meta", {}), "meta")
    batch.config = _map(obj.get("config", {}), "config")
    batch.config_delete = [
        _text(k, "config_delete") for k in _list(obj.get("config_delete", []), "config_delete")
    ]
    batch.summary_set = [
        (_path(_list(pair, "summary_set")[0], "summary_set"), pair[1])
        for pair in _list(obj.get("summary_set", []), "summary_set")
        if _pair(pair, "summary_set")
    ]
    batch.summary_delete = [
        _path(p, "summary_delete") for p in _list(obj.get("summary_delete", []), "summary_delete")
    ]
    state = obj.get("summary_state")
    batch.summary_state = None if state is None else _map(state, "summary_state")
    metrics = obj.get("metrics")
    if metrics is not None:
        batch.metrics = [_map(m, "metrics") for m in _list(metrics, "metrics")]
    batch.truncate_after = _opt_int(obj.get("truncate_after"), "truncate_after")
    batch.journal_start = _opt_int(obj.get("journal_start"), "journal_start")
    copy = obj.get("copy_history")
    if copy is not None:
        _pair(copy, "copy_history")
        batch.copy_history = (_ref(copy[0], "copy_history"), _int(copy[1], "copy_history"))
    for item in _list(obj.get("columns", []), "columns"):
        if not isinstance(item, list) or len(item) != 3:
            raise WireError(f"columns entries must be [key, steps, values], got {item!r:.80}")
        key = _str(item[0], "column key")
        values = item[2]
        if isinstance(values, dict):
            values = decode_array(values, f"values of column {key!r}")
        elif not isinstance(values, list):
            raise WireError(f"values of column {key!r} must be an array or a list")
        steps = _decode_steps(item[1], len(values), key)
        if len(values) != len(steps):
            raise WireError(f"column {key!r} has {len(steps)} steps but {len(values)} values")
        # Typed columns stay numpy arrays (the SQL store takes them as they are);
        # document columns need Python ints for their steps.
        pair: Any = (steps, values) if isinstance(values, np.ndarray) else (steps.tolist(), values)
        batch.columns[key] = pair
    journal = obj.get("journal")
    if journal is not None:
        _pair(journal, "journal")
        batch.journal = (_str(journal[0], "journal"), _int(journal[1], "journal"))
    elif batch.journal_start is not None:
        raise WireError("journal_start needs a journal")
    batch.journal_done = bool(obj.get("journal_done", False))
    batch.delete = bool(obj.get("delete", False))
    batch.console = [_console_line(item) for item in _list(obj.get("console", []), "console")]
    batch.system = [_system_sample(item) for item in _list(obj.get("system", []), "system")]
    metadata = obj.get("metadata")
    batch.metadata = None if metadata is None else _map(metadata, "metadata")
    batch.artifacts = [_decode_commit(c) for c in _list(obj.get("artifacts", []), "artifacts")]
    batch.artifact_uses = [
        ArtifactUse(**_fields(u, "artifact_uses", _USE_FIELDS))
        for u in _list(obj.get("artifact_uses", []), "artifact_uses")
    ]
    batch.artifact_links = [
        ArtifactLink(**_fields(link, "artifact_links", _LINK_FIELDS))
        for link in _list(obj.get("artifact_links", []), "artifact_links")
    ]
    return batch


# -- artifacts -------------------------------------------------------------------------

_USE_FIELDS = {
    "entity": str,
    "project": str,
    "name": str,
    "version": str,
    "type": (str, type(None)),
    "client_id": (str, type(None)),
}
_LINK_FIELDS = {
    "target": str,
    "aliases": list,
    "client_id": (str, type(None)),
    "source": (str, type(None)),
}
_COMMIT_FIELDS = {
    "client_id": str,
    "name": str,
    "type": str,
    "entries": list,
    "description": (str, type(None)),
    "metadata": dict,
    "aliases": list,
}


def _fields(obj: Any, what: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A map with only the named fields, each of its type (strings without NUL)."""
    data = _map(obj, what)
    unknown = set(data) - set(spec)
    if unknown:
        raise WireError(f"{what}: unknown fields {sorted(unknown)}")
    for name, kind in spec.items():
        if name in data and not isinstance(data[name], kind):
            raise WireError(f"{what}: {name} has the wrong type: {data[name]!r:.80}")
        value = data.get(name)
        if isinstance(value, str) and "\0" in value:
            raise WireError(f"{what}: {name} holds a NUL character: {value!r:.80}")
        if name == "aliases" and not all(isinstance(v, str) for v in value or ()):
            raise WireError(f"{what}: {name} must be a list of strings, got {value!r:.80}")
    return data


def encode_artifact_file(entry: ArtifactFile) -> list[Any]:
    return [entry.path, entry.digest, entry.size, entry.ref, entry.checksum, entry.extra]


def decode_artifact_file(obj: Any) -> ArtifactFile:
    if not isinstance(obj, list) or len(obj) != 6:
        raise WireError(
            f"manifest entries must be [path, digest, size, ref, checksum, extra], got {obj!r:.80}"
        )
    path, digest, size, ref, checksum, extra = obj
    for name, value in (("digest", digest), ("ref", ref), ("checksum", checksum)):
        if value is not None:
            _str(value, f"{name} of manifest entry {path!r:.80}")
    return ArtifactFile(
        path=_str(path, "manifest entry path"),
        digest=digest,
        size=None if size is None else _int(size, f"size of manifest entry {path!r:.80}"),
        ref=ref,
        checksum=checksum,
        extra=None if extra is None else _map(extra, f"extra of manifest entry {path!r:.80}"),
    )


def _encode_commit(commit: ArtifactCommit) -> dict[str, Any]:
    out = {k: v for k, v in vars(commit).items() if k != "entries"}
    out["entries"] = [encode_artifact_file(e) for e in commit.entries]
    return out


def _decode_commit(obj: Any) -> ArtifactCommit:
    data = _fields(obj, "artifacts", {**_COMMIT_FIELDS, "aliases": list, "entries": list})
    for name in ("client_id", "name", "type"):
        if name not in data:
            raise WireError(f"artifacts: a commit needs {name}")
    entries = [decode_artifact_file(e) for e in data.pop("entries", [])]
    return ArtifactCommit(**data, entries=entries)


def encode_artifact(record: ArtifactRecord) -> dict[str, Any]:
    """A version as a map (msgpack or JSON): its fields, ``version`` ("vN") and
    ``logged_by`` as ``[entity, project, run_id]``."""
    out = dict(vars(record))
    out["version"] = record.version
    out["logged_by"] = None if record.logged_by is None else _ref_list(record.logged_by)
    out["source"] = None if record.source is None else list(record.source)
    return out


def decode_artifact(obj: Any) -> ArtifactRecord:
    data = _map(obj, "artifact")
    data.pop("version", None)
    logged = data.pop("logged_by", None)
    source = data.pop("source", None)
    known = {f.name for f in fields(ArtifactRecord)}
    record = ArtifactRecord(**{k: v for k, v in data.items() if k in known})
    record.logged_by = None if logged is None else _ref(logged, "logged_by")
    if source is not None:
        items = _list(source, "artifact source")
        if len(items) != 4:
            raise WireError(f"artifact source must have 4 items, got {items!r:.80}")
        record.source = (str(items[0]), str(items[1]), str(items[2]), str(items[3]))
    return record


def encode_collection(collection: ArtifactCollection) -> dict[str, Any]:
    return dict(vars(collection))


def decode_collection(obj: Any) -> ArtifactCollection:
    data = _map(obj, "artifact collection")
    known = {f.name for f in fields(ArtifactCollection)}
    return ArtifactCollection(**{k: v for k, v in data.items() if k in known})


def _console_line(item: Any) -> tuple[int, str, float, str]:
    if not isinstance(item, list) or len(item) != 4:
        raise WireError(f"console entries must be [line, stream, ts, text], got {item!r:.80}")
    line = _int(item[0], "console line")
    stream = item[1]
    if stream not in ("stdout", "stderr"):
        raise WireError(f"console line {line}: stream must be stdout or stderr, got {stream!r:.80}")
    return line, stream, _number(item[2], f"ts of console line {line}"), _text(item[3], "console")


def _system_sample(item: Any) -> tuple[int, float, float, dict[str, float]]:
    if not isinstance(item, list) or len(item) != 4:
        raise WireError(f"system entries must be [sample, ts, runtime, values], got {item!r:.80}")
    sample = _int(item[0], "system sample")
    values = _map(item[3], f"values of system sample {sample}")
    for key, value in values.items():
        _str(key, f"key of system sample {sample}")
        if value is not None:
            _number(value, f"{key!r} of system sample {sample}")
    ts = _number(item[1], f"ts of system sample {sample}")
    return sample, ts, _number(item[2], f"runtime of system sample {sample}"), values


def _number(obj: Any, what: str) -> float:
    if isinstance(obj, bool) or not isinstance(obj, (int, float)):
        raise WireError(f"{what} must be a number, got {obj!r:.80}")
    return float(obj)


def _encode_steps(steps: Any) -> dict[str, Any]:
    """Steps as a typed array, or ``{"r": [first, count]}`` when they are consecutive
    (the usual case: a batch of rows logged one step after another)."""
    array = np.asarray(steps, dtype=np.int64)
    n = len(array)
    if n and int(array[-1]) - int(array[0]) == n - 1 and bool(np.all(np.diff(array) == 1)):
        return {"r": [int(array[0]), n]}
    return encode_array(array)


def _decode_steps(obj: Any, n: int, key: str) -> np.ndarray:
    what = f"steps of column {key!r}"
    if isinstance(obj, dict) and "r" in obj:
        pair = obj["r"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise WireError(f"{what} range must be [first, count], got {pair!r:.80}")
        first, count = _int(pair[0], what), _int(pair[1], what)
        if count != n:  # checked before allocating: a range cannot ask for more memory
            raise WireError(f"column {key!r} has {count} steps but {n} values")
        return np.arange(first, first + count, dtype=np.int64)
    return decode_array(obj, what)


#: Parts a batch is cut into at most (see :func:`split_batch`).
MAX_PARTS = 8
#: Largest part: the server takes 32 MiB a request.
MAX_PART_BYTES = 28 << 20
_HEAD_FIELDS = ("create", "truncate_after", "copy_history")
_SPAN_FIELDS = ("columns", "journal", "journal_start", "journal_done")


def split_batch(wire: dict[str, Any], max_bytes: int) -> list[dict[str, Any]]:
    """Cut an encoded batch into parts of about ``max_bytes`` or less, each its own
    span of the batch's journal, so that every part is applied exactly once too.

    The first part carries what must come before history (``create``,
    ``truncate_after``, ``copy_history``), the last one everything else (config,
    summary, meta, the done marker); history is cut between them in step order,
    long columns into step ranges. Part ``i`` of ``n`` covers the journal span
    ``start + i`` to ``start + i + 1`` (the last one ends at the batch's end): the
    store only compares offsets, and a retried batch is cut the same way, so it
    resumes after the last part that was applied. There are at most ``MAX_PARTS``
    parts (bigger ones when needed), so an offset inside a batch is never a journal
    frame boundary (frames take 9 bytes or more): recovery, reading the store's
    offset, can tell "part-way through a batch" from "up to this frame". A batch
    that needs no cutting, or cannot be cut (no ``journal_start``, a span shorter
    than its parts, or parts over ``MAX_PART_BYTES``), is returned whole.
    """
    journal, start = wire.get("journal"), wire.get("journal_start")
    budget = max(1, max_bytes // 2)
    while True:
        groups = _group_columns(wire.get("columns", []), budget)
        if len(groups) <= MAX_PARTS or budget > MAX_PART_BYTES:
            break
        budget *= 2
    n = len(groups)
    if n <= 1 or n > MAX_PARTS or journal is None or start is None or journal[1] - start < n:
        return [wire]
    rest = {k: v for k, v in wire.items() if k not in _SPAN_FIELDS and k not in _HEAD_FIELDS}
    parts = []
    for i, group in enumerate(groups):
        part: dict[str, Any] = {"v": wire["v"], "run": wire["run"]}
        if i == 0:
            part.update({k: wire[k] for k in _HEAD_FIELDS if k in wire})
        if i == n - 1:
            part.update(rest)
            if wire.get("journal_done"):
                part["journal_done"] = True
        part["columns"] = group
        part["journal"] = [journal[0], journal[1] if i == n - 1 else start + i + 1]
        part["journal_start"] = start + i
        parts.append(part)
    return parts


def _group_columns(columns: list[Any], budget: int) -> list[list[list[Any]]]:
    """Columns as groups of pieces of at most about ``budget`` bytes, in order."""
    groups: list[list[list[Any]]] = []
    size = budget + 1
    for key, steps, values in columns:
        for piece in _cut_column(key, steps, values, budget):
            piece_size = _piece_bytes(piece)
            if size + piece_size > budget:
                groups.append([])
                size = 0
            groups[-1].append(piece)
            size += piece_size
    return groups


def _cut_column(key: str, steps: Any, values: Any, budget: int) -> list[list[Any]]:
    """One column as pieces of about ``budget`` bytes, in step order."""
    if isinstance(values, dict):
        n = len(values["b"]) // 8
        per_point = 8 if "r" in steps else 16
    else:
        n = len(values)
        per_point = 8 + max(1, len(pack(values)) // max(n, 1))
    size = max(1, budget // per_point)
    if n <= size:
        return [[key, steps, values]]
    step_array = (
        np.arange(steps["r"][0], steps["r"][0] + n, dtype=np.int64)
        if "r" in steps
        else np.frombuffer(steps["b"], "<i8")
    )
    pieces = []
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        piece_steps = _encode_steps(step_array[lo:hi])
        if isinstance(values, dict):
            piece_values: Any = {"t": values["t"], "b": values["b"][lo * 8 : hi * 8]}
        else:
            piece_values = values[lo:hi]
        pieces.append([key, piece_steps, piece_values])
    return pieces


def _piece_bytes(piece: list[Any]) -> int:
    _key, steps, values = piece
    size = 0 if "r" in steps else len(steps["b"])
    return size + (len(values["b"]) if isinstance(values, dict) else len(pack(values)))


# -- read results --------------------------------------------------------------------

_RECORD_FIELDS = [f.name for f in fields(RunRecord) if f.name != "ref"]


def encode_record(record: RunRecord) -> dict[str, Any]:
    out = {name: getattr(record, name) for name in _RECORD_FIELDS}
    out["ref"] = _ref_list(record.ref)
    return out


def decode_record(obj: Any) -> RunRecord:
    data = _map(obj, "record")
    ref = _ref(data.pop("ref", None), "record ref")
    return RunRecord(ref=ref, **{k: v for k, v in data.items() if k in _RECORD_FIELDS})


def encode_series(series: Series) -> dict[str, Any]:
    return {
        "key": series.key,
        "steps": encode_array(series.steps),
        "values": encode_array(series.values),
    }


def decode_series(obj: Any) -> Series:
    data = _map(obj, "series")
    return Series(
        _str(data.get("key"), "series key"),
        decode_array(data.get("steps"), "series steps"),
        decode_array(data.get("values"), "series values"),
    )


_ROLLUP_ARRAYS = ("steps", "last", "vmin", "vmax", "count")


def encode_rollup(rollup: Rollup) -> dict[str, Any]:
    out: dict[str, Any] = {"key": rollup.key}
    for name in _ROLLUP_ARRAYS:
        out[name] = encode_array(getattr(rollup, name))
    return out


def decode_rollup(obj: Any) -> Rollup:
    data = _map(obj, "rollup")
    arrays = [decode_array(data.get(name), f"rollup {name}") for name in _ROLLUP_ARRAYS]
    return Rollup(_str(data.get("key"), "rollup key"), *arrays)


def encode_stats(stats: ProjectStats) -> list[Any]:
    return [stats.entity, stats.name, stats.run_count, stats.last_activity]


def decode_stats(obj: Any) -> ProjectStats:
    items = _list(obj, "project stats")
    if len(items) != 4:
        raise WireError(f"project stats must have 4 items, got {items!r:.80}")
    return ProjectStats(str(items[0]), str(items[1]), int(items[2]), items[3])


# -- checks ----------------------------------------------------------------------------


def _ref_list(ref: RunRef) -> list[str]:
    return [ref.entity, ref.project, ref.run_id]


def _ref(obj: Any, what: str) -> RunRef:
    if (
        not isinstance(obj, list)
        or len(obj) != 3
        or not all(isinstance(s, str) and "\0" not in s for s in obj)
    ):
        raise WireError(f"{what} must be [entity, project, run_id], got {obj!r:.80}")
    return RunRef(obj[0], obj[1], obj[2])


def _map(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, Mapping):
        raise WireError(f"{what} must be a map, got {obj!r:.80}")
    return dict(obj)


def _list(obj: Any, what: str) -> list[Any]:
    if not isinstance(obj, list):
        raise WireError(f"{what} must be a list, got {obj!r:.80}")
    return obj


def _pair(obj: Any, what: str) -> bool:
    if not isinstance(obj, list) or len(obj) != 2:
        raise WireError(f"{what} entries must be pairs, got {obj!r:.80}")
    return True


def _path(obj: Any, what: str) -> tuple[str, ...]:
    if not isinstance(obj, list) or not obj or not all(isinstance(p, str) for p in obj):
        raise WireError(f"{what} paths must be non-empty lists of strings, got {obj!r:.80}")
    return tuple(obj)


def _str(obj: Any, what: str) -> str:
    """A name (run, key, journal): a string without NUL (which SQL text cannot hold)."""
    if not isinstance(obj, str) or "\0" in obj:
        raise WireError(f"{what} must be a string without NUL, got {obj!r:.80}")
    return obj


def _text(obj: Any, what: str) -> str:
    """A document string (config keys may hold anything JSON can)."""
    if not isinstance(obj, str):
        raise WireError(f"{what} must be a string, got {obj!r:.80}")
    return obj


def _int(obj: Any, what: str) -> int:
    if type(obj) is not int or not _INT64[0] <= obj <= _INT64[1]:
        raise WireError(f"{what} must be a 64-bit integer, got {obj!r:.80}")
    return obj


def _opt_int(obj: Any, what: str) -> int | None:
    return None if obj is None else _int(obj, what)
