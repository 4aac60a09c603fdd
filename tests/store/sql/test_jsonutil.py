"""JSON documents of the SQL store: non-finite floats, and documents too deep to read."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from runyard.store.sql.jsonutil import MAX_READ_DEPTH, MAX_WRITE_DEPTH, _text, dumps, loads


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"k": [value]}
    return value


def depth_of(value: Any) -> int:
    depth = 0
    while isinstance(value, dict | list):
        value = value["k"] if isinstance(value, dict) else value[0]
        depth += 1
    return depth


def test_non_finite_floats_round_trip() -> None:
    back = loads(dumps({"a": [math.nan, math.inf, -math.inf]}))
    assert math.isnan(back["a"][0]) and back["a"][1:] == [math.inf, -math.inf]


def test_a_document_too_deep_reads_with_its_deep_part_as_text() -> None:
    back = loads(dumps({"deep": nested(200), "s": "[[[[{{{{" * 50}))
    assert depth_of(back["deep"]) == MAX_READ_DEPTH - 1
    inner = back["deep"]
    for _ in range(MAX_READ_DEPTH - 1):
        inner = inner["k"] if isinstance(inner, dict) else inner[0]
    assert isinstance(inner, str) and inner.startswith(('{"k":', '[{"k":'))
    assert back["s"] == "[[[[{{{{" * 50  # brackets in strings do not count


def test_the_deepest_document_written_reads_back_and_deeper_is_refused() -> None:
    deepest = {"deep": nested(MAX_WRITE_DEPTH // 2 - 1)}  # (two containers a level)
    back, inner = loads(dumps(deepest))["deep"], deepest["deep"]
    for _ in range(MAX_READ_DEPTH - 1):
        back = back["k"] if isinstance(back, dict) else back[0]
        inner = inner["k"] if isinstance(inner, dict) else inner[0]
    assert isinstance(back, str) and back == dumps(inner)
    for depth in (MAX_WRITE_DEPTH // 2 + 1, 5_000):  # (Python's json recursed past ~1,000)
        with pytest.raises(ValueError, match=f"nested deeper than {MAX_WRITE_DEPTH} levels"):
            dumps({"deep": nested(depth)})


def test_the_deep_part_as_text_is_what_dumps_writes() -> None:
    doc = {"a": [1, 2.5, math.nan, -math.inf, None, True, 'é"x'], "b": {}, "c": [[], {"d": 1}]}
    assert _text(doc) == dumps(doc)
    assert loads(_text(doc))["a"][3] == -math.inf


def test_documents_within_the_depth_and_many_brackets_are_unchanged() -> None:
    wide = {"h": [{"values": [1, 2], "bins": [[0.5]]} for _ in range(200)]}
    assert loads(dumps(wide)) == wide
    assert loads(dumps(nested(MAX_READ_DEPTH // 2))) == nested(MAX_READ_DEPTH // 2)


def test_integers_beyond_64_bits_still_read() -> None:
    # orjson (the fast path) refuses them; the json module reads them
    assert loads('{"big": 123456789012345678901234567890, "x": [1.5]}') == {
        "big": 123456789012345678901234567890,
        "x": [1.5],
    }


@pytest.mark.parametrize(
    "text",
    [
        "123456789012345678901234567890",
        '{"a": {"b": [1, 2, [-99999999999999999999999]]}}',
        "[18446744073709551616, 0.5]",
        '{"uint64": 18446744073709551615, "int64": -9223372036854775808}',
        '{"big float": 1e+300, "small": -2.5e+19, "digits": "12345678901234567890123"}',
    ],
)
def test_numbers_read_exactly_as_json_reads_them(text: str) -> None:
    """Integers of any size (in nested containers too), 64-bit edges, large floats and
    digits in strings read exactly as the json module reads them."""
    expected = json.loads(text)
    value = loads(text)
    assert value == expected
    assert repr(value) == repr(expected)  # types too: an int stays an int


def test_lone_surrogates_and_unicode_read_as_json_reads_them() -> None:
    text = dumps({"s": "\ud800", "t": "café ✓"})
    assert loads(text) == {"s": "\ud800", "t": "café ✓"}


def test_empty_documents_are_fresh_containers() -> None:
    first, second = loads("{}"), loads("{}")
    assert first == {} and loads("[]") == []
    first["x"] = 1  # a caller may fill what it read: the next read is still empty
    assert second == {} and loads("{}") == {}
