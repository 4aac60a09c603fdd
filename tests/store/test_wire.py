"""The wire format: what goes in comes out, compactly, and bad bodies are named."""

from __future__ import annotations

import gzip
import itertools
import math
import zlib
from typing import Any

import numpy as np
import pytest

from runyard.entities import RunRecord, RunRef
from runyard.store.base import ProjectStats, Rollup, RunBatch, Series
from runyard.store.wire import (
    MAX_PARTS,
    BodyTooLarge,
    UnsupportedEncoding,
    WireError,
    decode_batch,
    decode_body,
    decode_record,
    decode_rollup,
    decode_series,
    decode_stats,
    encode_batch,
    encode_body,
    encode_record,
    encode_rollup,
    encode_series,
    encode_stats,
    pack,
    split_batch,
    unpack,
)

RUN = RunRef("ent", "proj", "run1")


def trip(batch: RunBatch) -> RunBatch:
    body, encoding = encode_body(encode_batch(batch))
    return decode_batch(decode_body(body, encoding, 1 << 30), RUN)


def full_batch() -> RunBatch:
    return RunBatch(
        RUN,
        create={"display_name": "x", "tags": ["a"], "created_at": 1.5},
        meta={"state": "finished", "exit_code": 0},
        config={"lr": 0.1, "nested": {"a": [1, 2]}},
        config_delete=["old"],
        summary_set=[(("acc", "max"), 0.9), (("nan",), math.nan)],
        summary_delete=[("gone",)],
        summary_state={"reducers": {"loss": [1, 2]}},
        metrics=[{"name": "loss", "summary": ["min"]}],
        truncate_after=4,
        copy_history=(RunRef("ent", "proj", "src"), 3),
        columns={
            "f": ([0, 1, 2], [0.5, math.inf, math.nan]),
            "i": ([0, 2, 9], [1, -2, 2**62]),
            "mixed": ([0, 1], [1, 2.5]),
            "doc": ([3], [{"_type": "histogram", "values": [1, 2]}]),
            "flags": ([0, 1], [True, False]),
            "huge": ([5], [2**70]),
        },
        journal=("abc", 200),
        journal_start=100,
        journal_done=True,
        console=[(0, "stdout", 1.5, "\x1b[31mred\x1b[0m"), (7, "stderr", 2.0, "100%|##|")],
        system=[(3, 10.0, 0.5, {"system.cpu": 1.5, "system.gpu.0.temp": math.inf})],
        metadata={"python": "3.12", "git": {"commit": "abc"}, "args": ["--lr", "1"]},
    )


def test_a_batch_comes_back_as_it_went() -> None:
    sent = full_batch()
    back = trip(sent)
    for name in (
        "create",
        "meta",
        "config",
        "config_delete",
        "summary_state",
        "metrics",
        "truncate_after",
        "copy_history",
        "journal",
        "journal_start",
        "journal_done",
        "delete",
        "console",
        "system",
        "metadata",
    ):
        assert getattr(back, name) == getattr(sent, name), name
    assert back.summary_set[0] == (("acc", "max"), 0.9)
    assert back.summary_set[1][0] == ("nan",) and math.isnan(back.summary_set[1][1])
    assert back.summary_delete == [("gone",)]
    # Typed columns arrive as numpy arrays (base.RunBatch.columns allows them).
    columns: dict[str, Any] = back.columns
    steps, values = columns["f"]
    assert list(steps) == [0, 1, 2] and isinstance(values, np.ndarray)
    assert values.dtype == np.float64 and values[1] == math.inf and math.isnan(values[2])
    steps, values = columns["i"]
    assert list(steps) == [0, 2, 9] and values.dtype == np.int64
    assert values.tolist() == [1, -2, 2**62]
    # An int/float mix is stored as floats by every store: it travels as floats.
    assert columns["mixed"][1].dtype == np.float64
    # Everything else travels as documents, with Python ints for steps.
    assert back.columns["doc"] == ([3], [{"_type": "histogram", "values": [1, 2]}])
    assert back.columns["flags"] == ([0, 1], [True, False])
    # msgpack stops at 64 bits: bigger ints travel as the floats every store (and
    # wandb) keeps them as, never as text (which the store would file as a string).
    assert back.columns["huge"] == ([5], [float(2**70)])


def test_numeric_columns_cost_eight_bytes_a_point() -> None:
    rng = np.random.default_rng(0)
    values = rng.random(10_000).tolist()
    wire = pack(encode_batch(RunBatch(RUN, columns={"x": (list(range(10_000)), values)})))
    assert len(wire) < 10_000 * 8 + 200  # consecutive steps are a range: no bytes
    gappy = pack(encode_batch(RunBatch(RUN, columns={"x": (list(range(0, 20_000, 2)), values)})))
    assert len(gappy) < 10_000 * 16 + 200


def test_incompressible_bodies_are_sent_as_they_are() -> None:
    noise = np.random.default_rng(0).random(10_000).tolist()
    body, encoding = encode_body(
        encode_batch(RunBatch(RUN, columns={"x": (list(range(10_000)), noise)}))
    )
    assert encoding == "identity"
    body, encoding = encode_body({"text": "same words again " * 1000})
    assert encoding == "deflate" and len(body) < 1000


def test_a_large_noisy_body_is_judged_on_a_sample_not_deflated_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deflating a 160 kB batch of noisy floats to send it as it is cost the client
    ~190 ns a point (issue 20): a slice decides. A large compressible body is still
    deflated whole."""
    from runyard.store import wire

    deflated: list[int] = []
    real = zlib.compress

    def counting(data: bytes, level: int = -1) -> bytes:
        deflated.append(len(data))
        return real(data, level)

    monkeypatch.setattr(wire.zlib, "compress", counting)
    noise = np.random.default_rng(0).normal(size=(20, 1000))
    batch = RunBatch(RUN, columns={f"m{k}": (np.arange(1000), noise[k]) for k in range(20)})
    raw = pack(encode_batch(batch))
    body, encoding = wire.compress_body(raw)
    assert (body, encoding) == (raw, "identity")
    assert sum(deflated) <= 16 << 10
    deflated.clear()
    smooth = pack({"text": "same words again " * 20_000})
    body, encoding = wire.compress_body(smooth)
    assert encoding == "deflate" and zlib.decompress(body) == smooth
    assert sum(deflated) > len(smooth)


def test_read_results_come_back_as_they_went() -> None:
    record = RunRecord(
        RUN,
        display_name="x",
        summary={"loss": math.inf},
        summary_state={"r": [1]},
        metrics=[{"name": "loss"}],
        tags=["t"],
        last_step=9,
        exit_code=1,
        sessions=2,
    )
    assert decode_record(unpack(pack(encode_record(record)))) == record
    series = Series("k", np.arange(3), np.array([1, 2, 3], dtype=np.int64))
    back = decode_series(unpack(pack(encode_series(series))))
    assert back.values.dtype == np.int64 and back.values.tolist() == [1, 2, 3]
    back.values[0] = 5  # a private, writable copy
    rollup = Rollup("k", np.arange(2), np.ones(2), np.zeros(2), np.ones(2), np.array([64, 3]))
    rolled = decode_rollup(unpack(pack(encode_rollup(rollup))))
    assert rolled.count.tolist() == [64, 3] and rolled.vmax.dtype == np.float64
    stats = ProjectStats("e", "p", 3, None)
    assert decode_stats(unpack(pack(encode_stats(stats)))) == stats


def test_body_encodings() -> None:
    data = pack({"a": 1})
    assert decode_body(data, None, 100) == {"a": 1}
    assert decode_body(data, "identity", 100) == {"a": 1}
    assert decode_body(zlib.compress(data), "deflate", 100) == {"a": 1}
    assert decode_body(gzip.compress(data), "gzip", 100) == {"a": 1}
    with pytest.raises(UnsupportedEncoding, match="unsupported Content-Encoding 'br'"):
        decode_body(data, "br", 100)
    with pytest.raises(WireError, match="not valid deflate"):
        decode_body(b"not zlib at all", "deflate", 100)
    with pytest.raises(WireError, match="truncated deflate"):
        decode_body(zlib.compress(data * 50)[:-8], "deflate", 10_000)
    with pytest.raises(WireError, match="not valid msgpack"):
        decode_body(b"\xc1", None, 100)


def test_a_small_body_inflating_past_the_limit_is_refused() -> None:
    bomb = zlib.compress(b"\0" * 1_000_000)
    assert len(bomb) < 2000
    with pytest.raises(BodyTooLarge, match="inflates to more than 100000 bytes"):
        decode_body(bomb, "deflate", 100_000)


def wire(**changes: Any) -> dict[str, Any]:
    obj = encode_batch(RunBatch(RUN, columns={"x": ([0, 5], [1.0, 2.0])}, journal=("j", 9)))
    obj.update(changes)
    return obj


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([1, 2], "a batch must be a map, got list"),
        (wire(v=2), "unsupported batch version 2"),
        (wire(extra=1), r"unknown batch fields \['extra'\]"),
        (wire(run=["ent", "proj", "other"]), "batch is for run 'ent/proj/other'"),
        (wire(run="ent/proj/run1"), r"run must be \[entity, project, run_id\]"),
        (wire(config=[1]), "config must be a map"),
        (wire(summary_set=[[[], 1]]), "summary_set paths must be non-empty lists of strings"),
        (wire(truncate_after="3"), "truncate_after must be a 64-bit integer, got '3'"),
        (wire(journal_start=2**64), "journal_start must be a 64-bit integer"),
        (wire(journal=None, journal_start=3), "journal_start needs a journal"),
        (wire(columns=[["x", {"r": [0, 3]}, [1.0]]]), "column 'x' has 3 steps but 1 values"),
        (wire(columns=[["x", {"r": [0, 10**12]}, [1.0]]]), "column 'x' has 1000000000000 steps"),
        (wire(columns=[["x", {"t": "<f4", "b": b"\0" * 4}, [1.0]]]), "unsupported dtype '<f4'"),
        (
            wire(columns=[["x", {"t": "<i8", "b": b"\0" * 7}, [1.0]]]),
            "7 bytes, not a multiple of 8",
        ),
        (wire(columns=[["x", {"r": [0, 1]}, "abc"]]), "values of column 'x' must be an array"),
        (wire(columns=[["x", {"r": [0, 1]}]]), r"columns entries must be \[key, steps, values\]"),
        (wire(console=[[0, "stdin", 1.0, "x"]]), "console line 0: stream must be stdout or stderr"),
        (wire(console=[[0, "stdout", "t", "x"]]), "ts of console line 0 must be a number"),
        (wire(console=[[0, "stdout", 1.0]]), r"console entries must be \[line, stream, ts, text\]"),
        (wire(system=[[0, 1.0, 2.0, {"cpu": "hot"}]]), "'cpu' of system sample 0 must be a number"),
        (wire(system=[[0, 1.0, 2.0, []]]), "values of system sample 0 must be a map"),
        (wire(metadata=[1]), "metadata must be a map"),
    ],
)
def test_bad_batches_are_refused_naming_the_bad_value(obj: Any, message: str) -> None:
    with pytest.raises(WireError, match=message):
        decode_batch(obj, RUN)


def test_a_large_batch_is_cut_into_parts_with_their_own_spans() -> None:
    rng = np.random.default_rng(0)
    batch = RunBatch(
        RUN,
        create={"display_name": "x"},
        config={"lr": 0.1},
        truncate_after=3,
        columns={
            "a": (list(range(10_000)), rng.random(10_000).tolist()),
            "b": (list(range(0, 20_000, 2)), list(range(10_000))),
            "s": (list(range(100)), [f"text {i}" for i in range(100)]),
        },
        journal=("j", 1000),
        journal_start=500,
        journal_done=True,
    )
    wire = encode_batch(batch)
    parts = split_batch(wire, 80_000)
    assert len(parts) > 4
    assert all(len(pack(p)) < 80_000 for p in parts)
    spans = [(p["journal_start"], p["journal"][1]) for p in parts]
    assert spans[0][0] == 500 and spans[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert "create" in parts[0] and "truncate_after" in parts[0]
    assert all("create" not in p and "config" not in p for p in parts[1:-1])
    assert parts[-1]["config"] == {"lr": 0.1} and parts[-1]["journal_done"] is True
    assert not any(p.get("journal_done") for p in parts[:-1])
    # Decoded and put back together, the parts hold exactly the batch's history.
    merged: dict[str, tuple[list[Any], list[Any]]] = {}
    for part in parts:
        for key, (steps, values) in decode_batch(part, RUN).columns.items():
            into = merged.setdefault(key, ([], []))
            into[0].extend(list(steps))
            into[1].extend(list(values))
    assert merged == {k: (list(s), list(v)) for k, (s, v) in batch.columns.items()}
    # The same batch is always cut the same way (a retry resumes after the last part).
    assert split_batch(encode_batch(batch), 80_000) == parts
    # Never more than MAX_PARTS parts: offsets inside a batch stay off frame boundaries.
    fewer = split_batch(encode_batch(batch), 10_000)
    assert 4 < len(fewer) <= MAX_PARTS
    assert [p["journal_start"] for p in fewer] == list(range(500, 500 + len(fewer)))


def test_a_batch_that_cannot_get_spans_stays_whole() -> None:
    columns = {"a": (list(range(10_000)), [0.5] * 10_000)}
    no_start = encode_batch(RunBatch(RUN, columns=columns, journal=("j", 1000)))
    assert split_batch(no_start, 10_000) == [no_start]
    narrow = encode_batch(RunBatch(RUN, columns=columns, journal=("j", 2), journal_start=1))
    assert split_batch(narrow, 10_000) == [narrow]
    small = encode_batch(RunBatch(RUN, columns=columns, journal=("j", 900), journal_start=1))
    assert split_batch(small, 1 << 20) == [small]


def test_artifact_batches_and_records_come_back_as_they_went() -> None:
    from runyard.store.base import (
        ArtifactCollection,
        ArtifactCommit,
        ArtifactFile,
        ArtifactLink,
        ArtifactRecord,
        ArtifactUse,
    )
    from runyard.store.wire import (
        decode_artifact,
        decode_collection,
        encode_artifact,
        encode_collection,
    )

    entries = [
        ArtifactFile("a/b.bin", "ab" * 32, 7, extra={"k": [1, 2.5]}),
        ArtifactFile("ref", None, None, ref="s3://b/k", checksum="etag"),
    ]
    batch = RunBatch(
        RunRef("e", "p", "r"),
        artifacts=[ArtifactCommit("c1", "data", "dataset", entries, "desc", {"m": 1}, ["best"])],
        artifact_uses=[ArtifactUse("e", "p", "data", "v0", "dataset"), ArtifactUse(client_id="c1")],
        artifact_links=[ArtifactLink("e/model-registry/x", ["prod"], source="e/p/data:v0")],
    )
    again = decode_batch(unpack(pack(encode_batch(batch))))
    assert (again.artifacts, again.artifact_uses, again.artifact_links) == (
        batch.artifacts,
        batch.artifact_uses,
        batch.artifact_links,
    )
    record = ArtifactRecord(
        3,
        "e",
        "p",
        "data",
        "dataset",
        2,
        "cd" * 32,
        None,
        {"acc": math.inf},
        ["latest"],
        7,
        1,
        5.0,
        RunRef("e", "p", "r"),
        ("e", "p", "src", "v1"),
    )
    assert decode_artifact(unpack(pack(encode_artifact(record)))) == record
    collection = ArtifactCollection("e", "p", "data", "dataset", version_count=3)
    assert decode_collection(unpack(pack(encode_collection(collection)))) == collection


@pytest.mark.parametrize(
    ("artifacts", "message"),
    [
        (
            [
                {
                    "client_id": "c",
                    "name": "n",
                    "type": "t",
                    "entries": [["p", 1, 2, None, None, None]],
                }
            ],
            "digest of manifest entry 'p'",
        ),
        ([{"client_id": "c", "name": "n\0", "type": "t"}], "name holds a NUL"),
        (
            [{"client_id": "c", "name": "n", "type": "t", "aliases": [1]}],
            "aliases must be a list of strings",
        ),
        ([{"client_id": "c", "name": "n", "type": "t", "sneaky": 1}], "unknown fields"),
        ([{"name": "n", "type": "t"}], "needs client_id"),
    ],
)
def test_bad_artifact_commits_are_refused_naming_the_field(artifacts: Any, message: str) -> None:
    with pytest.raises(WireError, match=message):
        decode_batch({"v": 1, "run": ["e", "p", "r"], "artifacts": artifacts})
