from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from runyard.metrics.colors import (
    DEFAULT_BUCKETS,
    MISSING_COLOR,
    PALETTES,
    RUN_PALETTE,
    KeyColorSetting,
    assign_key_colors,
    assign_run_colors,
    bucket_edges,
    bucket_index,
    bucket_labels,
    fnv1a,
    format_edge,
    format_edges,
    key_value,
    ramp,
    valid_color,
    value_at,
)

#: Cases the web app's vitest suite checks too (web/src/lib/keyColors.test.ts).
GOLDEN = Path(__file__).resolve().parents[2] / "web" / "src" / "lib" / "keyColors.golden.json"


# -- buckets -------------------------------------------------------------------------


def test_edges_split_the_range_equally_and_boundaries_go_up() -> None:
    edges = bucket_edges([0.0, 1.0, 0.5], 4)
    assert edges == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [bucket_index(v, edges) for v in (0.0, 0.25, 0.5, 0.75, 1.0, 0.2499)] == [
        0,
        1,
        2,
        3,
        3,
        0,
    ]


def test_all_equal_and_single_values_make_one_bucket() -> None:
    assert bucket_edges([2.0, 2.0, 2.0], 5) == [2.0, 2.0]
    assert bucket_edges([7.0], 3) == [7.0, 7.0]
    equal = assign_key_colors({"a": 4.0, "b": 4.0}, 6)
    assert [b.runs for b in equal.buckets] == [["a", "b"]]
    single = assign_key_colors({"a": -1.0}, 2)
    assert [b.label for b in single.buckets] == ["-1"]
    assert single.bucket_of == {"a": 0}


def test_nan_is_missing_and_infinities_go_to_the_end_buckets() -> None:
    assert bucket_edges([math.nan, math.inf, -math.inf], 3) is None
    edges = bucket_edges([math.nan, -math.inf, 1.0, 3.0, math.inf], 2)
    assert edges == [1.0, 2.0, 3.0]
    assert bucket_index(math.inf, edges) == 1
    assert bucket_index(-math.inf, edges) == 0
    assert bucket_index(math.nan, edges) is None
    out = assign_key_colors({"a": 1.0, "b": math.nan, "c": 3.0, "d": None, "e": math.inf}, 2)
    assert out.missing == ["b", "d"]
    assert out.colors["b"] == out.colors["d"] == MISSING_COLOR
    assert out.bucket_of["e"] == 1


def test_negative_values() -> None:
    edges = bucket_edges([-4.0, -2.0], 2)
    assert edges == [-4.0, -3.0, -2.0]
    assert [bucket_index(v, edges) for v in (-4.0, -3.0001, -3.0, -2.0)] == [0, 0, 1, 1]
    assert bucket_labels(edges) == ["Min – -3", "-3 – Max"]


def test_two_and_eight_buckets_and_clamping() -> None:
    assert bucket_labels([0.0, 5.0, 10.0]) == ["Min – 5", "5 – Max"]
    eight = assign_key_colors({f"r{i}": float(i) for i in range(9)}, 8)
    assert [b.label for b in eight.buckets][::7] == ["Min – 1", "7 – Max"]
    assert eight.bucket_of["r8"] == 7
    assert len(assign_key_colors({f"r{i}": float(i) for i in range(20)}, 30).buckets) == 8
    assert len(assign_key_colors({"a": 0.0, "b": 1.0}, 1).buckets) == 2


def test_labels_reproduce_the_seed_example() -> None:
    # seed 002: six buckets from Min – 0.7629 to 0.8409 – Max; the best run (0.8232) is
    # in bucket 5 and the worst shown (0.7684) in bucket 2.
    runs = {"low": 0.7434, "high": 0.8604, "best": 0.8232, "worst": 0.7684}
    out = assign_key_colors(runs, 6)
    assert [b.label for b in out.buckets] == [
        "Min – 0.7629",
        "0.7629 – 0.7824",
        "0.7824 – 0.8019",
        "0.8019 – 0.8214",
        "0.8214 – 0.8409",
        "0.8409 – Max",
    ]
    assert out.bucket_of["best"] == 4
    assert out.bucket_of["worst"] == 1
    assert out.buckets[0].lo == 0.7434 and out.buckets[-1].hi == 0.8604


def test_categorical_values_get_one_palette_colour_each() -> None:
    out = assign_key_colors({"a": "sgd", "b": "adam", "c": True, "d": "adam", "e": None}, 3)
    assert out.kind == "categorical"
    assert [b.label for b in out.buckets] == ["true", "adam", "sgd"]
    assert [b.color for b in out.buckets] == list(RUN_PALETTE[:3])
    assert out.colors["b"] == out.colors["d"]
    assert out.missing == ["e"]
    # ints are numbers, not categories
    assert assign_key_colors({"a": 1, "b": "x"}).buckets[0].label == "1"


def test_no_values_is_empty() -> None:
    out = assign_key_colors({"a": None, "b": math.inf})
    assert out.kind == "empty"
    assert out.buckets == []
    assert out.missing == ["a", "b"]


def test_labels_of_one_legend_share_their_decimals() -> None:
    assert format_edges([0.8017, 0.83, 0.8583], 0.0283) == ["0.8017", "0.8300", "0.8583"]
    assert format_edges([1.0, 2.0], 1.0) == ["1", "2"]
    assert format_edges([-1e-20, 0.5], 0.5) == ["-1e-20", "0.5"]
    assert bucket_edges([-0.3, 0.5], 8)[3] == 0.0  # not 5.6e-17
    assert bucket_labels(bucket_edges([-0.3, 0.5], 8))[3] == "0.0 – 0.1"


def test_format_edge() -> None:
    assert format_edge(1795413116.4, 60) == "1795413116"
    assert format_edge(1795413116.45, 0.05) == "1795413116.45"
    assert format_edge(-1.58333) == "-1.583"
    assert format_edge(12.125) == "12.13"  # ties away from zero, as JavaScript's toFixed
    assert format_edge(0.0) == "0"
    assert format_edge(math.inf) == "Infinity"
    assert format_edge(1e23) == "1e+23"


def test_ramp_goes_light_to_dark() -> None:
    with pytest.raises(ValueError, match="'rainbow'"):
        ramp("rainbow", 3)
    assert ramp("viridis", 2) == [PALETTES["viridis"][0], PALETTES["viridis"][-1]]
    assert ramp("viridis", 1) == [PALETTES["viridis"][4]]
    for name in PALETTES:
        shades = ramp(name, 8)
        light = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in shades]
        assert light == sorted(light, reverse=True), name


def _contrast_on_white(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_the_lightest_bucket_shows_on_white() -> None:
    """Issue 18, defect 11: viridis' yellow end (#fde725, 1.26:1 on white) was a
    nearly invisible line; every palette's lightest colour has at least 2:1."""
    for name in PALETTES:
        lightest = ramp(name, 8)[0]
        assert _contrast_on_white(lightest) >= 2.0, (name, lightest)


# -- the setting and values ---------------------------------------------------------------


def test_setting_reads_leniently_and_overrides_strictly() -> None:
    assert KeyColorSetting.from_json(None) == KeyColorSetting()
    saved = KeyColorSetting.from_json(
        {"enabled": True, "key": "acc", "y": "median", "buckets": True, "palette": "magma"}
    )
    assert saved == KeyColorSetting(True, "acc", "latest", DEFAULT_BUCKETS, "magma")
    assert saved.active
    assert not KeyColorSetting(enabled=True).active
    changed = KeyColorSetting().with_overrides(key="loss", y="Max", buckets=2, palette="cividis")
    assert changed == KeyColorSetting(True, "loss", "max", 2, "cividis")
    assert KeyColorSetting.from_json(changed.to_json()) == changed
    with pytest.raises(ValueError, match="'median'"):
        saved.with_overrides(y="median")
    with pytest.raises(ValueError, match="invalid buckets 9"):
        saved.with_overrides(buckets=9)
    with pytest.raises(ValueError, match="'rainbow'"):
        saved.with_overrides(palette="rainbow")
    with pytest.raises(ValueError, match="empty"):
        saved.with_overrides(key="")


def test_values_and_paths() -> None:
    assert key_value({"$float": "Infinity"}) == math.inf
    assert math.isnan(key_value({"$float": "NaN"}))  # type: ignore[arg-type]
    assert key_value({"a": 1}) is None
    assert key_value(2) == 2.0 and isinstance(key_value(2), float)
    doc = {"model": {"depth": 4, "act": {"_type": "x"}}, "opt": "adam", "empty": {}}
    assert value_at(doc, "model.depth") == 4
    assert value_at(doc, "model.act") == {"_type": "x"}
    assert value_at(doc, "model") is None
    assert value_at(doc, "empty") == {}
    assert value_at(None, "x") is None


def test_run_colors() -> None:
    assert fnv1a("") == 0x811C9DC5
    assert valid_color("red") == "red"
    assert valid_color(3) is None
    runs = [(f"r{i}", float(i), None) for i in range(len(RUN_PALETTE))]
    assert len(set(assign_run_colors(runs).values())) == len(RUN_PALETTE)


def test_run_colors_come_in_sequence() -> None:
    """Issue 18, defect 1: two runs got #009E73 and #117733 (two greens) from hashed
    slots; the palette is handed out in creation order instead, as W&B does."""
    colors = assign_run_colors([("zz", 2.0, None), ("aa", 1.0, None)])
    assert colors == {"aa": RUN_PALETTE[0], "zz": RUN_PALETTE[1]}
    assert RUN_PALETTE[:2] == ("#0072B2", "#E69F00")  # blue, orange
    runs = [(f"r{i}", float(i), None) for i in range(len(RUN_PALETTE) + 1)]
    assert assign_run_colors(runs)[f"r{len(RUN_PALETTE)}"] == RUN_PALETTE[0]  # a new round


# -- golden cases shared with the web app ------------------------------------------------


def _decode(value: Any) -> Any:
    return key_value(value) if isinstance(value, dict) else value


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


def test_golden_assignments(golden: dict[str, Any]) -> None:
    assert len(golden["assign"]) >= 10
    for case in golden["assign"]:
        values = {run: _decode(v) for run, v in case["values"]}
        out = assign_key_colors(values, case["buckets"], case["palette"])
        expected = case["expected"]
        assert out.kind == expected["kind"], case["name"]
        got = [
            {"label": b.label, "color": b.color, "runs": b.runs, "min": b.lo, "max": b.hi}
            for b in out.buckets
        ]
        assert got == expected["buckets"], case["name"]
        assert out.bucket_of == dict(expected["bucket_of"]), case["name"]
        assert out.missing == expected["missing"], case["name"]


def test_golden_formatting_and_ramps(golden: dict[str, Any]) -> None:
    for x, width, digits, text in golden["format_edge"]:
        assert format_edge(x, width, digits) == text, x
    for edges, width, texts in golden["format_edges"]:
        assert format_edges(edges, width) == texts, edges
    for palette, n, colors in golden["ramp"]:
        assert ramp(palette, n) == colors


def test_golden_run_colors(golden: dict[str, Any]) -> None:
    for case in golden["run_colors"]:
        runs = [(r[0], r[1], r[2]) for r in case["runs"]]
        assert assign_run_colors(runs, case["custom"]) == case["expected"]
